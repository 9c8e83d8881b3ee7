using Beacon.Bgp.Speaker;
using static Beacon.Bgp.Fsm.FsmActionKind;

namespace Beacon.Bgp.Fsm;

/// <summary>The new state and the actions to run, in order.</summary>
public readonly record struct FsmTransition(SessionState Next, FsmAction[] Actions);

/// <summary>
/// The BGP finite state machine of RFC 4271 §8.2.2 as one pure function of (state, event),
/// so it can be read against the RFC's per-state event lists. Optional session attributes
/// in force: DelayOpen false, DampPeerOscillations false, CollisionDetectEstablishedState
/// false, SendNOTIFICATIONwithoutOPEN false. Two deliberate departures, both because a
/// passive peer must never dial: with <paramref name="passive"/> the ConnectRetryTimer
/// expiring in Active keeps listening instead of moving to Connect.
/// </summary>
public static class SessionFsm
{
    private const byte Cease = 6;
    private const byte HoldTimerExpired = 4;
    private const byte FsmError = 5;

    // RFC 6608 §3 subcodes of the FSM error: which state received the unexpected message.
    private const byte UnexpectedInOpenSent = 1;
    private const byte UnexpectedInOpenConfirm = 2;
    private const byte UnexpectedInEstablished = 3;

    // RFC 4486 Cease subcodes used by the FSM itself.
    private const byte CeaseAdministrativeShutdown = 2;
    private const byte CeaseConnectionCollision = 7;

    /// <summary>A SendNotification whose code and subcode come from the event (a decode error).</summary>
    public static readonly FsmAction NotificationFromEvent = new(SendNotification);

    public static FsmTransition Next(SessionState state, FsmEvent ev, bool passive = false) => state switch
    {
        SessionState.Idle => Idle(ev),
        SessionState.Connect => Connect(ev),
        SessionState.Active => Active(ev, passive),
        SessionState.OpenSent => OpenSent(ev),
        SessionState.OpenConfirm => OpenConfirm(ev),
        SessionState.Established => Established(ev),
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "unknown session state"),
    };

    // RFC 4271 §8.2.2, Idle state.
    private static FsmTransition Idle(FsmEvent ev) => ev switch
    {
        FsmEvent.ManualStart or FsmEvent.AutomaticStart =>
            To(SessionState.Connect, ResetConnectRetryCounter, StartConnectRetryTimer, InitiateConnection),
        FsmEvent.ManualStartWithPassiveTcpEstablishment or FsmEvent.AutomaticStartWithPassiveTcpEstablishment =>
            To(SessionState.Active, ResetConnectRetryCounter, StartConnectRetryTimer),

        // "Any other event (Events 9-12, 15-28) received in the Idle state does not cause
        // change in the state of the local system." A connection that arrives anyway is dropped.
        FsmEvent.TcpConnectionConfirmed or FsmEvent.TcpCrAcked => To(SessionState.Idle, DropConnection),
        _ => To(SessionState.Idle),
    };

    // RFC 4271 §8.2.2, Connect state.
    private static FsmTransition Connect(FsmEvent ev) => ev switch
    {
        FsmEvent.ManualStop =>
            To(SessionState.Idle, DropConnection, ReleaseResources, ResetConnectRetryCounter, StopConnectRetryTimer),
        FsmEvent.ConnectRetryTimerExpires =>
            To(SessionState.Connect, DropConnection, StartConnectRetryTimer, InitiateConnection),
        FsmEvent.TcpCrAcked or FsmEvent.TcpConnectionConfirmed =>
            To(SessionState.OpenSent, StopConnectRetryTimer, SendOpen, StartLargeHoldTimer),
        FsmEvent.TcpConnectionFails =>
            To(SessionState.Active, StartConnectRetryTimer),
        FsmEvent.NotifMsgVerErr =>
            To(SessionState.Idle, StopConnectRetryTimer, ReleaseResources, DropConnection),
        FsmEvent.ManualStart or FsmEvent.AutomaticStart
            or FsmEvent.ManualStartWithPassiveTcpEstablishment or FsmEvent.AutomaticStartWithPassiveTcpEstablishment =>
            To(SessionState.Connect),
        _ => To(SessionState.Idle, StopConnectRetryTimer, DropConnection, ReleaseResources, IncrementConnectRetryCounter),
    };

    // RFC 4271 §8.2.2, Active state.
    private static FsmTransition Active(FsmEvent ev, bool passive) => ev switch
    {
        FsmEvent.ManualStop =>
            To(SessionState.Idle, DropConnection, ReleaseResources, ResetConnectRetryCounter, StopConnectRetryTimer),
        FsmEvent.ConnectRetryTimerExpires when passive =>
            To(SessionState.Active, StartConnectRetryTimer),
        FsmEvent.ConnectRetryTimerExpires =>
            To(SessionState.Connect, StartConnectRetryTimer, InitiateConnection),
        FsmEvent.TcpCrAcked or FsmEvent.TcpConnectionConfirmed =>
            To(SessionState.OpenSent, StopConnectRetryTimer, SendOpen, StartLargeHoldTimer),
        FsmEvent.TcpConnectionFails =>
            To(SessionState.Idle, StartConnectRetryTimer, ReleaseResources, IncrementConnectRetryCounter),
        FsmEvent.NotifMsgVerErr =>
            To(SessionState.Idle, StopConnectRetryTimer, ReleaseResources, DropConnection),
        FsmEvent.ManualStart or FsmEvent.AutomaticStart
            or FsmEvent.ManualStartWithPassiveTcpEstablishment or FsmEvent.AutomaticStartWithPassiveTcpEstablishment =>
            To(SessionState.Active),
        _ => To(SessionState.Idle, StopConnectRetryTimer, DropConnection, ReleaseResources, IncrementConnectRetryCounter),
    };

    // RFC 4271 §8.2.2, OpenSent state.
    private static FsmTransition OpenSent(FsmEvent ev) => ev switch
    {
        FsmEvent.ManualStop => To(SessionState.Idle,
            Notify(Cease, CeaseAdministrativeShutdown), StopConnectRetryTimer, ReleaseResources, DropConnection, ResetConnectRetryCounter),
        FsmEvent.AutomaticStart or FsmEvent.ManualStart
            or FsmEvent.ManualStartWithPassiveTcpEstablishment or FsmEvent.AutomaticStartWithPassiveTcpEstablishment =>
            To(SessionState.OpenSent),
        FsmEvent.HoldTimerExpires => To(SessionState.Idle,
            Notify(HoldTimerExpired, 0), StopConnectRetryTimer, ReleaseResources, DropConnection, IncrementConnectRetryCounter),
        FsmEvent.TcpConnectionFails =>
            To(SessionState.Active, DropConnection, StartConnectRetryTimer),
        FsmEvent.BgpOpen =>
            To(SessionState.OpenConfirm, StopConnectRetryTimer, ProcessOpen, SendKeepalive, StartKeepaliveTimer, RestartHoldTimer),
        FsmEvent.BgpHeaderErr or FsmEvent.BgpOpenMsgErr => To(SessionState.Idle,
            NotificationFromEvent, StopConnectRetryTimer, ReleaseResources, DropConnection, IncrementConnectRetryCounter),
        FsmEvent.OpenCollisionDump => To(SessionState.Idle,
            Notify(Cease, CeaseConnectionCollision), StopConnectRetryTimer, ReleaseResources, DropConnection, IncrementConnectRetryCounter),
        FsmEvent.NotifMsgVerErr =>
            To(SessionState.Idle, StopConnectRetryTimer, ReleaseResources, DropConnection),
        _ => To(SessionState.Idle,
            Notify(FsmError, UnexpectedInOpenSent), StopConnectRetryTimer, ReleaseResources, DropConnection, IncrementConnectRetryCounter),
    };

    // RFC 4271 §8.2.2, OpenConfirm state.
    private static FsmTransition OpenConfirm(FsmEvent ev) => ev switch
    {
        FsmEvent.ManualStop => To(SessionState.Idle,
            Notify(Cease, CeaseAdministrativeShutdown), ReleaseResources, DropConnection, ResetConnectRetryCounter, StopConnectRetryTimer),
        FsmEvent.AutomaticStart or FsmEvent.ManualStart
            or FsmEvent.ManualStartWithPassiveTcpEstablishment or FsmEvent.AutomaticStartWithPassiveTcpEstablishment =>
            To(SessionState.OpenConfirm),
        FsmEvent.HoldTimerExpires => To(SessionState.Idle,
            Notify(HoldTimerExpired, 0), StopConnectRetryTimer, ReleaseResources, DropConnection, IncrementConnectRetryCounter),
        FsmEvent.KeepaliveTimerExpires =>
            To(SessionState.OpenConfirm, SendKeepalive, StartKeepaliveTimer),
        FsmEvent.TcpConnectionFails or FsmEvent.NotifMsg =>
            To(SessionState.Idle, StopConnectRetryTimer, ReleaseResources, DropConnection, IncrementConnectRetryCounter),
        FsmEvent.NotifMsgVerErr =>
            To(SessionState.Idle, StopConnectRetryTimer, ReleaseResources, DropConnection),
        FsmEvent.BgpHeaderErr or FsmEvent.BgpOpenMsgErr => To(SessionState.Idle,
            NotificationFromEvent, StopConnectRetryTimer, ReleaseResources, DropConnection, IncrementConnectRetryCounter),
        FsmEvent.OpenCollisionDump => To(SessionState.Idle,
            Notify(Cease, CeaseConnectionCollision), StopConnectRetryTimer, ReleaseResources, DropConnection, IncrementConnectRetryCounter),
        FsmEvent.KeepAliveMsg =>
            To(SessionState.Established, RestartHoldTimer, SessionEstablished),
        _ => To(SessionState.Idle,
            Notify(FsmError, UnexpectedInOpenConfirm), StopConnectRetryTimer, ReleaseResources, DropConnection, IncrementConnectRetryCounter),
    };

    // RFC 4271 §8.2.2, Established state.
    private static FsmTransition Established(FsmEvent ev) => ev switch
    {
        FsmEvent.ManualStop => To(SessionState.Idle,
            Notify(Cease, CeaseAdministrativeShutdown), StopConnectRetryTimer, ReleaseResources, DropConnection, ResetConnectRetryCounter),
        FsmEvent.AutomaticStart or FsmEvent.ManualStart
            or FsmEvent.ManualStartWithPassiveTcpEstablishment or FsmEvent.AutomaticStartWithPassiveTcpEstablishment =>
            To(SessionState.Established),
        FsmEvent.HoldTimerExpires => To(SessionState.Idle,
            Notify(HoldTimerExpired, 0), StopConnectRetryTimer, ReleaseResources, DropConnection, IncrementConnectRetryCounter),
        FsmEvent.KeepaliveTimerExpires =>
            To(SessionState.Established, SendKeepalive, StartKeepaliveTimer),
        FsmEvent.KeepAliveMsg =>
            To(SessionState.Established, RestartHoldTimer),
        FsmEvent.UpdateMsg =>
            To(SessionState.Established, ProcessUpdate, RestartHoldTimer),
        FsmEvent.UpdateMsgErr or FsmEvent.BgpHeaderErr => To(SessionState.Idle,
            NotificationFromEvent, StopConnectRetryTimer, ReleaseResources, DropConnection, IncrementConnectRetryCounter),
        FsmEvent.OpenCollisionDump => To(SessionState.Idle,
            Notify(Cease, CeaseConnectionCollision), StopConnectRetryTimer, ReleaseResources, DropConnection, IncrementConnectRetryCounter),
        FsmEvent.TcpConnectionFails or FsmEvent.NotifMsg or FsmEvent.NotifMsgVerErr =>
            To(SessionState.Idle, StopConnectRetryTimer, ReleaseResources, DropConnection, IncrementConnectRetryCounter),
        _ => To(SessionState.Idle,
            Notify(FsmError, UnexpectedInEstablished), StopConnectRetryTimer, ReleaseResources, DropConnection, IncrementConnectRetryCounter),
    };

    private static FsmAction Notify(byte code, byte subcode) => new(SendNotification, code, subcode);

    private static FsmTransition To(SessionState next, params FsmAction[] actions) => new(next, actions);
}
