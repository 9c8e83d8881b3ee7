using System.Collections.Immutable;

namespace Beacon.Bgp.Speaker;

/// <summary>RFC 4271 §8.2.2 session states, named as the RFC names them.</summary>
public enum SessionState
{
    Idle,
    Connect,
    Active,
    OpenSent,
    OpenConfirm,
    Established,
}

public enum RouteDirection
{
    Advertised,
    Received,
}

/// <summary>Per-family route counts of one peer.</summary>
public sealed record FamilyStatus(string Afi, string Safi, int Advertised, int Received)
{
    /// <summary>Received routes kept stale while the peer restarts (RFC 4724 §4.2); they count in <see cref="Received"/> too.</summary>
    public int Stale { get; init; }
}

/// <summary>What the status endpoint reports about one peer (DESIGN.md, GET /api/v1/peers).</summary>
public sealed record PeerStatus
{
    public required string Name { get; init; }
    public required string PeerAddress { get; init; }
    public required uint PeerAsn { get; init; }
    public required uint LocalAsn { get; init; }
    public required SessionState State { get; init; }
    public DateTimeOffset? EstablishedTime { get; init; }

    /// <summary>Negotiated hold time in seconds while Established, else the configured one.</summary>
    public int HoldTime { get; init; }

    public int KeepaliveTime { get; init; }
    public ImmutableArray<FamilyStatus> Families { get; init; } = [];

    /// <summary>Capabilities the peer advertised in its OPEN, by name.</summary>
    public ImmutableArray<string> PeerCapabilities { get; init; } = [];

    public string? LastError { get; init; }
    public long MessagesSent { get; init; }
    public long MessagesReceived { get; init; }
}

/// <summary>An unrecognised path attribute carried on a route (kept and passed on with Partial set).</summary>
public sealed record UnknownAttributeView(int Type, int Flags, bool Partial);

/// <summary>One route as the status endpoint reports it (DESIGN.md, GET /api/v1/routes).</summary>
public sealed record RouteView
{
    public required string Prefix { get; init; }
    public required string Afi { get; init; }
    public string? NextHop { get; init; }
    public required string Origin { get; init; }

    /// <summary>AS numbers in order; an AS_SET appears as a nested array.</summary>
    public required ImmutableArray<object> AsPath { get; init; }

    public uint? Med { get; init; }
    public uint? LocalPreference { get; init; }
    public ImmutableArray<string> Communities { get; init; } = [];
    public ImmutableArray<string> LargeCommunities { get; init; } = [];
    public ImmutableArray<string> ExtendedCommunities { get; init; } = [];
    public ImmutableArray<UnknownAttributeView> UnknownAttributes { get; init; } = [];
    public bool Stale { get; init; }
}

/// <summary>Read side of the speaker used by the status endpoint and metrics.</summary>
public interface ISpeakerStatus
{
    IReadOnlyList<PeerStatus> GetPeers();

    /// <summary>Routes of one peer, or null if no peer has that name.</summary>
    Task<IReadOnlyList<RouteView>?> GetRoutesAsync(string peerName, RouteDirection direction, CancellationToken cancellationToken = default);
}
