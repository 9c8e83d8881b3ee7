using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using Beacon.Bgp.Fsm;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Wire;
using Microsoft.Extensions.Logging;

namespace Beacon.Bgp.Session;

/// <summary>
/// The peers this process has had a session with. RFC 4724 §3: the Restart State bit says "I
/// have restarted"; for Beacon the restart is the process starting (its Services kept running
/// meanwhile), so the OPEN carries R until the first session to that peer is established, and
/// later sessions in the same process do not. A first start ever looks the same; the bit then
/// only tells the peer not to wait for our End-of-RIB, which it need not anyway.
/// </summary>
internal sealed class RestartRecord
{
    private readonly ConcurrentDictionary<IPAddress, byte> _established = new();

    public bool IsRestarting(IPAddress peer) => !_established.ContainsKey(peer);

    public void Established(IPAddress peer) => _established.TryAdd(peer, 0);
}

/// <summary>
/// Graceful restart for one session (RFC 4724, with the NOTIFICATION extension of RFC 8538):
/// what we advertise, what the peer advertised, and the decisions that follow from both. The
/// session owns the Adj-RIB-In and the timer; this class says when routes are kept stale and
/// which NOTIFICATION a stop sends.
/// </summary>
internal sealed class GracefulRestart
{
    /// <summary>
    /// Upper bound on how long routes stay stale once the peer is back without sending End-of-RIB
    /// (the optional "stale path" timer of RFC 4724 §4.2; FRR's stalepath-time default).
    /// </summary>
    public static readonly TimeSpan StalePathTime = TimeSpan.FromSeconds(360);

    private readonly PeerSettings _settings;

    public GracefulRestart(PeerSettings settings) => _settings = settings;

    /// <summary>The peer's capability in the current (or, after a loss, the last) session; the last instance counts (RFC 4724 §3).</summary>
    public GracefulRestartCapability? Peer { get; private set; }

    /// <summary>Both sides advertised capability 64 in the current or last session.</summary>
    public bool Negotiated => _settings.GracefulRestart && Peer is not null;

    /// <summary>RFC 8538 §2: the N bit counts only when both sides sent it (we always do).</summary>
    public bool NotificationNegotiated => Negotiated && Peer!.Notification;

    /// <summary>
    /// Our capability: restart time, N, and F=1 for every family we offer. Beacon forwards nothing
    /// itself; the forwarding state the router relies on is the Services' data plane on the node
    /// (kube-proxy, the pods), which keeps running while the agent restarts, so F=1 is true.
    /// </summary>
    public GracefulRestartCapability? Capability(IEnumerable<RouteFamily> offered, bool restarting)
    {
        if (!_settings.GracefulRestart)
        {
            return null;
        }

        var seconds = (ushort)Math.Clamp(_settings.GracefulRestartTime.TotalSeconds, 0, GracefulRestartCapability.MaxRestartTimeSeconds);
        ImmutableArray<GracefulRestartFamily> families = [.. offered.Select(f =>
        {
            var (afi, safi) = AfiSafi.ToWire(f);
            return new GracefulRestartFamily(afi, safi, ForwardingStatePreserved: true);
        })];
        return new GracefulRestartCapability(restarting, Notification: true, seconds, families);
    }

    public void Negotiate(OpenMessage open) =>
        Peer = open.Capabilities.OfType<GracefulRestartCapability>().LastOrDefault();

    /// <summary>The peer's restart time, which bounds how long we keep its routes while it is away.</summary>
    public TimeSpan PeerRestartTime => TimeSpan.FromSeconds(Peer?.RestartTimeSeconds ?? 0);

    /// <summary>Families the peer listed in its capability (RFC 4724 §4.2: only those are kept).</summary>
    public IReadOnlySet<RouteFamily> PeerFamilies(bool requireForwardingState)
    {
        var families = new HashSet<RouteFamily>();
        foreach (var family in Peer?.Families ?? [])
        {
            if ((!requireForwardingState || family.ForwardingStatePreserved) && AfiSafi.FromWire(family.Afi, family.Safi) is { } f)
            {
                families.Add(f);
            }
        }

        return families;
    }

    /// <summary>
    /// Whether an Established session that ended on <paramref name="ev"/> leaves the peer's routes
    /// stale instead of deleting them. RFC 4724 §4.2: a lost TCP session does; RFC 8538 §4: with N
    /// negotiated any NOTIFICATION but Hard Reset does, sent or received, hold timer expiry
    /// included. Without N, hold timer expiry ends the session with a NOTIFICATION, which RFC
    /// 4724 §4 leaves to the normal procedures: the routes go (FRR and BIRD do the same).
    /// </summary>
    public bool KeepsRoutes(FsmEvent ev, NotificationMessage? received, NotificationMessage? sent)
    {
        if (!Negotiated)
        {
            return false;
        }

        return ev switch
        {
            FsmEvent.ManualStop => false,
            FsmEvent.TcpConnectionFails => true,
            FsmEvent.HoldTimerExpires => NotificationNegotiated,
            FsmEvent.NotifMsg or FsmEvent.NotifMsgVerErr => NotificationNegotiated && received is { } r && !IsHardReset(r),
            _ => NotificationNegotiated && !(sent is { } s && IsHardReset(s)),
        };
    }

    public static bool IsHardReset(NotificationMessage notification) =>
        notification.Code == ErrorCode.Cease && notification.Subcode == CeaseSubcode.HardReset;

    /// <summary>
    /// The NOTIFICATION a stop sends once graceful restart is negotiated, or null for none.
    /// A stop of the agent (Administrative Shutdown) is a planned restart: the peer should keep
    /// our routes, so with N it gets an unwrapped Administrative Reset, which RFC 8538 §4 makes a
    /// graceful restart, and without N no NOTIFICATION at all (RFC 4724 only covers a session
    /// that ends without one). Removing the peer is final: Hard Reset (RFC 8538 §3) wrapping
    /// Peer De-configured with N, plain Peer De-configured without. Anything else is sent as it is.
    /// </summary>
    public NotificationMessage? StopNotification(byte ceaseSubcode, string reason)
    {
        switch (ceaseSubcode)
        {
            case CeaseSubcode.AdministrativeShutdown when NotificationNegotiated:
                return reason.Length > 0
                    ? NotificationMessage.CreateShutdown(CeaseSubcode.AdministrativeReset, reason)
                    : new NotificationMessage(ErrorCode.Cease, CeaseSubcode.AdministrativeReset, ReadOnlyMemory<byte>.Empty);
            case CeaseSubcode.AdministrativeShutdown:
                return null;
            case CeaseSubcode.PeerDeconfigured or CeaseSubcode.MaximumPrefixesReached when NotificationNegotiated:
                return new NotificationMessage(ErrorCode.Cease, CeaseSubcode.HardReset, new byte[] { (byte)ErrorCode.Cease, ceaseSubcode });
            case CeaseSubcode.AdministrativeReset when reason.Length > 0:
                return NotificationMessage.CreateShutdown(ceaseSubcode, reason);
            default:
                return new NotificationMessage(ErrorCode.Cease, ceaseSubcode, ReadOnlyMemory<byte>.Empty);
        }
    }
}

internal static partial class GracefulRestartLog
{
    [LoggerMessage(EventId = 1020, Level = LogLevel.Information, Message = "Peer {Peer}: graceful restart, keeping {Routes} received routes stale for up to {Seconds}s")]
    public static partial void KeptStale(ILogger logger, string peer, int routes, int seconds);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Information, Message = "Peer {Peer}: deleted {Routes} stale {Family} routes: {Reason}")]
    public static partial void SweptStale(ILogger logger, string peer, int routes, RouteFamily family, string reason);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Information, Message = "Peer {Peer}: new connection while established with graceful restart: the peer restarted")]
    public static partial void PeerRestarted(ILogger logger, string peer);
}
