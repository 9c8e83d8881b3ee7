using System.Net.Sockets;
using static Beacon.Interop.Tests.Beacon.BeaconLab;

namespace Beacon.Interop.Tests.Beacon;

/// <summary>Issue 2 "Interop", cases 4 and 7: FRR crashing, and manifests going bad.</summary>
public sealed class ResilienceTests
{
    [Fact]
    public async Task Session_and_all_routes_come_back_after_frr_is_killed_and_restarted()
    {
        await using var lab = await CreateAsync();
        WriteBase(lab, "64512:100");
        lab.Manifests.Write("services.yaml", Manifests.Service("web", "Cluster", "203.0.113.10", "2001:db8:203::10"));
        var frr = await lab.StartFrrAsync();
        var beacon = lab.StartBeacon();
        await lab.WaitForEstablishedAsync();
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["192.0.2.0/26", "203.0.113.10/32"]);
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetworkV6, ["2001:db8:1::/64", "2001:db8:203::10/128"]);
        var firstPid = frr.Process.ProcessId;

        await frr.RestartAsync();

        Assert.NotEqual(firstPid, frr.Process.ProcessId);
        await lab.WaitForEstablishedAsync();
        var v4 = await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["192.0.2.0/26", "203.0.113.10/32"]);
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetworkV6, ["2001:db8:1::/64", "2001:db8:203::10/128"]);
        var web = Assert.Single(v4.Paths("203.0.113.10/32"));
        Assert.Equal(lab.Node(0).IPv4, web.NextHop);
        Assert.Equal(["64512:100"], web.Communities);
        Assert.False(beacon.HasExited);
    }

    [Fact]
    public async Task Bad_manifests_keep_the_last_good_state_and_fixing_them_converges()
    {
        await using var lab = await CreateAsync();
        WriteBase(lab, "64512:100");
        lab.Manifests.Write("services.yaml", Manifests.Service("web", "Cluster", "203.0.113.10"));
        await lab.StartFrrAsync();
        lab.StartBeacon();
        await lab.WaitForEstablishedAsync();
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["192.0.2.0/26", "203.0.113.10/32"]);
        var connections = (await lab.Frr.GetNeighborAsync(lab.Node(0).IPv4))!.ConnectionsEstablished;

        // A YAML syntax error over the advertisement file. The Service added after it shows
        // when Beacon has read both files; it is announced with the last good attributes.
        lab.Manifests.Write("advertisements.yaml", "apiVersion: beacon.dev/v1alpha1\nkind: BGPAdvertisement\nspec: [unclosed\n");
        lab.Manifests.Write("services.yaml",
            Manifests.Service("web", "Cluster", "203.0.113.10"),
            Manifests.Service("web2", "Cluster", "203.0.113.13"));
        var table = await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["192.0.2.0/26", "203.0.113.10/32", "203.0.113.13/32"]);
        Assert.Equal(["64512:100"], Assert.Single(table.Paths("203.0.113.10/32")).Communities);
        Assert.Equal(["64512:100"], Assert.Single(table.Paths("203.0.113.13/32")).Communities);

        // An invalid peerAddress in the BGPClusterConfig: the session must not be torn down.
        lab.Manifests.Write("bgp.yaml",
            Manifests.ClusterConfig(NodeAs, (PeerName, "198.51.100.300", RouterAs)),
            Manifests.PeerConfig());
        lab.Manifests.Write("services.yaml",
            Manifests.Service("web", "Cluster", "203.0.113.10"),
            Manifests.Service("web2", "Cluster", "203.0.113.13"),
            Manifests.Service("web3", "Cluster", "203.0.113.14"));
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["192.0.2.0/26", "203.0.113.10/32", "203.0.113.13/32", "203.0.113.14/32"]);
        var neighbor = await lab.Frr.GetNeighborAsync(lab.Node(0).IPv4);
        Assert.NotNull(neighbor);
        Assert.True(neighbor.IsEstablished);
        Assert.Equal(connections, neighbor.ConnectionsEstablished);

        // Fixed: the new advertisement's community reaches FRR.
        WriteBase(lab, "64512:101");
        table = await lab.WaitForFrrAsync(
            AddressFamily.InterNetwork,
            t => t.Paths("203.0.113.14/32").Any(p => p.Communities.SequenceEqual(["64512:101"])),
            "FRR to see the fixed advertisement's community");
        Assert.Equal(
            ["192.0.2.0/26", "203.0.113.10/32", "203.0.113.13/32", "203.0.113.14/32"],
            table.PrefixesFrom(lab.Node(0).IPv4).Order(StringComparer.Ordinal));
        await lab.WaitForFrrAsync(
            AddressFamily.InterNetwork,
            t => new[] { "203.0.113.10/32", "203.0.113.13/32" }.All(p => t.Paths(p).Any(x => x.Communities.SequenceEqual(["64512:101"]))),
            "FRR to see the fixed community on every Service");
        neighbor = await lab.Frr.GetNeighborAsync(lab.Node(0).IPv4);
        Assert.NotNull(neighbor);
        Assert.Equal(connections, neighbor.ConnectionsEstablished);
    }

    private static void WriteBase(BeaconLab lab, string community)
    {
        lab.Manifests.Write("bgp.yaml",
            Manifests.ClusterConfig(NodeAs, (PeerName, "198.51.100.1", RouterAs)),
            Manifests.PeerConfig());
        lab.Manifests.Write("advertisements.yaml",
            Manifests.ServiceAdvertisement("services", $"""
                        communities:
                          standard: ["{community}"]
                """),
            Manifests.PodCidrAdvertisement());
        lab.Manifests.Write("node.yaml", Manifests.Node("node1", "198.51.100.2", "192.0.2.0/26", "2001:db8:1::/64"));
    }
}
