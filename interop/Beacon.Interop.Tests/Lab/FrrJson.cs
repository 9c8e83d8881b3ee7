using System.Collections.Immutable;
using System.Net;
using System.Text.Json;

namespace Beacon.Interop.Tests.Lab;

/// <summary>Parsers for the JSON that FRR 8.4's vtysh prints.</summary>
public static class FrrJson
{
    /// <summary>Parses <c>show bgp ipv4|ipv6 unicast json detail</c>.</summary>
    public static FrrRoutingTable ParseTable(string json)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, IReadOnlyList<FrrPath>>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.TryGetProperty("routes", out var routes))
        {
            foreach (var route in routes.EnumerateObject())
            {
                // With "detail", element 0 is the prefix header ({prefix, advertisedTo}); paths follow.
                var paths = route.Value.EnumerateArray()
                    .Where(e => e.TryGetProperty("nexthops", out _))
                    .Select(e => ParsePath(route.Name, e))
                    .ToImmutableArray();
                builder[route.Name] = paths;
            }
        }

        return new FrrRoutingTable(builder.ToImmutable());
    }

    /// <summary>Parses <c>show bgp neighbors json</c>.</summary>
    public static ImmutableDictionary<string, FrrNeighbor> ParseNeighbors(string json)
    {
        var result = ImmutableDictionary.CreateBuilder<string, FrrNeighbor>();
        using var document = JsonDocument.Parse(json);
        foreach (var entry in document.RootElement.EnumerateObject())
        {
            var n = entry.Value;
            if (n.ValueKind != JsonValueKind.Object || !n.TryGetProperty("bgpState", out var state))
            {
                continue;
            }

            var accepted = ImmutableDictionary.CreateBuilder<string, int>();
            if (n.TryGetProperty("addressFamilyInfo", out var families))
            {
                foreach (var family in families.EnumerateObject())
                {
                    if (family.Value.TryGetProperty("acceptedPrefixCounter", out var count))
                    {
                        accepted[family.Name] = count.GetInt32();
                    }
                }
            }

            result[entry.Name] = new FrrNeighbor
            {
                Address = entry.Name,
                State = state.GetString() ?? string.Empty,
                RemoteAs = UInt(n, "remoteAs") ?? 0,
                LocalAs = UInt(n, "localAs") ?? 0,
                RemoteRouterId = Str(n, "remoteRouterId"),
                HoldTimeMilliseconds = (int)(UInt(n, "bgpTimerHoldTimeMsecs") ?? 0),
                KeepaliveMilliseconds = (int)(UInt(n, "bgpTimerKeepAliveIntervalMsecs") ?? 0),
                ConnectionsEstablished = (int)(UInt(n, "connectionsEstablished") ?? 0),
                ConnectionsDropped = (int)(UInt(n, "connectionsDropped") ?? 0),
                LastResetReason = Str(n, "lastResetDueTo"),
                AcceptedPrefixes = accepted.ToImmutable(),
                Raw = n.Clone(),
            };
        }

        return result.ToImmutable();
    }

    private static FrrPath ParsePath(string prefix, JsonElement path)
    {
        var nextHops = ImmutableArray.CreateBuilder<IPAddress>();
        IPAddress? nextHop = null;
        foreach (var hop in path.GetProperty("nexthops").EnumerateArray())
        {
            if (Str(hop, "ip") is { } ip && IPAddress.TryParse(ip, out var address))
            {
                nextHops.Add(address);
                if (nextHop is null && !address.IsIPv6LinkLocal && Str(hop, "scope") != "link-local")
                {
                    nextHop = address;
                }
            }
        }

        var asPath = ImmutableArray.CreateBuilder<uint>();
        var asPathText = string.Empty;
        if (path.TryGetProperty("aspath", out var aspath))
        {
            asPathText = Str(aspath, "string") ?? string.Empty;
            if (aspath.TryGetProperty("segments", out var segments))
            {
                foreach (var segment in segments.EnumerateArray())
                {
                    foreach (var asn in segment.GetProperty("list").EnumerateArray())
                    {
                        asPath.Add(asn.GetUInt32());
                    }
                }
            }
        }

        return new FrrPath
        {
            Prefix = prefix,
            NextHop = nextHop,
            NextHops = nextHops.ToImmutable(),
            AsPath = asPath.ToImmutable(),
            AsPathText = asPathText == "Local" ? string.Empty : asPathText,
            Origin = Str(path, "origin") ?? string.Empty,
            Med = UInt(path, "metric"),
            LocalPreference = UInt(path, "locPrf"),
            Communities = List(path, "community"),
            LargeCommunities = List(path, "largeCommunity"),
            ExtendedCommunities = path.TryGetProperty("extendedCommunity", out var ext) ? Str(ext, "string") : null,
            Valid = Bool(path, "valid"),
            BestPath = path.TryGetProperty("bestpath", out var best) && best.ValueKind == JsonValueKind.Object && Bool(best, "overall"),
            Multipath = Bool(path, "multipath"),
            Stale = Bool(path, "stale"),
            PeerId = path.TryGetProperty("peer", out var peer) ? Str(peer, "peerId") : null,
        };
    }

    private static IReadOnlyList<string> List(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.TryGetProperty("list", out var list)
            ? [.. list.EnumerateArray().Select(e => e.GetString() ?? string.Empty)]
            : [];

    private static string? Str(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static uint? UInt(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetUInt32() : null;

    private static bool Bool(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;
}
