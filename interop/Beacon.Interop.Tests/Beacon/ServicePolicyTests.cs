using System.Net.Sockets;
using static Beacon.Interop.Tests.Beacon.BeaconLab;

namespace Beacon.Interop.Tests.Beacon;

/// <summary>Issue 2 "Interop", cases 3 and 8: Services appearing and going away while the session stays up.</summary>
public sealed class ServicePolicyTests
{
    [Fact]
    public async Task Local_service_follows_its_last_local_ready_endpoint()
    {
        await using var lab = await CreateAsync();
        WriteBase(lab);
        lab.Manifests.Write("services.yaml",
            Manifests.Service("web", "Cluster", "203.0.113.10"),
            Manifests.Service("api", "Local", "203.0.113.11"));

        // Each revision of endpoints.yaml also moves a "marker" Cluster Service to a new
        // address: once FRR has the marker, Beacon has applied that whole file, so the
        // absence of the Local Service is its answer, not a race.
        void WriteEndpoints(int revision, params Endpoint[] endpoints) =>
            lab.Manifests.Write("endpoints.yaml",
                Manifests.EndpointSlice("api-1", "api", endpoints),
                Manifests.Service("marker", "Cluster", $"203.0.113.{100 + revision}"));

        WriteEndpoints(1, new Endpoint("192.0.2.10", "node1"), new Endpoint("192.0.2.74", "node2"));
        await lab.StartFrrAsync();
        lab.StartBeacon();
        await lab.WaitForEstablishedAsync();
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["203.0.113.10/32", "203.0.113.11/32", "203.0.113.101/32"]);
        var connections = (await lab.Frr.GetNeighborAsync(lab.Node(0).IPv4))!.ConnectionsEstablished;

        // The last endpoint on node1 goes away; node2's does not count for node1.
        WriteEndpoints(2, new Endpoint("192.0.2.74", "node2"));
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["203.0.113.10/32", "203.0.113.102/32"]);

        WriteEndpoints(3, new Endpoint("192.0.2.10", "node1", Ready: false), new Endpoint("192.0.2.74", "node2"));
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["203.0.113.10/32", "203.0.113.103/32"]);

        WriteEndpoints(4, new Endpoint("192.0.2.10", "node1", Ready: true));
        var table = await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["203.0.113.10/32", "203.0.113.11/32", "203.0.113.104/32"]);

        Assert.Equal(lab.Node(0).IPv4, Assert.Single(table.Paths("203.0.113.11/32")).NextHop);
        var neighbor = await lab.Frr.GetNeighborAsync(lab.Node(0).IPv4);
        Assert.NotNull(neighbor);
        Assert.True(neighbor.IsEstablished);
        Assert.Equal(connections, neighbor.ConnectionsEstablished);
    }

    [Fact]
    public async Task Deleting_a_service_file_withdraws_and_a_new_file_announces_without_a_restart()
    {
        await using var lab = await CreateAsync();
        WriteBase(lab);
        lab.Manifests.Write("web.yaml", Manifests.Service("web", "Cluster", "203.0.113.10", "2001:db8:203::10"));
        lab.Manifests.Write("api.yaml", Manifests.Service("api", "Cluster", "203.0.113.11"));
        await lab.StartFrrAsync();
        var beacon = lab.StartBeacon();
        await lab.WaitForEstablishedAsync();
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["203.0.113.10/32", "203.0.113.11/32"]);
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetworkV6, ["2001:db8:203::10/128"]);
        var connections = (await lab.Frr.GetNeighborAsync(lab.Node(0).IPv4))!.ConnectionsEstablished;

        lab.Manifests.Delete("web.yaml");
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["203.0.113.11/32"]);
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetworkV6, []);

        lab.Manifests.Write("shop.yaml", Manifests.Service("shop", "Cluster", "203.0.113.20", "2001:db8:203::20"));
        var table = await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["203.0.113.11/32", "203.0.113.20/32"]);
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetworkV6, ["2001:db8:203::20/128"]);

        var shop = Assert.Single(table.Paths("203.0.113.20/32"));
        Assert.Equal(lab.Node(0).IPv4, shop.NextHop);
        Assert.Equal([NodeAs], shop.AsPath);
        Assert.False(beacon.HasExited);
        var neighbor = await lab.Frr.GetNeighborAsync(lab.Node(0).IPv4);
        Assert.NotNull(neighbor);
        Assert.Equal(connections, neighbor.ConnectionsEstablished);
    }

    private static void WriteBase(BeaconLab lab)
    {
        lab.Manifests.Write("bgp.yaml",
            Manifests.ClusterConfig(NodeAs, (PeerName, "198.51.100.1", RouterAs)),
            Manifests.PeerConfig(),
            Manifests.ServiceAdvertisement("services"));
        lab.Manifests.Write("nodes.yaml",
            Manifests.Node("node1", "198.51.100.2", "192.0.2.0/26"),
            Manifests.Node("node2", "198.51.100.3", "192.0.2.64/26"));
    }
}
