using System.Collections.Immutable;
using Beacon.Bgp.Rib;
using Beacon.Bgp.Transport;
using Beacon.Bgp.Wire;

namespace Beacon.Bgp.Session;

/// <summary>Where connections and timers post their inputs; the session's event loop drains them one at a time.</summary>
internal interface ISessionInputSink
{
    void Post(SessionInput input);
}

/// <summary>Everything that can happen to a session, serialised through its event loop.</summary>
internal abstract record SessionInput
{
    public sealed record Start : SessionInput;

    public sealed record Stop(string Reason, byte CeaseSubcode) : SessionInput;

    public sealed record SetRoutes(ImmutableArray<AdvertisedRoute> Routes) : SessionInput;

    public sealed record TimerFired(SessionTimer Timer, int Generation) : SessionInput;

    public sealed record ConnectSucceeded(TransportConnection Transport, int Attempt) : SessionInput;

    public sealed record ConnectFailed(string Reason, int Attempt) : SessionInput;

    public sealed record Incoming(TransportConnection Transport) : SessionInput;

    public sealed record IncomingRefused(string Reason) : SessionInput;

    public sealed record OpenReceived(PeerConnection Connection, OpenMessage Open) : SessionInput;

    public sealed record UpdateReceived(PeerConnection Connection, UpdateMessage Update) : SessionInput;

    public sealed record NotificationReceived(PeerConnection Connection, NotificationMessage Notification) : SessionInput;

    public sealed record KeepaliveReceived(PeerConnection Connection) : SessionInput;

    public sealed record RouteRefreshReceived(PeerConnection Connection, RouteRefreshMessage Request) : SessionInput;

    public sealed record ProtocolError(PeerConnection Connection, BgpProtocolException Error) : SessionInput;

    public sealed record ConnectionClosed(PeerConnection Connection, string Reason) : SessionInput;

    public sealed record WriterDrained(PeerConnection Connection) : SessionInput;

    public sealed record Query(Action Run) : SessionInput;
}

internal enum SessionTimer
{
    ConnectRetry,
    Hold,
    Keepalive,
    IdleHold,

    /// <summary>Graceful restart (RFC 4724 §4.2): the peer's restart time, then the stale path bound.</summary>
    StaleRoutes,
}
