using System.Text.Json.Nodes;

namespace Beacon.Kubernetes.Testing.Api;

/// <summary>The discovery documents kube-apiserver serves under <c>/api</c>, <c>/apis</c> and <c>/version</c>.</summary>
internal static class Discovery
{
    private static readonly string[] s_verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "34",
        ["gitVersion"] = "v1.34.0",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2025-08-27T00:00:00Z",
        ["goVersion"] = "go1.24.6",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject GroupList(IReadOnlyList<ResourceKind> kinds)
    {
        var groups = new JsonArray();
        foreach (var group in kinds.Where(k => k.Group.Length > 0).GroupBy(k => k.Group).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            groups.Add(Group(group.Key, group));
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    public static JsonObject Group(string name, IEnumerable<ResourceKind> kinds)
    {
        var versions = new JsonArray();
        foreach (var version in kinds.Select(k => k.Version).Distinct().Order(StringComparer.Ordinal))
        {
            versions.Add(new JsonObject { ["groupVersion"] = $"{name}/{version}", ["version"] = version });
        }

        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = name,
            ["versions"] = versions,
            ["preferredVersion"] = versions[0]!.DeepClone(),
        };
    }

    public static JsonObject ResourceList(string groupVersion, IEnumerable<ResourceKind> kinds)
    {
        var resources = new JsonArray();
        foreach (var kind in kinds.OrderBy(k => k.Plural, StringComparer.Ordinal))
        {
            var resource = new JsonObject
            {
                ["name"] = kind.Plural,
                ["singularName"] = kind.Singular,
                ["namespaced"] = kind.Namespaced,
                ["kind"] = kind.Kind,
                ["verbs"] = new JsonArray([.. s_verbs.Select(v => (JsonNode)v)]),
            };
            if (kind.ShortNames.Count > 0)
            {
                resource["shortNames"] = new JsonArray([.. kind.ShortNames.Select(v => (JsonNode)v)]);
            }

            resources.Add(resource);
            if (kind.HasStatus)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = kind.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = kind.Namespaced,
                    ["kind"] = kind.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = groupVersion,
            ["resources"] = resources,
        };
    }
}
