using System.Globalization;
using System.Text.Json.Nodes;

namespace Beacon.Gateway.Status;

/// <summary>
/// Stamps <c>lastTransitionTime</c> on the conditions of a computed status (Kubernetes API
/// conventions: it changes only when the condition's <c>status</c> changes). Conditions are
/// found wherever a status holds a <c>conditions</c> array: the object's own, each listener's
/// (matched by <c>name</c>) and each route parent's (matched by <c>parentRef</c>).
/// </summary>
public static class ConditionTimes
{
    /// <summary>
    /// Returns <paramref name="current"/> with every condition stamped: the previous
    /// condition's time when one of the same type at the same place had the same status,
    /// else <paramref name="now"/>. <paramref name="current"/> is modified in place.
    /// </summary>
    public static JsonObject Stamp(JsonObject current, JsonObject? previous, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(current);
        StampObject(current, previous, now.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        return current;
    }

    private static void StampObject(JsonObject current, JsonObject? previous, string now)
    {
        foreach (var (name, value) in current)
        {
            var before = previous?[name];
            switch (value)
            {
                case JsonArray conditions when name == "conditions":
                    StampConditions(conditions, before as JsonArray, now);
                    break;
                case JsonArray items:
                    for (var i = 0; i < items.Count; i++)
                    {
                        if (items[i] is JsonObject item)
                        {
                            StampObject(item, Counterpart(item, i, before as JsonArray), now);
                        }
                    }

                    break;
                case JsonObject child:
                    StampObject(child, before as JsonObject, now);
                    break;
            }
        }
    }

    // List entries are identified by their key field where they have one (listeners by name,
    // route parents by parentRef), else by position.
    private static JsonObject? Counterpart(JsonObject item, int index, JsonArray? previous)
    {
        if (previous is null)
        {
            return null;
        }

        foreach (var key in (ReadOnlySpan<string>)["name", "parentRef"])
        {
            if (item[key] is { } id)
            {
                foreach (var candidate in previous)
                {
                    if (candidate is JsonObject other && JsonNode.DeepEquals(other[key], id))
                    {
                        return other;
                    }
                }

                return null;
            }
        }

        return index < previous.Count ? previous[index] as JsonObject : null;
    }

    private static void StampConditions(JsonArray conditions, JsonArray? previous, string now)
    {
        foreach (var node in conditions)
        {
            if (node is not JsonObject condition)
            {
                continue;
            }

            var type = condition["type"]?.GetValue<string>();
            var status = condition["status"]?.GetValue<string>();
            string? kept = null;
            foreach (var old in previous ?? [])
            {
                if (old is JsonObject before
                    && before["type"]?.GetValue<string>() == type
                    && before["status"]?.GetValue<string>() == status)
                {
                    kept = before["lastTransitionTime"]?.GetValue<string>();
                    break;
                }
            }

            condition["lastTransitionTime"] = kept ?? now;
        }
    }
}
