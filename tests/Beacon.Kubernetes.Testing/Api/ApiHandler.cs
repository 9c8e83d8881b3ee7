using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Beacon.Kubernetes.Testing.Watching;
using k8s;
using Microsoft.AspNetCore.Http;

namespace Beacon.Kubernetes.Testing.Api;

/// <summary>Routes a request to discovery or to a verb on a resource, and writes the answer or the Status.</summary>
internal sealed class ApiHandler(ObjectStore store, TestApiServerOptions options, RequestLog log, FaultInjector faults)
{
    private readonly ResourceApi _api = new(store, options.RequireNamespaces);
    private long _generatedNames;

    public async Task HandleAsync(HttpContext context, CancellationToken stopping)
    {
        var request = context.Request;
        var target = RequestTarget.Parse(request.Path.Value ?? "/", request.Method, request.Query, store);
        try
        {
            if (target.Kind is null)
            {
                if (!HttpMethods.IsGet(request.Method))
                {
                    throw ApiStatus.PathNotFound();
                }

                if (target.Segments is ["healthz" or "livez" or "readyz"])
                {
                    context.Response.ContentType = "text/plain; charset=utf-8";
                    await context.Response.WriteAsync("ok", CancellationToken.None);
                }
                else
                {
                    await WriteJsonAsync(context, 200, DiscoveryDocument(context, target));
                }

                log.Add(context, target);
                return;
            }

            faults.Check(target.Verb, target.ResourceName);
            if (target.Verb == "watch")
            {
                await WatchAsync(context, target, stopping);
                return;
            }

            var (code, body) = await ExecuteAsync(context, target);
            await WriteJsonAsync(context, code, body);
        }
        catch (ApiException e)
        {
            await WriteJsonAsync(context, e.Code, e.ToStatus());
        }
        catch (JsonException e)
        {
            await WriteJsonAsync(context, 400, ApiStatus.BadRequest("the body of the request could not be decoded: " + e.Message).ToStatus());
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            // What the server cannot handle becomes the 500 InternalError a real apiserver panic turns into.
            await WriteJsonAsync(context, 500, new ApiException(500, "InternalError", e.ToString()).ToStatus());
        }

        log.Add(context, target);
    }

    private JsonObject DiscoveryDocument(HttpContext context, RequestTarget target)
    {
        var segments = target.Segments;
        var kinds = store.Kinds;
        return segments switch
        {
            ["version"] => Discovery.Version(),
            ["api"] => Discovery.CoreVersions(context.Request.Host.Value ?? ""),
            ["api", "v1"] => Discovery.ResourceList("v1", kinds.Where(k => k.Group.Length == 0)),
            ["apis"] => Discovery.GroupList(kinds),
            ["apis", var group] when kinds.Any(k => k.Group == group) => Discovery.Group(group, kinds.Where(k => k.Group == group)),
            ["apis", var group, var version] when kinds.Any(k => k.Group == group && k.Version == version) =>
                Discovery.ResourceList($"{group}/{version}", kinds.Where(k => k.Group == group && k.Version == version)),
            _ => throw ApiStatus.PathNotFound(),
        };
    }

    private async Task<(int Code, JsonObject Body)> ExecuteAsync(HttpContext context, RequestTarget target)
    {
        var kind = target.Kind!;
        var status = target.Subresource == "status";
        switch (target.Verb)
        {
            case "get":
                return (200, _api.Get(kind, target.Namespace, target.Name!));
            case "list":
                return (200, _api.List(kind, target.Namespace, context.Request.Query));
            case "create":
                {
                    var suffix = Interlocked.Increment(ref _generatedNames).ToString("x5", CultureInfo.InvariantCulture);
                    return (201, _api.Create(kind, target.Namespace, await ReadBodyAsync(context), suffix));
                }

            case "update":
                return (200, _api.Update(kind, target.Namespace, target.Name!, await ReadBodyAsync(context), status));
            case "patch":
                return (200, _api.Patch(kind, target.Namespace, target.Name!, context.Request.ContentType, await ReadBodyAsync(context), status));
            case "delete":
                {
                    var (obj, deleted) = _api.Delete(kind, target.Namespace, target.Name!, await ReadBodyAsync(context));
                    return (deleted ? 200 : 202, obj);
                }

            case "deletecollection":
                return (200, _api.DeleteCollection(kind, target.Namespace, context.Request.Query));
            default:
                throw ApiStatus.MethodNotAllowed($"the server does not allow this method on the requested resource");
        }
    }

    private async Task WatchAsync(HttpContext context, RequestTarget target, CancellationToken stopping)
    {
        var kind = target.Kind!;
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"], kind);
        if (target.Name is not null)
        {
            throw ApiStatus.MethodNotAllowed("watch of a single object by name is deprecated; use a fieldSelector");
        }

        string? rv = query["resourceVersion"];
        var sendInitialEvents = query["sendInitialEvents"] == "true";
        long? from = null;
        if (!sendInitialEvents && !string.IsNullOrEmpty(rv) && rv != "0")
        {
            from = long.TryParse(rv, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw ApiStatus.BadRequest($"invalid resource version: {rv}");
        }

        var bookmarks = query["allowWatchBookmarks"] == "true";
        var timeoutSeconds = long.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : 0;

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        log.Add(context, target);
        // Armed before the watch registers, so a test that waits for the watch and then advances a fake clock hits it.
        using var timeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, options.TimeProvider);
        if (timeoutSeconds > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        }

        WatchSubscription watch;
        List<StoreEvent> initial;
        long openedAt;
        try
        {
            watch = store.OpenWatch(kind, from, bookmarks, out initial, out openedAt);
        }
        catch (ApiException e)
        {
            // kube-apiserver accepts the watch and reports "too old resource version" as an ERROR event.
            await context.Response.StartAsync(CancellationToken.None);
            await WriteLineAsync(context, new JsonObject { ["type"] = "ERROR", ["object"] = e.ToStatus() }.ToJsonString(), CancellationToken.None);
            return;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, watch.Dropped.Token, timeout.Token, stopping);
        try
        {
            await context.Response.StartAsync(linked.Token);
            await context.Response.Body.FlushAsync(linked.Token);
            foreach (var change in initial)
            {
                await SendAsync(context, change, target.Namespace, labels, fields, linked.Token);
            }

            if (sendInitialEvents && bookmarks)
            {
                await WriteLineAsync(context, Bookmark(kind, openedAt, initialEventsEnd: true), linked.Token);
            }

            await foreach (var change in watch.Events.Reader.ReadAllAsync(linked.Token))
            {
                await SendAsync(context, change, target.Namespace, labels, fields, linked.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            if (watch.Abort || stopping.IsCancellationRequested)
            {
                context.Abort();
            }
        }
        finally
        {
            store.CloseWatch(watch);
        }
    }

    private async Task SendAsync(HttpContext context, StoreEvent change, string? ns, LabelSelector labels, FieldSelector fields, CancellationToken cancellationToken)
    {
        string? line;
        lock (store.Gate)
        {
            line = Translate(change, ns, labels, fields);
        }

        if (line is not null)
        {
            await WriteLineAsync(context, line, cancellationToken);
        }
    }

    /// <summary>
    /// A change as a watch with these filters sees it (the cacher's convertToWatchEvent): an object that starts
    /// matching arrives as ADDED, one that stops matching leaves as DELETED with the new resourceVersion.
    /// </summary>
    private static string? Translate(StoreEvent change, string? ns, LabelSelector labels, FieldSelector fields)
    {
        if (change.Type == WatchEventType.Bookmark)
        {
            return Bookmark(change.Kind, change.Revision, initialEventsEnd: false);
        }

        bool Matches(JsonObject? obj) =>
            obj is not null
            && (ns is null || obj["metadata"]?["namespace"]?.GetValue<string>() == ns)
            && labels.Matches(obj)
            && fields.Matches(obj);

        var now = Matches(change.Object);
        var before = change.Type == WatchEventType.Modified && Matches(change.Previous);
        (string Type, JsonObject Object)? outcome = change.Type switch
        {
            WatchEventType.Added when now => ("ADDED", change.Object!),
            WatchEventType.Deleted when now => ("DELETED", change.Object!),
            WatchEventType.Modified when now && before => ("MODIFIED", change.Object!),
            WatchEventType.Modified when now => ("ADDED", change.Object!),
            WatchEventType.Modified when before => ("DELETED", WithRevision(change.Previous!, change.Revision)),
            _ => null,
        };
        return outcome is { } o
            ? new JsonObject { ["type"] = o.Type, ["object"] = o.Object.DeepClone() }.ToJsonString()
            : null;
    }

    private static JsonObject WithRevision(JsonObject obj, long revision)
    {
        var copy = obj.DeepClone().AsObject();
        copy["metadata"]!["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
        return copy;
    }

    private static string Bookmark(ResourceKind kind, long revision, bool initialEventsEnd)
    {
        var metadata = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
        if (initialEventsEnd)
        {
            metadata["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        return new JsonObject
        {
            ["type"] = "BOOKMARK",
            ["object"] = new JsonObject { ["kind"] = kind.Kind, ["apiVersion"] = kind.ApiVersion, ["metadata"] = metadata },
        }.ToJsonString();
    }

    private static async Task WriteLineAsync(HttpContext context, string line, CancellationToken cancellationToken)
    {
        await context.Response.WriteAsync(line + "\n", cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    private static async Task<JsonNode?> ReadBodyAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
    }

    private static async Task WriteJsonAsync(HttpContext context, int code, JsonObject body)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }
}
