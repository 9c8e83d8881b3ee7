using System.Buffers;
using System.Net;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Tests.Wire;
using Beacon.Bgp.Wire;

namespace Beacon.Bgp.Tests.Session;

/// <summary>IPv6 sessions and RFC 8950 negotiation between two speakers or a speaker and a scripted peer.</summary>
public sealed class ExtendedNextHopSessionTests
{
    private static readonly IPAddress V6A = IPAddress.Parse("2001:db8:100::2");
    private static readonly IPAddress V6B = IPAddress.Parse("2001:db8:100::1");

    private static PeerSettings DualStack(PeerSettings s) => s with { Families = [RouteFamily.Ipv4Unicast, RouteFamily.Ipv6Unicast] };

    private static async Task<(SpeakerPair Pair, ScriptedPeer Peer, OpenMessage Open)> ConnectScriptedAsync(IPAddress a, IPAddress b, params string[] routes)
    {
        var pair = new SpeakerPair(addressA: a, addressB: b);
        var peer = new ScriptedPeer();
        pair.Network.Register(b, peer.Accept);
        await pair.A.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfA(DualStack), SpeakerPair.Routes(routes))]));
        await peer.WaitConnectedAsync();
        return (pair, peer, OpenMessage.Read((await peer.ReadAsync(MessageType.Open)).Body));
    }

    private static async Task EstablishAsync(SpeakerPair pair, ScriptedPeer peer, params Capability[] extra)
    {
        await peer.SendAsync(new OpenMessage(4, 65002, 90, 0xC0000201,
        [
            new MultiprotocolCapability(AfiSafi.Ipv4, AfiSafi.Unicast),
            new MultiprotocolCapability(AfiSafi.Ipv6, AfiSafi.Unicast),
            new FourOctetAsCapability(65002),
            .. extra,
        ]).Write);
        await peer.ReadAsync(MessageType.Keepalive);
        await peer.SendAsync(KeepaliveMessage.Write);
        await pair.A.WaitForStateAsync("b", SessionState.Established);
    }

    /// <summary>Reads UPDATEs until both families' End-of-RIB; returns the announcements.</summary>
    private static async Task<List<UpdateMessage>> ReadInitialTableAsync(ScriptedPeer peer, UpdateDecodeOptions options)
    {
        var announcements = new List<UpdateMessage>();
        var endOfRib = new HashSet<RouteFamily>();
        while (endOfRib.Count < 2)
        {
            var update = UpdateMessage.Read((await peer.ReadAsync(MessageType.Update)).Body, options);
            if (update.EndOfRibFamily is { } family)
            {
                endOfRib.Add(family);
            }
            else
            {
                announcements.Add(update);
            }
        }

        return announcements;
    }

    [Fact]
    public async Task Ipv6_session_carries_both_families_with_ipv6_next_hops()
    {
        await using var pair = new SpeakerPair(addressA: V6A, addressB: V6B);
        await pair.B.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfB(s => DualStack(s) with { Passive = true }), [])]));
        await pair.A.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(pair.SettingsOfA(DualStack), SpeakerPair.Routes("203.0.113.10/32", "2001:db8:203::10/128"))]));

        var received = await pair.B.WaitForRoutesAsync("a", RouteDirection.Received, 2);

        Assert.Equal("2001:db8:100::2", received.Single(r => r.Prefix == "203.0.113.10/32").NextHop);
        Assert.Equal("2001:db8:100::2", received.Single(r => r.Prefix == "2001:db8:203::10/128").NextHop);
        var a = pair.A.GetPeers().Single();
        Assert.Contains("extended-nexthop", a.PeerCapabilities);
        Assert.Null(a.LastError);
        Assert.Contains(a.Families, f => f is { Afi: "ipv4", Advertised: 1 });
        Assert.Contains(a.Families, f => f is { Afi: "ipv6", Advertised: 1 });
    }

    [Fact]
    public async Task Ipv6_session_advertises_extended_next_hop_and_sends_ipv4_in_mp_reach_when_the_peer_does_too()
    {
        var (pair, peer, open) = await ConnectScriptedAsync(V6A, V6B, "203.0.113.10/32", "2001:db8:203::10/128");
        await using var _ = pair;

        Assert.Equal([ExtendedNextHopFamily.Ipv4UnicastOverIpv6], open.FindCapability<ExtendedNextHopCapability>()!.Families.ToArray());
        await EstablishAsync(pair, peer, new ExtendedNextHopCapability([ExtendedNextHopFamily.Ipv4UnicastOverIpv6]));

        var announcements = await ReadInitialTableAsync(peer, new UpdateDecodeOptions(FourOctetAs: true, Ipv6NextHopForIpv4: true));

        var v4 = Assert.Single(announcements, u => u.Announced.Contains(IPNetwork.Parse("203.0.113.10/32")));
        Assert.Equal(V6A, v4.Attributes!.NextHop);
        var v6 = Assert.Single(announcements, u => u.Announced.Contains(IPNetwork.Parse("2001:db8:203::10/128")));
        Assert.Equal(V6A, v6.Attributes!.NextHop);
    }

    [Fact]
    public async Task Ipv4_routes_are_not_sent_over_ipv6_without_extended_next_hop_or_an_ipv4_address_and_the_status_says_why()
    {
        // The in-memory addresses are on no interface of this machine: no IPv4 next hop exists.
        var (pair, peer, _) = await ConnectScriptedAsync(V6A, V6B, "203.0.113.10/32", "2001:db8:203::10/128");
        await using var _p = pair;
        await EstablishAsync(pair, peer);

        var announcements = await ReadInitialTableAsync(peer, new UpdateDecodeOptions(FourOctetAs: true));

        Assert.Equal([IPNetwork.Parse("2001:db8:203::10/128")], announcements.SelectMany(u => u.Announced).ToArray());
        var status = pair.A.GetPeers().Single();
        Assert.Equal(SessionState.Established, status.State);
        Assert.Contains("IPv4 routes not sent", status.LastError, StringComparison.Ordinal);
        Assert.Contains(status.Families, f => f is { Afi: "ipv4", Advertised: 0 });
    }

    [Fact]
    public async Task Ipv4_session_offers_no_extended_next_hop_and_refuses_ipv6_next_hops_for_ipv4()
    {
        var (pair, peer, open) = await ConnectScriptedAsync(SpeakerPair.AddressA, SpeakerPair.AddressB);
        await using var _ = pair;
        Assert.Null(open.FindCapability<ExtendedNextHopCapability>());
        await EstablishAsync(pair, peer, new ExtendedNextHopCapability([ExtendedNextHopFamily.Ipv4UnicastOverIpv6]));

        var mpReach = "0001 01 10 20010db8010000000000000000000001 00 20 cb00710a";
        await peer.SendAsync(o => o.Write(Hex.Message(MessageType.Update, Hex.UpdateBody(
            "", $"900e {Hex.Bytes(mpReach).Length:x4} {mpReach} 40010100 40020602010000fdea", ""))));

        var (type, body) = await peer.ReadAsync();
        while (type != MessageType.Notification)
        {
            (type, body) = await peer.ReadAsync();
        }

        var notification = NotificationMessage.Read(body);
        Assert.Equal(ErrorCode.UpdateMessage, notification.Code);
        Assert.Equal(UpdateErrorSubcode.OptionalAttributeError, notification.Subcode);
    }
}
