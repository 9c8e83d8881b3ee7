using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Beacon.Cluster.Model;
using Beacon.Cluster.Validation;
using k8s;
using k8s.Models;

namespace Beacon.Cluster.Tests.Deploy;

/// <summary>
/// The API server (CRD schema) and the agent (ObjectValidator) must draw the same lines:
/// every integer range and enum in a spec schema is tried just inside and just outside
/// its bounds, and the validator must accept and reject that field exactly as the schema does.
/// </summary>
public sealed class SchemaValidatorAgreementTests
{
    // Smallest valid objects; a probed field is written into them, creating what is missing.
    private static readonly Dictionary<Type, string> s_baseObjects = new()
    {
        [typeof(BgpClusterConfig)] = """{"spec":{"localASN":64512,"peers":[{"name":"a","peerAddress":"198.51.100.1"}]}}""",
        [typeof(BgpPeerConfig)] = """{"spec":{}}""",
        [typeof(BgpAdvertisement)] = """{"spec":{"advertisements":[{"type":"Service","service":{"addresses":["LoadBalancerIP"]}}]}}""",
        [typeof(LoadBalancerIpPool)] = """{"spec":{"blocks":[{"cidr":"203.0.113.0/24"}]}}""",
    };

    // Fields whose bounds depend on another field, which the schema checks in CEL: the
    // keepalive is 0 only with a hold time of 0, and otherwise less than the hold time.
    // Only their rejections outside the bounds are probed.
    private static readonly HashSet<string> s_crossFieldBounds = new(StringComparer.Ordinal) { "spec.timers.keepaliveTimeSeconds" };

    public static TheoryData<string> SpecTypes => [.. s_baseObjects.Keys.Select(type => type.FullName!)];

    [Theory]
    [MemberData(nameof(SpecTypes))]
    public void The_validator_accepts_and_rejects_what_the_schema_does(string typeName)
    {
        var type = s_baseObjects.Keys.Single(t => t.FullName == typeName);
        var spec = DeployFiles.CrdFor(type).Spec.Versions.Single().Schema.OpenAPIV3Schema.Properties["spec"];
        var disagreements = new List<string>();
        Assert.Empty(Validate(type, "spec", null));

        foreach (var (path, schema) in Leaves(spec, "spec"))
        {
            foreach (var (value, schemaAccepts) in Probes(path, schema))
            {
                var errors = Validate(type, path, value);
                if (errors.Count == 0 != schemaAccepts)
                {
                    disagreements.Add($"{path} = {value}: schema {(schemaAccepts ? "accepts" : "rejects")}, validator {(errors.Count == 0 ? "accepts" : "rejects")} {string.Join("; ", errors)}");
                }
            }
        }

        Assert.True(disagreements.Count == 0, string.Join('\n', disagreements));
    }

    [Theory]
    [InlineData("0:0")]
    [InlineData("65535:65535")]
    [InlineData("00065535:1")]
    [InlineData("65536:0")]
    [InlineData("1:65536")]
    [InlineData("99999:1")]
    [InlineData("1:2:3")]
    [InlineData(":1")]
    [InlineData("-1:2")]
    [InlineData(" 1:2")]
    [InlineData("no-export")]
    [InlineData("blackhole")]
    [InlineData("no-exports")]
    public void The_standard_community_pattern_accepts_what_the_validator_does(string community)
    {
        var schema = DeployFiles.CrdFor(typeof(BgpAdvertisement)).Spec.Versions.Single().Schema.OpenAPIV3Schema;
        var advertisement = DeployFiles.AsSchema(schema.Properties["spec"].Properties["advertisements"].Items)!;
        var standard = DeployFiles.AsSchema(advertisement.Properties["attributes"].Properties["communities"].Properties["standard"].Items)!;

        Assert.Equal(CommunityText.TryParseStandard(community, out _), Regex.IsMatch(community, standard.Pattern, RegexOptions.None, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Every_kind_with_a_spec_is_probed()
    {
        var withSpec = DeployFiles.CrdModelTypes.Where(type => type.GetProperty("Spec") is not null);

        Assert.Equal(withSpec.Select(t => t.Name).Order(StringComparer.Ordinal), s_baseObjects.Keys.Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    private static IEnumerable<(JsonNode Value, bool SchemaAccepts)> Probes(string path, V1JSONSchemaProps schema)
    {
        if (schema.Type == "integer")
        {
            var crossField = s_crossFieldBounds.Contains(path);
            if (schema.Minimum is { } min)
            {
                if (!crossField)
                {
                    yield return (JsonValue.Create((long)min), true);
                }

                yield return (JsonValue.Create((long)min - 1), false);
            }

            if (schema.Maximum is { } max)
            {
                if (!crossField)
                {
                    yield return (JsonValue.Create((long)max), true);
                }

                yield return (JsonValue.Create((long)max + 1), false);
            }
        }
        else if (schema.EnumProperty is { Count: > 0 } values)
        {
            foreach (var value in values)
            {
                yield return (JsonValue.Create(value.ToString())!, true);
            }

            yield return (JsonValue.Create("NotAValue"), false);
        }
    }

    /// <summary>Integer and enum fields under <paramref name="schema"/>, with the validator's path syntax.</summary>
    private static IEnumerable<(string Path, V1JSONSchemaProps Schema)> Leaves(V1JSONSchemaProps schema, string path)
    {
        if (schema.Type == "integer" || schema.EnumProperty is { Count: > 0 })
        {
            yield return (path, schema);
        }

        foreach (var (name, child) in schema.Properties ?? new Dictionary<string, V1JSONSchemaProps>())
        {
            foreach (var leaf in Leaves(child, $"{path}.{name}"))
            {
                yield return leaf;
            }
        }

        if (DeployFiles.AsSchema(schema.Items) is { } items)
        {
            foreach (var leaf in Leaves(items, $"{path}[0]"))
            {
                yield return leaf;
            }
        }
    }

    /// <summary>Validator errors about exactly <paramref name="path"/> after writing <paramref name="value"/> there.</summary>
    private static List<FieldError> Validate(Type type, string path, JsonNode? value)
    {
        var root = JsonNode.Parse(s_baseObjects[type])!.AsObject();
        var entity = DeployFiles.EntityOf(type);
        root["apiVersion"] = $"{entity.Group}/{entity.ApiVersion}";
        root["kind"] = entity.Kind;
        root["metadata"] = new JsonObject { ["name"] = "probe" };
        if (value is not null)
        {
            Set(root, path, value);
        }

        var deserialize = typeof(KubernetesJson).GetMethods()
            .Single(method => method.Name == nameof(KubernetesJson.Deserialize) && method.GetParameters()[0].ParameterType == typeof(string))
            .MakeGenericMethod(type);
        var obj = (IKubernetesObject<V1ObjectMeta>)deserialize.Invoke(null, [root.ToJsonString(), null])!;
        return [.. ObjectValidator.Validate(obj).Where(error => value is null || error.Field == path)];
    }

    private static void Set(JsonObject root, string path, JsonNode value)
    {
        JsonNode current = root;
        var segments = path.Split('.');
        for (var i = 0; i < segments.Length; i++)
        {
            var last = i == segments.Length - 1;
            var isItem = segments[i].EndsWith("[0]", StringComparison.Ordinal);
            var name = isItem ? segments[i][..^3] : segments[i];
            var parent = current.AsObject();
            if (isItem)
            {
                if (parent[name] is not JsonArray array)
                {
                    parent[name] = array = [];
                }

                if (last)
                {
                    array.Clear();
                    array.Add(value);
                    return;
                }

                if (array.Count == 0)
                {
                    array.Add(new JsonObject());
                }

                current = array[0]!;
            }
            else if (last)
            {
                parent[name] = value;
            }
            else
            {
                current = parent[name] ??= new JsonObject();
            }
        }
    }
}
