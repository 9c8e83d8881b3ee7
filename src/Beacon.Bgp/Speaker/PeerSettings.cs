using System.Collections.Immutable;
using System.Net;
using Beacon.Bgp.Transport;

namespace Beacon.Bgp.Speaker;

/// <summary>
/// One address family a session negotiates (RFC 4760 AFI/SAFI). Beacon speaks unicast only.
/// </summary>
public enum RouteFamily
{
    Ipv4Unicast,
    Ipv6Unicast,
}

/// <summary>
/// Everything the speaker needs to run one session. Built by the agent from the
/// BGPClusterConfig / BGPPeerConfig objects; the speaker knows nothing of Kubernetes.
/// </summary>
public sealed record PeerSettings
{
    /// <summary>Stable name of the peer (the BGPClusterConfig peer name), used in status and metrics.</summary>
    public required string Name { get; init; }

    public required IPAddress PeerAddress { get; init; }

    /// <summary>Expected AS of the peer; 0 accepts any AS.</summary>
    public required uint PeerAsn { get; init; }

    public required uint LocalAsn { get; init; }

    /// <summary>BGP Identifier (RFC 4271 §4.2), an IPv4 address.</summary>
    public required IPAddress RouterId { get; init; }

    public ushort PeerPort { get; init; } = 179;

    /// <summary>Source address for the session; null lets the kernel choose.</summary>
    public IPAddress? LocalAddress { get; init; }

    /// <summary>Never dial; only accept the peer's connection.</summary>
    public bool Passive { get; init; }

    /// <summary>Proposed hold time (RFC 4271 §4.2): zero or at least 3 s.</summary>
    public TimeSpan HoldTime { get; init; } = TimeSpan.FromSeconds(90);

    public TimeSpan KeepaliveTime { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ConnectRetryTime { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>IP TTL of outgoing packets; 1 for directly connected eBGP.</summary>
    public int EbgpMultihop { get; init; } = 1;

    public ImmutableArray<RouteFamily> Families { get; init; } = [RouteFamily.Ipv4Unicast, RouteFamily.Ipv6Unicast];

    // Graceful restart (issue 4, RFC 4724 with RFC 8538).

    /// <summary>
    /// Advertise the Graceful Restart capability (with the N bit and F=1 for every offered family)
    /// and act as receiving speaker for the peer's restarts.
    /// </summary>
    public bool GracefulRestart { get; init; }

    /// <summary>Restart Time advertised in the capability (RFC 4724 §3): how long the peer keeps our routes.</summary>
    public TimeSpan GracefulRestartTime { get; init; } = TimeSpan.FromSeconds(120);

    // Issue 4, transport and security.

    /// <summary>TCP MD5 signature key (RFC 2385) for connections to and from the peer; null: none. Prints as "(redacted)".</summary>
    public TcpMd5Key? TcpMd5Key { get; init; }

    /// <summary>GTSM (RFC 5082): send TTL 255 and drop the peer's segments with a TTL below 254.</summary>
    public bool TtlSecurity { get; init; }

    // Policy part (issue 4: max-prefix, route refresh). Inbound-only settings: a change applies
    // to the running session (BgpSpeaker.ApplyAsync) instead of restarting it.

    /// <summary>
    /// Most prefixes accepted from the peer, all families together; null is no limit. Beyond it
    /// the session ends with Cease / Maximum Number of Prefixes Reached (RFC 4486).
    /// </summary>
    public uint? MaxPrefixes { get; init; }

    /// <summary>How long the session stays down after the peer exceeded <see cref="MaxPrefixes"/>; doubles on each repeat.</summary>
    public TimeSpan MaxPrefixesRestartTime { get; init; } = TimeSpan.FromSeconds(30);

    public bool IsInternal => PeerAsn != 0 && PeerAsn == LocalAsn;

    // Families is compared by content: a re-planned but unchanged peer must not restart its session.
    public bool Equals(PeerSettings? other) =>
        other is not null
        && Name == other.Name
        && PeerAddress.Equals(other.PeerAddress)
        && PeerAsn == other.PeerAsn
        && LocalAsn == other.LocalAsn
        && RouterId.Equals(other.RouterId)
        && PeerPort == other.PeerPort
        && Equals(LocalAddress, other.LocalAddress)
        && Passive == other.Passive
        && HoldTime == other.HoldTime
        && KeepaliveTime == other.KeepaliveTime
        && ConnectRetryTime == other.ConnectRetryTime
        && EbgpMultihop == other.EbgpMultihop
        && Families.AsSpan().SequenceEqual(other.Families.AsSpan())
        && GracefulRestart == other.GracefulRestart
        && GracefulRestartTime == other.GracefulRestartTime
        && Equals(TcpMd5Key, other.TcpMd5Key)
        && TtlSecurity == other.TtlSecurity
        && MaxPrefixes == other.MaxPrefixes
        && MaxPrefixesRestartTime == other.MaxPrefixesRestartTime;

    /// <summary>True when the settings differ at most in what a running session can take over without a restart.</summary>
    public bool SameSessionAs(PeerSettings other) =>
        Equals(other with { MaxPrefixes = MaxPrefixes, MaxPrefixesRestartTime = MaxPrefixesRestartTime });

    public override int GetHashCode() => HashCode.Combine(Name, PeerAddress, PeerAsn, LocalAsn, RouterId, PeerPort, HoldTime);
}
