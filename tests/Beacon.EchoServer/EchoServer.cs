using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Beacon.Echo;

/// <summary>
/// A Kestrel echo backend: answers every request with what it received, in the JSON shape of the
/// Gateway API conformance echo-basic server, and counts requests per path.
/// </summary>
public sealed class EchoServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, StrongBox<long>> _counts;

    private EchoServer(WebApplication app, ConcurrentDictionary<string, StrongBox<long>> counts, IReadOnlyList<IPEndPoint> endpoints)
    {
        _app = app;
        _counts = counts;
        Endpoints = endpoints;
    }

    /// <summary>The endpoints actually bound (ports resolved when 0 was asked for).</summary>
    public IReadOnlyList<IPEndPoint> Endpoints { get; }

    /// <summary>Requests answered so far, per request path (without the query string).</summary>
    public IReadOnlyDictionary<string, long> RequestCounts =>
        _counts.ToDictionary(kv => kv.Key, kv => Volatile.Read(ref kv.Value.Value), StringComparer.Ordinal);

    /// <summary>Requests answered so far on <paramref name="path"/> (without the query string).</summary>
    public long RequestCount(string path) =>
        _counts.TryGetValue(path, out var count) ? Volatile.Read(ref count.Value) : 0;

    /// <summary>Requests answered so far on all paths.</summary>
    public long TotalRequests => _counts.Values.Sum(c => Volatile.Read(ref c.Value));

    public static async Task<EchoServer> StartAsync(EchoServerOptions options, CancellationToken cancellationToken)
    {
        if (options.Listen.Count == 0)
        {
            throw new ArgumentException("at least one listen endpoint is needed", nameof(options));
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            foreach (var endpoint in options.Listen)
            {
                kestrel.Listen(endpoint, listen => listen.Protocols = options.H2c ? HttpProtocols.Http2 : HttpProtocols.Http1);
            }
        });

        var app = builder.Build();
        var counts = new ConcurrentDictionary<string, StrongBox<long>>(StringComparer.Ordinal);
        var responder = new EchoResponder(options, counts);
        app.UseWebSockets();
        app.Run(responder.HandleAsync);
        await app.StartAsync(cancellationToken);

        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        var endpoints = addresses.Select(a => IPEndPoint.Parse(new Uri(a).Authority)).ToList();
        return new EchoServer(app, counts, endpoints);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _app.StopAsync(cancellationToken);

    /// <summary>Completes when the server stops (host shutdown, SIGTERM, Ctrl+C).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
