using System.Collections.Immutable;
using System.Net;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Wire;

namespace Beacon.Bgp.Tests.Session;

/// <summary>Graceful restart (RFC 4724 with RFC 8538) against a scripted peer.</summary>
public sealed class GracefulRestartTests
{
    private static readonly UpdateEncodeOptions Encode = new(FourOctetAs: true);
    private static readonly PathAttributes FromPeer = new() { AsPath = [AsPathSegment.Sequence(65002)], NextHop = IPAddress.Parse("198.51.100.1") };

    private static GracefulRestartCapability PeerCapability(bool notification = true, bool forwarding = true, ushort restartTime = 30) =>
        new(false, notification, restartTime, [new GracefulRestartFamily(AfiSafi.Ipv4, AfiSafi.Unicast, forwarding)]);

    private static OpenMessage PeerOpen(GracefulRestartCapability? capability, ushort holdTime)
    {
        var open = ScriptedPeer.Open(65002, holdTime, 0xC0000201);
        return capability is null ? open : open with { Capabilities = open.Capabilities.Add(capability) };
    }

    private static async Task<(SpeakerPair Pair, ScriptedPeer Peer)> StartAsync(bool enabled = true, params string[] routes)
    {
        var pair = new SpeakerPair();
        var peer = new ScriptedPeer();
        pair.Network.Register(SpeakerPair.AddressB, peer.Accept);
        await pair.A.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(
            pair.SettingsOfA(s => s with { GracefulRestart = enabled, GracefulRestartTime = TimeSpan.FromSeconds(90) }),
            SpeakerPair.Routes(routes))]));
        return (pair, peer);
    }

    /// <summary>Runs one session up to Established and through the speaker's End-of-RIB; returns the speaker's OPEN.</summary>
    private static async Task<OpenMessage> EstablishAsync(SpeakerPair pair, ScriptedPeer peer, GracefulRestartCapability? capability, ushort holdTime = 90)
    {
        await peer.WaitConnectedAsync();
        var open = OpenMessage.Read((await peer.ReadAsync(MessageType.Open)).Body);
        await peer.SendAsync(PeerOpen(capability, holdTime).Write);
        await peer.ReadAsync(MessageType.Keepalive);
        await peer.SendAsync(KeepaliveMessage.Write);
        await pair.A.WaitForStateAsync("b", SessionState.Established);
        while (!UpdateMessage.Read((await peer.ReadAsync(MessageType.Update)).Body, new UpdateDecodeOptions(FourOctetAs: true)).IsEndOfRib)
        {
        }

        return open;
    }

    private static Task AnnounceAsync(ScriptedPeer peer, params string[] prefixes) =>
        peer.SendAsync(o => UpdateWriter.WriteAnnouncements(o, RouteFamily.Ipv4Unicast, FromPeer, [.. prefixes.Select(IPNetwork.Parse)], Encode));

    private static Task<IReadOnlyList<PeerStatus>> WaitReceivedAsync(SpeakerPair pair, int received, int stale) =>
        pair.A.WaitForAsync(
            p => p.Single().Families.Sum(f => f.Received) == received && p.Single().Families.Sum(f => f.Stale) == stale,
            $"{received} received routes, {stale} of them stale");

    /// <summary>Establishes, receives two routes from the peer, then loses the connection without a NOTIFICATION.</summary>
    private static async Task<(SpeakerPair Pair, ScriptedPeer Peer)> LoseSessionWithRoutesAsync(GracefulRestartCapability capability)
    {
        var (pair, peer) = await StartAsync();
        await EstablishAsync(pair, peer, capability);
        await AnnounceAsync(peer, "203.0.113.128/25", "192.0.2.0/24");
        await WaitReceivedAsync(pair, 2, 0);
        await peer.CloseAsync();
        return (pair, peer);
    }

    [Fact]
    public async Task Open_carries_restart_time_N_and_F_and_R_only_on_the_first_session_of_the_process()
    {
        var (pair, peer) = await StartAsync();
        await using var _ = pair;

        var first = (await EstablishAsync(pair, peer, PeerCapability())).FindCapability<GracefulRestartCapability>();
        Assert.Equal(new GracefulRestartCapability(true, true, 90, [new GracefulRestartFamily(AfiSafi.Ipv4, AfiSafi.Unicast, true)]), first);

        await peer.CloseAsync();
        var second = (await EstablishAsync(pair, peer, PeerCapability())).FindCapability<GracefulRestartCapability>();
        Assert.Equal(first! with { RestartState = false }, second);

        // A session replaced because its settings changed is not a restart of the process either.
        await pair.A.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(
            pair.SettingsOfA(s => s with { GracefulRestart = true, GracefulRestartTime = TimeSpan.FromSeconds(60) }), [])]));
        await peer.ReadUntilClosedAsync();
        var third = (await EstablishAsync(pair, peer, PeerCapability())).FindCapability<GracefulRestartCapability>();
        Assert.Equal(new GracefulRestartCapability(false, true, 60, [new GracefulRestartFamily(AfiSafi.Ipv4, AfiSafi.Unicast, true)]), third);
    }

    [Fact]
    public async Task Without_graceful_restart_no_capability_is_sent_and_a_lost_session_deletes_the_routes()
    {
        var (pair, peer) = await StartAsync(enabled: false);
        await using var _ = pair;
        var open = await EstablishAsync(pair, peer, PeerCapability());
        Assert.Null(open.FindCapability<GracefulRestartCapability>());
        await AnnounceAsync(peer, "203.0.113.128/25");
        await WaitReceivedAsync(pair, 1, 0);

        await peer.CloseAsync();

        await WaitReceivedAsync(pair, 0, 0);
    }

    [Fact]
    public async Task Lost_session_keeps_routes_stale_and_end_of_rib_sweeps_what_was_not_announced_again()
    {
        var (pair, peer) = await LoseSessionWithRoutesAsync(PeerCapability());
        await using var _ = pair;

        await WaitReceivedAsync(pair, 2, 2);
        var routes = await pair.A.GetRoutesAsync("b", RouteDirection.Received);
        Assert.All(routes!, r => Assert.True(r.Stale));

        await EstablishAsync(pair, peer, PeerCapability());
        await AnnounceAsync(peer, "203.0.113.128/25");
        await WaitReceivedAsync(pair, 2, 1);
        await peer.SendAsync(o => UpdateWriter.WriteEndOfRib(o, RouteFamily.Ipv4Unicast));

        await WaitReceivedAsync(pair, 1, 0);
        var route = Assert.Single((await pair.A.GetRoutesAsync("b", RouteDirection.Received))!);
        Assert.Equal(("203.0.113.128/25", false), (route.Prefix, route.Stale));
    }

    [Fact]
    public async Task Stale_routes_are_deleted_when_the_peer_does_not_return_within_its_restart_time()
    {
        var (pair, peer) = await LoseSessionWithRoutesAsync(PeerCapability(restartTime: 30));
        await using var _ = pair;
        pair.Network.Unregister(SpeakerPair.AddressB);
        await WaitReceivedAsync(pair, 2, 2);

        pair.Time.Advance(TimeSpan.FromSeconds(29));
        await pair.A.WaitForAsync(p => p.Single().State != SessionState.Established, "reconnect attempts");
        Assert.Equal(2, pair.A.GetPeers().Single().Families.Sum(f => f.Stale));

        pair.Time.Advance(TimeSpan.FromSeconds(1));
        await WaitReceivedAsync(pair, 0, 0);
    }

    [Fact]
    public async Task Stale_routes_are_deleted_after_the_stale_path_time_if_end_of_rib_never_comes()
    {
        var (pair, peer) = await LoseSessionWithRoutesAsync(PeerCapability());
        await using var _ = pair;
        // Hold time 0: no hold timer that could end the session while the clock jumps.
        await EstablishAsync(pair, peer, PeerCapability(), holdTime: 0);
        await WaitReceivedAsync(pair, 2, 2);

        pair.Time.Advance(TimeSpan.FromSeconds(359));
        Assert.Equal(2, pair.A.GetPeers().Single().Families.Sum(f => f.Stale));
        pair.Time.Advance(TimeSpan.FromSeconds(1));

        await WaitReceivedAsync(pair, 0, 0);
    }

    [Theory]
    [InlineData(false)] // capability with F = 0
    [InlineData(true)] // no capability at all
    public async Task A_peer_back_without_forwarding_state_loses_its_stale_routes_at_once(bool withoutCapability)
    {
        var (pair, peer) = await LoseSessionWithRoutesAsync(PeerCapability());
        await using var _ = pair;
        await WaitReceivedAsync(pair, 2, 2);

        await EstablishAsync(pair, peer, withoutCapability ? null : PeerCapability(forwarding: false));

        var status = await WaitReceivedAsync(pair, 0, 0);
        Assert.Equal(SessionState.Established, status.Single().State);
    }

    [Theory]
    [InlineData(true, "0602", true)] // N negotiated: Administrative Shutdown is a graceful restart (RFC 8538 §4)
    [InlineData(true, "04", true)] // Hold Timer Expired from the peer
    [InlineData(true, "06090602", false)] // Hard Reset wrapping Administrative Shutdown
    [InlineData(false, "0602", false)] // without N any NOTIFICATION ends the session the RFC 4271 way
    public async Task Notification_from_the_peer_keeps_routes_only_with_N_and_without_hard_reset(bool peerSendsN, string notificationHex, bool kept)
    {
        var (pair, peer) = await StartAsync();
        await using var _ = pair;
        await EstablishAsync(pair, peer, PeerCapability(notification: peerSendsN));
        await AnnounceAsync(peer, "203.0.113.128/25");
        await WaitReceivedAsync(pair, 1, 0);

        var bytes = Convert.FromHexString(notificationHex);
        await peer.SendAsync(new NotificationMessage((ErrorCode)bytes[0], bytes.Length > 1 ? bytes[1] : (byte)0, bytes.AsMemory(Math.Min(2, bytes.Length))).Write);

        await WaitReceivedAsync(pair, kept ? 1 : 0, kept ? 1 : 0);
    }

    [Fact]
    public async Task Hold_timer_expiry_keeps_the_routes_stale_when_N_is_negotiated()
    {
        var (pair, peer) = await StartAsync();
        await using var _ = pair;
        await EstablishAsync(pair, peer, PeerCapability(notification: true));
        await AnnounceAsync(peer, "203.0.113.128/25");
        await WaitReceivedAsync(pair, 1, 0);

        pair.Time.Advance(TimeSpan.FromSeconds(90));

        await WaitReceivedAsync(pair, 1, 1);
        Assert.Equal(ErrorCode.HoldTimerExpired, (await peer.ReadUntilClosedAsync())?.Code);
    }

    [Fact]
    public async Task Hold_timer_expiry_without_N_deletes_the_routes()
    {
        var (pair, peer) = await StartAsync();
        await using var _ = pair;
        await EstablishAsync(pair, peer, PeerCapability(notification: false));
        await AnnounceAsync(peer, "203.0.113.128/25");
        await WaitReceivedAsync(pair, 1, 0);

        pair.Time.Advance(TimeSpan.FromSeconds(90));

        Assert.Equal(ErrorCode.HoldTimerExpired, (await peer.ReadUntilClosedAsync())?.Code);
        await WaitReceivedAsync(pair, 0, 0);
    }

    [Fact]
    public async Task A_new_connection_while_established_means_the_peer_restarted()
    {
        var (pair, peer) = await StartAsync();
        await using var _ = pair;
        await EstablishAsync(pair, peer, PeerCapability());
        await AnnounceAsync(peer, "203.0.113.128/25");
        await WaitReceivedAsync(pair, 1, 0);

        var (speakerSide, peerSide) = InMemoryNetwork.CreatePair(
            new IPEndPoint(SpeakerPair.AddressA, 179), new IPEndPoint(SpeakerPair.AddressB, 50000), aInitiated: false);
        Assert.True(pair.A.AcceptIncoming(speakerSide));

        Assert.Null(await peer.ReadUntilClosedAsync());
        await WaitReceivedAsync(pair, 1, 1);
        var restarted = new ScriptedPeer();
        restarted.Accept(peerSide);
        await restarted.WaitConnectedAsync();
        await restarted.ReadAsync(MessageType.Open);
        await pair.A.WaitForStateAsync("b", SessionState.OpenSent);
    }

    [Theory]
    [InlineData(true, "0604")] // N: Administrative Reset, a graceful restart for the peer (RFC 8538 §4)
    [InlineData(false, null)] // GR without N: no NOTIFICATION at all (RFC 4724 §4)
    public async Task Stopping_the_agent_lets_a_graceful_restart_peer_keep_the_routes(bool peerSendsN, string? expectedHex)
    {
        var (pair, peer) = await StartAsync(routes: "203.0.113.10/32");
        await using var _ = pair;
        await EstablishAsync(pair, peer, PeerCapability(notification: peerSendsN));

        var stopping = pair.A.StopAsync("Beacon agent shutting down");
        var notification = await peer.ReadUntilClosedAsync();
        await stopping;

        Assert.Equal(expectedHex, notification is { } n ? Convert.ToHexString([(byte)n.Code, n.Subcode]) : null);
        if (notification is { } sent)
        {
            Assert.True(sent.TryGetShutdownCommunication(out var text));
            Assert.Equal("Beacon agent shutting down", text);
        }
    }

    [Fact]
    public async Task Stopping_the_agent_without_graceful_restart_negotiated_sends_administrative_shutdown()
    {
        var (pair, peer) = await StartAsync();
        await using var _ = pair;
        await EstablishAsync(pair, peer, capability: null);

        var stopping = pair.A.StopAsync("Beacon agent shutting down");
        var notification = await peer.ReadUntilClosedAsync();
        await stopping;

        Assert.Equal((ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown), (notification?.Code, notification?.Subcode));
    }

    [Theory]
    [InlineData(true, "0609", "0603")] // N: Hard Reset wrapping Peer De-configured (RFC 8538 §3)
    [InlineData(false, "0603", "")]
    public async Task Removing_the_peer_is_a_hard_stop(bool peerSendsN, string expected, string expectedData)
    {
        var (pair, peer) = await StartAsync();
        await using var _ = pair;
        await EstablishAsync(pair, peer, PeerCapability(notification: peerSendsN));

        var removing = pair.A.ApplyAsync(new SpeakerConfiguration(0, ImmutableArray<PeerPlan>.Empty));
        var notification = await peer.ReadUntilClosedAsync();
        await removing;

        Assert.NotNull(notification);
        Assert.Equal(expected, Convert.ToHexString([(byte)notification.Value.Code, notification.Value.Subcode]));
        Assert.Equal(expectedData, Convert.ToHexString(notification.Value.Data.Span));
    }
}
