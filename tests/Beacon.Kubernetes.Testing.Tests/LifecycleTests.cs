using System.Net;
using k8s;
using k8s.Models;

namespace Beacon.Kubernetes.Testing.Tests;

public sealed class LifecycleTests
{
    [Fact]
    public async Task Restart_on_the_same_port_keeps_the_store()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        var created = await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("web"), "default");
        var url = server.Url;

        await server.StopAsync();
        await Assert.ThrowsAsync<HttpRequestException>(() => client.CoreV1.ReadNamespacedServiceAsync("web", "default"));
        await server.StartAsync();

        Assert.Equal(url, server.Url);
        var read = await client.CoreV1.ReadNamespacedServiceAsync("web", "default");
        Assert.Equal(created.Metadata.Uid, read.Metadata.Uid);
        Assert.Equal(created.Metadata.ResourceVersion, read.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Stopping_resets_open_watches()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        var errors = new List<Exception>();
        await using var events = client.CoreV1.WatchListNamespacedServiceAsync("default", onError: errors.Add).GetAsyncEnumerator();
        await server.WaitForWatchesAsync();

        await server.StopAsync();

        await Assert.ThrowsAnyAsync<Exception>(async () => await events.MoveNextAsync().AsTask().WaitAsync(Fixtures.Patience));

        // The client sees the reset before the server has finished closing its side.
        await server.WaitForNoWatchesAsync().WaitAsync(Fixtures.Patience);
        Assert.Equal(0, server.ActiveWatches);
    }

    [Fact]
    public async Task Injected_failures_hit_the_next_matching_requests_only()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("web"), "default");

        server.FailNext("get", "services", count: 2, statusCode: 503);
        server.FailNext("update", "services/status", statusCode: 500);

        await client.CoreV1.ListNamespacedServiceAsync("default");
        var first = Fixtures.Status(await Fixtures.FailsWith(HttpStatusCode.ServiceUnavailable, () => client.CoreV1.ReadNamespacedServiceAsync("web", "default")));
        Assert.Equal("ServiceUnavailable", first.Reason);
        await Fixtures.FailsWith(HttpStatusCode.ServiceUnavailable, () => client.CoreV1.ReadNamespacedServiceAsync("web", "default"));
        var service = await client.CoreV1.ReadNamespacedServiceAsync("web", "default");

        await client.CoreV1.ReplaceNamespacedServiceAsync(service, "web", "default");
        await Fixtures.FailsWith(HttpStatusCode.InternalServerError, () => client.CoreV1.ReplaceNamespacedServiceStatusAsync(service, "web", "default"));
        await client.CoreV1.ReplaceNamespacedServiceStatusAsync(service, "web", "default");
    }

    [Fact]
    public async Task Requests_are_logged_with_verb_resource_and_status()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);

        await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("web"), "default");
        await Fixtures.FailsWith(HttpStatusCode.NotFound, () => client.CoreV1.ReadNamespacedServiceAsync("nope", "default"));
        await client.CoreV1.ListServiceForAllNamespacesAsync();

        Assert.Equal(
            [("create", "services", "default", (string?)null, 201), ("get", "services", "default", "nope", 404), ("list", "services", null, null, 200)],
            server.Requests.Select(r => (r.Verb, r.Resource, r.Namespace, r.Name, r.StatusCode)));
    }
}
