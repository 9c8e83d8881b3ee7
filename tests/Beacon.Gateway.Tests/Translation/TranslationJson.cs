using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Beacon.Gateway.Config;
using Beacon.Gateway.Translation;

namespace Beacon.Gateway.Tests.Translation;

/// <summary>A stable JSON form of a translation, for golden files.</summary>
internal static class TranslationJson
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Config(ProxyConfig config) =>
        JsonSerializer.Serialize(config, s_options).ReplaceLineEndings("\n") + "\n";

    /// <summary>The statuses and the Gateway addresses; lastTransitionTime is the writer's, so it is left out.</summary>
    public static string Statuses(GatewayTranslation translation)
    {
        var root = new JsonObject
        {
            ["statuses"] = JsonSerializer.SerializeToNode(translation.Statuses, s_options),
            ["addresses"] = JsonSerializer.SerializeToNode(translation.Addresses, s_options),
        };
        StripTransitionTimes(root);
        return root.ToJsonString(s_options).ReplaceLineEndings("\n") + "\n";
    }

    private static void StripTransitionTimes(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                obj.Remove("lastTransitionTime");
                foreach (var (_, child) in obj.ToList())
                {
                    StripTransitionTimes(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    StripTransitionTimes(child);
                }

                break;
        }
    }
}
