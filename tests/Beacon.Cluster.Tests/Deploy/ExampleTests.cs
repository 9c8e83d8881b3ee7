using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Beacon.Cluster.Validation;
using k8s;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Beacon.Cluster.Tests.Deploy;

/// <summary>The shipped example configurations must be accepted by the agent and by the CRD schemas.</summary>
public sealed class ExampleTests
{
    public static TheoryData<string> ExampleFiles => [.. ExamplePaths()];

    [Fact]
    public void There_is_a_deploy_example()
    {
        Assert.Contains(ExamplePaths(), file => file.StartsWith(Path.Combine("deploy", "examples"), StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Example_objects_pass_the_agents_validation(string file)
    {
        var objects = KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(DeployFiles.RepositoryRoot, file)), KnownKinds.TypeMap.ToDictionary());

        Assert.NotEmpty(objects);
        foreach (var obj in objects.Cast<IKubernetesObject<V1ObjectMeta>>())
        {
            var errors = ObjectValidator.Validate(obj);
            Assert.True(errors.Count == 0, $"{obj.Kind} {obj.Metadata.Name}: {string.Join("; ", errors)}");
        }
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Example_beacon_objects_match_the_crd_schemas(string file)
    {
        var crds = DeployFiles.LoadCrds().ToDictionary(crd => $"{crd.Spec.Group}/{crd.Spec.Versions.Single().Name}/{crd.Spec.Names.Kind}");
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(DeployFiles.RepositoryRoot, file))));

        foreach (var document in stream.Documents)
        {
            var root = (YamlMappingNode)document.RootNode;
            var key = $"{Scalar(root, "apiVersion")}/{Scalar(root, "kind")}";
            if (crds.TryGetValue(key, out var crd))
            {
                var errors = new List<string>();
                SchemaCheck.Check(root, crd.Spec.Versions.Single().Schema.OpenAPIV3Schema, $"{file}: {key}", errors);
                Assert.True(errors.Count == 0, string.Join('\n', errors));
            }
        }
    }

    [Fact]
    public void The_schema_check_finds_unknown_fields_bad_enums_and_out_of_range_numbers()
    {
        // The check above must be able to fail: an API server would prune the unknown field
        // and reject the rest.
        var crd = DeployFiles.CrdFor(typeof(Beacon.Cluster.Model.BgpPeerConfig));
        var stream = new YamlStream();
        stream.Load(new StringReader("""
            apiVersion: beacon.dev/v1alpha1
            kind: BGPPeerConfig
            metadata: {name: p}
            spec:
              timer: {holdTimeSeconds: 9}
              ebgpMultihop: 256
              families: [{afi: ipv5, safi: unicast}]
              transport: {localAddress: 198.51.100}
            """));
        var errors = new List<string>();

        SchemaCheck.Check(stream.Documents[0].RootNode, crd.Spec.Versions.Single().Schema.OpenAPIV3Schema, "p", errors);

        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, error => error.Contains("spec.timer", StringComparison.Ordinal));
        Assert.Contains(errors, error => error.Contains("spec.ebgpMultihop", StringComparison.Ordinal));
        Assert.Contains(errors, error => error.Contains("spec.families[0].afi", StringComparison.Ordinal));
        Assert.Contains(errors, error => error.Contains("spec.transport.localAddress", StringComparison.Ordinal));
    }

    private static IEnumerable<string> ExamplePaths() =>
        new[] { Path.Combine("deploy", "examples"), Path.Combine("examples", "quickstart") }
            .SelectMany(directory => Directory.EnumerateFiles(Path.Combine(DeployFiles.RepositoryRoot, directory), "*.yaml"))
            .Select(file => Path.GetRelativePath(DeployFiles.RepositoryRoot, file))
            .Order(StringComparer.Ordinal);

    private static string? Scalar(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? (value as YamlScalarNode)?.Value : null;

    /// <summary>
    /// The part of the API server's OpenAPI validation that a YAML file can get wrong:
    /// unknown fields, types, required fields, enums, patterns, lengths, numeric ranges
    /// and IP formats. CEL rules are left to the API server (and ObjectValidator).
    /// </summary>
    private static class SchemaCheck
    {
        public static void Check(YamlNode node, V1JSONSchemaProps schema, string path, List<string> errors)
        {
            switch (schema.Type)
            {
                case "object":
                    CheckObject(node, schema, path, errors);
                    break;
                case "array" when node is YamlSequenceNode sequence:
                    if (sequence.Children.Count < schema.MinItems || sequence.Children.Count > schema.MaxItems)
                    {
                        errors.Add($"{path}: {sequence.Children.Count} items, outside [{schema.MinItems}, {schema.MaxItems}]");
                    }

                    for (var i = 0; i < sequence.Children.Count; i++)
                    {
                        Check(sequence.Children[i], DeployFiles.AsSchema(schema.Items)!, $"{path}[{i}]", errors);
                    }

                    break;
                case "string" or "integer" or "boolean" when node is YamlScalarNode scalar:
                    CheckScalar(scalar, schema, path, errors);
                    break;
                default:
                    errors.Add($"{path}: expected {schema.Type}, found {node.NodeType}");
                    break;
            }
        }

        private static void CheckObject(YamlNode node, V1JSONSchemaProps schema, string path, List<string> errors)
        {
            if (node is not YamlMappingNode mapping)
            {
                errors.Add($"{path}: expected an object");
                return;
            }

            var values = DeployFiles.AsSchema(schema.AdditionalProperties);
            foreach (var (keyNode, child) in mapping.Children)
            {
                var key = ((YamlScalarNode)keyNode).Value!;
                if (schema.Properties?.TryGetValue(key, out var property) == true)
                {
                    Check(child, property, $"{path}.{key}", errors);
                }
                else if (values is not null)
                {
                    Check(child, values, $"{path}.{key}", errors);
                }
                else if (schema.Properties is not null)
                {
                    errors.Add($"{path}.{key}: unknown field (the API server would drop it)");
                }
            }

            foreach (var required in schema.Required ?? [])
            {
                if (!mapping.Children.ContainsKey(new YamlScalarNode(required)))
                {
                    errors.Add($"{path}.{required}: required");
                }
            }
        }

        private static void CheckScalar(YamlScalarNode scalar, V1JSONSchemaProps schema, string path, List<string> errors)
        {
            var text = scalar.Value ?? "";
            var plain = scalar.Style is ScalarStyle.Plain or ScalarStyle.Any;
            switch (schema.Type)
            {
                case "integer":
                    if (!plain || !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                    {
                        errors.Add($"{path}: '{text}' is not an integer");
                    }
                    else if (number < schema.Minimum || number > schema.Maximum)
                    {
                        errors.Add($"{path}: {number} is outside [{schema.Minimum}, {schema.Maximum}]");
                    }

                    return;
                case "boolean":
                    if (!plain || text is not ("true" or "false"))
                    {
                        errors.Add($"{path}: '{text}' is not a boolean");
                    }

                    return;
            }

            if (plain && (text is "true" or "false" or "null" || long.TryParse(text, CultureInfo.InvariantCulture, out _)))
            {
                errors.Add($"{path}: '{text}' is read as a {(text is "null" ? "null" : "number or boolean")}, not a string; quote it");
            }

            if (schema.EnumProperty is { Count: > 0 } allowed && !allowed.Select(value => value?.ToString()).Contains(text))
            {
                errors.Add($"{path}: '{text}' is not one of {string.Join(", ", allowed)}");
            }

            if (schema.Pattern is { } pattern && !Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                errors.Add($"{path}: '{text}' does not match {pattern}");
            }

            if (text.Length < schema.MinLength || text.Length > schema.MaxLength)
            {
                errors.Add($"{path}: length {text.Length} is outside [{schema.MinLength}, {schema.MaxLength}]");
            }

            var formats = schema.AnyOf?.Select(alternative => alternative.Format).ToList() ?? [];
            if (schema.Format is { } format)
            {
                formats.Add(format);
            }

            if (formats.Count > 0 && !formats.Any(format => MatchesFormat(text, format)))
            {
                errors.Add($"{path}: '{text}' is not {string.Join(" or ", formats)}");
            }
        }

        private static bool MatchesFormat(string text, string format) => format switch
        {
            "ipv4" => ObjectValidator.TryParseIp(text, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork,
            "ipv6" => ObjectValidator.TryParseIp(text, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6,
            "date-time" => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, out _),
            _ => throw new InvalidOperationException($"format {format} is not checked here"),
        };
    }
}
