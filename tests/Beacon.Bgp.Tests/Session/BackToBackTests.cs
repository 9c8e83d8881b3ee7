using System.Net;
using Beacon.Bgp.Rib;
using Beacon.Bgp.Speaker;

namespace Beacon.Bgp.Tests.Session;

public sealed class BackToBackTests
{
    [Fact]
    public async Task Both_sides_dialling_resolve_the_collision_and_establish()
    {
        await using var pair = new SpeakerPair();
        await pair.A.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfA(), [])]));
        await pair.B.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfB(), [])]));

        var a = await pair.A.WaitForStateAsync("b", SessionState.Established);
        var b = await pair.B.WaitForStateAsync("a", SessionState.Established);

        Assert.Equal(90, a.Single().HoldTime);
        Assert.Equal(30, a.Single().KeepaliveTime);
        Assert.Contains("4-octet-as", b.Single().PeerCapabilities);
        Assert.Contains("route-refresh", b.Single().PeerCapabilities);
        Assert.Null(a.Single().LastError);
    }

    [Fact]
    public async Task Routes_flow_with_ebgp_attributes_and_are_withdrawn()
    {
        await using var pair = new SpeakerPair();
        var tagged = new RouteAttributes { Communities = [(65001u << 16) | 100], LargeCommunities = [new LargeCommunity(65001, 1, 1)], Med = 5, AsPathPrependCount = 2 };
        await pair.B.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfB(s => s with { Passive = true }), [])]));
        await pair.A.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfA(),
            [new AdvertisedRoute(IPNetwork.Parse("203.0.113.10/32"), tagged), .. SpeakerPair.Routes("203.0.113.11/32", "192.0.2.0/26")])]));

        var received = await pair.B.WaitForRoutesAsync("a", RouteDirection.Received, 3);

        var route = received.Single(r => r.Prefix == "203.0.113.10/32");
        Assert.Equal("198.51.100.2", route.NextHop);
        Assert.Equal("igp", route.Origin);
        Assert.Equal([65001u, 65001u, 65001u], route.AsPath.Cast<uint>().ToArray());
        Assert.Equal(["65001:100"], route.Communities.ToArray());
        Assert.Equal(["65001:1:1"], route.LargeCommunities.ToArray());
        Assert.Equal(5u, route.Med);
        Assert.Null(route.LocalPreference);
        Assert.Equal([65001u], received.Single(r => r.Prefix == "192.0.2.0/26").AsPath.Cast<uint>().ToArray());

        var advertised = await pair.A.GetRoutesAsync("b", RouteDirection.Advertised);
        Assert.Equal(3, advertised!.Count);

        await pair.A.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfA(), SpeakerPair.Routes("192.0.2.0/26"))]));
        var after = await pair.B.WaitForRoutesAsync("a", RouteDirection.Received, 1);
        Assert.Equal("192.0.2.0/26", after.Single().Prefix);
    }

    [Fact]
    public async Task Ibgp_carries_local_preference_and_an_empty_as_path()
    {
        await using var pair = new SpeakerPair(asnA: 64512, asnB: 64512);
        await pair.B.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfB(s => s with { Passive = true }), [])]));
        await pair.A.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfA(),
            [new AdvertisedRoute(IPNetwork.Parse("203.0.113.10/32"), new RouteAttributes { LocalPreference = 200 }), .. SpeakerPair.Routes("203.0.113.11/32")])]));

        var received = await pair.B.WaitForRoutesAsync("a", RouteDirection.Received, 2);

        Assert.Equal(200u, received.Single(r => r.Prefix == "203.0.113.10/32").LocalPreference);
        Assert.Equal(100u, received.Single(r => r.Prefix == "203.0.113.11/32").LocalPreference);
        Assert.Empty(received[0].AsPath);
    }

    [Fact]
    public async Task Wrong_peer_as_is_refused_with_bad_peer_as()
    {
        await using var pair = new SpeakerPair();
        await pair.B.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfB(s => s with { PeerAsn = 65099, Passive = true }), [])]));
        await pair.A.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfA(), [])]));

        await pair.B.WaitForAsync(p => p.Single().LastError?.Contains("2/2") == true, "B rejects the OPEN");
        var a = await pair.A.WaitForAsync(p => p.Single().LastError?.Contains("NOTIFICATION 2/2") == true, "A hears why");

        Assert.NotEqual(SessionState.Established, a.Single().State);
    }

    [Fact]
    public async Task Many_prefixes_arrive_packed_and_complete()
    {
        await using var pair = new SpeakerPair();
        var routes = Enumerable.Range(0, 5000)
            .Select(i => new AdvertisedRoute(new IPNetwork(new IPAddress([203, 0, (byte)(i >> 8), (byte)i]), 32), RouteAttributes.Default))
            .ToArray();
        await pair.B.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfB(s => s with { Passive = true }), [])]));
        await pair.A.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfA(), [.. routes])]));

        await pair.B.WaitForRoutesAsync("a", RouteDirection.Received, 5000);
        var a = pair.A.GetPeers().Single();

        // 5000 /32s at ~800 per 4096-byte UPDATE: a handful of messages, not thousands.
        Assert.InRange(a.MessagesSent, 5, 20);
    }

    [Fact]
    public async Task Peer_going_away_returns_to_connecting_and_recovers()
    {
        await using var pair = new SpeakerPair();
        await pair.B.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfB(s => s with { Passive = true }), [])]));
        await pair.A.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfA(), SpeakerPair.Routes("203.0.113.10/32"))]));
        await pair.B.WaitForRoutesAsync("a", RouteDirection.Received, 1);

        // Every status A publishes, since the error it reports changes faster than a poll can see.
        var history = new System.Collections.Concurrent.ConcurrentQueue<PeerStatus>();
        pair.A.PeerStatusChanged += history.Enqueue;
        await pair.B.ApplyAsync(SpeakerConfiguration.Empty);

        // A restarts at once, finds nobody listening and waits out its ConnectRetry timer.
        await pair.A.WaitForAsync(p => p.Single() is { State: SessionState.Active, LastError: { } e } && e.StartsWith("connect to", StringComparison.Ordinal), "A waits to retry");
        Assert.Contains(history, s => s.LastError?.Contains("peer sent NOTIFICATION 6/3", StringComparison.Ordinal) == true);

        await pair.B.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfB(s => s with { Passive = true }), [])]));
        pair.Time.Advance(TimeSpan.FromSeconds(5));
        await pair.B.WaitForRoutesAsync("a", RouteDirection.Received, 1);
    }
}
