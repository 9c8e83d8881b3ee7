using Beacon.Bgp.Speaker;
using Beacon.Bgp.Wire;

namespace Beacon.Bgp.Tests.Session;

public sealed class TimerTests
{
    private static async Task<(SpeakerPair Pair, ScriptedPeer Peer)> EstablishAsync(ushort peerHoldTime, params string[] routes)
    {
        var pair = new SpeakerPair();
        var peer = new ScriptedPeer();
        pair.Network.Register(SpeakerPair.AddressB, peer.Accept);
        await pair.A.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(
            pair.SettingsOfA(s => s with { HoldTime = TimeSpan.FromSeconds(9), KeepaliveTime = TimeSpan.FromSeconds(3) }),
            SpeakerPair.Routes(routes))]));
        await peer.WaitConnectedAsync();

        var open = OpenMessage.Read((await peer.ReadAsync(MessageType.Open)).Body);
        Assert.Equal(9, open.HoldTime);
        Assert.Equal(65001u, open.EffectiveAutonomousSystem);
        await peer.SendAsync(ScriptedPeer.Open(65002, peerHoldTime, 0xC0000201).Write);
        await peer.ReadAsync(MessageType.Keepalive);
        await peer.SendAsync(KeepaliveMessage.Write);
        await pair.A.WaitForStateAsync("b", SessionState.Established);
        return (pair, peer);
    }

    [Fact]
    public async Task Initial_table_is_followed_by_end_of_rib()
    {
        var (pair, peer) = await EstablishAsync(9, "203.0.113.10/32", "203.0.113.11/32");
        await using var _ = pair;

        var update = UpdateMessage.Read((await peer.ReadAsync(MessageType.Update)).Body, new UpdateDecodeOptions(FourOctetAs: true));
        Assert.Equal(["203.0.113.10/32", "203.0.113.11/32"], update.Announced.Select(p => p.ToString()).Order().ToArray());
        var endOfRib = UpdateMessage.Read((await peer.ReadAsync(MessageType.Update)).Body, new UpdateDecodeOptions(FourOctetAs: true));
        Assert.Equal(RouteFamily.Ipv4Unicast, endOfRib.EndOfRibFamily);
    }

    [Fact]
    public async Task Keepalives_follow_the_negotiated_interval_and_silence_expires_the_hold_timer()
    {
        var (pair, peer) = await EstablishAsync(6);
        await using var _ = pair;
        await peer.ReadAsync(MessageType.Update); // End-of-RIB

        var status = pair.A.GetPeers().Single();
        Assert.Equal(6, status.HoldTime);
        Assert.Equal(2, status.KeepaliveTime);

        pair.Time.Advance(TimeSpan.FromSeconds(2));
        await peer.ReadAsync(MessageType.Keepalive);

        pair.Time.Advance(TimeSpan.FromSeconds(2));
        await peer.ReadAsync(MessageType.Keepalive);

        // Nothing from the peer for the whole hold time.
        pair.Time.Advance(TimeSpan.FromSeconds(2));
        var (type, body) = await peer.ReadAsync();
        while (type == MessageType.Keepalive)
        {
            (type, body) = await peer.ReadAsync();
        }

        var notification = NotificationMessage.Read(body);
        Assert.Equal(ErrorCode.HoldTimerExpired, notification.Code);
        var after = await pair.A.WaitForAsync(p => p.Single().State != SessionState.Established, "session drops");
        Assert.Contains("hold timer expired", after.Single().LastError ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hold_time_of_one_second_is_refused_with_unacceptable_hold_time()
    {
        var pair = new SpeakerPair();
        await using var _ = pair;
        var peer = new ScriptedPeer();
        pair.Network.Register(SpeakerPair.AddressB, peer.Accept);
        await pair.A.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfA(), [])]));
        await peer.WaitConnectedAsync();
        await peer.ReadAsync(MessageType.Open);

        await peer.SendAsync(ScriptedPeer.Open(65002, 1, 0xC0000201).Write);

        var notification = NotificationMessage.Read((await peer.ReadAsync(MessageType.Notification)).Body);
        Assert.Equal((ErrorCode.OpenMessage, OpenErrorSubcode.UnacceptableHoldTime), (notification.Code, notification.Subcode));
    }

    [Fact]
    public async Task Route_refresh_resends_the_table()
    {
        var (pair, peer) = await EstablishAsync(90, "203.0.113.10/32");
        await using var _ = pair;
        await peer.ReadAsync(MessageType.Update);
        await peer.ReadAsync(MessageType.Update); // End-of-RIB

        await peer.SendAsync(new RouteRefreshMessage(AfiSafi.Ipv4, 0, AfiSafi.Unicast).Write);

        var update = UpdateMessage.Read((await peer.ReadAsync(MessageType.Update)).Body, new UpdateDecodeOptions(FourOctetAs: true));
        Assert.Equal("203.0.113.10/32", update.Announced.Single().ToString());
    }

    [Fact]
    public async Task Received_routes_are_kept_unless_our_as_is_in_their_path()
    {
        var (pair, peer) = await EstablishAsync(90);
        await using var _ = pair;
        await peer.ReadAsync(MessageType.Update); // End-of-RIB
        var options = new UpdateEncodeOptions(FourOctetAs: true);
        var fromPeer = new PathAttributes { AsPath = [AsPathSegment.Sequence(65002)], NextHop = System.Net.IPAddress.Parse("198.51.100.1") };
        var looped = fromPeer with { AsPath = [AsPathSegment.Sequence(65002, 65001)] };

        await peer.SendAsync(o => UpdateWriter.WriteAnnouncements(o, RouteFamily.Ipv4Unicast, fromPeer, [System.Net.IPNetwork.Parse("203.0.113.128/25")], options));
        await peer.SendAsync(o => UpdateWriter.WriteAnnouncements(o, RouteFamily.Ipv4Unicast, looped, [System.Net.IPNetwork.Parse("192.0.2.128/25")], options));
        await peer.SendAsync(KeepaliveMessage.Write);
        await pair.A.WaitForAsync(p => p.Single().MessagesReceived >= 5, "A reads OPEN, KEEPALIVE, both UPDATEs and the last KEEPALIVE");

        var received = await pair.A.GetRoutesAsync("b", RouteDirection.Received);
        var route = Assert.Single(received!);
        Assert.Equal("203.0.113.128/25", route.Prefix);
        Assert.Equal("198.51.100.1", route.NextHop);
        Assert.Equal([65002u], route.AsPath.Cast<uint>().ToArray());
    }
}
