using System.Net.Sockets;
using Beacon.Bgp.Speaker;
using static Beacon.Interop.Tests.Beacon.BeaconLab;

namespace Beacon.Interop.Tests.Beacon;

/// <summary>Issue 2 "Interop", cases 5 and 6: routes from FRR, and two Beacon nodes behind one router.</summary>
public sealed class TopologyTests
{
    [Fact]
    public async Task Routes_frr_originates_show_up_as_received_with_next_hop_and_as_path()
    {
        await using var lab = await CreateAsync();
        lab.Manifests.Write("bgp.yaml",
            Manifests.ClusterConfig(NodeAs, (PeerName, "198.51.100.1", RouterAs)),
            Manifests.PeerConfig(),
            Manifests.PodCidrAdvertisement());
        lab.Manifests.Write("node.yaml", Manifests.Node("node1", "198.51.100.2", "192.0.2.0/26", "2001:db8:1::/64"));
        var frr = await lab.StartFrrAsync(networks: ["203.0.113.128/25", "198.51.100.0/24", "2001:db8:203:80::/64"]);

        // bgpd without zebra knows no interface address to put in an IPv6 next hop on an
        // IPv4 session and sends ::ffff:198.51.100.1; the route-map pins the global one
        // whether or not zebra runs (BeaconLab runs it).
        await frr.ConfigureAsync(
            "route-map nh6 permit 10",
            $"set ipv6 next-hop global {lab.Lab.Router.IPv6}",
            "exit",
            $"router bgp {RouterAs}",
            "address-family ipv6 unicast",
            $"neighbor {lab.Node(0).IPv4} route-map nh6 out");
        var beacon = lab.StartBeacon();
        await lab.WaitForEstablishedAsync();

        string[] fromFrr = ["198.51.100.0/24", "2001:db8:203:80::/64", "203.0.113.128/25"];
        var received = await lab.WaitForBeaconRoutesAsync(
            RouteDirection.Received,
            routes => fromFrr.All(p => routes.Any(r => r.Prefix == p)),
            "Beacon to receive FRR's networks");

        foreach (var prefix in new[] { "203.0.113.128/25", "198.51.100.0/24" })
        {
            var route = Assert.Single(received, r => r.Prefix == prefix);
            Assert.Equal("ipv4", route.Afi);
            Assert.Equal(lab.Lab.Router.IPv4, NextHop(route));
            Assert.Equal([RouterAs], AsNumbers(route));
            Assert.Equal("IGP", route.Origin, ignoreCase: true);
        }

        var v6 = Assert.Single(received, r => r.Prefix == "2001:db8:203:80::/64");
        Assert.Equal("ipv6", v6.Afi);
        Assert.Equal(lab.Lab.Router.IPv6, NextHop(v6));
        Assert.Equal([RouterAs], AsNumbers(v6));

        // What Beacon received is not passed on: FRR holds only Beacon's own PodCIDRs.
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["192.0.2.0/26"]);
        var peer = Assert.Single(await beacon.GetPeersAsync());
        Assert.Contains(peer.Families, f => f.Afi == "ipv4" && f.Received >= 2);
    }

    [Fact]
    public async Task Two_nodes_give_frr_two_paths_for_a_cluster_service_and_one_for_a_local_service()
    {
        await using var lab = await CreateAsync(nodeCount: 2);
        lab.Manifests.Write("bgp.yaml",
            Manifests.ClusterConfig(NodeAs, (PeerName, "198.51.100.1", RouterAs)),
            Manifests.PeerConfig(),
            Manifests.ServiceAdvertisement("services"),
            Manifests.PodCidrAdvertisement());
        lab.Manifests.Write("nodes.yaml",
            Manifests.Node("node1", "198.51.100.2", "192.0.2.0/26", "2001:db8:1::/64"),
            Manifests.Node("node2", "198.51.100.3", "192.0.2.64/26", "2001:db8:1:1::/64"));
        lab.Manifests.Write("services.yaml",
            Manifests.Service("web", "Cluster", "203.0.113.10"),
            Manifests.Service("api", "Local", "203.0.113.11"),
            Manifests.EndpointSlice("api-1", "api", new Endpoint("192.0.2.10", "node1"), new Endpoint("192.0.2.74", "node2", Ready: false)));
        var frr = await lab.StartFrrAsync(maximumPaths: 4);
        lab.StartBeacon(0);
        lab.StartBeacon(1);
        await lab.WaitForEstablishedAsync(0);
        await lab.WaitForEstablishedAsync(1);

        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["192.0.2.0/26", "203.0.113.10/32", "203.0.113.11/32"], index: 0);
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["192.0.2.64/26", "203.0.113.10/32"], index: 1);
        var v6 = await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetworkV6, ["2001:db8:1::/64"], index: 0);
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetworkV6, ["2001:db8:1:1::/64"], index: 1);
        var table = await lab.WaitForFrrAsync(
            AddressFamily.InterNetwork,
            t => t.Paths("203.0.113.10/32").Count(p => p.Multipath) == 2,
            "FRR to hold both paths to 203.0.113.10/32 as multipath");

        var web = table.Paths("203.0.113.10/32");
        Assert.Equal(2, web.Count);
        Assert.Equal(
            [lab.Node(0).IPv4, lab.Node(1).IPv4],
            web.Select(p => p.NextHop!).OrderBy(a => a.ToString(), StringComparer.Ordinal));
        Assert.All(web, p => Assert.True(p.Valid && p.Multipath));
        Assert.All(web, p => Assert.Equal([NodeAs], p.AsPath));
        Assert.Single(web, p => p.BestPath);

        var api = Assert.Single(table.Paths("203.0.113.11/32"));
        Assert.Equal(lab.Node(0).IPv4, api.NextHop);
        Assert.Equal(lab.Node(1).IPv4, Assert.Single(table.Paths("192.0.2.64/26")).NextHop);
        Assert.Equal(lab.Node(0).IPv6, Assert.Single(v6.Paths("2001:db8:1::/64")).NextHop);
        var second = await frr.GetNeighborAsync(lab.Node(1).IPv4);
        Assert.NotNull(second);
        Assert.Equal("198.51.100.3", second.RemoteRouterId);
    }
}
