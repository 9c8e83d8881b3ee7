using System.Text.Json;
using System.Text.Json.Nodes;
using Beacon.Agent.Announcements;
using Beacon.Bgp.Speaker;

namespace Beacon.Agent.Tests.Announcements;

/// <summary>A stable JSON form of a plan, for golden files.</summary>
internal static class PlanJson
{
    private static readonly JsonSerializerOptions s_options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string Serialize(IEnumerable<ConfigCondition> conditions) =>
        new JsonArray([.. conditions.Select(c => (JsonNode)new JsonObject
        {
            ["object"] = Beacon.Cluster.ClusterSnapshot.DisplayName(c.Object),
            ["status"] = c.Accepted.StatusText,
            ["reason"] = c.Accepted.Reason,
            ["message"] = c.Accepted.Message,
        })]).ToJsonString(s_options).ReplaceLineEndings("\n") + "\n";

    public static string Serialize(AnnouncementPlan plan)
    {
        var root = new JsonObject
        {
            ["listenPort"] = plan.ListenPort,
            ["peers"] = new JsonArray([.. plan.Peers.Select(Peer)]),
            ["refused"] = new JsonArray([.. plan.Refused.Select(r => (JsonNode)new JsonObject
            {
                ["name"] = r.Name,
                ["peerAddress"] = r.PeerAddress,
                ["peerASN"] = r.PeerAsn,
                ["localASN"] = r.LocalAsn,
                ["reason"] = r.Reason,
            })]),
            ["diagnostics"] = new JsonArray([.. plan.Diagnostics.Select(d => (JsonNode)new JsonObject
            {
                ["severity"] = d.Severity.ToString(),
                ["object"] = d.Object,
                ["field"] = d.Field,
                ["message"] = d.Message,
            })]),
        };
        return root.ToJsonString(s_options).ReplaceLineEndings("\n") + "\n";
    }

    private static JsonNode Peer(PeerPlan peer)
    {
        var node = PeerWithoutOptionalSettings(peer);

        // Optional settings appear only when set, so golden files without them stay unchanged.
        var settings = node["settings"]!.AsObject();
        if (peer.Settings.MaxPrefixes is { } maxPrefixes)
        {
            settings["maxPrefixes"] = maxPrefixes;
        }

        return node;
    }

    private static JsonObject PeerWithoutOptionalSettings(PeerPlan peer)
    {
        var s = peer.Settings;
        var json = new JsonObject
        {
            ["settings"] = new JsonObject
            {
                ["name"] = s.Name,
                ["peerAddress"] = s.PeerAddress.ToString(),
                ["peerASN"] = s.PeerAsn,
                ["localASN"] = s.LocalAsn,
                ["routerID"] = s.RouterId.ToString(),
                ["peerPort"] = s.PeerPort,
                ["localAddress"] = s.LocalAddress?.ToString(),
                ["passive"] = s.Passive,
                ["holdTimeSeconds"] = s.HoldTime.TotalSeconds,
                ["keepaliveTimeSeconds"] = s.KeepaliveTime.TotalSeconds,
                ["connectRetryTimeSeconds"] = s.ConnectRetryTime.TotalSeconds,
                ["ebgpMultihop"] = s.EbgpMultihop,
                ["families"] = new JsonArray([.. s.Families.Select(f => (JsonNode)(f == RouteFamily.Ipv4Unicast ? "ipv4-unicast" : "ipv6-unicast"))]),
            },
            ["routes"] = new JsonArray([.. peer.Routes.Select(r => (JsonNode)new JsonObject
            {
                ["prefix"] = r.Prefix.ToString(),
                ["communities"] = new JsonArray([.. r.Attributes.Communities.Select(c => (JsonNode)$"{c >> 16}:{c & 0xFFFF}")]),
                ["largeCommunities"] = new JsonArray([.. r.Attributes.LargeCommunities.Select(c => (JsonNode)c.ToString())]),
                ["localPreference"] = r.Attributes.LocalPreference,
                ["med"] = r.Attributes.Med,
                ["asPathPrepend"] = r.Attributes.AsPathPrependCount,
            })]),
        };

        var settings = json["settings"]!.AsObject();

        // Only when enabled, so the golden files of peers without it stay as they were.
        if (s.GracefulRestart)
        {
            settings["gracefulRestart"] = new JsonObject { ["restartTimeSeconds"] = s.GracefulRestartTime.TotalSeconds };
        }

        // Issue 4 transport and security: only when set, so the other golden files stay as they are.
        if (s.TcpMd5Key is { } key)
        {
            settings["tcpMd5Key"] = $"{key.Length} bytes";
        }

        if (s.TtlSecurity)
        {
            settings["ttlSecurity"] = true;
        }

        return json;
    }
}
