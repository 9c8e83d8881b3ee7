using Beacon.Cluster.Kubernetes;
using Beacon.Cluster.Model.GatewayApi;
using Beacon.Kubernetes.Testing;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Beacon.Cluster.Tests.Kubernetes;

/// <summary>The Gateway API kinds and Namespaces through the real client's informers, against the in-process API server.</summary>
public sealed class GatewayApiSourceTests : IAsyncLifetime
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

    private void InstallGatewayApi()
    {
        foreach (var kind in ResourceKinds.GatewayApi)
        {
            _server.Register(kind);
        }
    }

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

    private async Task SeedAsync()
    {
        await _client.CustomObjects.CreateClusterCustomObjectAsync(
            new GatewayClass { Metadata = new() { Name = "beacon" }, Spec = new() { ControllerName = "beacon.dev/gateway-controller" } },
            GatewayApiGroup.Group, GatewayApiGroup.V1, "gatewayclasses");
        await _client.CustomObjects.CreateNamespacedCustomObjectAsync(
            new Gateway
            {
                Metadata = new() { Name = "web", NamespaceProperty = "default" },
                Spec = new() { GatewayClassName = "beacon", Listeners = [new Listener { Name = "http", Port = 80, Protocol = "HTTP" }] },
            },
            GatewayApiGroup.Group, GatewayApiGroup.V1, "default", "gateways");
        await _client.CustomObjects.CreateNamespacedCustomObjectAsync(
            new HttpRoute
            {
                Metadata = new() { Name = "app", NamespaceProperty = "default" },
                Spec = new() { ParentRefs = [new ParentReference { Name = "web" }] },
            },
            GatewayApiGroup.Group, GatewayApiGroup.V1, "default", "httproutes");
        await _client.CustomObjects.CreateNamespacedCustomObjectAsync(
            new ReferenceGrant
            {
                Metadata = new() { Name = "from-default", NamespaceProperty = "kube-public" },
                Spec = new()
                {
                    From = [new ReferenceGrantFrom { Group = GatewayApiGroup.Group, Kind = "HTTPRoute", Namespace = "default" }],
                    To = [new ReferenceGrantTo { Group = "", Kind = "Service" }],
                },
            },
            GatewayApiGroup.Group, GatewayApiGroup.V1Beta1, "kube-public", "referencegrants");
    }

    [Fact]
    public async Task Gateway_api_objects_and_namespaces_are_in_the_snapshots_and_follow_changes()
    {
        InstallGatewayApi();
        await SeedAsync();
        using var stop = new CancellationTokenSource();
        var source = new KubernetesClusterSource(_client, NullLoggerFactory.Instance, watchTimeoutSeconds: 30);
        await using var snapshots = source.WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);

        var first = await NextAsync(snapshots, s => s.HttpRoutes.Count == 1, "the seeded Gateway API objects");
        Assert.Equal("beacon.dev/gateway-controller", first.GatewayClasses["beacon"].Spec.ControllerName);
        Assert.Equal(80, Assert.Single(first.Gateways["default/web"].Spec.Listeners!).Port);
        Assert.Equal("web", Assert.Single(first.HttpRoutes["default/app"].Spec.ParentRefs!).Name);
        Assert.Equal("Service", Assert.Single(first.ReferenceGrants["kube-public/from-default"].Spec.To!).Kind);
        Assert.Contains("kube-system", first.Namespaces.Keys);
        Assert.Null(first.Unavailable);

        await _client.CoreV1.PatchNamespaceAsync(
            new V1Patch("""{"metadata":{"labels":{"shared":"yes"}}}""", V1Patch.PatchType.MergePatch), "kube-public");
        await _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"addresses":[{"type":"IPAddress","value":"203.0.113.7"}]}}""", V1Patch.PatchType.MergePatch),
            GatewayApiGroup.Group, GatewayApiGroup.V1, "default", "gateways", "web");
        await _client.CustomObjects.DeleteNamespacedCustomObjectAsync(GatewayApiGroup.Group, GatewayApiGroup.V1, "default", "httproutes", "app");

        var changed = await NextAsync(
            snapshots,
            s => s.HttpRoutes.IsEmpty
                && s.Gateways["default/web"].Status?.Addresses?.SingleOrDefault()?.Value == "203.0.113.7"
                && s.Namespaces["kube-public"].Metadata.Labels is { } labels && labels.TryGetValue("shared", out var shared) && shared == "yes",
            "the route deleted, the Gateway's status address and the namespace label");
        Assert.True(changed.Version > first.Version);

        // Deleting a CRD takes its objects away (the watch is answered 404): the kind is empty
        // again, and that is no outage.
        _server.Store.Unregister(GatewayApiGroup.Group, "httproutes");
        _server.Store.Unregister(GatewayApiGroup.Group, "gateways");
        var deleted = await NextAsync(snapshots, s => s.Gateways.IsEmpty, "the Gateways gone with their CRD");
        Assert.Null(deleted.Unavailable);
        Assert.Single(deleted.GatewayClasses);
        await stop.CancelAsync();
    }

    [Fact]
    public async Task Missing_gateway_api_crds_do_not_hold_back_snapshots_and_crds_installed_later_are_picked_up()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var stop = new CancellationTokenSource();
        var source = new KubernetesClusterSource(
            _client, NullLoggerFactory.Instance, time, watchTimeoutSeconds: 30, coalesce: TimeSpan.Zero, absentKindRelist: TimeSpan.FromSeconds(30));
        await using var snapshots = source.WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);

        var first = await NextAsync(snapshots, s => s.Namespaces.ContainsKey("default"), "the first snapshot");
        Assert.Null(first.Unavailable);
        Assert.Empty(first.GatewayClasses);
        Assert.Empty(first.Gateways);
        Assert.Contains(_server.Requests, r => r.StatusCode == 404 && r.Path.EndsWith("/gateways", StringComparison.Ordinal));

        InstallGatewayApi();
        await SeedAsync();

        // The informers look again after the relist interval; advancing the clock while waiting
        // covers the moment each one starts its wait.
        ClusterSnapshot? seen = null;
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            while (seen is null)
            {
                var next = snapshots.MoveNextAsync().AsTask();
                while (!next.IsCompleted)
                {
                    time.Advance(TimeSpan.FromSeconds(30));
                    await Task.WhenAny(next, Task.Delay(50, deadline.Token));
                }

                Assert.True(await next);
                if (snapshots.Current is { HttpRoutes.Count: 1, ReferenceGrants.Count: 1, Gateways.Count: 1 } current)
                {
                    seen = current;
                }
            }
        }

        Assert.True(seen.GatewayClasses.ContainsKey("beacon"));
        Assert.Null(seen.Unavailable);
        await stop.CancelAsync();
    }
}
