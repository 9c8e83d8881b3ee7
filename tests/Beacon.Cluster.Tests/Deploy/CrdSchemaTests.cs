using Beacon.Cluster.Model;
using k8s.Models;

namespace Beacon.Cluster.Tests.Deploy;

/// <summary>deploy/crds must describe exactly the C# models the agent reads and writes.</summary>
public sealed class CrdSchemaTests
{
    public static TheoryData<string> ModelTypes => [.. DeployFiles.CrdModelTypes.Select(type => type.FullName!)];

    [Fact]
    public void There_is_one_crd_file_per_model_kind_and_no_other()
    {
        var kinds = DeployFiles.LoadCrds().Select(crd => crd.Spec.Names.Kind).Order(StringComparer.Ordinal);

        Assert.Equal(DeployFiles.CrdModelTypes.Select(type => DeployFiles.EntityOf(type).Kind).Order(StringComparer.Ordinal), kinds);
    }

    [Theory]
    [MemberData(nameof(ModelTypes))]
    public void Group_version_kind_plural_and_scope_match_the_model(string typeName)
    {
        var type = ModelType(typeName);
        var entity = DeployFiles.EntityOf(type);
        var crd = DeployFiles.CrdFor(type);

        Assert.Equal("apiextensions.k8s.io/v1", crd.ApiVersion);
        Assert.Equal(BeaconApi.Group, crd.Spec.Group);
        Assert.Equal(entity.Group, crd.Spec.Group);
        Assert.Equal(entity.PluralName, crd.Spec.Names.Plural);
        Assert.Equal($"{entity.PluralName}.{entity.Group}", crd.Metadata.Name);
        Assert.Equal(entity.Kind.ToLowerInvariant(), crd.Spec.Names.Singular);
        Assert.Equal($"{entity.Kind}List", crd.Spec.Names.ListKind);
        Assert.Equal(KnownKinds.IsNamespaced(type) ? "Namespaced" : "Cluster", crd.Spec.Scope);
        var version = Assert.Single(crd.Spec.Versions);
        Assert.Equal(entity.ApiVersion, version.Name);
        Assert.True(version.Served);
        Assert.True(version.Storage);
        Assert.True(KnownKinds.TypeMap.TryGetValue($"{entity.Group}/{entity.ApiVersion}/{entity.Kind}", out var mapped));
        Assert.Equal(type, mapped);
    }

    [Theory]
    [MemberData(nameof(ModelTypes))]
    public void Schema_and_model_have_the_same_fields_with_compatible_types(string typeName)
    {
        var type = ModelType(typeName);
        var schema = DeployFiles.CrdFor(type).Spec.Versions.Single().Schema.OpenAPIV3Schema;

        var differences = ModelSchemaComparer.Compare(type, schema);

        Assert.True(differences.Count == 0, $"{type.Name} and its CRD differ:\n{string.Join('\n', differences)}");
    }

    [Theory]
    [MemberData(nameof(ModelTypes))]
    public void Status_subresource_is_declared_exactly_for_models_with_status(string typeName)
    {
        var type = ModelType(typeName);
        var version = DeployFiles.CrdFor(type).Spec.Versions.Single();
        var hasStatus = type.GetProperty("Status") is not null;

        Assert.Equal(hasStatus, version.Subresources?.Status is not null);
        Assert.Equal(hasStatus, version.Schema.OpenAPIV3Schema.Properties.ContainsKey("status"));
    }

    [Theory]
    [MemberData(nameof(ModelTypes))]
    public void Crds_are_in_the_beacon_category_with_short_names_and_printer_columns(string typeName)
    {
        var crd = DeployFiles.CrdFor(ModelType(typeName));
        var version = crd.Spec.Versions.Single();

        Assert.Contains("beacon", crd.Spec.Names.Categories);
        Assert.NotEmpty(crd.Spec.Names.ShortNames);
        Assert.Contains(version.AdditionalPrinterColumns, column => column.Name == "Age" && column.JsonPath == ".metadata.creationTimestamp");
        var schema = version.Schema.OpenAPIV3Schema;
        foreach (var column in version.AdditionalPrinterColumns.Where(column => column.Name != "Age"))
        {
            // The column's path, without filters and wildcards, must lead to a declared field.
            var fields = column.JsonPath.TrimStart('.').Split('.', '[')
                .Where(part => part.Length > 0 && !part.StartsWith('*') && !part.StartsWith('?') && !part.EndsWith(']'))
                .Select(part => part.TrimEnd(']'));
            var current = schema;
            foreach (var field in fields)
            {
                current = DeployFiles.AsSchema(current.Items) ?? current;
                Assert.True(current.Properties?.ContainsKey(field) == true, $"column {column.Name}: {column.JsonPath} names no field '{field}'");
                current = current.Properties![field];
            }

            Assert.Equal(column.Type, current.Type);
        }
    }

    [Fact]
    public void List_map_keys_are_required_in_their_items()
    {
        foreach (var crd in DeployFiles.LoadCrds())
        {
            foreach (var (path, schema) in Walk(crd.Spec.Versions.Single().Schema.OpenAPIV3Schema, crd.Spec.Names.Kind))
            {
                if (schema.XKubernetesListType == "map")
                {
                    var items = DeployFiles.AsSchema(schema.Items)!;
                    Assert.NotEmpty(schema.XKubernetesListMapKeys);
                    Assert.All(schema.XKubernetesListMapKeys, key => Assert.True(items.Required?.Contains(key) == true, $"{path}: list-map key {key} is not required"));
                }
            }
        }
    }

    private static Type ModelType(string fullName) => DeployFiles.CrdModelTypes.Single(type => type.FullName == fullName);

    private static IEnumerable<(string Path, V1JSONSchemaProps Schema)> Walk(V1JSONSchemaProps schema, string path)
    {
        yield return (path, schema);
        foreach (var (name, child) in schema.Properties ?? new Dictionary<string, V1JSONSchemaProps>())
        {
            foreach (var descendant in Walk(child, $"{path}.{name}"))
            {
                yield return descendant;
            }
        }

        if (DeployFiles.AsSchema(schema.Items) is { } items)
        {
            foreach (var descendant in Walk(items, $"{path}[]"))
            {
                yield return descendant;
            }
        }
    }
}
