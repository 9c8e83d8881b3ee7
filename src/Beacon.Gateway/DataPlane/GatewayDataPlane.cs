using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.RegularExpressions;
using Beacon.Gateway.Config;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Beacon.Gateway.DataPlane;

/// <summary>
/// The HTTP data plane: serves a <see cref="ProxyConfig"/> with one Kestrel listener per bind
/// and direct forwarding through YARP's <see cref="IHttpForwarder"/>. Applying a config adds
/// and removes binds without touching the others and swaps each bind's routing table
/// atomically.
/// </summary>
public sealed class GatewayDataPlane : IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly GatewayDataPlaneOptions _options;
    private readonly ServiceProvider _services;
    private readonly HttpMessageInvoker _http1;
    private readonly HttpMessageInvoker _http2;
    private readonly EndpointHealth _health;
    private readonly DataPlaneMetrics _metrics;
    private readonly MirrorSender _mirrors;
    private readonly ProxyHandler _handler;
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private readonly Dictionary<(string Address, int Port), BindServer> _servers = [];
    private Dictionary<string, RouteEntryConfig> _lastGoodEntries = new(StringComparer.Ordinal);
    private Dictionary<string, BackendTarget> _backends = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, Regex> _regexes = new Dictionary<string, Regex>();
    private IReadOnlyDictionary<(string Address, int Port), BindState> _binds = ImmutableDictionary<(string Address, int Port), BindState>.Empty;
    private ImmutableArray<RouteEntryError> _routeErrors = [];
    private bool _disposed;

    public GatewayDataPlane(ILoggerFactory loggerFactory, TimeProvider timeProvider, GatewayDataPlaneOptions options, IMeterFactory? meterFactory = null)
    {
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<GatewayDataPlane>();
        _time = timeProvider;
        _options = options;
        var services = new ServiceCollection();
        services.AddSingleton(loggerFactory);
        services.AddLogging();
        services.AddHttpForwarder();
        _services = services.BuildServiceProvider();
        _http1 = CreateInvoker(options);
        _http2 = CreateInvoker(options);
        _health = new EndpointHealth(timeProvider, options.EjectionTime);
        _metrics = new DataPlaneMetrics(meterFactory);
        _mirrors = new MirrorSender(_http1, _http2, options, timeProvider, _metrics, _logger);
        _handler = new ProxyHandler(
            _services.GetRequiredService<IHttpForwarder>(), _http1, _http2, _health, _mirrors, _metrics, options, timeProvider, _logger);
    }

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name of the data plane's instruments (<c>beacon_gateway_*</c>).</summary>
    public const string MeterName = DataPlaneMetrics.MeterName;

    /// <summary>Every bind of the last applied config: serving, or failed with the reason.</summary>
    public IReadOnlyDictionary<(string Address, int Port), BindState> Binds => Volatile.Read(ref _binds);

    /// <summary>Route entries of the last applied config that failed to compile.</summary>
    public ImmutableArray<RouteEntryError> RouteErrors => _routeErrors;

    /// <summary>Raised after each apply, once <see cref="Binds"/> and <see cref="RouteErrors"/> are updated.</summary>
    public event Action<GatewayDataPlane>? StatusChanged;

    /// <summary>
    /// Serves <paramref name="config"/>: returns once new binds listen, removed binds have
    /// drained (up to <see cref="GatewayDataPlaneOptions.DrainTimeout"/>) and every kept bind
    /// serves the new routing table.
    /// </summary>
    public async Task ApplyAsync(ProxyConfig config, CancellationToken ct)
    {
        await _applyLock.WaitAsync(ct);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await ApplyLockedAsync(config, ct);
        }
        finally
        {
            _applyLock.Release();
        }

        StatusChanged?.Invoke(this);
    }

    public async ValueTask DisposeAsync()
    {
        await _applyLock.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await Task.WhenAll(_servers.Values.Select(s => s.DisposeAsync().AsTask()));
            _servers.Clear();
        }
        finally
        {
            _applyLock.Release();
        }

        _http1.Dispose();
        _http2.Dispose();
        _mirrors.Dispose();
        _metrics.Dispose();
        await _services.DisposeAsync();
    }

    private async Task ApplyLockedAsync(ProxyConfig config, CancellationToken ct)
    {
        var backends = new Dictionary<string, BackendTarget>(StringComparer.Ordinal);
        foreach (var (id, backend) in config.Backends)
        {
            backends[id] = new BackendTarget(
                id,
                backend.Protocol == BackendProtocols.H2c,
                [.. backend.Endpoints.Select(e => new BackendEndpoint(e))],
                _health);
        }

        var previousBackends = _backends;
        var compiler = new RouteCompiler(
            _options.RegexMatchTimeout,
            id => backends.GetValueOrDefault(id) ?? previousBackends.GetValueOrDefault(id),
            _regexes);
        var lastGood = new Dictionary<string, RouteEntryConfig>(StringComparer.Ordinal);
        var errors = new Dictionary<string, RouteEntryError>(StringComparer.Ordinal);
        RouteEntry? CompileEntry(RouteEntryConfig entry)
        {
            var key = RouteCompiler.EntryKey(entry);
            try
            {
                var compiled = compiler.CompileEntry(entry);
                lastGood[key] = entry;
                return compiled;
            }
            catch (ArgumentException ex)
            {
                RouteEntry? previous = null;
                if (_lastGoodEntries.TryGetValue(key, out var good))
                {
                    previous = compiler.CompileEntry(good);
                    lastGood[key] = good;
                }

                if (errors.TryAdd(key, new RouteEntryError(entry.Route, entry.RuleIndex, entry.MatchIndex, ex.Message, previous is not null)))
                {
                    DataPlaneLog.EntryFailed(_logger, key, previous is not null ? "previous version kept" : "left out", ex.Message);
                }

                return previous;
            }
        }

        var tables = new Dictionary<(string Address, int Port), (BindConfig Config, BindTable Table)>();
        foreach (var bind in config.Binds)
        {
            tables[(bind.Address, bind.Port)] = (bind, RouteCompiler.CompileBind(bind, CompileEntry));
        }

        var removed = _servers.Where(s => !tables.ContainsKey(s.Key)).ToList();
        foreach (var (key, _) in removed)
        {
            _servers.Remove(key);
        }

        var stops = removed.Select(r => StopBindAsync(r.Key, r.Value)).ToList();

        var states = new Dictionary<(string Address, int Port), BindState>();
        try
        {
            foreach (var (key, (bind, table)) in tables)
            {
                if (_servers.TryGetValue(key, out var server))
                {
                    if (bind.Protocol == ListenerProtocols.Http)
                    {
                        server.Table = table;
                        states[key] = new BindState(true, null);
                        continue;
                    }

                    _servers.Remove(key);
                    stops.Add(StopBindAsync(key, server));
                }

                states[key] = await StartBindAsync(bind, table, ct);
            }
        }
        finally
        {
            await Task.WhenAll(stops);
        }

        _backends = backends;
        _lastGoodEntries = lastGood;
        _regexes = compiler.Regexes;
        _routeErrors = [.. errors.Values];
        Volatile.Write(ref _binds, states);
        DataPlaneLog.ConfigApplied(_logger, config.Binds.Length, config.Backends.Count);
    }

    private async Task<BindState> StartBindAsync(BindConfig bind, BindTable table, CancellationToken ct)
    {
        string error;
        if (bind.Protocol != ListenerProtocols.Http)
        {
            error = $"protocol {bind.Protocol} is not supported by the data plane";
        }
        else if (!IPAddress.TryParse(bind.Address, out var address))
        {
            error = $"{bind.Address} is not an IP address";
        }
        else
        {
            try
            {
                var server = await BindServer.StartAsync(address, bind.Port, table, _handler, _services, _loggerFactory, _time, ct);
                _servers[(bind.Address, bind.Port)] = server;
                DataPlaneLog.BindStarted(_logger, bind.Address, bind.Port);
                return new BindState(true, null);
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                error = ex.Message;
            }
        }

        DataPlaneLog.BindFailed(_logger, bind.Address, bind.Port, error);
        return new BindState(false, error);
    }

    private async Task StopBindAsync((string Address, int Port) key, BindServer server)
    {
        using var drain = new CancellationTokenSource(_options.DrainTimeout, _time);
        await server.StopAsync(drain.Token);
        DataPlaneLog.BindStopped(_logger, key.Address, key.Port);
    }

    private static HttpMessageInvoker CreateInvoker(GatewayDataPlaneOptions options) =>
        new(
            new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                UseCookies = false,
                ActivityHeadersPropagator = null,
                EnableMultipleHttp2Connections = true,
                MaxConnectionsPerServer = int.MaxValue,
                ConnectTimeout = options.ConnectTimeout,
                PooledConnectionIdleTimeout = options.PooledConnectionIdleTimeout,
            },
            disposeHandler: true);
}
