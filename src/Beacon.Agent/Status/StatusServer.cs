using System.Net;
using Beacon.Agent.Metrics;
using Beacon.Bgp.Speaker;
using RouteDirection = Beacon.Bgp.Speaker.RouteDirection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Beacon.Agent.Status;

public sealed record StatusServerOptions
{
    public required IPEndPoint Listen { get; init; }
    public required ISpeakerStatus Speaker { get; init; }
    public IObjectStatusSource ObjectStatus { get; init; } = NoObjectStatus.Instance;
    public required IReadiness Readiness { get; init; }

    /// <summary>What /metrics serves; created before the components so no early measurement is lost.</summary>
    public required MetricsExporter Metrics { get; init; }

    public required ILoggerFactory LoggerFactory { get; init; }
}

/// <summary>
/// The status HTTP endpoint (DESIGN.md, Interfaces): Kestrel bound to exactly the
/// --status-listen address, serving peers, routes, object status, metrics and probes.
/// </summary>
public sealed class StatusServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StatusServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Base address actually bound (the real port when the options asked for port 0).</summary>
    public Uri Address { get; }

    /// <exception cref="IOException">The address cannot be bound (in use, not local).</exception>
    public static async Task<StatusServer> StartAsync(StatusServerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Services.AddSingleton(options.LoggerFactory);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(options.Listen));
        // The listen address comes from --status-listen only, never from ASPNETCORE_URLS.
        builder.WebHost.UseSetting(WebHostDefaults.PreferHostingUrlsKey, "false");

        var app = builder.Build();
        MapEndpoints(app, options);

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new StatusServer(app, new Uri(bound + "/"));
    }

    public Task StopAsync(CancellationToken cancellationToken) => _app.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static void MapEndpoints(WebApplication app, StatusServerOptions options)
    {
        var json = StatusJsonContext.WireOptions;

        app.MapGet("/api/v1/peers", () =>
            Results.Json(options.Speaker.GetPeers().Select(PeerResource.From).ToArray(), json));

        app.MapGet("/api/v1/routes", async (HttpRequest request) =>
        {
            string? peer = request.Query["peer"];
            string? direction = request.Query["direction"];
            if (string.IsNullOrEmpty(peer))
            {
                return BadRequest("query parameter 'peer' is required");
            }

            if (!TryParseDirection(direction, out var routeDirection))
            {
                return BadRequest("query parameter 'direction' must be 'advertised' or 'received'");
            }

            var routes = await options.Speaker.GetRoutesAsync(peer, routeDirection, request.HttpContext.RequestAborted);
            return routes is null
                ? Results.Json(new ErrorResource($"unknown peer '{peer}'"), json, statusCode: StatusCodes.Status404NotFound)
                : Results.Json(routes.ToArray(), json);
        });

        app.MapGet("/api/v1/status", () => Results.Json(options.ObjectStatus.GetObjectStatuses().ToArray(), json));

        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = MetricsExporter.ContentType;
            await options.Metrics.WriteAsync(context.Response.Body, context.RequestAborted);
        });

        app.MapGet("/healthz", () => Results.Text("ok\n"));

        app.MapGet("/readyz", () =>
        {
            var reasons = options.Readiness.GetNotReadyReasons();
            return reasons.Count == 0
                ? Results.Text("ok\n")
                : Results.Text(string.Concat(reasons.Select(r => r + "\n")), statusCode: StatusCodes.Status503ServiceUnavailable);
        });

        IResult BadRequest(string message) =>
            Results.Json(new ErrorResource(message), json, statusCode: StatusCodes.Status400BadRequest);
    }

    private static bool TryParseDirection(string? value, out RouteDirection direction)
    {
        switch (value)
        {
            case "advertised":
                direction = RouteDirection.Advertised;
                return true;
            case "received":
                direction = RouteDirection.Received;
                return true;
            default:
                direction = default;
                return false;
        }
    }
}
