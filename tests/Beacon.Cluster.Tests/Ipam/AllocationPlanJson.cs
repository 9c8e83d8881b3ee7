using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Beacon.Cluster.Ipam;

namespace Beacon.Cluster.Tests.Ipam;

/// <summary>A stable JSON form of an allocation plan, for golden files.</summary>
internal static class AllocationPlanJson
{
    private static readonly JsonSerializerOptions s_options = new() { WriteIndented = true };

    public static string Serialize(AllocationPlan plan)
    {
        var root = new JsonObject
        {
            ["services"] = new JsonArray([.. plan.Services.Select(s => (JsonNode)new JsonObject
            {
                ["service"] = $"{s.Namespace}/{s.Name}",
                ["addresses"] = new JsonArray([.. s.Addresses.Select(a => (JsonNode)a.ToString())]),
                ["changed"] = s.Changed,
                ["condition"] = Condition(s.Condition),
            })]),
            ["pools"] = new JsonArray([.. plan.Pools.Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p.Name,
                ["counts"] = new JsonArray([.. p.Counts.Select(c => (JsonNode)new JsonObject
                {
                    ["family"] = c.Family.ToString(),
                    ["total"] = c.Total.ToString(CultureInfo.InvariantCulture),
                    ["used"] = c.Used.ToString(CultureInfo.InvariantCulture),
                    ["available"] = c.Available.ToString(CultureInfo.InvariantCulture),
                })]),
                ["conditions"] = new JsonArray([.. p.Conditions.Select(Condition)]),
            })]),
            ["events"] = new JsonArray([.. plan.Events.Select(e => (JsonNode)new JsonObject
            {
                ["type"] = e.Type,
                ["reason"] = e.Reason,
                ["object"] = e.Object.ToString(),
                ["field"] = e.Field,
                ["message"] = e.Message,
            })]),
        };
        return root.ToJsonString(s_options).ReplaceLineEndings("\n") + "\n";
    }

    private static JsonNode Condition(AllocationCondition c) => new JsonObject
    {
        ["type"] = c.Type,
        ["status"] = c.StatusText,
        ["reason"] = c.Reason,
        ["message"] = c.Message,
    };
}
