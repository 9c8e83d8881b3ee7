using System.Text.Json.Nodes;

namespace Beacon.Kubernetes.Testing.Api;

/// <summary>
/// The defaulting and allocation kube-apiserver applies to built-in kinds on create (pkg/apis/core/v1/defaults.go
/// and the Service REST storage): a Service gets its ClusterIP(s), IP families, policies and NodePorts, as in a
/// dual-stack cluster with service CIDRs 10.96.0.0/12 and fd00:10:96::/112.
/// </summary>
internal sealed class Defaults
{
    private readonly Lock _gate = new();
    private uint _nextIPv4 = (10u << 24) | (96u << 16) | 10u;
    private int _nextIPv6 = 10;
    private int _nextNodePort = 30000;

    public void OnCreate(ResourceKind kind, JsonObject obj)
    {
        if (kind.Group.Length != 0)
        {
            return;
        }

        switch (kind.Plural)
        {
            case "services":
                DefaultService(obj);
                break;
            case "secrets":
                obj["type"] ??= "Opaque";
                break;
        }
    }

    /// <summary>Fields the server allocated and a client's update left out are carried over, as Service updates do.</summary>
    public static void OnUpdate(ResourceKind kind, JsonObject current, JsonObject next)
    {
        if (kind.Group.Length != 0 || kind.Plural != "services" || current["spec"] is not JsonObject oldSpec)
        {
            return;
        }

        var spec = next["spec"] as JsonObject ?? [];
        next["spec"] = spec;
        foreach (var field in (string[])["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy", "sessionAffinity"])
        {
            if (spec[field] is null && oldSpec[field] is { } value)
            {
                spec[field] = value.DeepClone();
            }
        }
    }

    private void DefaultService(JsonObject obj)
    {
        var spec = obj["spec"] as JsonObject ?? [];
        obj["spec"] = spec;
        var type = spec["type"]?.ToString() ?? "ClusterIP";
        spec["type"] = type;
        spec["sessionAffinity"] ??= "None";
        obj["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
        if (type == "ExternalName")
        {
            return;
        }

        spec["internalTrafficPolicy"] ??= "Cluster";
        var policy = spec["ipFamilyPolicy"]?.ToString() ?? "SingleStack";
        spec["ipFamilyPolicy"] = policy;
        if (spec["ipFamilies"] is not JsonArray { Count: > 0 })
        {
            spec["ipFamilies"] = policy == "SingleStack" ? new JsonArray("IPv4") : new JsonArray("IPv4", "IPv6");
        }

        var families = spec["ipFamilies"]!.AsArray().Select(f => f!.ToString()).ToList();
        if (spec["clusterIP"]?.ToString() != "None" && spec["clusterIPs"] is not JsonArray { Count: > 0 })
        {
            var ips = new JsonArray();
            lock (_gate)
            {
                foreach (var family in families)
                {
                    ips.Add(family == "IPv6" ? $"fd00:10:96::{_nextIPv6++:x}" : FormatIPv4(_nextIPv4++));
                }
            }

            spec["clusterIPs"] = ips;
            spec["clusterIP"] = ips[0]!.DeepClone();
        }
        else if (spec["clusterIP"]?.ToString() == "None")
        {
            spec["clusterIPs"] = new JsonArray("None");
        }

        var external = type is "NodePort" or "LoadBalancer";
        if (external)
        {
            spec["externalTrafficPolicy"] ??= "Cluster";
        }

        if (type == "LoadBalancer")
        {
            spec["allocateLoadBalancerNodePorts"] ??= true;
        }

        foreach (var port in (spec["ports"] as JsonArray ?? []).OfType<JsonObject>())
        {
            port["protocol"] ??= "TCP";
            port["targetPort"] ??= port["port"]?.DeepClone();
            if (external && port["nodePort"] is null && spec["allocateLoadBalancerNodePorts"]?.GetValue<bool>() != false)
            {
                lock (_gate)
                {
                    port["nodePort"] = _nextNodePort++;
                }
            }
        }
    }

    private static string FormatIPv4(uint address) =>
        $"{address >> 24}.{(address >> 16) & 255}.{(address >> 8) & 255}.{address & 255}";
}
