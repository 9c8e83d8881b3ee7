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

    /// <summary>
    /// The agent starts its BGP sessions from the first snapshot, and after a graceful restart the
    /// router deletes whatever the first table plus End-of-RIB leaves out (issue 4): a snapshot built
    /// before one resource was listed would withdraw all of its routes.
    /// </summary>
    [Fact]
    public async Task No_snapshot_comes_before_every_resource_has_been_listed()
    {
        await _client.CoreV1.CreateNamespacedServiceAsync(Service("web", "203.0.113.10"), "default");
        await _client.CustomObjects.CreateClusterCustomObjectAsync(
            new BgpAdvertisement { Metadata = new V1ObjectMeta { Name = "services" } },
            BeaconApi.Group, BeaconApi.Version, "bgpadvertisements");
        _server.FailNext("list", "bgpadvertisements", count: 1000);
        using var stop = new CancellationTokenSource();
        await using var snapshots = Source().WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        var first = snapshots.MoveNextAsync().AsTask();

        // Every other resource has been listed and the failing list has been retried.
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            while (!(_server.Requests.Count(r => r.Verb == "list" && r.Resource == "bgpadvertisements") >= 2
                && _server.Requests.Where(r => r.Verb == "list" && r.StatusCode == 200).Select(r => r.Resource).Distinct().Count() >= 7))
            {
                await Task.Delay(20, deadline.Token);
            }
        }

        Assert.False(first.IsCompleted, "a snapshot came before BGPAdvertisements could be listed");
        _server.ClearFailures();

        Assert.True(await first.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(1, snapshots.Current.Version);
        Assert.Contains("services", snapshots.Current.Advertisements.Keys);
        Assert.Contains("default/web", snapshots.Current.Services.Keys);
        await stop.CancelAsync();
    }

    [Fact]
    public async Task A_change_after_a_quiet_spell_is_passed_on_at_once_and_later_ones_still_arrive()
    {
        await _client.CoreV1.CreateNamespacedServiceAsync(Service("web", "203.0.113.10"), "default");

        // The clock only moves when the test says so: a snapshot that waited for the
        // coalescing window could not arrive without an Advance.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var stop = new CancellationTokenSource();
        var source = new KubernetesClusterSource(_client, NullLoggerFactory.Instance, time, watchTimeoutSeconds: 30, coalesce: TimeSpan.FromSeconds(1));
        await using var snapshots = source.WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        await NextAsync(snapshots, s => s.Services.Count == 1, "web");
        using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            await _server.WaitForWatchesAsync(9, patience.Token);
        }

        time.Advance(TimeSpan.FromSeconds(5));
        await _client.CoreV1.CreateNamespacedServiceAsync(Service("api", "203.0.113.11"), "default");
        await NextAsync(snapshots, s => s.Services.ContainsKey("default/api"), "api, without the clock moving");

        await _client.CoreV1.CreateNamespacedServiceAsync(Service("db", "203.0.113.12"), "default");
        var db = snapshots.MoveNextAsync().AsTask();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await db.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("default/db", snapshots.Current.Services.Keys);

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
            await _server.WaitForWatchesAsync(9, patience.Token);
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

    private static V1Secret Secret(string ns, string name, string password) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Data = new Dictionary<string, byte[]> { ["password"] = System.Text.Encoding.UTF8.GetBytes(password) },
    };

    private static string Password(ClusterSnapshot snapshot, string key) =>
        System.Text.Encoding.UTF8.GetString(snapshot.Secrets[key].Data["password"]);

    private async Task SeedSecretsAsync()
    {
        await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "beacon-system" } });
        await _client.CoreV1.CreateNamespacedSecretAsync(Secret("beacon-system", "tor-a-md5", "alpha"), "beacon-system");
        await _client.CoreV1.CreateNamespacedSecretAsync(Secret("beacon-system", "tor-b-md5", "bravo"), "beacon-system");
        await _client.CoreV1.CreateNamespacedSecretAsync(Secret("beacon-system", "unrelated", "nobody's"), "beacon-system");
    }

    private Task CreatePeerConfigAsync(string name, string? secretNamespace, string? secretName) =>
        _client.CustomObjects.CreateClusterCustomObjectAsync(
            new BgpPeerConfig
            {
                Metadata = new V1ObjectMeta { Name = name },
                Spec = new BgpPeerConfigSpec
                {
                    AuthSecretRef = secretName is null ? null : new SecretReference { Namespace = secretNamespace, Name = secretName },
                },
            },
            BeaconApi.Group, BeaconApi.Version, "bgppeerconfigs");

    private Task SetSecretRefAsync(string peerConfig, string? secretName)
    {
        var reference = secretName is null ? "null" : $$"""{"namespace":"beacon-system","name":"{{secretName}}"}""";
        return _client.CustomObjects.PatchClusterCustomObjectAsync(
            new V1Patch($$$"""{"spec":{"authSecretRef":{{{reference}}}}}""", V1Patch.PatchType.MergePatch),
            BeaconApi.Group, BeaconApi.Version, "bgppeerconfigs", peerConfig);
    }

    [Fact]
    public async Task Referenced_secret_is_in_the_first_snapshot_and_follows_updates_and_deletion()
    {
        await SeedSecretsAsync();
        await CreatePeerConfigAsync("tor-a", "beacon-system", "tor-a-md5");
        using var stop = new CancellationTokenSource();
        await using var snapshots = Source().WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);

        var first = await NextAsync(snapshots, _ => true, "a first snapshot");
        Assert.Equal(["beacon-system/tor-a-md5"], first.Secrets.Keys);
        Assert.Equal("alpha", Password(first, "beacon-system/tor-a-md5"));
        Assert.Empty(first.Errors);

        await _client.CoreV1.ReplaceNamespacedSecretAsync(Secret("beacon-system", "tor-a-md5", "alpha-2"), "tor-a-md5", "beacon-system");
        var updated = await NextAsync(snapshots, s => s.Secrets.TryGetValue("beacon-system/tor-a-md5", out var secret) && secret.Data["password"].Length == 7, "the new password");
        Assert.Equal("alpha-2", Password(updated, "beacon-system/tor-a-md5"));

        await _client.CoreV1.DeleteNamespacedSecretAsync("tor-a-md5", "beacon-system");
        var deleted = await NextAsync(snapshots, s => s.Secrets.IsEmpty, "the Secret gone");
        Assert.True(deleted.PeerConfigs.ContainsKey("tor-a"));

        await stop.CancelAsync();
    }

    [Fact]
    public async Task Only_referenced_secrets_are_ever_requested_and_by_name_in_their_namespace()
    {
        await SeedSecretsAsync();
        await CreatePeerConfigAsync("tor-a", "beacon-system", "tor-a-md5");
        await CreatePeerConfigAsync("plain", null, null);
        _server.ClearRequests();
        using var stop = new CancellationTokenSource();
        await using var snapshots = Source().WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        await NextAsync(snapshots, _ => true, "a first snapshot");

        // Nine resource watches (the Gateway API kinds are not installed here) and the one Secret's.
        using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            await _server.WaitForWatchesAsync(10, patience.Token);
        }

        var secretRequests = _server.Requests.Where(r => r.Resource == "secrets").ToList();
        Assert.Contains(secretRequests, r => r.Verb == "list");
        Assert.Contains(secretRequests, r => r.Verb == "watch");
        Assert.All(secretRequests, r =>
        {
            Assert.Equal("beacon-system", r.Namespace);
            Assert.Null(r.Name);
            Assert.Contains("fieldSelector=metadata.name=tor-a-md5", Uri.UnescapeDataString(r.Query), StringComparison.Ordinal);
        });

        await stop.CancelAsync();
    }

    [Fact]
    public async Task Changing_the_reference_switches_the_watched_secret()
    {
        await SeedSecretsAsync();
        await CreatePeerConfigAsync("tor", "beacon-system", "tor-a-md5");
        using var stop = new CancellationTokenSource();
        await using var snapshots = Source().WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        await NextAsync(snapshots, s => s.Secrets.ContainsKey("beacon-system/tor-a-md5"), "tor-a-md5");

        // The snapshot can come as soon as tor-a-md5 is listed: let its watch start before the log is cleared.
        using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            await _server.WaitForWatchesAsync(10, patience.Token);
        }

        _server.ClearRequests();
        await SetSecretRefAsync("tor", "tor-b-md5");
        var switched = await NextAsync(snapshots, s => s.PeerConfigs["tor"].Spec.AuthSecretRef?.Name == "tor-b-md5", "the new reference");
        Assert.Equal(["beacon-system/tor-b-md5"], switched.Secrets.Keys);
        Assert.Equal("bravo", Password(switched, "beacon-system/tor-b-md5"));
        Assert.DoesNotContain(_server.Requests, r => r.Resource == "secrets" && Uri.UnescapeDataString(r.Query).Contains("tor-a-md5", StringComparison.Ordinal));

        // A change to the Secret no longer referenced brings nothing back.
        await _client.CoreV1.ReplaceNamespacedSecretAsync(Secret("beacon-system", "tor-a-md5", "alpha-2"), "tor-a-md5", "beacon-system");
        await SetSecretRefAsync("tor", null);
        var dropped = await NextAsync(snapshots, s => s.PeerConfigs["tor"].Spec.AuthSecretRef is null, "the reference removed");
        Assert.Empty(dropped.Secrets);

        await stop.CancelAsync();
    }

    [Fact]
    public async Task Secret_that_cannot_be_listed_is_reported_without_holding_back_snapshots()
    {
        await SeedSecretsAsync();
        await CreatePeerConfigAsync("tor-a", "beacon-system", "tor-a-md5");
        _server.FailNext("list", "secrets", count: 1000, statusCode: 403);
        using var stop = new CancellationTokenSource();
        await using var snapshots = Source().WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);

        var forbidden = await NextAsync(snapshots, _ => true, "a first snapshot");
        Assert.Empty(forbidden.Secrets);
        Assert.Null(forbidden.Unavailable);
        var error = Assert.Single(forbidden.Errors);
        Assert.Equal("Secret beacon-system/tor-a-md5", error.Object);
        Assert.Contains("403", error.Message, StringComparison.Ordinal);

        // Granted later (a Role bound after the fact): the informer's retry picks it up.
        _server.ClearFailures();
        var granted = await NextAsync(snapshots, s => s.Secrets.Count == 1, "the Secret once readable");
        Assert.Equal("alpha", Password(granted, "beacon-system/tor-a-md5"));
        Assert.Empty(granted.Errors);

        await stop.CancelAsync();
    }
}
