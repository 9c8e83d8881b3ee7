using System.Net.Sockets;
using System.Text.Json;
using Beacon.Interop.Tests.Lab;
using static Beacon.Interop.Tests.Beacon.BeaconLab;

namespace Beacon.Interop.Tests.Beacon;

/// <summary>
/// Issue 5, Gateways: a Gateway's addresses are announced over BGP like a LoadBalancer
/// Service's, only from nodes whose proxy serves it, and the traffic that follows the
/// announcement reaches the backends through Beacon's proxy. FRR (with zebra installing its
/// best paths in the router namespace's kernel) stands in for the network.
/// </summary>
public sealed class GatewayInteropTests
{
    private const string Address = "203.0.113.50";
    private const string Prefix = Address + "/32";
    private const string AddressV6 = "2001:db8:203::50";
    private const string PrefixV6 = AddressV6 + "/128";
    private const string OtherAddress = "203.0.113.51";
    private const string OtherPrefix = OtherAddress + "/32";
    private const int ListenerPort = 8080;
    private const int EchoPort = 9000;

    [Fact]
    public async Task Gateway_addresses_are_announced_and_requests_from_the_router_reach_the_backend_through_beacon()
    {
        await using var lab = await CreateAsync();
        var node = lab.Node(0);
        await AddLoopbackAddressAsync(node, Address);
        await AddLoopbackAddressAsync(node, AddressV6);
        await EchoBackend.StartAsync(lab.Lab, node, $"{node.IPv4}:{EchoPort}", "web");
        WriteBase(lab, nodeCount: 1);
        lab.Manifests.Write("gateway.yaml",
        [
            GatewayManifests.GatewayClass(),
            GatewayManifests.Gateway("public", ListenerPort, Address, AddressV6),
            GatewayManifests.HttpRoute("web", "public", "web"),
            .. GatewayManifests.Backend("web", EchoPort, node.IPv4.ToString()),
        ]);

        await lab.StartFrrAsync(installRoutes: true);
        lab.StartBeacon();
        await lab.WaitForEstablishedAsync();
        var table = await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, [Prefix]);
        var path = Assert.Single(table.Paths(Prefix));
        Assert.Equal(node.IPv4, path.NextHop);
        Assert.Equal([NodeAs], path.AsPath);
        table = await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetworkV6, [PrefixV6]);
        Assert.Equal(node.IPv6, Assert.Single(table.Paths(PrefixV6)).NextHop);

        // The router reaches the Gateway addresses only by the routes zebra installed from BGP
        // (the IPv6 one via the node's link-local next hop, RFC 2545 §3).
        await WaitForKernelRouteAsync(lab, Prefix, [node.IPv4.ToString()]);
        await WaitForKernelRouteAsync(lab, PrefixV6, null);

        await AssertServedToRouterAsync(lab, "/x?from=router");
        await AssertServedToRouterAsync(lab, "/over-ipv6", $"[{AddressV6}]");
    }

    [Fact]
    public async Task Gateway_is_announced_only_once_its_address_can_be_bound_and_withdrawn_when_deleted()
    {
        await using var lab = await CreateAsync();
        var node = lab.Node(0);
        await AddLoopbackAddressAsync(node, Address);
        WriteBase(lab, nodeCount: 1);
        lab.Manifests.Write("class.yaml", GatewayManifests.GatewayClass());
        lab.Manifests.Write("ready.yaml", GatewayManifests.Gateway("ready", ListenerPort, Address));

        // OtherAddress is not local to the node: the bind fails, so "pending" is not served here.
        lab.Manifests.Write("pending.yaml", GatewayManifests.Gateway("pending", ListenerPort, OtherAddress));

        WriteMarker(lab, 1);
        await lab.StartFrrAsync();
        var beacon = lab.StartBeacon();
        await lab.WaitForEstablishedAsync();
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, [Prefix, "203.0.113.101/32"]);

        var pending = await GetGatewayConditionAsync(beacon, "pending", "Programmed");
        Assert.Equal("False", pending.GetProperty("status").GetString());
        Assert.Equal("AddressNotUsable", pending.GetProperty("reason").GetString());
        Assert.Contains($"{OtherAddress}:{ListenerPort}", pending.GetProperty("message").GetString(), StringComparison.Ordinal);
        var ready = await GetGatewayConditionAsync(beacon, "ready", "Programmed");
        Assert.Equal("True", ready.GetProperty("status").GetString());

        // The address becomes local; the next snapshot retries the bind and announces it.
        await AddLoopbackAddressAsync(node, OtherAddress);
        WriteMarker(lab, 2);
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, [Prefix, OtherPrefix, "203.0.113.102/32"]);
        pending = await GetGatewayConditionAsync(beacon, "pending", "Programmed");
        Assert.Equal("True", pending.GetProperty("status").GetString());
        Assert.True((await node.ExecAsync("curl", "-s", "-o", "/dev/null", $"http://{OtherAddress}:{ListenerPort}/")).Succeeded);

        // Deleting a Gateway withdraws its address and stops its listener; the other stays.
        lab.Manifests.Delete("pending.yaml");
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, [Prefix, "203.0.113.102/32"]);
        var refused = await node.ExecAsync("curl", "-s", "-o", "/dev/null", $"http://{OtherAddress}:{ListenerPort}/");
        Assert.Equal(7, refused.ExitCode); // curl: "Failed to connect to host"

        lab.Manifests.Delete("ready.yaml");
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["203.0.113.102/32"]);
        Assert.False(beacon.HasExited);
    }

    [Fact]
    public async Task Each_node_announces_the_gateway_once_it_serves_it_two_give_two_paths_and_a_killed_agent_takes_its_path_away()
    {
        await using var lab = await CreateAsync(nodeCount: 2);
        var backends = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            await EchoBackend.StartAsync(lab.Lab, lab.Node(i), $"{lab.Node(i).IPv4}:{EchoPort}", "web");
            backends.Add(lab.Node(i).IPv4.ToString());
        }

        // Only node1 has the Gateway address at first: node2 runs the same manifests, but its
        // bind fails, so its proxy is not ready and it must not announce the Gateway.
        await AddLoopbackAddressAsync(lab.Node(0), Address);
        WriteBase(lab, nodeCount: 2);
        lab.Manifests.Write("gateway.yaml",
        [
            GatewayManifests.GatewayClass(),
            GatewayManifests.Gateway("public", ListenerPort, Address),
            GatewayManifests.HttpRoute("web", "public", "web"),
            .. GatewayManifests.Backend("web", EchoPort, [.. backends]),
        ]);
        WriteMarker(lab, 1);

        await lab.StartFrrAsync(maximumPaths: 2, installRoutes: true);
        lab.StartBeacon(0);
        lab.StartBeacon(1);
        await lab.WaitForEstablishedAsync(0);
        await lab.WaitForEstablishedAsync(1);
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, [Prefix, "203.0.113.101/32"], index: 0);
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["203.0.113.101/32"], index: 1);
        var notReady = await GetGatewayConditionAsync(lab.Beacons[1], "public", "Programmed");
        Assert.Equal("AddressNotUsable", notReady.GetProperty("reason").GetString());
        await WaitForKernelRouteAsync(lab, Prefix, [backends[0]]);

        // node2's agent retries its failed bind on its own (no manifest changes): once the
        // address is local its proxy is ready and both nodes announce.
        await AddLoopbackAddressAsync(lab.Node(1), Address);
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, [Prefix, "203.0.113.101/32"], index: 1);
        var table = await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, [Prefix, "203.0.113.101/32"], index: 0);
        Assert.Equal(backends.Order(StringComparer.Ordinal), table.Paths(Prefix).Select(p => p.NextHop!.ToString()).Order(StringComparer.Ordinal));
        Assert.All(table.Paths(Prefix), p => Assert.True(p.BestPath || p.Multipath, $"{p} is neither best nor multipath"));
        await WaitForKernelRouteAsync(lab, Prefix, backends);
        await AssertServedToRouterAsync(lab, "/ecmp");

        // SIGKILL: no Cease, the proxy dies with the agent; the kernel closes its BGP connection.
        lab.Beacons[0].Kill();
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, [], index: 0);
        table = await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, [Prefix, "203.0.113.101/32"], index: 1);
        Assert.Equal(lab.Node(1).IPv4, Assert.Single(table.Paths(Prefix)).NextHop);
        await WaitForKernelRouteAsync(lab, Prefix, [backends[1]]);
        await AssertServedToRouterAsync(lab, "/after-kill");
    }

    [Fact]
    public async Task A_stopping_agent_withdraws_its_gateway_first_while_graceful_restart_keeps_its_services()
    {
        await using var lab = await CreateAsync();
        var node = lab.Node(0);
        await AddLoopbackAddressAsync(node, Address);
        await EchoBackend.StartAsync(lab.Lab, node, $"{node.IPv4}:{EchoPort}", "web");
        WriteBase(lab, nodeCount: 1, gracefulRestart: true);
        lab.Manifests.Write("gateway.yaml",
        [
            GatewayManifests.GatewayClass(),
            GatewayManifests.Gateway("public", ListenerPort, Address),
            GatewayManifests.HttpRoute("web", "public", "web"),
            .. GatewayManifests.Backend("web", EchoPort, node.IPv4.ToString()),
        ]);
        WriteMarker(lab, 1);

        await lab.StartFrrAsync();
        var beacon = lab.StartBeacon();
        await lab.WaitForEstablishedAsync();
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, [Prefix, "203.0.113.101/32"]);

        // SIGTERM is a planned restart: the Service route stays at the router (stale), but the
        // Gateway's proxy is the agent itself, so its address was withdrawn before the session
        // closed and is not left pointing at a node that no longer serves it.
        await beacon.StopAsync();
        var table = await lab.WaitForFrrAsync(
            AddressFamily.InterNetwork,
            t => t.Paths("203.0.113.101/32").Any(p => p.Stale),
            "FRR to hold the Service route stale");
        Assert.Empty(table.Paths(Prefix));
        Assert.Contains("Gateway addresses withdrawn", beacon.ReadLog(), StringComparison.Ordinal);
    }

    // Each revision moves a marker Service (same advertisement, no proxy involved) to a new
    // address: once FRR has the marker from a node, that node has applied the snapshot, so the
    // absence of a Gateway address is Beacon's answer, not a race.
    private static void WriteMarker(BeaconLab lab, int revision) =>
        lab.Manifests.Write("marker.yaml", Manifests.LabelledService("marker", "Cluster", GatewayManifests.Label, $"203.0.113.{100 + revision}"));

    /// <summary>A request from the router namespace to the Gateway is answered by the echo backend.</summary>
    private static async Task AssertServedToRouterAsync(BeaconLab lab, string path, string host = Address)
    {
        var response = (await lab.Lab.Router.ExecAsync("curl", "-sS", "-g", "--max-time", "10", $"http://{host}:{ListenerPort}{path}")).EnsureSuccess();
        using var echo = JsonDocument.Parse(response.StandardOutput);
        Assert.Equal("web", echo.RootElement.GetProperty("service").GetString());
        Assert.Equal("default", echo.RootElement.GetProperty("namespace").GetString());
        Assert.Equal(path, echo.RootElement.GetProperty("path").GetString());
        Assert.Equal($"{host}:{ListenerPort}", echo.RootElement.GetProperty("host").GetString());
    }

    /// <summary>
    /// BGP configuration (one advertisement of LoadBalancer IPs selecting <see cref="GatewayManifests.Label"/>)
    /// and <paramref name="nodeCount"/> Nodes.
    /// </summary>
    private static void WriteBase(BeaconLab lab, int nodeCount, bool gracefulRestart = false)
    {
        lab.Manifests.Write("bgp.yaml",
            Manifests.ClusterConfig(NodeAs, (PeerName, "198.51.100.1", RouterAs)),
            gracefulRestart ? GracefulRestartTests.PeerConfigWithGracefulRestart() : Manifests.PeerConfig(),
            Manifests.ServiceAdvertisement("gateways", selector: GatewayManifests.Label));
        lab.Manifests.Write("nodes.yaml",
        [
            .. Enumerable.Range(0, nodeCount).Select(i => Manifests.Node(NodeName(i), lab.Node(i).IPv4.ToString(), $"192.0.2.{64 * i}/26")),
        ]);
    }

    // Manifest mode: Gateway addresses must be local already (--gateway-interface none).
    private static async Task AddLoopbackAddressAsync(LabNamespace node, string address) =>
        (await node.ExecAsync(address.Contains(':', StringComparison.Ordinal)
            ? ["ip", "addr", "add", $"{address}/128", "dev", "lo", "nodad"]
            : ["ip", "addr", "add", $"{address}/32", "dev", "lo"])).EnsureSuccess();

    /// <summary>
    /// Waits until the router's kernel routes <paramref name="prefix"/>, installed by zebra, via
    /// exactly <paramref name="nextHops"/> (null: via one next hop, whichever).
    /// </summary>
    private static Task<string> WaitForKernelRouteAsync(BeaconLab lab, string prefix, IReadOnlyList<string>? nextHops) =>
        Eventually.UntilAsync(
            $"the router's kernel to route {prefix} via [{string.Join(", ", nextHops ?? ["one next hop"])}] (proto bgp)",
            async () => (await lab.Lab.Router.ExecAsync("ip", prefix.Contains(':', StringComparison.Ordinal) ? "-6" : "-4", "route", "show", prefix)).EnsureSuccess().StandardOutput,
            routes => routes.Contains("proto bgp", StringComparison.Ordinal)
                && routes.Split(' ', '\n', '\t').Count(w => w == "via") == (nextHops?.Count ?? 1)
                && (nextHops ?? []).All(h => routes.Contains($"via {h} ", StringComparison.Ordinal)));

    /// <summary>One condition of a Gateway in <c>GET /api/v1/status</c> (manifest mode).</summary>
    private static async Task<JsonElement> GetGatewayConditionAsync(BeaconProcess beacon, string gateway, string type)
    {
        var output = (await beacon.Namespace.ExecAsync("curl", "-sf", $"http://{beacon.StatusListen}/api/v1/status")).EnsureSuccess().StandardOutput;
        using var document = JsonDocument.Parse(output);
        var status = document.RootElement.EnumerateArray()
            .Single(o => o.GetProperty("kind").GetString() == "Gateway" && o.GetProperty("name").GetString() == gateway)
            .GetProperty("status");
        return status.GetProperty("conditions").EnumerateArray().Single(c => c.GetProperty("type").GetString() == type).Clone();
    }
}
