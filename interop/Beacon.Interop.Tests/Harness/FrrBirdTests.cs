using Beacon.Interop.Tests.Lab;

namespace Beacon.Interop.Tests.Harness;

/// <summary>Proves <see cref="BirdRouter"/> against FRR, without Beacon.</summary>
public sealed class FrrBirdTests
{
    private const uint RouterAs = 64500;
    private const uint NodeAs = 64512;

    [Fact]
    public async Task Routes_flow_both_ways_between_bird_and_frr()
    {
        await using var lab = await NetworkLab.CreateAsync(nodeCount: 1);
        var node = lab.Nodes[0];
        var frr = await FrrRouter.StartAsync(lab, lab.Router, new FrrConfig(RouterAs, lab.Router.IPv4)
        {
            Neighbors = [new FrrNeighborConfig(node.IPv4, NodeAs), new FrrNeighborConfig(node.IPv6, NodeAs)],
            Networks = ["198.51.100.0/24", "2001:db8:203::/64"],
        });
        var bird = await BirdRouter.StartAsync(lab, node, new BirdConfig(NodeAs, node.IPv4)
        {
            Neighbors =
            [
                new BirdNeighborConfig("frr4", lab.Router.IPv4, RouterAs, node.IPv4),
                new BirdNeighborConfig("frr6", lab.Router.IPv6, RouterAs, node.IPv6),
            ],
            StaticRoutes =
            [
                new BirdStaticRoute("203.0.113.10/32") { Communities = ["64512:100"] },
                new BirdStaticRoute("192.0.2.0/26") { LargeCommunities = ["64512:1:2"] },
                new BirdStaticRoute("2001:db8:1::/64"),
            ],
        });
        await bird.WaitForEstablishedAsync("frr4");

        var v4 = await frr.WaitForPrefixesFromAsync(node.IPv4, ["192.0.2.0/26", "203.0.113.10/32"]);
        var lb = Assert.Single(v4.Paths("203.0.113.10/32"));
        Assert.Equal(node.IPv4, lb.NextHop);
        Assert.Equal([NodeAs], lb.AsPath);
        Assert.Equal(["64512:100"], lb.Communities);
        Assert.Equal(["64512:1:2"], Assert.Single(v4.Paths("192.0.2.0/26")).LargeCommunities);
        var v6 = await frr.WaitForPrefixesFromAsync(node.IPv6, ["2001:db8:1::/64"]);
        Assert.Equal(node.IPv6, Assert.Single(v6.Paths("2001:db8:1::/64")).NextHop);

        var received = await bird.WaitForRoutesAsync("frr4", r => r.Count == 1, "BIRD to receive FRR's IPv4 network");
        var route = Assert.Single(received);
        Assert.Equal("198.51.100.0/24", route.Prefix);
        Assert.Equal(lab.Router.IPv4, route.NextHop);
        Assert.Equal([RouterAs], route.AsPath);
        Assert.Equal("IGP", route.Origin);
        var received6 = await bird.WaitForRoutesAsync("frr6", r => r.Count == 1, "BIRD to receive FRR's IPv6 network");
        Assert.Equal("2001:db8:203::/64", Assert.Single(received6).Prefix);
    }
}
