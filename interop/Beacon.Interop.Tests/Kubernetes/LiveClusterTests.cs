using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Beacon.Cluster.Manifests;
using Beacon.Cluster.Model;
using Beacon.Interop.Tests.Beacon;
using Beacon.Interop.Tests.Lab;
using Beacon.Kubernetes.Testing;
using k8s;
using static Beacon.Interop.Tests.Beacon.BeaconLab;

namespace Beacon.Interop.Tests.Kubernetes;

/// <summary>
/// The agent reading a live API server (the in-process one, reached at 127.0.0.1:6443 of the
/// node's namespace) and announcing to FRR, including while that API server is away.
/// </summary>
public sealed class LiveClusterTests
{
    /// <summary>Points the agent at the test API server's listener on its namespace's loopback.</summary>
    internal const string Kubeconfig = """
        apiVersion: v1
        kind: Config
        clusters:
          - name: test
            cluster:
              server: http://127.0.0.1:6443
        users:
          - name: agent
            user:
              token: interop-test
        contexts:
          - name: test
            context:
              cluster: test
              user: agent
        current-context: test
        """;

    private static async Task<CommandResult> ReadyzAsync(LabNamespace node) =>
        await node.ExecAsync(["curl", "-sS", "--max-time", "5", "-o", "/dev/stdout", "-w", "%{http_code}", "http://127.0.0.1:9179/readyz"]);

    [Fact]
    public async Task Routes_follow_the_api_server_and_stay_up_while_it_is_away()
    {
        await using var lab = await BeaconLab.CreateAsync(nodeCount: 1);
        var node = lab.Node(0);
        await using var server = await TestApiServer.StartNewAsync(new TestApiServerOptions
        {
            Kinds = ResourceKinds.Beacon,
            ExtraListeners = [() => NamespaceSockets.Listen(node.Name, new IPEndPoint(IPAddress.Loopback, 6443))],
        });
        ApiSeeding.Seed(server,
            Manifests.ClusterConfig(NodeAs, (PeerName, "198.51.100.1", RouterAs)),
            Manifests.PeerConfig(),
            Manifests.ServiceAdvertisement("services"),
            Manifests.Node("node1", "198.51.100.2", "192.0.2.0/26"),
            Manifests.Service("web", "Cluster", "203.0.113.10"));
        var kubeconfig = Path.Combine(lab.Lab.CreateDirectory("kube"), "config");
        await File.WriteAllTextAsync(kubeconfig, Kubeconfig);

        await lab.StartFrrAsync();
        var beacon = BeaconProcess.StartWithSource(lab.Lab, node, ["--kubeconfig", kubeconfig], "node1");
        await using var _ = beacon;
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["203.0.113.10/32"]);

        // The agent reports its sessions in the node's BGPNodeState.
        using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            var state = await server.Store.WaitForAsync<BgpNodeState>(null, "node1",
                s => s?.Status?.Peers?.Any(p => p is { Name: PeerName, State: "Established" } && p.Families?.Any(f => f is { Afi: "ipv4", Advertised: 1 }) == true) == true,
                patience.Token);
            var peer = Assert.Single(state!.Status!.Peers!);
            Assert.Equal("198.51.100.1", peer.PeerAddress);
            Assert.Equal(9, peer.HoldTimeSeconds);
        }

        // A Service created through the API is announced.
        using var client = new k8s.Kubernetes(server.ClientConfiguration);
        ApiSeeding.Seed(server, Manifests.Service("api", "Cluster", "203.0.113.11"));
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["203.0.113.10/32", "203.0.113.11/32"]);

        // The API server goes away: the agent says it is not ready and keeps announcing.
        await server.StopAsync();
        await Eventually.UntilAsync("readyz reports the outage", () => ReadyzAsync(node), r => r.StandardOutput.EndsWith("503", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var during = await lab.Frr.GetRoutesAsync(AddressFamily.InterNetwork);
        Assert.Equal(["203.0.113.10/32", "203.0.113.11/32"], during.PrefixesFrom(node.IPv4).Order());

        // Changed while it was away; converges when it is back.
        server.Store.Delete(server.Store.FindByKind("v1", "Service")!, "default", "web");
        ApiSeeding.Seed(server, Manifests.Service("edge", "Cluster", "203.0.113.12"));
        await server.StartAsync();
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["203.0.113.11/32", "203.0.113.12/32"]);
        await Eventually.UntilAsync("readyz recovers", () => ReadyzAsync(node), r => r.StandardOutput.EndsWith("200", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_local_service_route_moves_between_nodes_with_its_ready_endpoint()
    {
        await using var lab = await BeaconLab.CreateAsync(nodeCount: 2);
        await using var server = await TestApiServer.StartNewAsync(new TestApiServerOptions
        {
            Kinds = ResourceKinds.Beacon,
            ExtraListeners =
            [
                () => NamespaceSockets.Listen(lab.Node(0).Name, new IPEndPoint(IPAddress.Loopback, 6443)),
                () => NamespaceSockets.Listen(lab.Node(1).Name, new IPEndPoint(IPAddress.Loopback, 6443)),
            ],
        });
        ApiSeeding.Seed(server,
            Manifests.ClusterConfig(NodeAs, (PeerName, "198.51.100.1", RouterAs)),
            Manifests.PeerConfig(),
            Manifests.ServiceAdvertisement("services"),
            Manifests.Node("node1", "198.51.100.2", "192.0.2.0/26"),
            Manifests.Node("node2", "198.51.100.3", "192.0.2.64/26"),
            Manifests.Service("api", "Local", "203.0.113.11"),
            Manifests.EndpointSlice("api-1", "api", new Endpoint("192.0.2.10", "node1")));
        var kubeconfig = Path.Combine(lab.Lab.CreateDirectory("kube"), "config");
        await File.WriteAllTextAsync(kubeconfig, Kubeconfig);
        await lab.StartFrrAsync(maximumPaths: 4);
        await using var first = BeaconProcess.StartWithSource(lab.Lab, lab.Node(0), ["--kubeconfig", kubeconfig], "node1");
        await using var second = BeaconProcess.StartWithSource(lab.Lab, lab.Node(1), ["--kubeconfig", kubeconfig], "node2");
        await lab.Frr.WaitForEstablishedAsync(lab.Node(0).IPv4);
        await lab.Frr.WaitForEstablishedAsync(lab.Node(1).IPv4);

        static IEnumerable<IPAddress?> NextHops(FrrRoutingTable table) => table.Paths("203.0.113.11/32").Select(p => p.NextHop);
        await lab.WaitForFrrAsync(AddressFamily.InterNetwork, t => NextHops(t).SequenceEqual([lab.Node(0).IPv4]), "api via node1 only");

        // The endpoint moves to node2: the route follows, with no moment of two paths left over.
        ApiSeeding.Seed(server, Manifests.EndpointSlice("api-1", "api", new Endpoint("192.0.2.70", "node2")));
        await lab.WaitForFrrAsync(AddressFamily.InterNetwork, t => NextHops(t).SequenceEqual([lab.Node(1).IPv4]), "api via node2 only");

        // No ready endpoint anywhere: no node announces it.
        ApiSeeding.Seed(server, Manifests.EndpointSlice("api-1", "api", new Endpoint("192.0.2.70", "node2", Ready: false)));
        await lab.WaitForFrrAsync(AddressFamily.InterNetwork, t => !NextHops(t).Any(), "api withdrawn");
    }

    [Fact]
    public async Task A_service_created_through_the_api_gets_a_pool_address_and_frr_the_route()
    {
        await using var lab = await BeaconLab.CreateAsync(nodeCount: 1);
        var node = lab.Node(0);
        await using var server = await TestApiServer.StartNewAsync(new TestApiServerOptions
        {
            Kinds = ResourceKinds.Beacon,
            ExtraListeners = [() => NamespaceSockets.Listen(node.Name, new IPEndPoint(IPAddress.Loopback, 6443))],
        });
        server.Store.Put(ResourceKinds.Namespaces, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "beacon-system" } });
        ApiSeeding.Seed(server,
            Manifests.ClusterConfig(NodeAs, (PeerName, "198.51.100.1", RouterAs)),
            Manifests.PeerConfig(),
            Manifests.ServiceAdvertisement("services"),
            Manifests.Node("node1", "198.51.100.2", "192.0.2.0/26"),
            """
            apiVersion: beacon.dev/v1alpha1
            kind: LoadBalancerIPPool
            metadata:
              name: lab
            spec:
              blocks:
                - cidr: 203.0.113.32/28
            """);
        var kubeconfig = Path.Combine(lab.Lab.CreateDirectory("kube"), "config");
        await File.WriteAllTextAsync(kubeconfig, Kubeconfig);
        await lab.StartFrrAsync();
        await using var beacon = BeaconProcess.StartWithSource(lab.Lab, node, ["--kubeconfig", kubeconfig], "node1");
        await lab.Frr.WaitForEstablishedAsync(node.IPv4);

        using var client = new k8s.Kubernetes(server.ClientConfiguration);
        await client.CoreV1.CreateNamespacedServiceAsync(new k8s.Models.V1Service
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
            Spec = new k8s.Models.V1ServiceSpec { Type = "LoadBalancer", Ports = [new k8s.Models.V1ServicePort { Port = 80 }] },
        }, "default");

        // The first usable address of the /28 (its network address is held back).
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var web = await server.Store.WaitForAsync<k8s.Models.V1Service>("default", "web",
            s => s?.Status?.LoadBalancer?.Ingress?.Count > 0, patience.Token);
        Assert.Equal("203.0.113.33", Assert.Single(web!.Status.LoadBalancer.Ingress).Ip);
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["203.0.113.33/32"]);
        var pool = server.Store.Get<LoadBalancerIpPool>(null, "lab");
        Assert.Equal("1", Assert.Single(pool!.Status!.Counts!).Used);
    }
}
