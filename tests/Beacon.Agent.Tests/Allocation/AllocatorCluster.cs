using Beacon.Agent.Allocation;
using Beacon.Cluster.Kubernetes;
using Beacon.Cluster.Model;
using Beacon.Kubernetes.Testing;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Beacon.Agent.Tests.Allocation;

/// <summary>An in-process API server with Beacon's CRDs and agents that campaign for the allocator Lease, each reading it through its own KubernetesClusterSource.</summary>
internal sealed class AllocatorCluster : IAsyncDisposable
{
    public const string Namespace = "beacon-system";

    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly List<Candidate> _candidates = [];

    private AllocatorCluster(TestApiServer server, k8s.Kubernetes client)
    {
        Server = server;
        Client = client;
    }

    public TestApiServer Server { get; }

    /// <summary>The user's client: creates Services as kubectl would.</summary>
    public k8s.Kubernetes Client { get; }

    /// <param name="gatewayApi">Serve the Gateway API kinds too, as if their CRDs were installed.</param>
    public static async Task<AllocatorCluster> StartAsync(bool gatewayApi = false)
    {
        var server = await TestApiServer.StartNewAsync(new TestApiServerOptions
        {
            Kinds = gatewayApi ? [.. ResourceKinds.Beacon, .. ResourceKinds.GatewayApi] : ResourceKinds.Beacon,
        });
        var client = new k8s.Kubernetes(server.ClientConfiguration);
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } });
        return new AllocatorCluster(server, client);
    }

    public Candidate Start(string identity, TimeSpan? leaseDuration = null)
    {
        var candidate = new Candidate(Server, identity, leaseDuration ?? TimeSpan.FromSeconds(3));
        _candidates.Add(candidate);
        return candidate;
    }

    public V1Lease? Lease => Server.Store.Get<V1Lease>(Namespace, AllocatorOptions.LeaseName);

    public Task<V1Lease?> WaitForLeaderAsync(string identity) =>
        Server.Store.WaitForAsync<V1Lease>(Namespace, AllocatorOptions.LeaseName, l => l?.Spec?.HolderIdentity == identity).WaitAsync(Patience);

    public LoadBalancerIpPool PutPool(string name, string start, string stop, IDictionary<string, string>? selector = null) =>
        Server.Store.Put(new LoadBalancerIpPool
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new LoadBalancerIpPoolSpec
            {
                Blocks = [new IpBlock { Start = start, Stop = stop }],
                ServiceSelector = selector is null ? null : new V1LabelSelector { MatchLabels = selector },
            },
        });

    public Task<V1Service> CreateServiceAsync(string name, IDictionary<string, string>? annotations = null, IDictionary<string, string>? labels = null) =>
        Client.CoreV1.CreateNamespacedServiceAsync(
            new V1Service
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Annotations = annotations, Labels = labels },
                Spec = new V1ServiceSpec { Type = "LoadBalancer", Ports = [new V1ServicePort { Port = 80, Protocol = "TCP" }] },
            },
            "default");

    public async Task<V1Service> WaitForServiceAsync(string name, Func<V1Service, bool> condition) =>
        (await Server.Store.WaitForAsync<V1Service>("default", name, s => s is not null && condition(s)).WaitAsync(Patience))!;

    public Task<V1Service> WaitForAddressAsync(string name) =>
        WaitForServiceAsync(name, s => Ingress(s).Count > 0);

    public async Task<LoadBalancerIpPool> WaitForPoolAsync(string name, Func<LoadBalancerIpPool, bool> condition) =>
        (await Server.Store.WaitForAsync<LoadBalancerIpPool>(null, name, p => p is not null && condition(p)).WaitAsync(Patience))!;

    public static IReadOnlyList<string> Ingress(V1Service service) =>
        [.. (service.Status?.LoadBalancer?.Ingress ?? []).Select(i => i.Ip)];

    public static V1Condition? Condition(IEnumerable<V1Condition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type);

    public IReadOnlyList<Corev1Event> Events(string involvedName) =>
        [.. Server.Store.List<Corev1Event>().Where(e => e.InvolvedObject?.Name == involvedName)];

    /// <summary>Waits for a condition on what the store holds that no single object's write announces (Events have generated names).</summary>
    public async Task EventuallyAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), timeout.Token);
        }
    }

    /// <summary>Waits until candidates have read or written the Lease <paramref name="count"/> more times: they are running, and have had time to see what came before.</summary>
    public Task WaitForLeaseReadsAsync(int count)
    {
        var before = Server.Requests.Count(r => r.Resource == "leases");
        return EventuallyAsync(() => Server.Requests.Count(r => r.Resource == "leases") >= before + count);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var candidate in _candidates)
        {
            await candidate.DisposeAsync();
        }

        Client.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>One agent's allocator: its own client, cluster source and election candidate.</summary>
    internal sealed class Candidate : IAsyncDisposable
    {
        private readonly k8s.Kubernetes _client;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _run;

        public Candidate(TestApiServer server, string identity, TimeSpan leaseDuration)
        {
            Identity = identity;
            _client = new k8s.Kubernetes(server.ClientConfiguration);
            var source = new KubernetesClusterSource(_client, NullLoggerFactory.Instance);
            Controller = new AllocatorController(
                _client,
                new AllocatorOptions
                {
                    Namespace = Namespace,
                    Identity = identity,
                    LeaseDuration = leaseDuration,
                    // Generous against a loaded machine: a renewal slower than this ends the term.
                    RenewDeadline = TimeSpan.FromSeconds(2),
                    RetryPeriod = TimeSpan.FromMilliseconds(100),
                },
                NullLoggerFactory.Instance);
            _run = Task.Run(async () =>
            {
                // As the agent runs it: the snapshots it consumes feed the allocator.
                await foreach (var snapshot in new AllocatingClusterSource(source, Controller).WatchAsync(_stop.Token))
                {
                }
            });
        }

        public string Identity { get; }

        public AllocatorController Controller { get; }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _run.ContinueWith(static _ => { }, TaskScheduler.Default).WaitAsync(Patience);
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _client.Dispose();
            _stop.Dispose();
        }
    }
}
