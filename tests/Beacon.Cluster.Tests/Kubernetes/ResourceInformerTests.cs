using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Beacon.Cluster.Kubernetes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Beacon.Cluster.Tests.Kubernetes;

public sealed class ResourceInformerTests
{
    private static V1Service Service(string name, string resourceVersion) =>
        new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", ResourceVersion = resourceVersion } };

    /// <summary>A scripted API: each list and watch call takes the next scripted answer; calls are recorded.</summary>
    private sealed class ScriptedClient : IResourceClient<V1Service>
    {
        public Channel<Func<ResourcePage<V1Service>>> Lists { get; } = Channel.CreateUnbounded<Func<ResourcePage<V1Service>>>();

        public Channel<Channel<(WatchEventType, V1Service)?>> Watches { get; } = Channel.CreateUnbounded<Channel<(WatchEventType, V1Service)?>>();

        public List<string> Calls { get; } = [];

        public string Resource => "services";

        public async Task<ResourcePage<V1Service>> ListAsync(string? continueToken, int limit, CancellationToken cancellationToken)
        {
            lock (Calls)
            {
                Calls.Add($"list {continueToken}");
            }

            return (await Lists.Reader.ReadAsync(cancellationToken))();
        }

        public async IAsyncEnumerable<(WatchEventType Type, V1Service Object)> WatchAsync(string resourceVersion, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            lock (Calls)
            {
                Calls.Add($"watch {resourceVersion}");
            }

            var events = await Watches.Reader.ReadAsync(cancellationToken);
            await foreach (var e in events.Reader.ReadAllAsync(cancellationToken))
            {
                if (e is null)
                {
                    onError(new KubernetesException(new V1Status { Code = (int)HttpStatusCode.Gone, Reason = "Expired" }));
                    yield break;
                }

                yield return e.Value;
            }
        }
    }

    private static async Task WaitAsync(Func<bool> condition, ResourceInformer<V1Service> informer)
    {
        var signal = new SemaphoreSlim(0);
        informer.Changed += () => signal.Release();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await signal.WaitAsync(TimeSpan.FromMilliseconds(50), deadline.Token);
        }
    }

    [Fact]
    public async Task Lists_every_page_then_watches_from_the_list_version_and_follows_bookmarks()
    {
        var client = new ScriptedClient();
        var time = new FakeTimeProvider();
        var informer = new ResourceInformer<V1Service>(client, time, NullLogger.Instance, InformerBackoff.Default);
        client.Lists.Writer.TryWrite(() => new([Service("a", "5")], "10", "page2"));
        client.Lists.Writer.TryWrite(() => new([Service("b", "7")], "10", null));
        var watch1 = Channel.CreateUnbounded<(WatchEventType, V1Service)?>();
        client.Watches.Writer.TryWrite(watch1);
        var watch2 = Channel.CreateUnbounded<(WatchEventType, V1Service)?>();
        client.Watches.Writer.TryWrite(watch2);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);

        await WaitAsync(() => informer.Synced, informer);
        Assert.Equal(["default/a", "default/b"], informer.Items.Keys.Order());
        Assert.Equal("Service", informer.Items["default/a"].Kind);

        watch1.Writer.TryWrite((WatchEventType.Added, Service("c", "11")));
        watch1.Writer.TryWrite((WatchEventType.Deleted, Service("a", "12")));
        watch1.Writer.TryWrite((WatchEventType.Bookmark, Service("", "20")));
        watch1.Writer.TryComplete();
        await WaitAsync(() => client.Calls.Count >= 4, informer);

        Assert.Equal(["default/b", "default/c"], informer.Items.Keys.Order());
        Assert.Equal(["list ", "list page2", "watch 10", "watch 20"], client.Calls);
        Assert.Null(informer.Problem);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task An_expired_watch_relists_and_replaces_the_cache()
    {
        var client = new ScriptedClient();
        var informer = new ResourceInformer<V1Service>(client, new FakeTimeProvider(), NullLogger.Instance, InformerBackoff.Default);
        client.Lists.Writer.TryWrite(() => new([Service("a", "5"), Service("b", "6")], "10", null));
        var expiring = Channel.CreateUnbounded<(WatchEventType, V1Service)?>();
        expiring.Writer.TryWrite(null);
        client.Watches.Writer.TryWrite(expiring);
        client.Lists.Writer.TryWrite(() => new([Service("b", "6"), Service("d", "40")], "50", null));
        client.Watches.Writer.TryWrite(Channel.CreateUnbounded<(WatchEventType, V1Service)?>());
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);

        await WaitAsync(() => client.Calls.Count >= 4, informer);

        Assert.Equal(["list ", "watch 10", "list ", "watch 50"], client.Calls);
        Assert.Equal(["default/b", "default/d"], informer.Items.Keys.Order());
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Errors_keep_the_cache_report_a_problem_and_retry_after_a_back_off()
    {
        var client = new ScriptedClient();
        var time = new FakeTimeProvider();
        var informer = new ResourceInformer<V1Service>(client, time, NullLogger.Instance, new InformerBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)));
        client.Lists.Writer.TryWrite(() => new([Service("a", "5")], "10", null));
        var failing = Channel.CreateUnbounded<(WatchEventType, V1Service)?>();
        failing.Writer.TryComplete(new HttpRequestException("connection refused"));
        client.Watches.Writer.TryWrite(failing);
        var healthy = Channel.CreateUnbounded<(WatchEventType, V1Service)?>();
        client.Watches.Writer.TryWrite(healthy);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);

        await WaitAsync(() => informer.Problem?.Contains("connection refused", StringComparison.Ordinal) == true, informer);
        Assert.Equal(["default/a"], informer.Items.Keys);
        Assert.Equal(2, client.Calls.Count);

        // Nothing happens before the back-off has passed; then it watches again from where it was.
        time.Advance(TimeSpan.FromSeconds(1));
        await WaitAsync(() => client.Calls.Count >= 3, informer);
        Assert.Equal("watch 10", client.Calls[2]);
        healthy.Writer.TryWrite((WatchEventType.Modified, Service("a", "11")));
        await WaitAsync(() => informer.Problem is null, informer);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Watches_the_server_closes_without_events_are_resumed_at_once_and_are_no_outage()
    {
        var client = new ScriptedClient();
        var time = new FakeTimeProvider();
        var informer = new ResourceInformer<V1Service>(client, time, NullLogger.Instance, InformerBackoff.Default);
        client.Lists.Writer.TryWrite(() => new([Service("a", "5")], "10", null));
        for (var i = 0; i < 2; i++)
        {
            var closed = Channel.CreateUnbounded<(WatchEventType, V1Service)?>();
            closed.Writer.TryComplete(new HttpRequestException("watch closed", new EndOfStreamException()));
            client.Watches.Writer.TryWrite(closed);
        }

        var healthy = Channel.CreateUnbounded<(WatchEventType, V1Service)?>();
        client.Watches.Writer.TryWrite(healthy);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);

        // No time passes: the re-watches do not wait for a back-off.
        await WaitAsync(() => client.Calls.Count >= 4, informer);
        Assert.Equal(["list ", "watch 10", "watch 10", "watch 10"], client.Calls);
        Assert.Null(informer.Problem);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_failed_first_list_settles_the_informer_without_syncing_it_until_a_list_succeeds()
    {
        var client = new ScriptedClient();
        var time = new FakeTimeProvider();
        var informer = new ResourceInformer<V1Service>(client, time, NullLogger.Instance, new InformerBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)));
        client.Lists.Writer.TryWrite(() => throw new HttpRequestException("forbidden"));
        client.Lists.Writer.TryWrite(() => new([Service("a", "5")], "10", null));
        client.Watches.Writer.TryWrite(Channel.CreateUnbounded<(WatchEventType, V1Service)?>());
        Assert.False(informer.Settled);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);

        await WaitAsync(() => informer.Settled, informer);
        Assert.False(informer.Synced);
        Assert.Equal("forbidden", informer.Failure);
        Assert.Equal("services: forbidden", informer.Problem);

        time.Advance(TimeSpan.FromSeconds(1));
        await WaitAsync(() => informer.Synced, informer);
        Assert.Null(informer.Failure);
        Assert.True(informer.Settled);
        await stop.CancelAsync();
        await run;
    }
}
