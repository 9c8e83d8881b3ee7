using System.Net.Sockets;
using Beacon.Bgp.Speaker;
using static Beacon.Interop.Tests.Beacon.BeaconLab;

namespace Beacon.Interop.Tests.Beacon;

/// <summary>Issue 2 "Interop", cases 1 and 2: what FRR's bgpd receives over eBGP and iBGP sessions with Beacon.</summary>
public sealed class EbgpTests
{
    [Fact]
    public async Task Frr_holds_exactly_the_planned_routes_with_their_attributes_over_ebgp()
    {
        await using var lab = await CreateAsync();
        var node = lab.Node(0);
        lab.Manifests.Write("bgp.yaml",
            Manifests.ClusterConfig(NodeAs, (PeerName, "198.51.100.1", RouterAs)),
            Manifests.PeerConfig(),
            Manifests.ServiceAdvertisement("services", """
                        communities:
                          standard: ["64512:100"]
                          large: ["64512:1:1"]
                """),
            Manifests.ServiceAdvertisement("prepended", """
                        communities:
                          standard: ["64512:200"]
                        med: 50
                        asPathPrepend:
                          count: 2
                """, selector: "tier: edge"),
            Manifests.PodCidrAdvertisement(attributes: """
                        communities:
                          standard: ["64512:300"]
                """));
        lab.Manifests.Write("node.yaml", Manifests.Node("node1", "198.51.100.2", "192.0.2.0/26", "2001:db8:1::/64"));
        lab.Manifests.Write("services.yaml",
            Manifests.Service("web", "Cluster", "203.0.113.10", "2001:db8:203::10"),
            Manifests.LabelledService("edge", "Cluster", "tier: edge", "203.0.113.12"));
        var frr = await lab.StartFrrAsync();
        var beacon = lab.StartBeacon();

        await lab.WaitForEstablishedAsync();
        var v4 = await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["192.0.2.0/26", "203.0.113.10/32", "203.0.113.12/32"]);
        var v6 = await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetworkV6, ["2001:db8:1::/64", "2001:db8:203::10/128"]);

        var web = Assert.Single(v4.Paths("203.0.113.10/32"));
        Assert.Equal(node.IPv4, web.NextHop);
        Assert.Equal([NodeAs], web.AsPath);
        Assert.Equal("IGP", web.Origin);
        Assert.Equal(["64512:100"], web.Communities);
        Assert.Equal(["64512:1:1"], web.LargeCommunities);
        Assert.Null(web.Med);
        Assert.True(web.Valid && web.BestPath);

        var edge = Assert.Single(v4.Paths("203.0.113.12/32"));
        Assert.Equal(node.IPv4, edge.NextHop);
        Assert.Equal([NodeAs, NodeAs, NodeAs], edge.AsPath);
        Assert.Equal("IGP", edge.Origin);
        Assert.Equal(["64512:100", "64512:200"], edge.Communities);
        Assert.Equal(["64512:1:1"], edge.LargeCommunities);
        Assert.Equal(50u, edge.Med);

        var pods = Assert.Single(v4.Paths("192.0.2.0/26"));
        Assert.Equal(node.IPv4, pods.NextHop);
        Assert.Equal([NodeAs], pods.AsPath);
        Assert.Equal(["64512:300"], pods.Communities);
        Assert.Empty(pods.LargeCommunities);

        var web6 = Assert.Single(v6.Paths("2001:db8:203::10/128"));
        Assert.Equal(node.IPv6, web6.NextHop);
        Assert.Equal([NodeAs], web6.AsPath);
        Assert.Equal("IGP", web6.Origin);
        Assert.Equal(["64512:100"], web6.Communities);
        Assert.Equal(["64512:1:1"], web6.LargeCommunities);
        Assert.True(web6.Valid && web6.BestPath);
        var pods6 = Assert.Single(v6.Paths("2001:db8:1::/64"));
        Assert.Equal(node.IPv6, pods6.NextHop);
        Assert.Equal(["64512:300"], pods6.Communities);

        var neighbor = await frr.GetNeighborAsync(node.IPv4);
        Assert.NotNull(neighbor);
        Assert.Equal(NodeAs, neighbor.RemoteAs);
        Assert.Equal("198.51.100.2", neighbor.RemoteRouterId);
        Assert.Equal(9000, neighbor.HoldTimeMilliseconds);

        var peer = Assert.Single(await beacon.GetPeersAsync());
        Assert.Equal(PeerName, peer.Name);
        Assert.Equal("198.51.100.1", peer.PeerAddress);
        Assert.Equal(RouterAs, peer.PeerAsn);
        Assert.Equal(NodeAs, peer.LocalAsn);
        Assert.Equal(SessionState.Established, peer.State);
        Assert.Equal(9, peer.HoldTime);
        // FRR echoes the routes back (its sender-side AS loop detection is off by default),
        // so "received" counts them; Beacon's AS in their path keeps them out of use.
        Assert.Contains(peer.Families, f => f is { Afi: "ipv4", Safi: "unicast", Advertised: 3 });
        Assert.Contains(peer.Families, f => f is { Afi: "ipv6", Safi: "unicast", Advertised: 2 });

        var advertised = await beacon.GetRoutesAsync(PeerName, RouteDirection.Advertised);
        Assert.Equal(
            ["192.0.2.0/26", "2001:db8:1::/64", "2001:db8:203::10/128", "203.0.113.10/32", "203.0.113.12/32"],
            advertised.Select(r => r.Prefix).Order(StringComparer.Ordinal));
        var edgeView = Assert.Single(advertised, r => r.Prefix == "203.0.113.12/32");
        Assert.Equal([NodeAs, NodeAs, NodeAs], AsNumbers(edgeView));
        Assert.Equal(node.IPv4, NextHop(edgeView));
        Assert.Equal(50u, edgeView.Med);
        Assert.Equal(["64512:100", "64512:200"], edgeView.Communities.ToArray());
        Assert.Equal(node.IPv6, NextHop(Assert.Single(advertised, r => r.Prefix == "2001:db8:203::10/128")));
    }

    [Fact]
    public async Task Frr_sees_local_preference_and_an_empty_as_path_over_ibgp()
    {
        await using var lab = await CreateAsync();
        var node = lab.Node(0);
        lab.Manifests.Write("bgp.yaml",
            Manifests.ClusterConfig(RouterAs, (PeerName, "198.51.100.1", RouterAs)),
            Manifests.PeerConfig(),
            Manifests.ServiceAdvertisement("services", """
                        localPreference: 250
                        communities:
                          standard: ["64500:1"]
                """),
            Manifests.PodCidrAdvertisement());
        lab.Manifests.Write("node.yaml", Manifests.Node("node1", "198.51.100.2", "192.0.2.0/26", "2001:db8:1::/64"));
        lab.Manifests.Write("services.yaml", Manifests.Service("web", "Cluster", "203.0.113.10", "2001:db8:203::10"));
        var frr = await lab.StartFrrAsync(remoteAs: "internal");
        var beacon = lab.StartBeacon();

        await lab.WaitForEstablishedAsync();
        var v4 = await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["192.0.2.0/26", "203.0.113.10/32"]);
        var v6 = await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetworkV6, ["2001:db8:1::/64", "2001:db8:203::10/128"]);

        var web = Assert.Single(v4.Paths("203.0.113.10/32"));
        Assert.Equal(node.IPv4, web.NextHop);
        Assert.Empty(web.AsPath);
        Assert.Equal("IGP", web.Origin);
        Assert.Equal(250u, web.LocalPreference);
        Assert.Equal(["64500:1"], web.Communities);
        Assert.True(web.Valid && web.BestPath);
        var pods = Assert.Single(v4.Paths("192.0.2.0/26"));
        Assert.Empty(pods.AsPath);
        Assert.Equal(100u, pods.LocalPreference);
        var web6 = Assert.Single(v6.Paths("2001:db8:203::10/128"));
        Assert.Equal(node.IPv6, web6.NextHop);
        Assert.Empty(web6.AsPath);
        Assert.Equal(250u, web6.LocalPreference);
        Assert.Equal(100u, Assert.Single(v6.Paths("2001:db8:1::/64")).LocalPreference);

        var neighbor = await frr.GetNeighborAsync(node.IPv4);
        Assert.NotNull(neighbor);
        Assert.Equal(RouterAs, neighbor.RemoteAs);
        Assert.Equal(RouterAs, neighbor.LocalAs);
        var peer = Assert.Single(await beacon.GetPeersAsync());
        Assert.Equal(RouterAs, peer.PeerAsn);
        Assert.Equal(RouterAs, peer.LocalAsn);
        var advertised = await beacon.GetRoutesAsync(PeerName, RouteDirection.Advertised);
        var webView = Assert.Single(advertised, r => r.Prefix == "203.0.113.10/32");
        Assert.Empty(webView.AsPath);
        Assert.Equal(250u, webView.LocalPreference);
    }
}
