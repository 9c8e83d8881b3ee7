using System.Text.Json.Nodes;
using Beacon.Cluster.Ipam;
using Beacon.Cluster.Model.GatewayApi;
using Beacon.Cluster.Validation;
using Beacon.Gateway.Status;
using Beacon.Gateway.Translation;
using k8s;
using GatewayObject = Beacon.Cluster.Model.GatewayApi.Gateway;

namespace Beacon.Agent.Gateway;

/// <summary>
/// How Beacon's computed status of a Gateway API object is merged into the status it has in
/// the API (pure). Other controllers may write to the same objects, so Beacon replaces only
/// what it owns:
/// <list type="bullet">
/// <item>Conditions are keyed by <c>type</c>: the types Beacon computes are replaced, any other
/// type is kept as it is (conformance: GatewayPreserveForeignConditions), after Beacon's.</item>
/// <item>GatewayClass: <c>supportedFeatures</c> is Beacon's. Gateway: <c>listeners</c> and
/// <c>addresses</c> are Beacon's. HTTPRoute: the <c>parents</c> entries whose
/// <c>controllerName</c> is Beacon's are replaced by the computed ones (so a parent no longer
/// referenced loses its entry); entries of other controllers are kept, first, in their order.</item>
/// <item>Every other status field is kept.</item>
/// <item><c>lastTransitionTime</c> is stamped by <see cref="ConditionTimes"/> against the
/// current status, so it moves only when a condition's status flips.</item>
/// </list>
/// The result of merging into a status that is already the merged one is that status again,
/// so a write never causes another.
/// </summary>
internal static class GatewayStatusMerge
{
    /// <summary>The status fields Beacon owns, by kind; absent from the computed status means removed.</summary>
    private static readonly Dictionary<string, string[]> s_owned = new(StringComparer.Ordinal)
    {
        [GatewayClass.KindName] = ["supportedFeatures"],
        [GatewayObject.KindName] = ["addresses", "listeners"],
        [HttpRoute.KindName] = [],
    };

    /// <summary>The status to write for an object of <paramref name="kind"/>.</summary>
    /// <param name="desired">Beacon's computed status (serialized), without <c>lastTransitionTime</c>; not modified.</param>
    /// <param name="current">The object's status as it is now, or null; not modified.</param>
    public static JsonObject Merge(string kind, JsonObject desired, JsonObject? current, DateTimeOffset now)
    {
        var merged = current?.DeepClone().AsObject() ?? [];
        var computed = desired.DeepClone().AsObject();
        if (kind == HttpRoute.KindName)
        {
            var parents = current?["parents"] as JsonArray ?? [];
            var ours = new JsonArray([.. parents.Where(IsOurs).Select(p => p!.DeepClone())]);
            ConditionTimes.Stamp(computed, new JsonObject { ["parents"] = ours }, now);
            var result = new JsonArray([.. parents.Where(p => !IsOurs(p)).Select(p => p!.DeepClone())]);
            foreach (var parent in computed["parents"] as JsonArray ?? [])
            {
                result.Add(parent!.DeepClone());
            }

            merged["parents"] = result;
            return merged;
        }

        ConditionTimes.Stamp(computed, current, now);
        foreach (var field in s_owned[kind])
        {
            if (computed[field] is { } value)
            {
                merged[field] = value.DeepClone();
            }
            else
            {
                merged.Remove(field);
            }
        }

        var conditions = new JsonArray();
        var types = new HashSet<string>(StringComparer.Ordinal);
        foreach (var condition in computed["conditions"] as JsonArray ?? [])
        {
            types.Add(condition?["type"]?.GetValue<string>() ?? string.Empty);
            conditions.Add(condition!.DeepClone());
        }

        foreach (var condition in current?["conditions"] as JsonArray ?? [])
        {
            if (!types.Contains(condition?["type"]?.GetValue<string>() ?? string.Empty))
            {
                conditions.Add(condition!.DeepClone());
            }
        }

        merged["conditions"] = conditions;
        return merged;
    }

    /// <summary>
    /// Puts the allocator's address into a Gateway's computed status: a Gateway that asks for an
    /// assigned address has in <c>status.addresses</c> the IP literals of its
    /// <c>spec.addresses</c> and then the allocated one, whether or not it is served yet, so
    /// the address stays the Gateway's across leaders (the allocator reads it back from there).
    /// </summary>
    public static void SetAssignedAddresses(JsonObject desired, GatewayObject gateway, GatewayAllocation allocation)
    {
        var addresses = new List<string>();
        foreach (var entry in gateway.Spec.Addresses ?? [])
        {
            if ((entry.Type ?? GatewayAddressTypes.IPAddress) == GatewayAddressTypes.IPAddress
                && ObjectValidator.TryParseIp(entry.Value, out var literal))
            {
                addresses.Add(literal.ToString());
            }
        }

        addresses.AddRange(allocation.Addresses.Select(a => a.ToString()));
        var distinct = addresses.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 0)
        {
            desired.Remove("addresses");
            return;
        }

        desired["addresses"] = new JsonArray([.. distinct.Select(a => (JsonNode)new JsonObject
        {
            ["type"] = GatewayAddressTypes.IPAddress,
            ["value"] = a,
        })]);
    }

    /// <summary>An object's status as JSON, the way the client writes it, so computed and current compare field by field.</summary>
    public static JsonObject? ToJson(object? status) =>
        status is null ? null : JsonNode.Parse(KubernetesJson.Serialize(status)) as JsonObject;

    private static bool IsOurs(JsonNode? parent) =>
        parent?["controllerName"] is JsonValue name && name.TryGetValue<string>(out var text) && text == GatewayTranslator.ControllerName;
}
