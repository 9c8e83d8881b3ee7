using System.Net;
using System.Net.Sockets;
using Beacon.Interop.Tests.Lab;

namespace Beacon.Interop.Tests.Harness;

/// <summary>Proves the lab, <see cref="FrrRouter"/> and <see cref="GoBgpRouter"/> against each other, without Beacon.</summary>
public sealed class FrrGoBgpTests
{
    private const uint RouterAs = 64500;
    private const uint NodeAs = 64512;

    [Fact]
    public async Task Frr_receives_gobgp_routes_with_next_hop_as_path_and_communities()
    {
        await using var lab = await NetworkLab.CreateAsync(nodeCount: 1);
        var node = lab.Nodes[0];
        var frr = await StartFrrAsync(lab);
        var gobgp = await StartGoBgpAsync(lab, node, NodeAs);
        await frr.WaitForEstablishedAsync(node.IPv4);
        await frr.WaitForEstablishedAsync(node.IPv6);

        await gobgp.AddRouteAsync("203.0.113.10/32", communities: ["64512:100"]);
        await gobgp.AddRouteAsync("192.0.2.0/26", communities: ["64512:100", "64512:200"], largeCommunities: ["64512:1:2"]);
        await gobgp.AddRouteAsync("2001:db8:203::10/128", communities: ["64512:300"]);

        var v4 = await frr.WaitForPrefixesFromAsync(node.IPv4, ["192.0.2.0/26", "203.0.113.10/32"]);
        var lb = Assert.Single(v4.Paths("203.0.113.10/32"));
        Assert.Equal(node.IPv4, lb.NextHop);
        Assert.Equal([NodeAs], lb.AsPath);
        Assert.Equal("IGP", lb.Origin);
        Assert.Equal(["64512:100"], lb.Communities);
        Assert.True(lb.Valid && lb.BestPath);
        var pod = Assert.Single(v4.Paths("192.0.2.0/26"));
        Assert.Equal(["64512:100", "64512:200"], pod.Communities);
        Assert.Equal(["64512:1:2"], pod.LargeCommunities);

        var v6 = await frr.WaitForPrefixesFromAsync(node.IPv6, ["2001:db8:203::10/128"]);
        var lb6 = Assert.Single(v6.Paths("2001:db8:203::10/128"));
        Assert.Equal(node.IPv6, lb6.NextHop);
        Assert.Equal(["64512:300"], lb6.Communities);

        var neighbor = await frr.GetNeighborAsync(node.IPv4);
        Assert.NotNull(neighbor);
        Assert.Equal(NodeAs, neighbor.RemoteAs);
        Assert.Equal(9000, neighbor.HoldTimeMilliseconds);
        Assert.Equal(2, await frr.GetPrefixesReceivedAsync(node.IPv4));
    }

    [Fact]
    public async Task Frr_drops_a_route_gobgp_withdraws()
    {
        await using var lab = await NetworkLab.CreateAsync(nodeCount: 1);
        var node = lab.Nodes[0];
        var frr = await StartFrrAsync(lab);
        var gobgp = await StartGoBgpAsync(lab, node, NodeAs);
        await frr.WaitForEstablishedAsync(node.IPv4);
        await gobgp.AddRouteAsync("203.0.113.10/32");
        await gobgp.AddRouteAsync("203.0.113.11/32");
        await frr.WaitForPrefixesFromAsync(node.IPv4, ["203.0.113.10/32", "203.0.113.11/32"]);

        await gobgp.DeleteRouteAsync("203.0.113.10/32");

        var table = await frr.WaitForPrefixesFromAsync(node.IPv4, ["203.0.113.11/32"]);
        Assert.Empty(table.Paths("203.0.113.10/32"));
    }

    [Fact]
    public async Task Gobgp_receives_frr_network_statements()
    {
        await using var lab = await NetworkLab.CreateAsync(nodeCount: 1);
        var node = lab.Nodes[0];
        await StartFrrAsync(lab, networks: ["203.0.113.0/24", "2001:db8:203::/64"]);
        var gobgp = await StartGoBgpAsync(lab, node, NodeAs);

        var v4 = await gobgp.WaitForReceivedAsync(lab.Router.IPv4, AddressFamily.InterNetwork, p => p.Count == 1, "GoBGP to receive FRR's IPv4 network");
        var v6 = await gobgp.WaitForReceivedAsync(lab.Router.IPv6, AddressFamily.InterNetworkV6, p => p.Count == 1, "GoBGP to receive FRR's IPv6 network");

        var route = Assert.Single(v4);
        Assert.Equal("203.0.113.0/24", route.Prefix);
        Assert.Equal(lab.Router.IPv4, route.NextHop);
        Assert.Equal([RouterAs], route.AsPath);
        Assert.Equal(0, route.Origin);
        var route6 = Assert.Single(v6);
        Assert.Equal("2001:db8:203::/64", route6.Prefix);
        Assert.Equal(lab.Router.IPv6, route6.NextHop);
    }

    [Fact]
    public async Task Session_and_routes_come_back_after_frr_restarts()
    {
        await using var lab = await NetworkLab.CreateAsync(nodeCount: 1);
        var node = lab.Nodes[0];
        var frr = await StartFrrAsync(lab);
        var gobgp = await StartGoBgpAsync(lab, node, NodeAs);
        await gobgp.AddRouteAsync("203.0.113.10/32");
        await frr.WaitForPrefixesFromAsync(node.IPv4, ["203.0.113.10/32"]);
        var firstPid = frr.Process.ProcessId;

        await frr.RestartAsync();

        Assert.NotEqual(firstPid, frr.Process.ProcessId);
        await frr.WaitForEstablishedAsync(node.IPv4);
        await frr.WaitForPrefixesFromAsync(node.IPv4, ["203.0.113.10/32"]);
    }

    [Fact]
    public async Task Frr_installs_equal_paths_from_two_nodes_as_multipath()
    {
        await using var lab = await NetworkLab.CreateAsync(nodeCount: 2);
        var frr = await StartFrrAsync(lab, maximumPaths: 4);
        var first = await StartGoBgpAsync(lab, lab.Nodes[0], 64512);
        var second = await StartGoBgpAsync(lab, lab.Nodes[1], 64513);
        await first.AddRouteAsync("203.0.113.20/32");
        await second.AddRouteAsync("203.0.113.20/32");

        var table = await frr.WaitForRoutesAsync(
            AddressFamily.InterNetwork,
            t => t.Paths("203.0.113.20/32").Count == 2,
            "FRR to hold two paths to 203.0.113.20/32");

        var paths = table.Paths("203.0.113.20/32");
        Assert.Equal(
            [lab.Nodes[0].IPv4, lab.Nodes[1].IPv4],
            paths.Select(p => p.NextHop!).OrderBy(a => a.ToString(), StringComparer.Ordinal));
        Assert.All(paths, p => Assert.True(p.Multipath));
        Assert.Single(paths, p => p.BestPath);
    }

    private static async Task<FrrRouter> StartFrrAsync(NetworkLab lab, IReadOnlyList<string>? networks = null, int maximumPaths = 1)
    {
        var config = FrrConfig.ForLab(lab, RouterAs) with
        {
            Networks = networks ?? [],
            MaximumPaths = maximumPaths,
        };
        return await FrrRouter.StartAsync(lab, lab.Router, config);
    }

    private static Task<GoBgpRouter> StartGoBgpAsync(NetworkLab lab, LabNamespace node, uint asn) =>
        GoBgpRouter.StartAsync(lab, node, new GoBgpConfig(asn, node.IPv4)
        {
            Neighbors = [new GoBgpNeighborConfig(lab.Router.IPv4, RouterAs), new GoBgpNeighborConfig(lab.Router.IPv6, RouterAs)],
        });
}
