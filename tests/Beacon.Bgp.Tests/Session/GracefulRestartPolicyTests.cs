using System.Net;
using Beacon.Bgp.Fsm;
using Beacon.Bgp.Session;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Wire;

namespace Beacon.Bgp.Tests.Session;

/// <summary>The decisions of <see cref="GracefulRestart"/> on their own.</summary>
public sealed class GracefulRestartPolicyTests
{
    private static readonly PeerSettings Settings = new()
    {
        Name = "b",
        PeerAddress = IPAddress.Parse("198.51.100.1"),
        PeerAsn = 65002,
        LocalAsn = 65001,
        RouterId = IPAddress.Parse("192.0.2.2"),
        GracefulRestart = true,
    };

    private static GracefulRestart Negotiated(bool notification)
    {
        var policy = new GracefulRestart(Settings);
        policy.Negotiate(ScriptedPeer.Open(65002, 90, 1) with
        {
            Capabilities = [new GracefulRestartCapability(false, notification, 120, [new GracefulRestartFamily(AfiSafi.Ipv4, AfiSafi.Unicast, true)])],
        });
        return policy;
    }

    [Fact]
    public void The_last_capability_instance_counts()
    {
        var policy = new GracefulRestart(Settings);
        policy.Negotiate(ScriptedPeer.Open(65002, 90, 1) with
        {
            Capabilities =
            [
                new GracefulRestartCapability(false, true, 120, [new GracefulRestartFamily(AfiSafi.Ipv4, AfiSafi.Unicast, true)]),
                new GracefulRestartCapability(false, false, 30, [new GracefulRestartFamily(AfiSafi.Ipv4, AfiSafi.Unicast, false)]),
            ],
        });

        Assert.False(policy.NotificationNegotiated);
        Assert.Equal(TimeSpan.FromSeconds(30), policy.PeerRestartTime);
        Assert.Empty(policy.PeerFamilies(requireForwardingState: true));
        Assert.Equal([RouteFamily.Ipv4Unicast], policy.PeerFamilies(requireForwardingState: false));
    }

    [Fact]
    public void Disabled_locally_means_not_negotiated_whatever_the_peer_sends()
    {
        var policy = new GracefulRestart(Settings with { GracefulRestart = false });
        policy.Negotiate(ScriptedPeer.Open(65002, 90, 1) with { Capabilities = [new GracefulRestartCapability(false, true, 120, [])] });

        Assert.False(policy.Negotiated);
        Assert.False(policy.KeepsRoutes(FsmEvent.TcpConnectionFails, null, null));
        Assert.Null(policy.Capability([RouteFamily.Ipv4Unicast], restarting: true));
    }

    [Theory]
    [InlineData(true, CeaseSubcode.AdministrativeShutdown, "0604")] // planned restart
    [InlineData(false, CeaseSubcode.AdministrativeShutdown, null)]
    [InlineData(true, CeaseSubcode.PeerDeconfigured, "06090603")]
    [InlineData(false, CeaseSubcode.PeerDeconfigured, "0603")]
    [InlineData(true, CeaseSubcode.MaximumPrefixesReached, "06090601")]
    [InlineData(true, CeaseSubcode.OtherConfigurationChange, "0606")]
    public void Stop_notification(bool notification, byte ceaseSubcode, string? expected)
    {
        var sent = Negotiated(notification).StopNotification(ceaseSubcode, "");

        Assert.Equal(expected, sent is { } n ? Convert.ToHexString([(byte)n.Code, n.Subcode, .. n.Data.Span]) : null);
    }

    [Theory]
    [InlineData(FsmEvent.TcpConnectionFails, false, null, true)]
    [InlineData(FsmEvent.HoldTimerExpires, true, null, true)]
    [InlineData(FsmEvent.HoldTimerExpires, false, null, false)]
    [InlineData(FsmEvent.NotifMsg, true, "0602", true)]
    [InlineData(FsmEvent.NotifMsg, true, "0609", false)]
    [InlineData(FsmEvent.NotifMsg, false, "0602", false)]
    [InlineData(FsmEvent.UpdateMsgErr, true, null, true)] // we sent an UPDATE error: RFC 8538 §4 covers sent ones too
    [InlineData(FsmEvent.UpdateMsgErr, false, null, false)]
    [InlineData(FsmEvent.ManualStop, true, null, false)]
    public void Which_losses_keep_routes(FsmEvent ev, bool notification, string? receivedHex, bool kept)
    {
        NotificationMessage? received = receivedHex is null
            ? null
            : new NotificationMessage((ErrorCode)Convert.FromHexString(receivedHex)[0], Convert.FromHexString(receivedHex)[1], ReadOnlyMemory<byte>.Empty);
        NotificationMessage? sent = ev == FsmEvent.UpdateMsgErr ? new NotificationMessage(ErrorCode.UpdateMessage, 1, ReadOnlyMemory<byte>.Empty) : null;

        Assert.Equal(kept, Negotiated(notification).KeepsRoutes(ev, received, sent));
    }
}
