using Beacon.Bgp.Fsm;
using Beacon.Bgp.Speaker;
using static Beacon.Bgp.Fsm.FsmActionKind;

namespace Beacon.Bgp.Tests.Fsm;

public sealed class SessionFsmTests
{
    public static TheoryData<SessionState, FsmEvent, SessionState, string> Table => new()
    {
        // Idle
        { SessionState.Idle, FsmEvent.ManualStart, SessionState.Connect, "ResetConnectRetryCounter,StartConnectRetryTimer,InitiateConnection" },
        { SessionState.Idle, FsmEvent.AutomaticStart, SessionState.Connect, "ResetConnectRetryCounter,StartConnectRetryTimer,InitiateConnection" },
        { SessionState.Idle, FsmEvent.ManualStartWithPassiveTcpEstablishment, SessionState.Active, "ResetConnectRetryCounter,StartConnectRetryTimer" },
        { SessionState.Idle, FsmEvent.ManualStop, SessionState.Idle, "" },
        { SessionState.Idle, FsmEvent.HoldTimerExpires, SessionState.Idle, "" },
        { SessionState.Idle, FsmEvent.TcpConnectionConfirmed, SessionState.Idle, "DropConnection" },
        { SessionState.Idle, FsmEvent.KeepAliveMsg, SessionState.Idle, "" },

        // Connect
        { SessionState.Connect, FsmEvent.ManualStop, SessionState.Idle, "DropConnection,ReleaseResources,ResetConnectRetryCounter,StopConnectRetryTimer" },
        { SessionState.Connect, FsmEvent.ConnectRetryTimerExpires, SessionState.Connect, "DropConnection,StartConnectRetryTimer,InitiateConnection" },
        { SessionState.Connect, FsmEvent.TcpCrAcked, SessionState.OpenSent, "StopConnectRetryTimer,SendOpen,StartLargeHoldTimer" },
        { SessionState.Connect, FsmEvent.TcpConnectionConfirmed, SessionState.OpenSent, "StopConnectRetryTimer,SendOpen,StartLargeHoldTimer" },
        { SessionState.Connect, FsmEvent.TcpConnectionFails, SessionState.Active, "StartConnectRetryTimer" },
        { SessionState.Connect, FsmEvent.BgpOpen, SessionState.Idle, "StopConnectRetryTimer,DropConnection,ReleaseResources,IncrementConnectRetryCounter" },
        { SessionState.Connect, FsmEvent.HoldTimerExpires, SessionState.Idle, "StopConnectRetryTimer,DropConnection,ReleaseResources,IncrementConnectRetryCounter" },
        { SessionState.Connect, FsmEvent.NotifMsgVerErr, SessionState.Idle, "StopConnectRetryTimer,ReleaseResources,DropConnection" },

        // Active
        { SessionState.Active, FsmEvent.ManualStop, SessionState.Idle, "DropConnection,ReleaseResources,ResetConnectRetryCounter,StopConnectRetryTimer" },
        { SessionState.Active, FsmEvent.ConnectRetryTimerExpires, SessionState.Connect, "StartConnectRetryTimer,InitiateConnection" },
        { SessionState.Active, FsmEvent.TcpConnectionConfirmed, SessionState.OpenSent, "StopConnectRetryTimer,SendOpen,StartLargeHoldTimer" },
        { SessionState.Active, FsmEvent.TcpConnectionFails, SessionState.Idle, "StartConnectRetryTimer,ReleaseResources,IncrementConnectRetryCounter" },
        { SessionState.Active, FsmEvent.KeepAliveMsg, SessionState.Idle, "StopConnectRetryTimer,DropConnection,ReleaseResources,IncrementConnectRetryCounter" },

        // OpenSent
        { SessionState.OpenSent, FsmEvent.ManualStop, SessionState.Idle, "SendNotification(6/2),StopConnectRetryTimer,ReleaseResources,DropConnection,ResetConnectRetryCounter" },
        { SessionState.OpenSent, FsmEvent.HoldTimerExpires, SessionState.Idle, "SendNotification(4/0),StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },
        { SessionState.OpenSent, FsmEvent.TcpConnectionFails, SessionState.Active, "DropConnection,StartConnectRetryTimer" },
        { SessionState.OpenSent, FsmEvent.BgpOpen, SessionState.OpenConfirm, "StopConnectRetryTimer,ProcessOpen,SendKeepalive,StartKeepaliveTimer,RestartHoldTimer" },
        { SessionState.OpenSent, FsmEvent.BgpOpenMsgErr, SessionState.Idle, "SendNotification(0/0),StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },
        { SessionState.OpenSent, FsmEvent.BgpHeaderErr, SessionState.Idle, "SendNotification(0/0),StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },
        { SessionState.OpenSent, FsmEvent.OpenCollisionDump, SessionState.Idle, "SendNotification(6/7),StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },
        { SessionState.OpenSent, FsmEvent.NotifMsgVerErr, SessionState.Idle, "StopConnectRetryTimer,ReleaseResources,DropConnection" },
        { SessionState.OpenSent, FsmEvent.KeepAliveMsg, SessionState.Idle, "SendNotification(5/1),StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },
        { SessionState.OpenSent, FsmEvent.UpdateMsg, SessionState.Idle, "SendNotification(5/1),StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },
        { SessionState.OpenSent, FsmEvent.ConnectRetryTimerExpires, SessionState.Idle, "SendNotification(5/1),StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },

        // OpenConfirm
        { SessionState.OpenConfirm, FsmEvent.ManualStop, SessionState.Idle, "SendNotification(6/2),ReleaseResources,DropConnection,ResetConnectRetryCounter,StopConnectRetryTimer" },
        { SessionState.OpenConfirm, FsmEvent.HoldTimerExpires, SessionState.Idle, "SendNotification(4/0),StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },
        { SessionState.OpenConfirm, FsmEvent.KeepaliveTimerExpires, SessionState.OpenConfirm, "SendKeepalive,StartKeepaliveTimer" },
        { SessionState.OpenConfirm, FsmEvent.TcpConnectionFails, SessionState.Idle, "StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },
        { SessionState.OpenConfirm, FsmEvent.NotifMsg, SessionState.Idle, "StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },
        { SessionState.OpenConfirm, FsmEvent.KeepAliveMsg, SessionState.Established, "RestartHoldTimer,SessionEstablished" },
        { SessionState.OpenConfirm, FsmEvent.OpenCollisionDump, SessionState.Idle, "SendNotification(6/7),StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },
        { SessionState.OpenConfirm, FsmEvent.BgpOpen, SessionState.Idle, "SendNotification(5/2),StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },
        { SessionState.OpenConfirm, FsmEvent.UpdateMsg, SessionState.Idle, "SendNotification(5/2),StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },

        // Established
        { SessionState.Established, FsmEvent.ManualStop, SessionState.Idle, "SendNotification(6/2),StopConnectRetryTimer,ReleaseResources,DropConnection,ResetConnectRetryCounter" },
        { SessionState.Established, FsmEvent.HoldTimerExpires, SessionState.Idle, "SendNotification(4/0),StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },
        { SessionState.Established, FsmEvent.KeepaliveTimerExpires, SessionState.Established, "SendKeepalive,StartKeepaliveTimer" },
        { SessionState.Established, FsmEvent.KeepAliveMsg, SessionState.Established, "RestartHoldTimer" },
        { SessionState.Established, FsmEvent.UpdateMsg, SessionState.Established, "ProcessUpdate,RestartHoldTimer" },
        { SessionState.Established, FsmEvent.UpdateMsgErr, SessionState.Idle, "SendNotification(0/0),StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },
        { SessionState.Established, FsmEvent.TcpConnectionFails, SessionState.Idle, "StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },
        { SessionState.Established, FsmEvent.NotifMsg, SessionState.Idle, "StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },
        { SessionState.Established, FsmEvent.OpenCollisionDump, SessionState.Idle, "SendNotification(6/7),StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },
        { SessionState.Established, FsmEvent.BgpOpen, SessionState.Idle, "SendNotification(5/3),StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },
        { SessionState.Established, FsmEvent.ConnectRetryTimerExpires, SessionState.Idle, "SendNotification(5/3),StopConnectRetryTimer,ReleaseResources,DropConnection,IncrementConnectRetryCounter" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Transition_matches_rfc4271_table(SessionState from, FsmEvent ev, SessionState expectedState, string expectedActions)
    {
        var transition = SessionFsm.Next(from, ev);

        Assert.Equal(expectedState, transition.Next);
        Assert.Equal(expectedActions, string.Join(",", transition.Actions.Select(a => a.ToString())));
    }

    [Fact]
    public void Passive_peer_never_dials_when_connect_retry_expires()
    {
        var transition = SessionFsm.Next(SessionState.Active, FsmEvent.ConnectRetryTimerExpires, passive: true);

        Assert.Equal(SessionState.Active, transition.Next);
        Assert.DoesNotContain(transition.Actions, a => a.Kind == InitiateConnection);
    }

    [Fact]
    public void Every_state_and_event_has_a_defined_transition()
    {
        foreach (var state in Enum.GetValues<SessionState>())
        {
            foreach (var ev in Enum.GetValues<FsmEvent>())
            {
                var transition = SessionFsm.Next(state, ev);
                Assert.True(Enum.IsDefined(transition.Next), $"{state} x {ev}");

                // Leaving a connected state always tears the connection down.
                if (state >= SessionState.OpenSent && transition.Next == SessionState.Idle)
                {
                    Assert.Contains(transition.Actions, a => a.Kind == DropConnection);
                }
            }
        }
    }
}
