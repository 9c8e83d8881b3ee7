using System.Buffers;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Beacon.Gateway.DataPlane;

/// <summary>
/// Sends RequestMirror copies fire-and-forget: bounded concurrency (excess copies are dropped),
/// a bounded body copy, its own timeout; the result is discarded and never reaches the client.
/// </summary>
internal sealed class MirrorSender(
    HttpMessageInvoker http1,
    HttpMessageInvoker http2,
    GatewayDataPlaneOptions options,
    TimeProvider time,
    DataPlaneMetrics metrics,
    ILogger logger) : IDisposable
{
    private static readonly HashSet<string> SkippedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        HeaderNames.Host, HeaderNames.Connection, HeaderNames.KeepAlive, HeaderNames.TransferEncoding,
        HeaderNames.Upgrade, HeaderNames.TE, HeaderNames.ContentLength, "Proxy-Connection",
    };

    private readonly SemaphoreSlim _slots = new(options.MirrorMaxConcurrency, options.MirrorMaxConcurrency);

    /// <summary>Copies what the mirror needs from the request now (the context is reused after the request) and sends it in the background.</summary>
    public async ValueTask StartAsync(HttpContext context, MirrorTarget mirror, string normalizedPrefix)
    {
        if (mirror.Backend?.Pick() is not { } endpoint || !_slots.Wait(0))
        {
            return;
        }

        var handedOff = false;
        try
        {
            byte[]? body = null;
            if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? context.Request.ContentLength > 0)
            {
                body = await BufferBodyAsync(context.Request, options.MirrorBodyLimit, context.RequestAborted);
                if (body is null)
                {
                    return;
                }
            }

            var message = Build(context, mirror, endpoint, body, normalizedPrefix);
            var invoker = mirror.Backend.H2c ? http2 : http1;
            handedOff = true;
            _ = Task.Run(() => SendAsync(invoker, message, endpoint.Key));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            DataPlaneLog.MirrorFailed(logger, endpoint.Key, ex.Message);
        }
        finally
        {
            if (!handedOff)
            {
                _slots.Release();
            }
        }
    }

    public void Dispose() => _slots.Dispose();

    /// <summary>The body, rewound for forwarding; null when it exceeds <paramref name="limit"/>.</summary>
    private static async ValueTask<byte[]?> BufferBodyAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        request.EnableBuffering(limit);
        var rented = ArrayPool<byte>.Shared.Rent(limit + 1);
        try
        {
            var total = 0;
            while (total <= limit)
            {
                var read = await request.Body.ReadAsync(rented.AsMemory(total, limit + 1 - total), ct);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            request.Body.Position = 0;
            return total > limit ? null : rented.AsSpan(0, total).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static HttpRequestMessage Build(HttpContext context, MirrorTarget mirror, BackendEndpoint endpoint, byte[]? body, string normalizedPrefix)
    {
        var request = context.Request;
        var message = new HttpRequestMessage(
            HttpMethod.Parse(request.Method),
            RequestUtilities.MakeDestinationAddress(endpoint.DestinationPrefix, request.Path, request.QueryString));
        if (mirror.Backend!.H2c)
        {
            message.Version = HttpVersion.Version20;
            message.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }
        else
        {
            message.Version = HttpVersion.Version11;
            message.VersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
        }

        if (body is not null)
        {
            message.Content = new ByteArrayContent(body);
        }

        foreach (var header in request.Headers)
        {
            if (header.Key.StartsWith(':') || SkippedHeaders.Contains(header.Key))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string>)header.Value))
            {
                message.Content?.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string>)header.Value);
            }
        }

        RequestStep.ApplyAll(mirror.PrecedingSteps, context, message, endpoint.DestinationPrefix, normalizedPrefix);
        return message;
    }

    private async Task SendAsync(HttpMessageInvoker invoker, HttpRequestMessage message, string endpoint)
    {
        try
        {
            using var timeout = new CancellationTokenSource(options.MirrorTimeout, time);
            using var response = await invoker.SendAsync(message, timeout.Token);
            // Reading the body lets the connection go back to the pool.
            await response.Content.CopyToAsync(Stream.Null, timeout.Token);
            metrics.Mirrored();
        }
        catch (Exception ex)
        {
            metrics.UpstreamError(DataPlaneMetrics.MirrorError);
            DataPlaneLog.MirrorFailed(logger, endpoint, ex.Message);
        }
        finally
        {
            message.Dispose();
            _slots.Release();
        }
    }
}
