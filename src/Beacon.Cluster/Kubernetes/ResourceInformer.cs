using System.Collections.Immutable;
using System.Net;
using System.Reflection;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Beacon.Cluster.Kubernetes;

/// <summary>One page of a list call: its items, the list's resourceVersion and the continue token.</summary>
internal sealed record ResourcePage<T>(IList<T> Items, string ResourceVersion, string? Continue);

/// <summary>How an informer talks to the API server for one resource: paged list, and watch from a resourceVersion.</summary>
internal interface IResourceClient<T>
{
    string Resource { get; }

    Task<ResourcePage<T>> ListAsync(string? continueToken, int limit, CancellationToken cancellationToken);

    IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(string resourceVersion, Action<Exception> onError, CancellationToken cancellationToken);
}

/// <summary>
/// List-then-watch cache of one resource (client-go's reflector): lists, then watches from the
/// list's resourceVersion so no change between the two is lost; follows bookmarks; re-watches
/// from the last resourceVersion when a watch ends; re-lists when the server says that version
/// is gone (410); backs off on errors and keeps serving its last state meanwhile.
/// </summary>
/// <remarks>
/// A resource whose CustomResourceDefinition may not be installed (the Gateway API kinds are
/// installed by the user, from upstream) is given an <c>absentRelist</c> interval: a 404 from
/// the API server then means "no such kind here", not an outage. The informer counts as
/// listed with no objects, so it never holds back a snapshot, logs that once, and lists again
/// after the interval, so a CRD installed later is picked up without a restart.
/// </remarks>
internal sealed partial class ResourceInformer<T> : IResourceInformer
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private const int PageSize = 500;
    private static readonly (string ApiVersion, string Kind) TypeMeta = ReadTypeMeta();

    private readonly IResourceClient<T> _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly InformerBackoff _backoff;
    private readonly TimeSpan? _absentRelist;
    private ImmutableDictionary<string, T> _items = ImmutableDictionary<string, T>.Empty.WithComparers(StringComparer.Ordinal);
    private string? _problem = "not listed yet";
    private string? _failure;
    private bool _synced;
    private bool _absent;

    public ResourceInformer(IResourceClient<T> client, TimeProvider time, ILogger logger, InformerBackoff backoff, TimeSpan? absentRelist = null)
    {
        _client = client;
        _time = time;
        _logger = logger;
        _backoff = backoff;
        _absentRelist = absentRelist;
    }

    /// <summary>Raised (on the informer's task) after the cache or <see cref="Problem"/> changed.</summary>
    public event Action? Changed;

    public string Resource => _client.Resource;

    public bool Synced => Volatile.Read(ref _synced);

    /// <summary>Why the cache may be stale (the API server is unreachable, …), or null while watching.</summary>
    public string? Problem => Volatile.Read(ref _problem);

    /// <summary>Why the last list or watch call failed (without the resource name), or null once one succeeds again.</summary>
    public string? Failure => Volatile.Read(ref _failure);

    /// <summary>Listed once, or tried and failed: the informer has an answer, if not the objects.</summary>
    public bool Settled => Synced || Failure is not null;

    public ImmutableDictionary<string, T> Items => Volatile.Read(ref _items);

    public void AddTo(ClusterSnapshot.Builder builder)
    {
        foreach (var item in Items.Values)
        {
            builder.TryAdd(item);
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string? resourceVersion = null;
        var failures = 0;
        var cuts = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    resourceVersion = await ListAsync(cancellationToken);
                }

                var expired = false;
                Exception? watchError = null;
                await foreach (var (type, obj) in _client.WatchAsync(resourceVersion, e =>
                {
                    // 410: our resourceVersion was compacted away. 404 on the watch of a kind that
                    // may be absent: its CRD was deleted. Either way the next list tells.
                    if (e is KubernetesException { Status.Code: (int)HttpStatusCode.Gone }
                        || (_absentRelist is not null && e is KubernetesException { Status.Code: (int)HttpStatusCode.NotFound }))
                    {
                        expired = true;
                    }
                    else
                    {
                        watchError ??= e;
                    }
                }, cancellationToken))
                {
                    resourceVersion = Apply(type, obj) ?? resourceVersion;
                    failures = 0;
                    cuts = 0;
                    SetProblem(null);
                }

                if (expired)
                {
                    // RFC-free but documented: a 410 means our resourceVersion was compacted away.
                    Log.Expired(_logger, Resource, resourceVersion);
                    resourceVersion = null;
                    continue;
                }

                if (watchError is not null)
                {
                    throw watchError;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound && _absentRelist is { } relist)
            {
                MarkAbsent(relist);
                resourceVersion = null;
                failures = 0;
                await DelayAsync(relist, cancellationToken);
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Gone)
            {
                Log.Expired(_logger, Resource, resourceVersion);
                resourceVersion = null;
            }
            catch (Exception ex)
            {
                // A watch stream that ends without an event, or is cut mid-way (timeoutSeconds on a
                // quiet resource, an API server restart, an idle proxy), is routine: the client
                // reports it as an I/O error. Watch again at once; only if the server keeps
                // cutting without sending anything, slow down. Neither is an outage.
                if (ex is IOException || ex.InnerException is IOException)
                {
                    cuts++;
                    Log.StreamCut(_logger, Resource, resourceVersion);
                    if (cuts > 3)
                    {
                        await DelayAsync(_backoff.Delay(cuts - 3), cancellationToken);
                    }

                    continue;
                }

                failures++;
                var delay = _backoff.Delay(failures);
                Volatile.Write(ref _failure, Describe(ex));
                SetProblem($"{Resource}: {Describe(ex)}");
                Log.Failed(_logger, Resource, Describe(ex), delay);
                await DelayAsync(delay, cancellationToken);
            }
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var items = ImmutableDictionary.CreateBuilder<string, T>(StringComparer.Ordinal);
        string? token = null;
        string resourceVersion;
        do
        {
            var page = await _client.ListAsync(token, PageSize, cancellationToken);
            foreach (var item in page.Items)
            {
                Complete(item);
                items[ClusterSnapshot.KeyOf(item)] = item;
            }

            token = string.IsNullOrEmpty(page.Continue) ? null : page.Continue;
            resourceVersion = page.ResourceVersion;
        }
        while (token is not null);

        if (_absent)
        {
            _absent = false;
            Log.Installed(_logger, Resource);
        }

        Volatile.Write(ref _items, items.ToImmutable());
        Volatile.Write(ref _failure, null);
        Volatile.Write(ref _synced, true);
        Log.Listed(_logger, Resource, items.Count, resourceVersion);
        SetProblem(null, force: true);
        return resourceVersion;
    }

    /// <returns>The resourceVersion the event brings, if any.</returns>
    private string? Apply(WatchEventType type, T obj)
    {
        var version = obj.Metadata?.ResourceVersion;
        switch (type)
        {
            case WatchEventType.Added or WatchEventType.Modified:
                Complete(obj);
                Volatile.Write(ref _items, Items.SetItem(ClusterSnapshot.KeyOf(obj), obj));
                Changed?.Invoke();
                break;
            case WatchEventType.Deleted:
                Volatile.Write(ref _items, Items.Remove(ClusterSnapshot.KeyOf(obj)));
                Changed?.Invoke();
                break;
            case WatchEventType.Bookmark:
                break;
            default:
                return null;
        }

        return string.IsNullOrEmpty(version) ? null : version;
    }

    /// <summary>The kind is not served: an empty, listed cache with no problem.</summary>
    private void MarkAbsent(TimeSpan relist)
    {
        if (!_absent)
        {
            _absent = true;
            Log.NotInstalled(_logger, Resource, relist);
        }

        var changed = !Items.IsEmpty || !Synced || Problem is not null;
        Volatile.Write(ref _items, Items.Clear());
        Volatile.Write(ref _failure, null);
        Volatile.Write(ref _problem, null);
        Volatile.Write(ref _synced, true);
        if (changed)
        {
            Changed?.Invoke();
        }
    }

    private void SetProblem(string? problem, bool force = false)
    {
        if (problem is null)
        {
            Volatile.Write(ref _failure, null);
        }

        if (force || !string.Equals(Problem, problem, StringComparison.Ordinal))
        {
            Volatile.Write(ref _problem, problem);
            Changed?.Invoke();
        }
    }

    // Items of a list response carry no apiVersion/kind; diagnostics name objects by kind.
    private static void Complete(T obj)
    {
        if (string.IsNullOrEmpty(obj.Kind))
        {
            obj.Kind = TypeMeta.Kind;
        }

        if (string.IsNullOrEmpty(obj.ApiVersion))
        {
            obj.ApiVersion = TypeMeta.ApiVersion;
        }
    }

    private static (string ApiVersion, string Kind) ReadTypeMeta()
    {
        var entity = typeof(T).GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new InvalidOperationException($"{typeof(T).Name} has no [KubernetesEntity]");
        return (string.IsNullOrEmpty(entity.Group) ? entity.ApiVersion : $"{entity.Group}/{entity.ApiVersion}", entity.Kind);
    }

    private static string Describe(Exception ex) => ex switch
    {
        HttpOperationException http => $"HTTP {(int?)http.Response?.StatusCode} {http.Response?.ReasonPhrase}".Trim(),
        KubernetesException k8s => $"{k8s.Status?.Code} {k8s.Status?.Reason}: {k8s.Status?.Message}",
        HttpRequestException request => request.Message,
        _ => ex.Message,
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Listed {Resource}: {Count} objects at resourceVersion {ResourceVersion}")]
        public static partial void Listed(ILogger logger, string resource, int count, string resourceVersion);

        [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Watch of {Resource} from resourceVersion {ResourceVersion} expired (410 Gone); listing again")]
        public static partial void Expired(ILogger logger, string resource, string? resourceVersion);

        [LoggerMessage(EventId = 303, Level = LogLevel.Debug, Message = "Watch of {Resource} was cut at resourceVersion {ResourceVersion}; watching again")]
        public static partial void StreamCut(ILogger logger, string resource, string? resourceVersion);

        [LoggerMessage(EventId = 304, Level = LogLevel.Information, Message = "{Resource} is not served by the API server (404; its CRD is not installed): treated as empty, looking again every {Relist}")]
        public static partial void NotInstalled(ILogger logger, string resource, TimeSpan relist);

        [LoggerMessage(EventId = 305, Level = LogLevel.Information, Message = "{Resource} is served by the API server now")]
        public static partial void Installed(ILogger logger, string resource);

        [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "List/watch of {Resource} failed: {Error}; retrying in {Delay}")]
        public static partial void Failed(ILogger logger, string resource, string error, TimeSpan delay);
    }
}

/// <summary>The non-generic face of an informer, for the source that combines them.</summary>
internal interface IResourceInformer
{
    event Action? Changed;

    string Resource { get; }

    bool Synced { get; }

    string? Problem { get; }

    void AddTo(ClusterSnapshot.Builder builder);

    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>Exponential back-off with a cap: 0.5 s, 1 s, 2 s … up to <see cref="Max"/>.</summary>
public sealed record InformerBackoff(TimeSpan Initial, TimeSpan Max)
{
    public static InformerBackoff Default { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

    public TimeSpan Delay(int failures) =>
        TimeSpan.FromTicks(Math.Min(Max.Ticks, Initial.Ticks * (1L << Math.Min(failures - 1, 20))));
}
