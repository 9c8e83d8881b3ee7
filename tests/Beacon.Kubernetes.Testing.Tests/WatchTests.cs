using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;

namespace Beacon.Kubernetes.Testing.Tests;

public sealed class WatchTests
{
    private static IAsyncEnumerator<(WatchEventType, V1Service)> Watch(
        k8s.Kubernetes client, string? resourceVersion, bool bookmarks = false, int? timeoutSeconds = null, string? labelSelector = null, Action<Exception>? onError = null) =>
        client.CoreV1.WatchListNamespacedServiceAsync(
            "default", resourceVersion: resourceVersion, allowWatchBookmarks: bookmarks, timeoutSeconds: timeoutSeconds, labelSelector: labelSelector, onError: onError)
            .GetAsyncEnumerator();

    [Fact]
    public async Task Watch_from_a_resource_version_gets_every_later_change_in_order()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        var created = await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("a"), "default");
        var start = created.Metadata.ResourceVersion;

        // Changes before the watch opens (replayed from history) and after it (streamed) arrive alike.
        await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("b"), "default");
        await client.CoreV1.PatchNamespacedServiceAsync(new V1Patch("{\"metadata\":{\"labels\":{\"x\":\"1\"}}}", V1Patch.PatchType.MergePatch), "a", "default");
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "other-kind" } }, "default");
        await using var events = Watch(client, start);
        await server.WaitForWatchesAsync();
        for (var i = 0; i < 20; i++)
        {
            await client.CoreV1.PatchNamespacedServiceAsync(new V1Patch($"{{\"metadata\":{{\"labels\":{{\"x\":\"{i + 2}\"}}}}}}", V1Patch.PatchType.MergePatch), "b", "default");
        }

        await client.CoreV1.DeleteNamespacedServiceAsync("a", "default");

        var seen = new List<(WatchEventType, string, string)>();
        for (var i = 0; i < 23; i++)
        {
            var (type, service) = await events.NextAsync();
            seen.Add((type, service.Metadata.Name, service.Metadata.ResourceVersion));
        }

        Assert.Equal((WatchEventType.Added, "b"), (seen[0].Item1, seen[0].Item2));
        Assert.Equal((WatchEventType.Modified, "a"), (seen[1].Item1, seen[1].Item2));
        Assert.All(seen.Skip(2).Take(20), e => Assert.Equal((WatchEventType.Modified, "b"), (e.Item1, e.Item2)));
        Assert.Equal((WatchEventType.Deleted, "a"), (seen[22].Item1, seen[22].Item2));
        var versions = seen.Select(e => long.Parse(e.Item3)).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Count, versions.Distinct().Count());
        Assert.Equal(server.Store.ResourceVersion, versions[^1]);
    }

    [Fact]
    public async Task Watch_from_zero_starts_with_synthetic_added_events()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("a"), "default");
        await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("b"), "default");
        await client.CoreV1.PatchNamespacedServiceAsync(new V1Patch("{\"metadata\":{\"labels\":{\"x\":\"1\"}}}", V1Patch.PatchType.MergePatch), "a", "default");

        await using var events = Watch(client, "0");
        var first = await events.NextAsync();
        var second = await events.NextAsync();
        await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("c"), "default");
        var third = await events.NextAsync();

        Assert.Equal(
            [(WatchEventType.Added, "a"), (WatchEventType.Added, "b"), (WatchEventType.Added, "c")],
            new[] { first, second, third }.Select(e => (e.Item1, e.Item2.Metadata.Name)));
        Assert.Equal("1", first.Item2.Metadata.Labels["x"]);
    }

    [Fact]
    public async Task Bookmarks_arrive_on_the_interval_carrying_only_the_resource_version()
    {
        var time = new FakeTimeProvider();
        await using var server = await TestApiServer.StartNewAsync(new TestApiServerOptions { TimeProvider = time, BookmarkInterval = TimeSpan.FromSeconds(1) });
        using var client = Fixtures.Client(server);
        var created = await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("a"), "default");
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "moves-the-revision" } }, "default");

        await using var events = Watch(client, created.Metadata.ResourceVersion, bookmarks: true);
        await server.WaitForWatchesAsync();
        time.Advance(TimeSpan.FromSeconds(1));

        var (type, bookmark) = await events.NextAsync();
        Assert.Equal(WatchEventType.Bookmark, type);
        Assert.Equal(server.Store.ResourceVersion.ToString(), bookmark.Metadata.ResourceVersion);
        Assert.Null(bookmark.Metadata.Name);
        Assert.Null(bookmark.Spec);
    }

    [Fact]
    public async Task Watch_from_a_compacted_resource_version_gets_a_410_expired_error_event()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        var created = await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("a"), "default");
        await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("b"), "default");
        server.Compact();

        var errors = new List<Exception>();
        await using var events = Watch(client, created.Metadata.ResourceVersion, onError: errors.Add);
        Assert.False(await events.MoveNextAsync().AsTask().WaitAsync(Fixtures.Patience));

        var error = Assert.IsType<KubernetesException>(Assert.Single(errors));
        Assert.Equal(410, error.Status.Code);
        Assert.Equal("Expired", error.Status.Reason);

        // The current revision is still watchable.
        await using var fresh = Watch(client, server.Store.ResourceVersion.ToString());
        await server.WaitForWatchesAsync();
        await client.CoreV1.DeleteNamespacedServiceAsync("b", "default");
        Assert.Equal(WatchEventType.Deleted, (await fresh.NextAsync()).Item1);
    }

    [Fact]
    public async Task Timeout_seconds_ends_the_stream_cleanly()
    {
        var time = new FakeTimeProvider();
        await using var server = await TestApiServer.StartNewAsync(new TestApiServerOptions { TimeProvider = time });
        using var client = Fixtures.Client(server);
        var errors = new List<Exception>();
        await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("a"), "default");

        // KubernetesClient reads the first line before handing out the stream, so the watch needs an event.
        await using var events = Watch(client, "0", timeoutSeconds: 30, onError: errors.Add);
        Assert.Equal("a", (await events.NextAsync()).Item2.Metadata.Name);
        time.Advance(TimeSpan.FromSeconds(30));

        Assert.False(await events.MoveNextAsync().AsTask().WaitAsync(Fixtures.Patience));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Label_filtered_watch_sees_objects_enter_and_leave_the_selection()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        await using var events = Watch(client, null, labelSelector: "announce=true");
        await server.WaitForWatchesAsync();

        await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("web"), "default");
        await client.CoreV1.PatchNamespacedServiceAsync(new V1Patch("{\"metadata\":{\"labels\":{\"announce\":\"true\"}}}", V1Patch.PatchType.MergePatch), "web", "default");
        var left = await client.CoreV1.PatchNamespacedServiceAsync(new V1Patch("{\"metadata\":{\"labels\":{\"announce\":\"false\"}}}", V1Patch.PatchType.MergePatch), "web", "default");

        var entered = await events.NextAsync();
        var leaving = await events.NextAsync();
        Assert.Equal(WatchEventType.Added, entered.Item1);
        Assert.Equal(WatchEventType.Deleted, leaving.Item1);
        Assert.Equal(left.Metadata.ResourceVersion, leaving.Item2.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Dropped_watches_end_and_can_resume_without_losing_changes()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        var created = await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("a"), "default");
        var errors = new List<Exception>();
        await using var events = Watch(client, created.Metadata.ResourceVersion, onError: errors.Add);
        await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("b"), "default");
        var last = (await events.NextAsync()).Item2;

        server.DropWatches();
        Assert.False(await events.MoveNextAsync().AsTask().WaitAsync(Fixtures.Patience));
        await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("while-away"), "default");

        await using var resumed = Watch(client, last.Metadata.ResourceVersion);
        Assert.Equal("while-away", (await resumed.NextAsync()).Item2.Metadata.Name);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Custom_resources_are_watchable_through_the_generic_client()
    {
        await using var server = await TestApiServer.StartNewAsync(new TestApiServerOptions { Kinds = ResourceKinds.Beacon });
        using var client = Fixtures.Client(server);
        using var peers = new GenericClient(client, "beacon.dev", "v1alpha1", "bgppeerconfigs", disposeClient: false);
        await using var events = peers.WatchAsync<CustomObject>().GetAsyncEnumerator();
        await server.WaitForWatchesAsync();

        await peers.CreateAsync(new CustomObject { Kind = "BGPPeerConfig", Metadata = new V1ObjectMeta { Name = "tor" }, Spec = new JsonObject { ["ebgpMultihop"] = 2 } });

        var (type, peer) = await events.NextAsync();
        Assert.Equal(WatchEventType.Added, type);
        Assert.Equal(2, peer.Spec!["ebgpMultihop"]!.GetValue<int>());
    }

    [Fact]
    public async Task Send_initial_events_ends_the_initial_list_with_an_annotated_bookmark()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("a"), "default");
        var revision = server.Store.ResourceVersion.ToString();

        await using var events = client.CoreV1.WatchListNamespacedServiceAsync(
            "default", allowWatchBookmarks: true, sendInitialEvents: true, resourceVersionMatch: "NotOlderThan").GetAsyncEnumerator();

        Assert.Equal(WatchEventType.Added, (await events.NextAsync()).Item1);
        var (type, bookmark) = await events.NextAsync();
        Assert.Equal(WatchEventType.Bookmark, type);
        Assert.Equal(revision, bookmark.Metadata.ResourceVersion);
        Assert.Equal("true", bookmark.Metadata.Annotations["k8s.io/initial-events-end"]);
    }

    [Fact]
    public async Task Aborted_watches_surface_as_errors_to_the_client()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("a"), "default");
        var errors = new List<Exception>();
        await using var events = Watch(client, "0", onError: errors.Add);
        await events.NextAsync();

        server.DropWatches(abort: true);

        await Assert.ThrowsAnyAsync<Exception>(async () => await events.MoveNextAsync().AsTask().WaitAsync(Fixtures.Patience));

        // The client sees the reset before the server has finished closing its side.
        await server.WaitForNoWatchesAsync().WaitAsync(Fixtures.Patience);
        Assert.Equal(0, server.ActiveWatches);
    }

    [Fact]
    public async Task Field_selected_watch_sees_only_the_named_secret_of_its_namespace()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        await Fixtures.CreateNamespaceAsync(client, "beacon-system");
        await using var events = client.CoreV1.WatchListNamespacedSecretAsync("beacon-system", fieldSelector: "metadata.name=peer-auth").GetAsyncEnumerator();
        await server.WaitForWatchesAsync();

        // Changes to other Secrets come first: if the watch let any through, it would be seen before peer-auth's.
        await client.CoreV1.CreateNamespacedSecretAsync(Fixtures.Secret("other", "beacon-system", "x"), "beacon-system");
        await client.CoreV1.CreateNamespacedSecretAsync(Fixtures.Secret("peer-auth", "default", "x"), "default");
        await client.CoreV1.CreateNamespacedSecretAsync(Fixtures.Secret("peer-auth", "beacon-system", "one"), "beacon-system");
        await client.CoreV1.ReplaceNamespacedSecretAsync(Fixtures.Secret("peer-auth", "beacon-system", "two"), "peer-auth", "beacon-system");
        await client.CoreV1.DeleteNamespacedSecretAsync("other", "beacon-system");
        await client.CoreV1.DeleteNamespacedSecretAsync("peer-auth", "beacon-system");

        var added = await events.NextAsync();
        var modified = await events.NextAsync();
        var deleted = await events.NextAsync();
        Assert.Equal((WatchEventType.Added, "one"), (added.Item1, System.Text.Encoding.UTF8.GetString(added.Item2.Data["password"])));
        Assert.Equal((WatchEventType.Modified, "two"), (modified.Item1, System.Text.Encoding.UTF8.GetString(modified.Item2.Data["password"])));
        Assert.Equal(WatchEventType.Deleted, deleted.Item1);
        Assert.All([added.Item2, modified.Item2, deleted.Item2], s => Assert.Equal(("beacon-system", "peer-auth"), (s.Metadata.NamespaceProperty, s.Metadata.Name)));
    }

    [Fact]
    public async Task Field_selected_watch_from_zero_starts_with_the_matching_objects_only()
    {
        await using var server = await TestApiServer.StartNewAsync(new TestApiServerOptions { Kinds = ResourceKinds.Beacon });
        using var client = Fixtures.Client(server);
        using var peers = new GenericClient(client, "beacon.dev", "v1alpha1", "bgppeerconfigs", disposeClient: false);
        await peers.CreateAsync(new CustomObject { Kind = "BGPPeerConfig", Metadata = new V1ObjectMeta { Name = "tor-a" } });
        await peers.CreateAsync(new CustomObject { Kind = "BGPPeerConfig", Metadata = new V1ObjectMeta { Name = "tor-b" } });
        await using var events = client.CustomObjects.WatchListClusterCustomObjectAsync(
            "beacon.dev", "v1alpha1", "bgppeerconfigs", resourceVersion: "0", fieldSelector: "metadata.name=tor-b").GetAsyncEnumerator();

        var (type, body) = await events.NextAsync();
        var peer = KubernetesJson.Deserialize<CustomObject>(KubernetesJson.Serialize(body));
        Assert.Equal((WatchEventType.Added, "tor-b"), (type, peer.Metadata.Name));
    }

    [Fact]
    public async Task Watch_with_an_unsupported_field_label_is_a_bad_request()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        var errors = new List<Exception>();
        await using var events = client.CoreV1.WatchListNamespacedSecretAsync("default", fieldSelector: "data.password=x", onError: errors.Add).GetAsyncEnumerator();

        var e = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(async () => await events.MoveNextAsync());
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, e.Response.StatusCode);
        Assert.Contains("field label not supported: data.password", Fixtures.Status(e).Message, StringComparison.Ordinal);
    }
}
