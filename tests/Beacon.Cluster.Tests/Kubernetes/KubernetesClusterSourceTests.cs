using Beacon.Cluster.Kubernetes;
using Beacon.Cluster.Model;
using Beacon.Kubernetes.Testing;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Beacon.Cluster.Tests.Kubernetes;

/// <summary>The real KubernetesClient informers against the in-process API server.</summary>
public sealed class KubernetesClusterSourceTests : IAsyncLifetime
{
    private TestApiServer _server = null!;
    private IKubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await TestApiServer.StartNewAsync(new TestApiServerOptions
        {
            Kinds = ResourceKinds.Beacon,
            BookmarkInterval = TimeSpan.FromMilliseconds(200),
        });
        _client = new k8s.Kubernetes(_server.ClientConfiguration);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private static V1Service Service(string name, string ip) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1ServiceSpec { Type = "LoadBalancer", Ports = [new V1ServicePort { Port = 80 }] },
        Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = ip }] } },
    };

    private KubernetesClusterSource Source() => new(
        _client,
        NullLoggerFactory.Instance,
        backoff: new InformerBackoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200)),
        watchTimeoutSeconds: 30);

    /// <summary>Reads snapshots until one satisfies the condition; the deadline only guards a broken test.</summary>
    private static async Task<ClusterSnapshot> NextAsync(IAsyncEnumerator<ClusterSnapshot> snapshots, Func<ClusterSnapshot, bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var next = snapshots.MoveNextAsync().AsTask();
            if (await Task.WhenAny(next, Task.Delay(Timeout.Infinite, deadline.Token).ContinueWith(_ => false, TaskScheduler.Default)) != next || !await next)
            {
                throw new TimeoutException($"no snapshot with {what}");
            }

            if (condition(snapshots.Current))
            {
                return snapshots.Current;
            }
        }
    }

    [Fact]
    public async Task First_snapshot_holds_every_resource_and_changes_follow()
    {
        await _client.CoreV1.CreateNamespacedServiceAsync(Service("web", "203.0.113.10"), "default");
        await _client.CoreV1.CreateNodeAsync(new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = "node1" } });
        await _client.CustomObjects.CreateClusterCustomObjectAsync(
            new BgpClusterConfig { ApiVersion = BeaconApi.ApiVersion, Kind = "BGPClusterConfig", Metadata = new V1ObjectMeta { Name = "default" }, Spec = new BgpClusterConfigSpec { LocalASN = 64512 } },
            BeaconApi.Group, BeaconApi.Version, "bgpclusterconfigs");
        using var stop = new CancellationTokenSource();
        await using var snapshots = Source().WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);

        var first = await NextAsync(snapshots, s => s.Services.Count == 1, "the seeded objects");
        Assert.Equal("Service", first.Services["default/web"].Kind);
        Assert.True(first.Nodes.ContainsKey("node1"));
        Assert.Equal(64512, first.ClusterConfigs["default"].Spec.LocalASN);
        Assert.Null(first.Unavailable);

        await _client.CoreV1.CreateNamespacedServiceAsync(Service("api", "203.0.113.11"), "default");
        await _client.CoreV1.DeleteNamespacedServiceAsync("web", "default");
        var changed = await NextAsync(snapshots, s => s.Services.Keys.SequenceEqual(["default/api"]), "web deleted and api added");
        Assert.True(changed.Version > first.Version);

        await stop.CancelAsync();
    }

    [Fact]
    public async Task Compacted_history_makes_the_informers_list_again_without_losing_a_change()
    {
        await _client.CoreV1.CreateNamespacedServiceAsync(Service("web", "203.0.113.10"), "default");
        using var stop = new CancellationTokenSource();
        await using var snapshots = Source().WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        await NextAsync(snapshots, s => s.Services.Count == 1, "web");

        // All eight informers are watching, so the cut below meets the services watch open.
        using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            await _server.WaitForWatchesAsync(8, patience.Token);
        }

        var listsBefore = _server.Requests.Count(r => r.Verb == "list");

        // The services watch is cut and cannot come back while a change happens and history
        // is compacted past the informer's resourceVersion: resuming gets 410 Gone, so the
        // informer must list again, and the change must still arrive.
        _server.FailNext("watch", "services", count: 1000);
        _server.DropWatches();
        await _client.CoreV1.CreateNamespacedServiceAsync(Service("api", "203.0.113.11"), "default");
        _server.Compact();
        _server.ClearFailures();

        var after = await NextAsync(snapshots, s => s.Services.Count == 2 && s.Unavailable is null, "api after the re-list");
        Assert.Contains("default/api", after.Services.Keys);
        Assert.True(_server.Requests.Count(r => r.Verb == "list") > listsBefore);
        await stop.CancelAsync();
    }

    [Fact]
    public async Task An_unreachable_api_server_keeps_the_last_state_and_converges_when_it_returns()
    {
        await _client.CoreV1.CreateNamespacedServiceAsync(Service("web", "203.0.113.10"), "default");
        using var stop = new CancellationTokenSource();
        await using var snapshots = Source().WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        await NextAsync(snapshots, s => s.Services.Count == 1, "web");

        await _server.StopAsync();
        var down = await NextAsync(snapshots, s => s.Unavailable is not null, "the outage reported");
        Assert.Equal(["default/web"], down.Services.Keys);

        // Changed while the server was away (straight into its store, as another client would).
        _server.Store.Put(Service("api", "203.0.113.11"));
        await _server.StartAsync();

        var back = await NextAsync(snapshots, s => s.Unavailable is null && s.Services.Count == 2, "recovery with api");
        Assert.Contains("default/api", back.Services.Keys);
        await stop.CancelAsync();
    }
}
