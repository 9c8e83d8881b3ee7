using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Beacon.Agent.Allocation;
using Beacon.Cluster.Model;
using Beacon.Interop.Tests.Beacon;
using Beacon.Interop.Tests.Lab;
using Beacon.Kubernetes.Testing;
using k8s;
using k8s.Models;
using static Beacon.Interop.Tests.Beacon.BeaconLab;

namespace Beacon.Interop.Tests.Kubernetes;

/// <summary>
/// Two agents reading the in-process API server: the one holding the <c>beacon-allocator</c>
/// Lease dies without a goodbye, and the other takes over allocation without renumbering.
/// </summary>
public sealed class LeaderHandoverTests
{
    private const string Pool = """
        apiVersion: beacon.dev/v1alpha1
        kind: LoadBalancerIPPool
        metadata:
          name: lab
        spec:
          blocks:
            - cidr: 203.0.113.0/28
        """;

    // The survivor takes the Lease once it has gone unrenewed for its duration (15 s by
    // default), then allocates; generous, since the machine is shared.
    private static readonly TimeSpan _takeover = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task When_the_leader_dies_the_other_agent_allocates_and_nothing_is_renumbered()
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
        server.Store.Put(ResourceKinds.Namespaces, new JsonObject { ["metadata"] = new JsonObject { ["name"] = AllocatorOptions.DefaultNamespace } });
        ApiSeeding.Seed(server,
            Manifests.ClusterConfig(NodeAs, (PeerName, "198.51.100.1", RouterAs)),
            Manifests.PeerConfig(),
            Manifests.ServiceAdvertisement("services"),
            Manifests.Node("node1", "198.51.100.2", "192.0.2.0/26"),
            Manifests.Node("node2", "198.51.100.3", "192.0.2.64/26"),
            Pool);
        var kubeconfig = Path.Combine(lab.Lab.CreateDirectory("kube"), "config");
        await File.WriteAllTextAsync(kubeconfig, LiveClusterTests.Kubeconfig);
        await lab.StartFrrAsync(maximumPaths: 4);

        var agents = new BeaconProcess[2];
        try
        {
            for (var i = 0; i < agents.Length; i++)
            {
                agents[i] = BeaconProcess.StartWithSource(lab.Lab, lab.Node(i), ["--kubeconfig", kubeconfig], NodeName(i));
            }

            using var client = new k8s.Kubernetes(server.ClientConfiguration);
            await CreateServiceAsync(client, "a");
            var a = await WaitForAddressAsync(server, "a", agents);
            Assert.True(InPool(a), $"a has {a}, outside the pool");
            await WaitForRoutesAsync(lab, 0, [a]);
            await WaitForRoutesAsync(lab, 1, [a]);

            var leaderName = await WaitForHolderAsync(server, h => h is "node1" or "node2", agents);
            var leader = leaderName == "node1" ? 0 : 1;
            var survivor = 1 - leader;

            // SIGKILL: no Lease release, no BGP NOTIFICATION; B waits for the survivor.
            agents[leader].Kill();
            Assert.True(agents[leader].HasExited);
            await CreateServiceAsync(client, "b");

            await WaitForHolderAsync(server, h => h == NodeName(survivor), agents);
            var b = await WaitForAddressAsync(server, "b", agents);
            Assert.True(InPool(b), $"b has {b}, outside the pool");
            Assert.NotEqual(a, b);
            Assert.Equal(a, AddressOf(server, "a"));
            // The write is logged after the API server answers it, so the store can see it first.
            var written = $"Service default/b has {b}";
            await Eventually.UntilAsync(
                $"{NodeName(survivor)} to log \"{written}\"",
                () => Task.FromResult(agents[survivor].ReadLog().Contains(written, StringComparison.Ordinal)),
                logged => logged);
            await WaitForPoolUsedAsync(server, "2", agents);

            // FRR drops the dead node's routes at its hold time; the survivor announces both.
            await WaitForRoutesAsync(lab, survivor, [a, b]);
            await WaitForRoutesAsync(lab, leader, []);

            // The killed agent comes back: it announces both as they are, and does not take
            // the Lease the survivor keeps renewing.
            agents[leader] = BeaconProcess.StartWithSource(lab.Lab, lab.Node(leader), ["--kubeconfig", kubeconfig], NodeName(leader));
            await WaitForRoutesAsync(lab, leader, [a, b]);
            await WaitForRoutesAsync(lab, survivor, [a, b]);
            Assert.Equal(a, AddressOf(server, "a"));
            Assert.Equal(b, AddressOf(server, "b"));
            Assert.Equal(NodeName(survivor), HolderOf(server));
        }
        finally
        {
            foreach (var agent in agents.Where(a => a is not null))
            {
                await agent.DisposeAsync();
            }
        }
    }

    private static Task CreateServiceAsync(IKubernetes client, string name) =>
        client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
            Spec = new V1ServiceSpec
            {
                Type = "LoadBalancer",
                ExternalTrafficPolicy = "Cluster",
                Ports = [new V1ServicePort { Port = 80 }],
            },
        }, "default");

    private static bool InPool(string address)
    {
        var bytes = IPAddress.Parse(address).GetAddressBytes();
        return bytes is [203, 0, 113, < 16];
    }

    private static string? AddressOf(TestApiServer server, string name) =>
        server.Store.Get<V1Service>("default", name)?.Status?.LoadBalancer?.Ingress?.SingleOrDefault()?.Ip;

    private static string? HolderOf(TestApiServer server) =>
        server.Store.Get<V1Lease>(AllocatorOptions.DefaultNamespace, AllocatorOptions.LeaseName)?.Spec?.HolderIdentity;

    private static async Task<string> WaitForAddressAsync(TestApiServer server, string name, BeaconProcess[] agents)
    {
        var service = await WithLogsAsync(agents, $"Service {name} to get an address", token =>
            server.Store.WaitForAsync<V1Service>("default", name, s => s?.Status?.LoadBalancer?.Ingress?.Count > 0, token));
        return Assert.Single(service!.Status.LoadBalancer.Ingress).Ip;
    }

    private static async Task<string> WaitForHolderAsync(TestApiServer server, Func<string?, bool> condition, BeaconProcess[] agents)
    {
        var lease = await WithLogsAsync(agents, "the allocator Lease holder", token =>
            server.Store.WaitForAsync<V1Lease>(AllocatorOptions.DefaultNamespace, AllocatorOptions.LeaseName, l => condition(l?.Spec?.HolderIdentity), token));
        return lease!.Spec.HolderIdentity;
    }

    private static Task WaitForPoolUsedAsync(TestApiServer server, string used, BeaconProcess[] agents) =>
        WithLogsAsync(agents, $"the pool to count {used} used", token =>
            server.Store.WaitForAsync<LoadBalancerIpPool>(null, "lab", p => p?.Status?.Counts?.SingleOrDefault()?.Used == used, token));

    private static Task WaitForRoutesAsync(BeaconLab lab, int node, IEnumerable<string> addresses) =>
        lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, addresses.Select(a => $"{a}/32"), node);

    /// <summary>Waits on the store; on timeout the message carries the tail of every agent's log.</summary>
    private static async Task<T> WithLogsAsync<T>(BeaconProcess[] agents, string description, Func<CancellationToken, Task<T>> wait)
    {
        using var patience = new CancellationTokenSource(_takeover);
        try
        {
            return await wait(patience.Token);
        }
        catch (OperationCanceledException) when (patience.IsCancellationRequested)
        {
            var logs = agents.Where(a => a is not null).Select(a =>
                $"{a.Namespace.Name} ({a.LogFile}):{Environment.NewLine}{string.Join('\n', a.ReadLog().Split('\n').TakeLast(30))}");
            throw new TimeoutException(
                $"timed out after {_takeover} waiting for {description}{Environment.NewLine}{string.Join(Environment.NewLine, logs)}");
        }
    }
}
