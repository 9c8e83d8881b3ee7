using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Beacon.Bgp.Session;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Tests.Wire;
using Beacon.Bgp.Wire;

namespace Beacon.Bgp.Tests.Session;

/// <summary>Max-prefix (RFC 4486), route refresh (RFC 2918, RFC 7313) and shutdown messages (RFC 8203).</summary>
public sealed class PolicyTests
{
    private static readonly UpdateEncodeOptions Encode = new(FourOctetAs: true);
    private static readonly PathAttributes FromPeer = new() { AsPath = [AsPathSegment.Sequence(65002)], NextHop = IPAddress.Parse("198.51.100.1") };

    private static OpenMessage PeerOpen(bool enhancedRefresh) => new(
        4,
        65002,
        90,
        0xC0000201,
        enhancedRefresh
            ? [new MultiprotocolCapability(AfiSafi.Ipv4, AfiSafi.Unicast), RouteRefreshCapability.Instance, EnhancedRouteRefreshCapability.Instance, new FourOctetAsCapability(65002)]
            : [new MultiprotocolCapability(AfiSafi.Ipv4, AfiSafi.Unicast), RouteRefreshCapability.Instance, new FourOctetAsCapability(65002)]);

    private static async Task<(SpeakerPair Pair, ScriptedPeer Peer)> EstablishAsync(
        Func<PeerSettings, PeerSettings>? change = null, bool enhancedRefresh = false, params string[] routes)
    {
        var pair = new SpeakerPair();
        var peer = new ScriptedPeer();
        pair.Network.Register(SpeakerPair.AddressB, peer.Accept);
        await pair.A.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfA(change), SpeakerPair.Routes(routes))]));
        await HandshakeAsync(pair, peer, enhancedRefresh);
        return (pair, peer);
    }

    private static async Task HandshakeAsync(SpeakerPair pair, ScriptedPeer peer, bool enhancedRefresh)
    {
        await peer.WaitConnectedAsync();
        var open = OpenMessage.Read((await peer.ReadAsync(MessageType.Open)).Body);
        Assert.NotNull(open.FindCapability<EnhancedRouteRefreshCapability>());
        await peer.SendAsync(PeerOpen(enhancedRefresh).Write);
        await peer.ReadAsync(MessageType.Keepalive);
        await peer.SendAsync(KeepaliveMessage.Write);
        await pair.A.WaitForStateAsync("b", SessionState.Established);
    }

    private static Task AnnounceAsync(ScriptedPeer peer, params string[] prefixes) =>
        peer.SendAsync(o => UpdateWriter.WriteAnnouncements(o, RouteFamily.Ipv4Unicast, FromPeer, [.. prefixes.Select(IPNetwork.Parse)], Encode));

    private static async Task<(MessageType Type, byte[] Body)> SkipKeepalivesAsync(ScriptedPeer peer)
    {
        var message = await peer.ReadAsync();
        while (message.Type == MessageType.Keepalive)
        {
            message = await peer.ReadAsync();
        }

        return message;
    }

    [Fact]
    public async Task Exceeding_max_prefixes_sends_cease_with_the_limit_and_restarts_after_the_back_off()
    {
        var (pair, peer) = await EstablishAsync(s => s with { MaxPrefixes = 2, MaxPrefixesRestartTime = TimeSpan.FromSeconds(30) });
        await using var _ = pair;
        await peer.ReadAsync(MessageType.Update); // End-of-RIB

        await AnnounceAsync(peer, "203.0.113.0/26", "203.0.113.64/26");
        await AnnounceAsync(peer, "203.0.113.128/26");

        var (type, body) = await SkipKeepalivesAsync(peer);
        Assert.Equal(MessageType.Notification, type);
        // RFC 4486 §4: Cease / Maximum Number of Prefixes Reached | AFI 1 | SAFI 1 | limit 2.
        Assert.Equal("0601" + "0001" + "01" + "00000002", Hex.Of(body));
        var down = await pair.A.WaitForAsync(p => p.Single().State == SessionState.Idle, "session drops");
        Assert.Contains("6/1", down.Single().LastError ?? "", StringComparison.Ordinal);
        Assert.Contains("more than the limit of 2", down.Single().LastError ?? "", StringComparison.Ordinal);

        // The idle hold is the configured back-off: a query after the clock moved is handled
        // after any timer input that move produced.
        pair.Time.Advance(TimeSpan.FromSeconds(29));
        await pair.A.GetRoutesAsync("b", RouteDirection.Received);
        Assert.Equal(SessionState.Idle, pair.A.GetPeers().Single().State);

        pair.Time.Advance(TimeSpan.FromSeconds(1));
        await HandshakeAsync(pair, peer, enhancedRefresh: false);
    }

    [Fact]
    public async Task Raising_max_prefixes_during_the_back_off_reconnects_at_once()
    {
        var (pair, peer) = await EstablishAsync(s => s with { MaxPrefixes = 1 });
        await using var _ = pair;
        await peer.ReadAsync(MessageType.Update); // End-of-RIB
        await AnnounceAsync(peer, "203.0.113.0/26", "203.0.113.64/26");
        Assert.Equal(MessageType.Notification, (await SkipKeepalivesAsync(peer)).Type);
        await pair.A.WaitForAsync(p => p.Single().State == SessionState.Idle, "session drops");

        // No clock movement: only the raised limit can end the back-off.
        await pair.A.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfA(s => s with { MaxPrefixes = 10 }), [])]));

        await HandshakeAsync(pair, peer, enhancedRefresh: false);
    }

    [Fact]
    public async Task Routes_up_to_the_limit_are_accepted()
    {
        var (pair, peer) = await EstablishAsync(s => s with { MaxPrefixes = 2 });
        await using var _ = pair;
        await peer.ReadAsync(MessageType.Update); // End-of-RIB

        await AnnounceAsync(peer, "203.0.113.0/26", "203.0.113.64/26");

        var received = await pair.A.WaitForRoutesAsync("b", RouteDirection.Received, 2);
        Assert.Equal(2, received.Count);
        Assert.Equal(SessionState.Established, pair.A.GetPeers().Single().State);
    }

    [Fact]
    public async Task Raising_max_prefixes_asks_the_peer_for_its_routes_instead_of_restarting()
    {
        var (pair, peer) = await EstablishAsync(s => s with { MaxPrefixes = 5 });
        await using var _ = pair;
        await peer.ReadAsync(MessageType.Update); // End-of-RIB

        await pair.A.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfA(s => s with { MaxPrefixes = 10 }), [])]));

        var (type, body) = await SkipKeepalivesAsync(peer);
        Assert.Equal(MessageType.RouteRefresh, type);
        Assert.Equal(new RouteRefreshMessage(AfiSafi.Ipv4, RouteRefreshMessage.NormalRequest, AfiSafi.Unicast), RouteRefreshMessage.Read(body));
        Assert.Equal(SessionState.Established, pair.A.GetPeers().Single().State);
    }

    [Fact]
    public async Task Lowering_max_prefixes_below_what_was_received_ends_the_session()
    {
        var (pair, peer) = await EstablishAsync(s => s with { MaxPrefixes = 5 });
        await using var _ = pair;
        await peer.ReadAsync(MessageType.Update); // End-of-RIB
        await AnnounceAsync(peer, "203.0.113.0/26", "203.0.113.64/26");
        await pair.A.WaitForRoutesAsync("b", RouteDirection.Received, 2);

        await pair.A.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfA(s => s with { MaxPrefixes = 1 }), [])]));

        var (type, body) = await SkipKeepalivesAsync(peer);
        Assert.Equal(MessageType.Notification, type);
        Assert.Equal("0601" + "0001" + "01" + "00000001", Hex.Of(body));
    }

    [Fact]
    public async Task Enhanced_refresh_request_is_answered_with_borr_the_table_and_eorr()
    {
        var (pair, peer) = await EstablishAsync(enhancedRefresh: true, routes: ["203.0.113.10/32"]);
        await using var _ = pair;
        await peer.ReadAsync(MessageType.Update);
        await peer.ReadAsync(MessageType.Update); // End-of-RIB

        await peer.SendAsync(new RouteRefreshMessage(AfiSafi.Ipv4, RouteRefreshMessage.NormalRequest, AfiSafi.Unicast).Write);

        var borr = RouteRefreshMessage.Read((await SkipKeepalivesAsync(peer)).Body);
        Assert.Equal(RouteRefreshMessage.BeginningOfRouteRefresh, borr.Subtype);
        var update = UpdateMessage.Read((await peer.ReadAsync(MessageType.Update)).Body, new UpdateDecodeOptions(FourOctetAs: true));
        Assert.Equal("203.0.113.10/32", update.Announced.Single().ToString());
        var eorr = RouteRefreshMessage.Read((await peer.ReadAsync(MessageType.RouteRefresh)).Body);
        Assert.Equal(new RouteRefreshMessage(AfiSafi.Ipv4, RouteRefreshMessage.EndOfRouteRefresh, AfiSafi.Unicast), eorr);
    }

    [Fact]
    public async Task Plain_refresh_request_gets_no_markers_from_a_peer_without_enhanced_refresh()
    {
        var (pair, peer) = await EstablishAsync(routes: ["203.0.113.10/32"]);
        await using var _ = pair;
        await peer.ReadAsync(MessageType.Update);
        await peer.ReadAsync(MessageType.Update); // End-of-RIB

        await peer.SendAsync(new RouteRefreshMessage(AfiSafi.Ipv4, RouteRefreshMessage.NormalRequest, AfiSafi.Unicast).Write);

        Assert.Equal(MessageType.Update, (await SkipKeepalivesAsync(peer)).Type);
    }

    [Fact]
    public async Task Routes_not_announced_again_between_borr_and_eorr_are_swept()
    {
        var (pair, peer) = await EstablishAsync(enhancedRefresh: true);
        await using var _ = pair;
        await peer.ReadAsync(MessageType.Update); // End-of-RIB
        await AnnounceAsync(peer, "203.0.113.0/26", "203.0.113.64/26");
        await pair.A.WaitForRoutesAsync("b", RouteDirection.Received, 2);

        await peer.SendAsync(new RouteRefreshMessage(AfiSafi.Ipv4, RouteRefreshMessage.BeginningOfRouteRefresh, AfiSafi.Unicast).Write);
        await AnnounceAsync(peer, "203.0.113.0/26");
        await peer.SendAsync(KeepaliveMessage.Write);
        await pair.A.WaitForAsync(p => p.Single().MessagesReceived >= 6, "A reads OPEN, KEEPALIVE, UPDATE, BoRR, UPDATE, KEEPALIVE");

        var during = await pair.A.GetRoutesAsync("b", RouteDirection.Received);
        Assert.Equal(
            [("203.0.113.0/26", false), ("203.0.113.64/26", true)],
            during!.Select(r => (r.Prefix, r.Stale)).ToArray());

        await peer.SendAsync(new RouteRefreshMessage(AfiSafi.Ipv4, RouteRefreshMessage.EndOfRouteRefresh, AfiSafi.Unicast).Write);
        var after = await pair.A.WaitForRoutesAsync("b", RouteDirection.Received, 1);
        Assert.Equal([("203.0.113.0/26", false)], after.Select(r => (r.Prefix, r.Stale)).ToArray());
    }

    [Fact]
    public async Task Stale_routes_are_swept_when_no_eorr_comes_in_time()
    {
        var (pair, peer) = await EstablishAsync(s => s with { HoldTime = TimeSpan.Zero }, enhancedRefresh: true);
        await using var _ = pair;
        await peer.ReadAsync(MessageType.Update); // End-of-RIB
        await AnnounceAsync(peer, "203.0.113.0/26");
        await pair.A.WaitForRoutesAsync("b", RouteDirection.Received, 1);

        await peer.SendAsync(new RouteRefreshMessage(AfiSafi.Ipv4, RouteRefreshMessage.BeginningOfRouteRefresh, AfiSafi.Unicast).Write);
        await pair.A.WaitForAsync(p => p.Single().MessagesReceived >= 4, "A reads OPEN, KEEPALIVE, UPDATE and the BoRR");
        Assert.True((await pair.A.GetRoutesAsync("b", RouteDirection.Received))!.Single().Stale);

        pair.Time.Advance(TimeSpan.FromSeconds(360));

        await pair.A.WaitForRoutesAsync("b", RouteDirection.Received, 0);
        Assert.Equal(SessionState.Established, pair.A.GetPeers().Single().State);
    }

    [Fact]
    public async Task Borr_with_a_bad_length_is_a_route_refresh_message_error()
    {
        var (pair, peer) = await EstablishAsync(enhancedRefresh: true);
        await using var _ = pair;
        await peer.ReadAsync(MessageType.Update); // End-of-RIB

        var bad = Hex.Message(MessageType.RouteRefresh, Hex.Bytes("0001 01 01 00"));
        await peer.SendAsync(o => o.Write(bad));

        var (type, body) = await SkipKeepalivesAsync(peer);
        Assert.Equal(MessageType.Notification, type);
        var notification = NotificationMessage.Read(body);
        Assert.Equal((ErrorCode.RouteRefresh, RouteRefreshErrorSubcode.InvalidMessageLength), (notification.Code, notification.Subcode));
        // RFC 7313 §5: the data is the whole offending message.
        Assert.Equal(Hex.Of(bad), Hex.Of(notification.Data.Span));
    }

    [Fact]
    public async Task Request_refresh_sends_route_refresh_to_an_established_peer()
    {
        var (pair, peer) = await EstablishAsync();
        await using var _ = pair;
        await peer.ReadAsync(MessageType.Update); // End-of-RIB

        Assert.True(await pair.A.RequestRefreshAsync("b", RouteFamily.Ipv4Unicast));
        Assert.False(await pair.A.RequestRefreshAsync("b", RouteFamily.Ipv6Unicast));
        Assert.False(await pair.A.RequestRefreshAsync("nobody", RouteFamily.Ipv4Unicast));

        var (type, body) = await SkipKeepalivesAsync(peer);
        Assert.Equal(MessageType.RouteRefresh, type);
        Assert.Equal(new RouteRefreshMessage(AfiSafi.Ipv4, RouteRefreshMessage.NormalRequest, AfiSafi.Unicast), RouteRefreshMessage.Read(body));
    }

    [Fact]
    public async Task Removing_a_peer_sends_peer_deconfigured()
    {
        var (pair, peer) = await EstablishAsync();
        await using var _ = pair;
        await peer.ReadAsync(MessageType.Update); // End-of-RIB

        await pair.A.ApplyAsync(SpeakerConfiguration.Empty);

        // RFC 4486 §4 names the subcode for this case; RFC 8203 text exists only for subcodes 2 and 4.
        var notification = NotificationMessage.Read((await SkipKeepalivesAsync(peer)).Body);
        Assert.Equal((ErrorCode.Cease, CeaseSubcode.PeerDeconfigured), (notification.Code, notification.Subcode));
    }

    [Fact]
    public async Task Stopping_the_speaker_sends_administrative_shutdown_with_the_reason()
    {
        var (pair, peer) = await EstablishAsync();
        await using var _ = pair;
        await peer.ReadAsync(MessageType.Update); // End-of-RIB

        await pair.A.StopAsync("Beacon agent shutting down");

        var notification = NotificationMessage.Read((await SkipKeepalivesAsync(peer)).Body);
        Assert.Equal((ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown), (notification.Code, notification.Subcode));
        Assert.True(notification.TryGetShutdownCommunication(out var message));
        Assert.Equal("Beacon agent shutting down", message);
    }

    [Fact]
    public async Task Treat_as_withdraw_and_each_discarded_attribute_are_counted()
    {
        using var meters = new TestMeterFactory();
        var counts = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (meters.Created.Contains(instrument.Meter) && instrument.Name == "update_errors_total")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "action")
                {
                    counts.AddOrUpdate((string)tag.Value!, value, (_, v) => v + value);
                }
            }
        });
        listener.Start();

        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-11-26T12:00:00Z"));
        var network = new InMemoryNetwork();
        await using var speaker = new BgpSpeaker(new SessionEnvironment
        {
            Time = time,
            Connector = network.ConnectorFor(SpeakerPair.AddressA),
            Jitter = static () => 1.0,
            Metrics = new BgpMetrics(meters),
        });
        var peer = new ScriptedPeer();
        network.Register(SpeakerPair.AddressB, peer.Accept);
        await speaker.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(new SpeakerPair().SettingsOfA(), [])]));
        await peer.WaitConnectedAsync();
        await peer.ReadAsync(MessageType.Open);
        await peer.SendAsync(PeerOpen(enhancedRefresh: false).Write);
        await peer.ReadAsync(MessageType.Keepalive);
        await peer.SendAsync(KeepaliveMessage.Write);
        await speaker.WaitForStateAsync("b", SessionState.Established);

        const string Path = "40 02 06 02 01 0000fdea 40 03 04 c6336402";
        await peer.SendAsync(o => o.Write(Hex.Message(MessageType.Update, Hex.UpdateBody("", "40 01 01 03" + Path, "18 cb0071"))));
        await peer.SendAsync(o => o.Write(Hex.Message(MessageType.Update, Hex.UpdateBody("", "40 01 01 00" + Path + "40 06 01 00 c0 07 00", "18 cb0071"))));
        await peer.SendAsync(KeepaliveMessage.Write);
        await speaker.WaitForAsync(p => p.Single().MessagesReceived >= 5, "both UPDATEs and the KEEPALIVE read");

        Assert.Equal(1, counts.GetValueOrDefault("treat-as-withdraw"));
        Assert.Equal(2, counts.GetValueOrDefault("attribute-discard"));
        Assert.Equal(SessionState.Established, speaker.GetPeers().Single().State);
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        public ConcurrentBag<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            Created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Created)
            {
                meter.Dispose();
            }
        }
    }
}
