using System.Net;
using Beacon.Kubernetes.Testing.Api;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Beacon.Kubernetes.Testing;

public sealed class TestApiServerOptions
{
    /// <summary>Clock for creation/deletion timestamps, watch <c>timeoutSeconds</c> and the bookmark timer.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How often open watches that allow bookmarks get a BOOKMARK (kube-apiserver: about a minute).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Refuse to create namespaced objects in a Namespace that does not exist, as kube-apiserver does.</summary>
    public bool RequireNamespaces { get; init; } = true;

    /// <summary>Kinds served besides <see cref="ResourceKinds.BuiltIn"/>.</summary>
    public IReadOnlyList<ResourceKind> Kinds { get; init; } = [];

    /// <summary>
    /// More places to listen, each a factory called on every start that returns a bound,
    /// listening socket — for example one made inside a test's network namespace, so that
    /// an agent running there reaches the server at its own 127.0.0.1.
    /// </summary>
    public IReadOnlyList<Func<System.Net.Sockets.Socket>> ExtraListeners { get; init; } = [];
}

/// <summary>
/// An in-process Kubernetes API server on 127.0.0.1 that speaks the REST and watch protocol to the real
/// KubernetesClient: discovery, CRUD with optimistic concurrency, patch, the status subresource, paginated
/// lists, chunked watch streams with bookmarks and 410 after compaction. It can stop and start again on the
/// same port keeping its store, drop watches, and fail requests on demand.
/// </summary>
public sealed class TestApiServer : IAsyncDisposable
{
    private static readonly string[] s_initialNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    private readonly TestApiServerOptions _options;
    private readonly RequestLog _log = new();
    private readonly FaultInjector _faults = new();
    private readonly ApiHandler _handler;
    private readonly ITimer _bookmarks;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private WebApplication? _app;
    private CancellationTokenSource? _stopping;
    private int _port;
    private List<System.Net.Sockets.Socket> _extraSockets = [];
    private bool _disposed;

    public TestApiServer(TestApiServerOptions? options = null)
    {
        _options = options ?? new TestApiServerOptions();
        Store = new ObjectStore(_options.TimeProvider);
        foreach (var kind in ResourceKinds.BuiltIn.Concat(_options.Kinds))
        {
            Store.Register(kind);
        }

        foreach (var ns in s_initialNamespaces)
        {
            Store.Put(ResourceKinds.Namespaces, new() { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = ns }, ["status"] = new System.Text.Json.Nodes.JsonObject { ["phase"] = "Active" } });
        }

        _handler = new ApiHandler(Store, _options, _log, _faults);
        _bookmarks = _options.TimeProvider.CreateTimer(_ => Store.EmitBookmarks(), null, _options.BookmarkInterval, _options.BookmarkInterval);
    }

    public ObjectStore Store { get; }

    /// <summary><c>http://127.0.0.1:port</c>; the port is chosen on the first start and kept across restarts.</summary>
    public string Url => _port == 0 ? throw new InvalidOperationException("the server has not been started") : $"http://127.0.0.1:{_port}";

    public int Port => _port;

    public bool IsRunning => _app is not null;

    /// <summary>Every request answered so far, in order (watches are logged when their stream starts).</summary>
    public IReadOnlyList<ApiRequest> Requests => _log.Snapshot();

    /// <summary>A client configuration pointing at this server.</summary>
    public KubernetesClientConfiguration ClientConfiguration => new() { Host = Url };

    public static async Task<TestApiServer> StartNewAsync(TestApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        var server = new TestApiServer(options);
        await server.StartAsync(cancellationToken);
        return server;
    }

    public ResourceKind Register(ResourceKind kind) => Store.Register(kind);

    public void ClearRequests() => _log.Clear();

    /// <summary>Listens (again) on 127.0.0.1, on the same port as before if there was one.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (_app is not null)
            {
                return;
            }

            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
            var port = _port;
            var extra = _options.ExtraListeners.Select(create => create()).ToList();
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Listen(IPAddress.Loopback, port);
                foreach (var socket in extra)
                {
                    k.ListenHandle((ulong)socket.Handle);
                }
            });
            var app = builder.Build();
            var stopping = new CancellationTokenSource();
            app.Run(context => _handler.HandleAsync(context, stopping.Token));
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            _port = new Uri(address).Port;
            _app = app;
            _stopping = stopping;
            _extraSockets = extra;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Goes away like a crashed API server: open watches are reset and the port stops listening. The store is kept.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (_app is null)
            {
                return;
            }

            await _stopping!.CancelAsync();
            await _app.StopAsync(cancellationToken);
            await _app.DisposeAsync();
            _stopping.Dispose();
            foreach (var socket in _extraSockets)
            {
                socket.Dispose();
            }

            _extraSockets = [];
            _app = null;
            _stopping = null;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Ends every open watch: cleanly (as on a server-side timeout) or by resetting the connection.</summary>
    public void DropWatches(bool abort = false) => Store.DropWatches(abort);

    /// <summary>See <see cref="ObjectStore.Compact"/>.</summary>
    public void Compact() => Store.Compact();

    /// <summary>Sends every bookmark-enabled watch a BOOKMARK now, without waiting for the interval.</summary>
    public void SendBookmarks() => Store.EmitBookmarks();

    public int ActiveWatches => Store.ActiveWatches;

    /// <summary>Completes once at least <paramref name="count"/> watch streams are open.</summary>
    public Task WaitForWatchesAsync(int count = 1, CancellationToken cancellationToken = default) =>
        Store.WaitForWatchesAsync(count, cancellationToken);

    /// <summary>Completes once every watch has closed on the server side.</summary>
    public Task WaitForNoWatchesAsync(CancellationToken cancellationToken = default) =>
        Store.WaitForWatchCountAsync(open => open == 0, cancellationToken);

    /// <summary>
    /// Makes the next <paramref name="count"/> requests of <paramref name="verb"/> (get, list, watch, create, update,
    /// patch, delete, deletecollection, or *) on <paramref name="resource"/> (plural, <c>plural/status</c>, or *)
    /// fail with <paramref name="statusCode"/> and a matching Status.
    /// </summary>
    public void FailNext(string verb, string resource, int count = 1, int statusCode = 503) =>
        _faults.Add(verb, resource, count, statusCode);

    public void ClearFailures() => _faults.Clear();

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await StopAsync();
        await _bookmarks.DisposeAsync();
        _lifecycle.Dispose();
    }
}
