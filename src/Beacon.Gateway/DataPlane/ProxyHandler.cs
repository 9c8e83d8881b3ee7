using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Beacon.Gateway.DataPlane;

/// <summary>
/// Serves one request against the routing table its bind had when the request arrived:
/// match, pre-forwarding filters, weighted share, endpoint, forward (with one safe retry on a
/// refused connection), timeouts.
/// </summary>
internal sealed class ProxyHandler(
    IHttpForwarder forwarder,
    HttpMessageInvoker http1,
    HttpMessageInvoker http2,
    EndpointHealth health,
    MirrorSender mirrors,
    DataPlaneMetrics metrics,
    GatewayDataPlaneOptions options,
    TimeProvider time,
    ILogger logger)
{
    private readonly ForwarderRequestConfig _http1Config = new()
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        ActivityTimeout = options.ActivityTimeout,
    };

    private readonly ForwarderRequestConfig _http2Config = new()
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        ActivityTimeout = options.ActivityTimeout,
    };

    public async Task HandleAsync(HttpContext context, BindTable table)
    {
        var request = context.Request;
        var host = request.Host.Host;
        var path = RequestStep.RequestPath(request);
        var entry = table.Match(request, host, path);
        if (entry is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
        }
        else
        {
            await ExecuteAsync(context, table, entry, host, path);
        }

        metrics.RequestServed(context.Response.StatusCode);
    }

    private async Task ExecuteAsync(HttpContext context, BindTable table, RouteEntry entry, string host, string path)
    {
        var action = entry.Action;
        var response = context.Response;

        // An upgraded connection (WebSocket) is a tunnel that outlives the request; the timeouts
        // bound request/response exchanges, so they would cut every long-lived socket.
        var timed = context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest != true &&
            context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect != true;
        using var requestTimeout = timed && action.RequestTimeout is { } requestAfter ? new CancellationTokenSource(requestAfter, time) : null;
        foreach (var step in action.PreSteps)
        {
            switch (step.Kind)
            {
                case PreStepKind.Cors when CorsPolicy.IsPreflight(context.Request):
                    step.Cors!.WritePreflight(context);
                    return;
                case PreStepKind.Redirect:
                    WriteRedirect(context, step.Redirect!, action.NormalizedPrefix, table.Port, host, path);
                    return;
                case PreStepKind.Mirror when step.Mirror!.Sample():
                    await mirrors.StartAsync(context, step.Mirror, action.NormalizedPrefix);
                    break;
            }
        }

        if (action.DirectStatus is not null || action.Picker is null)
        {
            response.StatusCode = action.DirectStatus ?? StatusCodes.Status500InternalServerError;
            return;
        }

        var share = action.Shares[action.Picker.Pick()];
        if (share.Backend is not { } backend)
        {
            response.StatusCode = share.Status;
            return;
        }

        if (backend.Pick() is not { } endpoint)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        var invoker = backend.H2c ? http2 : http1;
        var config = backend.H2c ? _http2Config : _http1Config;
        for (var attempt = 0; ; attempt++)
        {
            using var backendTimeout = timed && action.BackendTimeout is { } backendAfter ? new CancellationTokenSource(backendAfter, time) : null;
            using var linked = requestTimeout is not null && backendTimeout is not null
                ? CancellationTokenSource.CreateLinkedTokenSource(requestTimeout.Token, backendTimeout.Token)
                : null;
            var token = linked?.Token ?? backendTimeout?.Token ?? requestTimeout?.Token ?? CancellationToken.None;
            var error = await forwarder.SendAsync(context, endpoint.DestinationPrefix, invoker, config, share.Transformer, token);
            if (error == ForwarderError.None)
            {
                return;
            }

            if ((requestTimeout?.IsCancellationRequested == true || backendTimeout?.IsCancellationRequested == true) &&
                !context.RequestAborted.IsCancellationRequested)
            {
                metrics.UpstreamError(DataPlaneMetrics.TimeoutError);
                if (!response.HasStarted)
                {
                    response.StatusCode = StatusCodes.Status504GatewayTimeout;
                }

                return;
            }

            if (!IsConnectFailure(context.Features.Get<IForwarderErrorFeature>()?.Exception))
            {
                metrics.UpstreamError(DataPlaneMetrics.OtherError);
                return;
            }

            metrics.UpstreamError(DataPlaneMetrics.ConnectError);
            health.Eject(endpoint.Key);
            DataPlaneLog.EndpointEjected(logger, endpoint.Key);

            // The request never reached the refused endpoint; without a body it can be replayed as is.
            if (attempt > 0 || response.HasStarted || HasBody(context) || backend.Pick(endpoint) is not { } next)
            {
                if (!response.HasStarted)
                {
                    response.StatusCode = StatusCodes.Status502BadGateway;
                }

                return;
            }

            response.StatusCode = StatusCodes.Status200OK;
            response.Headers.Clear();
            endpoint = next;
        }
    }

    private static void WriteRedirect(HttpContext context, Config.RedirectConfig redirect, string normalizedPrefix, int listenerPort, string host, string path)
    {
        if (redirect.Path is { } modifier)
        {
            path = PathRules.Modify(path, modifier, normalizedPrefix);
        }

        var request = context.Request;
        var location = PathRules.RedirectLocation(
            redirect,
            request.Scheme,
            host,
            listenerPort,
            new PathString(path).ToUriComponent(),
            request.QueryString.Value);
        context.Response.StatusCode = redirect.StatusCode;
        context.Response.Headers.Location = location;
        context.Response.ContentLength = 0;
    }

    private static bool HasBody(HttpContext context) =>
        context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? context.Request.ContentLength > 0;

    /// <summary>The connection to the endpoint could not be made: refused, unreachable, or the connect timed out.</summary>
    private static bool IsConnectFailure(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }:
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable }:
                case TimeoutException:
                    return true;
            }
        }

        return false;
    }
}
