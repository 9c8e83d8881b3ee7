using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Beacon.Cluster.Tests.Deploy;

/// <summary>
/// Walks a C# model type and a CRD's OpenAPI schema side by side, by the JSON names the
/// client's serializer (System.Text.Json) writes, and lists every difference either way.
/// </summary>
internal static class ModelSchemaComparer
{
    public static IReadOnlyList<string> Compare(Type modelType, V1JSONSchemaProps schema)
    {
        var errors = new List<string>();
        Compare(modelType, schema, "", errors);
        return errors;
    }

    private static void Compare(Type type, V1JSONSchemaProps schema, string path, List<string> errors)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var where = path.Length == 0 ? "(root)" : path;
        if (type == typeof(string))
        {
            ExpectType(schema, "string", where, errors);
        }
        else if (type == typeof(bool))
        {
            ExpectType(schema, "boolean", where, errors);
        }
        else if (type == typeof(int))
        {
            ExpectInteger(schema, "int32", int.MinValue, int.MaxValue, where, errors);
        }
        else if (type == typeof(long))
        {
            ExpectInteger(schema, "int64", long.MinValue, long.MaxValue, where, errors);
        }
        else if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            ExpectType(schema, "string", where, errors);
            if (schema.Format != "date-time")
            {
                errors.Add($"{where}: the model holds a time, the schema format is '{schema.Format}', not date-time");
            }
        }
        else if (DictionaryValueType(type) is { } valueType)
        {
            ExpectType(schema, "object", where, errors);
            if (schema.Properties is { Count: > 0 })
            {
                errors.Add($"{where}: the model holds a map, the schema lists fixed properties");
            }

            if (DeployFiles.AsSchema(schema.AdditionalProperties) is { } values)
            {
                Compare(valueType, values, $"{path}{{}}", errors);
            }
            else
            {
                errors.Add($"{where}: the model holds a map, the schema has no additionalProperties schema");
            }
        }
        else if (ElementType(type) is { } elementType)
        {
            ExpectType(schema, "array", where, errors);
            if (DeployFiles.AsSchema(schema.Items) is { } items)
            {
                Compare(elementType, items, $"{path}[]", errors);
            }
            else
            {
                errors.Add($"{where}: the schema array has no items schema");
            }
        }
        else if (type.IsClass)
        {
            ExpectType(schema, "object", where, errors);
            CompareProperties(type, schema, path, errors);
        }
        else
        {
            errors.Add($"{where}: no schema mapping for model type {type.Name}");
        }
    }

    private static void CompareProperties(Type type, V1JSONSchemaProps schema, string path, List<string> errors)
    {
        var modelProperties = JsonProperties(type);
        var schemaProperties = schema.Properties ?? new Dictionary<string, V1JSONSchemaProps>();
        foreach (var (name, property) in modelProperties)
        {
            var childPath = path.Length == 0 ? name : $"{path}.{name}";
            if (!schemaProperties.TryGetValue(name, out var child))
            {
                errors.Add($"{childPath}: in the model ({type.Name}.{property.Name}), missing from the schema");
            }
            else if (path.Length == 0 && name == "metadata")
            {
                // ObjectMeta is the API server's own schema; a CRD declares it only as an object.
                ExpectType(child, "object", childPath, errors);
            }
            else
            {
                Compare(property.PropertyType, child, childPath, errors);
            }
        }

        foreach (var name in schemaProperties.Keys.Where(name => !modelProperties.ContainsKey(name)))
        {
            var childPath = path.Length == 0 ? name : $"{path}.{name}";
            errors.Add($"{childPath}: in the schema, missing from the model {type.Name}");
        }

        foreach (var name in schema.Required ?? [])
        {
            if (!schemaProperties.ContainsKey(name))
            {
                errors.Add($"{(path.Length == 0 ? "(root)" : path)}: requires '{name}', which the schema does not declare");
            }
        }
    }

    private static Dictionary<string, PropertyInfo> JsonProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(property => property.GetCustomAttribute<JsonIgnoreAttribute>() is not { Condition: JsonIgnoreCondition.Always })
            .Where(property => property.GetIndexParameters().Length == 0)
            .ToDictionary(
                property => property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name),
                StringComparer.Ordinal);

    private static void ExpectType(V1JSONSchemaProps schema, string expected, string where, List<string> errors)
    {
        if (schema.Type != expected)
        {
            errors.Add($"{where}: the model needs type {expected}, the schema says '{schema.Type}'");
        }
    }

    private static void ExpectInteger(V1JSONSchemaProps schema, string format, double min, double max, string where, List<string> errors)
    {
        ExpectType(schema, "integer", where, errors);
        if (schema.Format != format)
        {
            errors.Add($"{where}: the model holds {format}, the schema format is '{schema.Format}'");
        }

        // The API server accepts any integer in range; one the model cannot hold would make
        // the whole object unreadable to the agent. int32 fields must therefore be bounded.
        var unbounded = format == "int32" && (schema.Minimum is null || schema.Maximum is null);
        if (unbounded || schema.Minimum < min || schema.Maximum > max)
        {
            errors.Add($"{where}: the schema range [{schema.Minimum}, {schema.Maximum}] does not fit {format}");
        }
    }

    private static Type? DictionaryValueType(Type type) =>
        GenericInterface(type, typeof(IDictionary<,>)) is { } dictionary && dictionary.GetGenericArguments()[0] == typeof(string)
            ? dictionary.GetGenericArguments()[1]
            : null;

    private static Type? ElementType(Type type) =>
        type == typeof(string) ? null : GenericInterface(type, typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private static Type? GenericInterface(Type type, Type definition) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == definition
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition);
}
