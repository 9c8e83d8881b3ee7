using System.Collections.Immutable;
using System.Net;
using System.Text.Json;

namespace Beacon.Interop.Tests.Lab;

/// <summary>One path of a prefix in FRR's BGP table (<c>show bgp … json detail</c>).</summary>
public sealed record FrrPath
{
    public required string Prefix { get; init; }

    /// <summary>The first non-link-local next hop.</summary>
    public IPAddress? NextHop { get; init; }

    public IReadOnlyList<IPAddress> NextHops { get; init; } = [];

    /// <summary>AS numbers of all segments in order (AS_SET members flattened).</summary>
    public IReadOnlyList<uint> AsPath { get; init; } = [];

    public string AsPathText { get; init; } = string.Empty;

    /// <summary>IGP, EGP or incomplete, as FRR prints it.</summary>
    public string Origin { get; init; } = string.Empty;

    public uint? Med { get; init; }

    public uint? LocalPreference { get; init; }

    public IReadOnlyList<string> Communities { get; init; } = [];

    public IReadOnlyList<string> LargeCommunities { get; init; } = [];

    public string? ExtendedCommunities { get; init; }

    public bool Valid { get; init; }

    public bool BestPath { get; init; }

    public bool Multipath { get; init; }

    public bool Stale { get; init; }

    /// <summary>The neighbor the path came from; 0.0.0.0 for a locally originated one.</summary>
    public string? PeerId { get; init; }

    public override string ToString() =>
        $"{Prefix} via {NextHop} [{AsPathText}] {Origin} comm({string.Join(' ', Communities)}) lcomm({string.Join(' ', LargeCommunities)})"
        + (BestPath ? " best" : string.Empty) + (Multipath ? " multipath" : string.Empty);
}

/// <summary>FRR's BGP table of one address family: prefix → paths.</summary>
public sealed record FrrRoutingTable(ImmutableSortedDictionary<string, IReadOnlyList<FrrPath>> Routes)
{
    public IEnumerable<string> Prefixes => Routes.Keys;

    public IReadOnlyList<FrrPath> Paths(string prefix) =>
        Routes.TryGetValue(prefix, out var paths) ? paths : [];

    /// <summary>The best path of <paramref name="prefix"/>, or null when FRR has none.</summary>
    public FrrPath? Best(string prefix) => Paths(prefix).FirstOrDefault(p => p.BestPath);

    /// <summary>Prefixes with at least one path learned from <paramref name="peer"/>.</summary>
    public IEnumerable<string> PrefixesFrom(IPAddress peer) =>
        Routes.Where(r => r.Value.Any(p => p.PeerId == peer.ToString())).Select(r => r.Key);

    public override string ToString() => string.Join("; ", Routes.Values.SelectMany(p => p));
}

/// <summary>One entry of <c>show bgp neighbors json</c>.</summary>
public sealed record FrrNeighbor
{
    public required string Address { get; init; }

    /// <summary>RFC 4271 state as FRR names it (Idle, Connect, Active, OpenSent, OpenConfirm, Established).</summary>
    public required string State { get; init; }

    public uint RemoteAs { get; init; }

    public uint LocalAs { get; init; }

    public string? RemoteRouterId { get; init; }

    /// <summary>Negotiated hold time in milliseconds.</summary>
    public int HoldTimeMilliseconds { get; init; }

    public int KeepaliveMilliseconds { get; init; }

    public int ConnectionsEstablished { get; init; }

    public int ConnectionsDropped { get; init; }

    public string? LastResetReason { get; init; }

    /// <summary>Accepted prefixes per FRR family name (ipv4Unicast, ipv6Unicast).</summary>
    public ImmutableDictionary<string, int> AcceptedPrefixes { get; init; } = ImmutableDictionary<string, int>.Empty;

    /// <summary>The whole JSON object, for fields this record does not lift out.</summary>
    public JsonElement Raw { get; init; }

    public bool IsEstablished => State == "Established";

    public override string ToString() => $"{Address} AS{RemoteAs} {State}";
}
