using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using Beacon.Kubernetes.Testing.Api;
using Beacon.Kubernetes.Testing.Watching;
using k8s;
using k8s.Models;

namespace Beacon.Kubernetes.Testing;

/// <summary>
/// The server's etcd: every object of every kind as JSON, one global revision (the resourceVersion),
/// and the history of changes that watches and paginated lists read.
/// </summary>
public sealed class ObjectStore
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<string, ResourceKind> _kinds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _objects = new(StringComparer.Ordinal);
    private readonly List<StoreEvent> _history = [];
    private readonly List<WatchSubscription> _watches = [];
    private readonly List<(Func<int, bool> Condition, TaskCompletionSource Done)> _watchWaiters = [];
    private readonly List<ObjectWaiter> _objectWaiters = [];
    private long _revision;
    private long _compacted;

    internal ObjectStore(TimeProvider time)
    {
        _time = time;
    }

    internal Lock Gate => _gate;

    /// <summary>The latest revision: the resourceVersion of the last change of any kind.</summary>
    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _revision;
            }
        }
    }

    /// <summary>The revision up to which history was dropped by <see cref="Compact"/>.</summary>
    public long CompactedResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _compacted;
            }
        }
    }

    public IReadOnlyList<ResourceKind> Kinds
    {
        get
        {
            lock (_gate)
            {
                return [.. _kinds.Values];
            }
        }
    }

    /// <summary>Number of watch streams currently open.</summary>
    public int ActiveWatches
    {
        get
        {
            lock (_gate)
            {
                return _watches.Count;
            }
        }
    }

    /// <summary>Serves a kind (replacing any kind with the same group and plural); existing objects are kept.</summary>
    public ResourceKind Register(ResourceKind kind)
    {
        lock (_gate)
        {
            _kinds[KindKey(kind)] = kind;
            if (!_objects.ContainsKey(KindKey(kind)))
            {
                _objects[KindKey(kind)] = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            }

            return kind;
        }
    }

    /// <summary>Stops serving a kind and forgets its objects, as deleting a CRD does.</summary>
    public bool Unregister(string group, string plural)
    {
        lock (_gate)
        {
            _objects.Remove(group + "/" + plural);
            foreach (var watch in _watches.Where(w => KindKey(w.Kind) == group + "/" + plural))
            {
                watch.Dropped.Cancel();
            }

            return _kinds.Remove(group + "/" + plural);
        }
    }

    public ResourceKind? Find(string group, string plural)
    {
        lock (_gate)
        {
            return _kinds.GetValueOrDefault(group + "/" + plural);
        }
    }

    public ResourceKind? FindByKind(string apiVersion, string kind)
    {
        lock (_gate)
        {
            return _kinds.Values.FirstOrDefault(k => k.ApiVersion == apiVersion && k.Kind == kind);
        }
    }

    /// <summary>The registered kind of a KubernetesClient model type, from its <see cref="KubernetesEntityAttribute"/>.</summary>
    public ResourceKind KindOf<T>()
    {
        var entity = typeof(T).GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new InvalidOperationException($"{typeof(T).Name} has no [KubernetesEntity] attribute");
        var apiVersion = string.IsNullOrEmpty(entity.Group) ? entity.ApiVersion : $"{entity.Group}/{entity.ApiVersion}";
        return FindByKind(apiVersion, entity.Kind)
            ?? throw new InvalidOperationException($"{apiVersion} {entity.Kind} is not registered");
    }

    /// <summary>
    /// Creates or replaces an object directly, as a test fixture, bypassing the API's rules (status is kept,
    /// no resourceVersion check) but setting the metadata the server owns. Watches see the change.
    /// </summary>
    public JsonObject Put(ResourceKind kind, JsonObject obj)
    {
        var copy = obj.DeepClone().AsObject();
        copy["apiVersion"] = kind.ApiVersion;
        copy["kind"] = kind.Kind;
        var metadata = copy["metadata"] as JsonObject ?? throw new ArgumentException("the object has no metadata", nameof(obj));
        var name = metadata["name"]?.GetValue<string>() ?? throw new ArgumentException("the object has no metadata.name", nameof(obj));
        string? ns = null;
        if (kind.Namespaced)
        {
            ns = metadata["namespace"]?.GetValue<string>() ?? "default";
            metadata["namespace"] = ns;
        }
        else
        {
            metadata.Remove("namespace");
        }

        lock (_gate)
        {
            var key = Key(ns, name);
            var current = GetLocked(kind, key);
            metadata["uid"] ??= current?["metadata"]?["uid"]?.DeepClone() ?? NewUid();
            metadata["creationTimestamp"] ??= current?["metadata"]?["creationTimestamp"]?.DeepClone() ?? Now();
            if (kind.TracksGeneration)
            {
                metadata["generation"] = NextGeneration(kind, current, copy);
            }

            return CommitLocked(kind, key, current is null ? WatchEventType.Added : WatchEventType.Modified, copy);
        }
    }

    /// <summary>Typed <see cref="Put(ResourceKind, JsonObject)"/>: returns the stored object.</summary>
    public T Put<T>(T obj)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var kind = (obj.ApiVersion is not null && obj.Kind is not null ? FindByKind(obj.ApiVersion, obj.Kind) : null) ?? KindOf<T>();
        var stored = Put(kind, JsonNode.Parse(KubernetesJson.Serialize(obj))!.AsObject());
        return KubernetesJson.Deserialize<T>(stored.ToJsonString());
    }

    public JsonObject? Get(ResourceKind kind, string? ns, string name)
    {
        lock (_gate)
        {
            return GetLocked(kind, Key(kind.Namespaced ? ns ?? "default" : null, name))?.DeepClone().AsObject();
        }
    }

    public T? Get<T>(string? ns, string name)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var json = Get(KindOf<T>(), ns, name);
        return json is null ? null : KubernetesJson.Deserialize<T>(json.ToJsonString());
    }

    /// <summary>Objects of a kind, in a namespace or all of them, in key order.</summary>
    public IReadOnlyList<JsonObject> List(ResourceKind kind, string? ns = null)
    {
        lock (_gate)
        {
            return [.. ObjectsLocked(kind)
                .Where(o => ns is null || o.Key.StartsWith(ns + "/", StringComparison.Ordinal))
                .Select(o => o.Value.DeepClone().AsObject())];
        }
    }

    public IReadOnlyList<T> List<T>(string? ns = null)
        where T : IKubernetesObject<V1ObjectMeta> =>
        [.. List(KindOf<T>(), ns).Select(o => KubernetesJson.Deserialize<T>(o.ToJsonString()))];

    /// <summary>Deletes an object directly (finalizers are ignored). Watches see the deletion.</summary>
    public bool Delete(ResourceKind kind, string? ns, string name)
    {
        lock (_gate)
        {
            var key = Key(kind.Namespaced ? ns ?? "default" : null, name);
            var current = GetLocked(kind, key);
            if (current is null)
            {
                return false;
            }

            CommitLocked(kind, key, WatchEventType.Deleted, current.DeepClone().AsObject());
            return true;
        }
    }

    /// <summary>
    /// Completes with the object (null when absent) as soon as <paramref name="condition"/> holds for it: now, or
    /// after the write that makes it hold. The condition runs under the store's lock and must not call the store.
    /// </summary>
    public Task<JsonObject?> WaitForAsync(ResourceKind kind, string? ns, string name, Func<JsonObject?, bool> condition, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var key = Key(kind.Namespaced ? ns ?? "default" : null, name);
            var current = GetLocked(kind, key)?.DeepClone().AsObject();
            if (condition(current))
            {
                return Task.FromResult(current);
            }

            var waiter = new ObjectWaiter(KindKey(kind), key, condition, new TaskCompletionSource<JsonObject?>(TaskCreationOptions.RunContinuationsAsynchronously));
            _objectWaiters.Add(waiter);
            var registration = cancellationToken.Register(() =>
            {
                lock (_gate)
                {
                    _objectWaiters.Remove(waiter);
                }

                waiter.Done.TrySetCanceled(cancellationToken);
            });
            waiter.Done.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return waiter.Done.Task;
        }
    }

    /// <summary>Typed <see cref="WaitForAsync(ResourceKind, string?, string, Func{JsonObject?, bool}, CancellationToken)"/>.</summary>
    public async Task<T?> WaitForAsync<T>(string? ns, string name, Func<T?, bool> condition, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        static T? Typed(JsonObject? json) => json is null ? null : KubernetesJson.Deserialize<T>(json.ToJsonString());
        return Typed(await WaitForAsync(KindOf<T>(), ns, name, json => condition(Typed(json)), cancellationToken));
    }

    /// <summary>
    /// Drops all history up to the current revision, like etcd compaction: watches and continue tokens
    /// from older resourceVersions then fail with 410 Expired.
    /// </summary>
    public void Compact()
    {
        lock (_gate)
        {
            _compacted = _revision;
            _history.Clear();
        }
    }

    internal static string Key(string? ns, string name) => ns is null ? name : ns + "/" + name;

    private static string KindKey(ResourceKind kind) => kind.Group + "/" + kind.Plural;

    internal string Now() => _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    internal static string NewUid() => Guid.NewGuid().ToString();

    /// <summary>The generation after a write: bumped when anything but metadata (and status, with a status subresource) changed.</summary>
    internal static long NextGeneration(ResourceKind kind, JsonObject? current, JsonObject next)
    {
        if (current is null)
        {
            return 1;
        }

        var generation = current["metadata"]?["generation"] is JsonValue value && long.TryParse(value.ToJsonString(), CultureInfo.InvariantCulture, out var parsed) ? parsed : 1;
        return JsonNode.DeepEquals(SpecPart(kind, current), SpecPart(kind, next)) ? generation : generation + 1;
    }

    private static JsonObject SpecPart(ResourceKind kind, JsonObject obj)
    {
        var part = obj.DeepClone().AsObject();
        part.Remove("metadata");
        part.Remove("kind");
        part.Remove("apiVersion");
        if (kind.HasStatus)
        {
            part.Remove("status");
        }

        return part;
    }

    internal JsonObject? GetLocked(ResourceKind kind, string key) =>
        _objects.TryGetValue(KindKey(kind), out var objects) && objects.TryGetValue(key, out var obj) ? obj : null;

    internal IEnumerable<KeyValuePair<string, JsonObject>> ObjectsLocked(ResourceKind kind) =>
        _objects.TryGetValue(KindKey(kind), out var objects) ? objects : [];

    internal long RevisionLocked => _revision;

    internal long CompactedLocked => _compacted;

    /// <summary>Writes a change at the next revision, records it and hands it to every watch of the kind.</summary>
    internal JsonObject CommitLocked(ResourceKind kind, string key, WatchEventType type, JsonObject obj)
    {
        var objects = _objects[KindKey(kind)];
        objects.TryGetValue(key, out var previous);
        _revision++;
        obj["metadata"]!["resourceVersion"] = _revision.ToString(CultureInfo.InvariantCulture);
        if (type == WatchEventType.Deleted)
        {
            objects.Remove(key);
        }
        else
        {
            objects[key] = obj;
        }

        var change = new StoreEvent(kind, type, _revision, obj, previous);
        for (var i = _objectWaiters.Count - 1; i >= 0; i--)
        {
            var waiter = _objectWaiters[i];
            if (waiter.KindKey == KindKey(kind) && waiter.Key == key)
            {
                var seen = type == WatchEventType.Deleted ? null : obj.DeepClone().AsObject();
                if (waiter.Condition(seen))
                {
                    _objectWaiters.RemoveAt(i);
                    waiter.Done.TrySetResult(seen);
                }
            }
        }

        _history.Add(change);
        foreach (var watch in _watches)
        {
            if (KindKey(watch.Kind) == KindKey(kind))
            {
                watch.Events.Writer.TryWrite(change);
            }
        }

        return obj.DeepClone().AsObject();
    }

    /// <summary>The objects of a kind as they were at a past revision, rebuilt by undoing later history.</summary>
    internal SortedDictionary<string, JsonObject> SnapshotLocked(ResourceKind kind, long revision)
    {
        var snapshot = new SortedDictionary<string, JsonObject>(_objects[KindKey(kind)], StringComparer.Ordinal);
        for (var i = _history.Count - 1; i >= 0 && _history[i].Revision > revision; i--)
        {
            var change = _history[i];
            if (KindKey(change.Kind) != KindKey(kind))
            {
                continue;
            }

            var meta = change.Object!["metadata"]!;
            var key = Key(meta["namespace"]?.GetValue<string>(), meta["name"]!.GetValue<string>());
            if (change.Previous is null)
            {
                snapshot.Remove(key);
            }
            else
            {
                snapshot[key] = change.Previous;
            }
        }

        return snapshot;
    }

    /// <summary>
    /// Opens a watch. With no revision it starts now, preceded by a synthetic ADDED per existing object;
    /// otherwise it replays every change after the revision, or fails with 410 if that was compacted.
    /// </summary>
    internal WatchSubscription OpenWatch(ResourceKind kind, long? from, bool bookmarks, out List<StoreEvent> initial, out long revision)
    {
        lock (_gate)
        {
            revision = _revision;
            if (from is { } start)
            {
                if (start < _compacted)
                {
                    throw ApiStatus.Expired($"too old resource version: {start} ({_compacted})");
                }

                initial = [.. _history.Where(e => e.Revision > start && KindKey(e.Kind) == KindKey(kind))];
            }
            else
            {
                initial = [.. ObjectsLocked(kind).Select(o => new StoreEvent(
                    kind, WatchEventType.Added, long.Parse(o.Value["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture), o.Value, null))];
            }

            var watch = new WatchSubscription(kind, bookmarks);
            _watches.Add(watch);
            WakeWatchWaitersLocked();
            return watch;
        }
    }

    internal void CloseWatch(WatchSubscription watch)
    {
        lock (_gate)
        {
            _watches.Remove(watch);
            WakeWatchWaitersLocked();
        }
    }

    internal Task WaitForWatchesAsync(int count, CancellationToken cancellationToken) =>
        WaitForWatchCountAsync(open => open >= count, cancellationToken);

    /// <summary>Completes when the number of open watches satisfies <paramref name="condition"/>.</summary>
    internal Task WaitForWatchCountAsync(Func<int, bool> condition, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (condition(_watches.Count))
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _watchWaiters.Add((condition, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    private void WakeWatchWaitersLocked()
    {
        for (var i = _watchWaiters.Count - 1; i >= 0; i--)
        {
            if (_watchWaiters[i].Condition(_watches.Count))
            {
                _watchWaiters[i].Done.TrySetResult();
                _watchWaiters.RemoveAt(i);
            }
        }
    }

    /// <summary>Sends every bookmark-enabled watch a BOOKMARK at the current revision, in order after all earlier changes.</summary>
    internal void EmitBookmarks()
    {
        lock (_gate)
        {
            foreach (var watch in _watches)
            {
                if (watch.Bookmarks)
                {
                    watch.Events.Writer.TryWrite(new StoreEvent(watch.Kind, WatchEventType.Bookmark, _revision, null, null));
                }
            }
        }
    }

    internal void DropWatches(bool abort)
    {
        lock (_gate)
        {
            foreach (var watch in _watches)
            {
                watch.Abort = abort;
                watch.Dropped.Cancel();
            }
        }
    }

    private sealed record ObjectWaiter(string KindKey, string Key, Func<JsonObject?, bool> Condition, TaskCompletionSource<JsonObject?> Done);
}
