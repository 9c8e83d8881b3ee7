using System.Net;
using System.Net.Sockets;
using Beacon.Bgp.Speaker;
using Beacon.Interop.Tests.Lab;
using static Beacon.Interop.Tests.Beacon.BeaconLab;

namespace Beacon.Interop.Tests.Beacon;

/// <summary>
/// Issue 4 "IPv6 and next hops": IPv6 sessions, IPv4 routes over them with RFC 8950 extended
/// next hops, and the link-local next hop for on-link peers (RFC 2545 §3), at FRR, BIRD and GoBGP.
/// </summary>
public sealed class Ipv6NextHopTests
{
    private static readonly string[] V4Prefixes = ["192.0.2.0/26", "203.0.113.10/32"];
    private static readonly string[] V6Prefixes = ["2001:db8:1::/64", "2001:db8:203::10/128"];

    /// <summary>A dual-stack PodCIDR and Service, advertised to the given peers in both families.</summary>
    private static void WriteManifests(BeaconLab lab, params (string Name, string Address, uint Asn)[] peers)
    {
        lab.Manifests.Write("bgp.yaml",
            Manifests.ClusterConfig(NodeAs, peers),
            Manifests.PeerConfig(),
            Manifests.ServiceAdvertisement("services"),
            Manifests.PodCidrAdvertisement());
        lab.Manifests.Write("node.yaml", Manifests.Node("node1", "198.51.100.2", "192.0.2.0/26", "2001:db8:1::/64"));
        lab.Manifests.Write("services.yaml", Manifests.Service("web", "Cluster", "203.0.113.10", "2001:db8:203::10"));
    }

    /// <summary>Runs a router-side wait; on timeout the message carries the tail of Beacon's log.</summary>
    private static async Task<T> WithLogAsync<T>(BeaconLab lab, Task<T> wait)
    {
        try
        {
            return await wait;
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}{Environment.NewLine}Beacon log:{Environment.NewLine}{lab.LogTail(lines: 60)}", e);
        }
    }

    private static async Task<IPAddress> LinkLocalAsync(LabNamespace node)
    {
        var output = (await node.ExecAsync("ip", "-6", "-o", "addr", "show", "dev", node.Interface, "scope", "link")).EnsureSuccess().StandardOutput;
        var field = output.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipWhile(f => f != "inet6").Skip(1).First();
        return IPAddress.Parse(field.Split('/')[0]);
    }

    private static Task<FrrRoutingTable> WaitForFrrAsync(BeaconLab lab, FrrRouter frr, IPAddress peer, AddressFamily family, string[] prefixes) =>
        WithLogAsync(lab, frr.WaitForRoutesAsync(
            family,
            t => t.PrefixesFrom(peer).Order(StringComparer.Ordinal).SequenceEqual(prefixes.Order(StringComparer.Ordinal))
                && prefixes.All(p => t.Paths(p).All(x => x.Valid)),
            $"FRR to hold exactly [{string.Join(", ", prefixes)}] ({family}) from {peer}, valid"));

    [Fact]
    public async Task Frr_over_an_ipv6_session_with_extended_next_hop_gets_both_families_with_global_and_link_local_ipv6_next_hops()
    {
        await using var lab = await CreateAsync();
        var node = lab.Node(0);
        WriteManifests(lab, (PeerName, "2001:db8:100::1", RouterAs));
        var frr = await FrrRouter.StartAsync(lab.Lab, lab.Lab.Router, new FrrConfig(RouterAs, lab.Lab.Router.IPv4)
        {
            Neighbors =
            [
                new FrrNeighborConfig(node.IPv6, "external")
                {
                    Families = [AddressFamily.InterNetwork, AddressFamily.InterNetworkV6],
                    ExtraLines = ["capability extended-nexthop"],
                },
            ],
            Zebra = true,
        });
        var beacon = lab.StartBeacon();

        await WithLogAsync(lab, frr.WaitForEstablishedAsync(node.IPv6));
        var linkLocal = await LinkLocalAsync(node);
        var v4 = await WaitForFrrAsync(lab, frr, node.IPv6, AddressFamily.InterNetwork, V4Prefixes);
        var v6 = await WaitForFrrAsync(lab, frr, node.IPv6, AddressFamily.InterNetworkV6, V6Prefixes);

        foreach (var path in V4Prefixes.Select(p => Assert.Single(v4.Paths(p))).Concat(V6Prefixes.Select(p => Assert.Single(v6.Paths(p)))))
        {
            Assert.Equal(node.IPv6, path.NextHop);
            Assert.Contains(linkLocal, path.NextHops);
            Assert.True(path.BestPath, path.ToString());
        }

        var peer = Assert.Single(await beacon.WaitForPeerStateAsync(PeerName, SessionState.Established));
        Assert.Contains("extended-nexthop", peer.PeerCapabilities);
        Assert.Null(peer.LastError);
        var advertised = await beacon.GetRoutesAsync(PeerName, RouteDirection.Advertised);
        Assert.All(advertised, r => Assert.Equal(node.IPv6.ToString(), r.NextHop));

        // Withdrawals of IPv4 routes sent with IPv6 next hops reach FRR too.
        lab.Manifests.Delete("services.yaml");
        await WaitForFrrAsync(lab, frr, node.IPv6, AddressFamily.InterNetwork, ["192.0.2.0/26"]);
        await WaitForFrrAsync(lab, frr, node.IPv6, AddressFamily.InterNetworkV6, ["2001:db8:1::/64"]);
    }

    [Fact]
    public async Task Frr_gets_both_families_on_an_ipv4_session_and_on_an_ipv6_session_without_extended_next_hop()
    {
        await using var lab = await CreateAsync();
        var node = lab.Node(0);
        WriteManifests(lab, ("router-v4", "198.51.100.1", RouterAs), ("router-v6", "2001:db8:100::1", RouterAs));
        var frr = await FrrRouter.StartAsync(lab.Lab, lab.Lab.Router, new FrrConfig(RouterAs, lab.Lab.Router.IPv4)
        {
            Neighbors =
            [
                new FrrNeighborConfig(node.IPv4, "external") { Families = [AddressFamily.InterNetwork, AddressFamily.InterNetworkV6] },
                new FrrNeighborConfig(node.IPv6, "external") { Families = [AddressFamily.InterNetwork, AddressFamily.InterNetworkV6] },
            ],
            Zebra = true,
        });
        var beacon = lab.StartBeacon();

        await WithLogAsync(lab, frr.WaitForEstablishedAsync(node.IPv4));
        await WithLogAsync(lab, frr.WaitForEstablishedAsync(node.IPv6));
        var linkLocal = await LinkLocalAsync(node);
        var v4 = await WaitForFrrAsync(lab, frr, node.IPv4, AddressFamily.InterNetwork, V4Prefixes);
        await WaitForFrrAsync(lab, frr, node.IPv6, AddressFamily.InterNetwork, V4Prefixes);
        var v6 = await WaitForFrrAsync(lab, frr, node.IPv4, AddressFamily.InterNetworkV6, V6Prefixes);
        await WaitForFrrAsync(lab, frr, node.IPv6, AddressFamily.InterNetworkV6, V6Prefixes);

        // Without RFC 8950 the IPv6 session's IPv4 routes take the interface's IPv4 address.
        foreach (var prefix in V4Prefixes)
        {
            Assert.All(v4.Paths(prefix), p => Assert.Equal(node.IPv4, p.NextHop));
            Assert.Equal(2, v4.Paths(prefix).Count);
        }

        // The IPv4 session's IPv6 routes: the interface's global address plus its link-local.
        foreach (var prefix in V6Prefixes)
        {
            Assert.Equal(2, v6.Paths(prefix).Count);
            Assert.All(v6.Paths(prefix), p =>
            {
                Assert.Equal(node.IPv6, p.NextHop);
                Assert.Contains(linkLocal, p.NextHops);
            });
        }

        var peers = await beacon.GetPeersAsync();
        Assert.All(peers, p => Assert.Null(p.LastError));
        Assert.DoesNotContain("extended-nexthop", peers.Single(p => p.Name == "router-v6").PeerCapabilities);
    }

    [Fact]
    public async Task Bird_with_extended_next_hop_gets_ipv4_routes_with_the_ipv6_next_hop_over_a_direct_ipv6_session()
    {
        await using var lab = await CreateAsync();
        var node = lab.Node(0);
        WriteManifests(lab, (PeerName, "2001:db8:100::1", RouterAs));
        var bird = await BirdRouter.StartAsync(lab.Lab, lab.Lab.Router, new BirdConfig(RouterAs, lab.Lab.Router.IPv4)
        {
            Neighbors =
            [
                new BirdNeighborConfig("beacon", node.IPv6, NodeAs, lab.Lab.Router.IPv6)
                {
                    Families = [AddressFamily.InterNetwork, AddressFamily.InterNetworkV6],
                    ExtendedNextHop = true,
                    Direct = true,
                },
            ],
        });
        var beacon = lab.StartBeacon();

        await WithLogAsync(lab, bird.WaitForEstablishedAsync("beacon"));
        var linkLocal = await LinkLocalAsync(node);
        var routes = await WithLogAsync(lab, bird.WaitForRoutesAsync(
            "beacon",
            r => r.Select(x => x.Prefix).Order(StringComparer.Ordinal).SequenceEqual(V4Prefixes.Concat(V6Prefixes).Order(StringComparer.Ordinal)),
            "BIRD to hold both families from Beacon"));

        foreach (var route in routes)
        {
            Assert.Equal(node.IPv6, route.NextHop);
            Assert.Contains(linkLocal.ToString(), route.Attributes["BGP.next_hop"], StringComparison.Ordinal);
            Assert.True(route.Primary, route.ToString());
        }

        var peer = Assert.Single(await beacon.WaitForPeerStateAsync(PeerName, SessionState.Established));
        Assert.Contains("extended-nexthop", peer.PeerCapabilities);
        Assert.Null(peer.LastError);
    }

    [Fact]
    public async Task Gobgp_gets_ipv4_routes_with_the_ipv6_next_hop_over_an_ipv6_session()
    {
        await using var lab = await CreateAsync();
        var node = lab.Node(0);
        WriteManifests(lab, (PeerName, "2001:db8:100::1", RouterAs));
        var gobgp = await GoBgpRouter.StartAsync(lab.Lab, lab.Lab.Router, new GoBgpConfig(RouterAs, lab.Lab.Router.IPv4)
        {
            Neighbors = [new GoBgpNeighborConfig(node.IPv6, NodeAs) { Families = [AddressFamily.InterNetwork, AddressFamily.InterNetworkV6] }],
        });
        var beacon = lab.StartBeacon();

        await WithLogAsync(lab, gobgp.WaitForEstablishedAsync(node.IPv6));
        var v4 = await WithLogAsync(lab, gobgp.WaitForReceivedAsync(node.IPv6, AddressFamily.InterNetwork, r => r.Count == V4Prefixes.Length, "GoBGP to receive the IPv4 routes"));
        var v6 = await WithLogAsync(lab, gobgp.WaitForReceivedAsync(node.IPv6, AddressFamily.InterNetworkV6, r => r.Count == V6Prefixes.Length, "GoBGP to receive the IPv6 routes"));

        Assert.Equal(V4Prefixes, v4.Select(p => p.Prefix).Order(StringComparer.Ordinal));
        Assert.Equal(V6Prefixes, v6.Select(p => p.Prefix).Order(StringComparer.Ordinal));
        Assert.All(v4.Concat(v6), p => Assert.Equal(node.IPv6, p.NextHop));
        var peer = Assert.Single(await beacon.WaitForPeerStateAsync(PeerName, SessionState.Established));
        Assert.Contains("extended-nexthop", peer.PeerCapabilities);
        Assert.Null(peer.LastError);
    }
}
