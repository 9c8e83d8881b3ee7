using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Beacon.Echo;

/// <summary>The request handler behind <see cref="EchoServer"/>.</summary>
internal sealed class EchoResponder
{
    internal const string BenchPath = "/__echo/bench";
    internal const string StatsPath = "/__echo/stats";
    internal const string DelayHeader = "x-echo-delay-ms";

    // Paths and header values are shown as sent (Go's echo-basic escapes & < > as \u0026 etc.;
    // JSON readers take either).
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly EchoServerOptions _options;
    private readonly ConcurrentDictionary<string, StrongBox<long>> _counts;
    private readonly byte[] _benchBody;
    private readonly bool _everyPathFixed;

    public EchoResponder(EchoServerOptions options, ConcurrentDictionary<string, StrongBox<long>> counts)
    {
        _options = options;
        _counts = counts;
        _everyPathFixed = options.BodyBytes is not null;
        var size = options.BodyBytes ?? EchoServerOptions.DefaultBenchBodyBytes;
        _benchBody = new byte[size];
        _benchBody.AsSpan().Fill((byte)'x');
        if (size > 0)
        {
            _benchBody[^1] = (byte)'\n';
        }
    }

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        if (path == StatsPath && HttpMethods.IsGet(request.Method))
        {
            await WriteStatsAsync(context);
            return;
        }

        Count(path);
        // echo-basic's line, which the conformance mirror tests search the logs for.
        _options.RequestLog?.WriteLine(
            $"Echoing back request made to {path}{request.QueryString} to client ({context.Connection.RemoteIpAddress}:{context.Connection.RemotePort})");

        if (request.Headers.TryGetValue(DelayHeader, out var delayValue)
            && int.TryParse(delayValue, NumberStyles.None, CultureInfo.InvariantCulture, out var delayMs)
            && delayMs > 0)
        {
            try
            {
                await Task.Delay(delayMs, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (context.WebSockets.IsWebSocketRequest)
        {
            await EchoWebSocketAsync(context);
            return;
        }

        if (_everyPathFixed || path == BenchPath)
        {
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/plain";
            response.ContentLength = _benchBody.Length;
            await response.Body.WriteAsync(_benchBody, context.RequestAborted);
            return;
        }

        await WriteEchoAsync(context, path);
    }

    private void Count(string path)
    {
        if (!_counts.TryGetValue(path, out var count))
        {
            count = _counts.GetOrAdd(path, static _ => new StrongBox<long>());
        }

        Interlocked.Increment(ref count.Value);
    }

    // The field names and meaning of the conformance suite's echo-basic (gateway-api
    // conformance/echo-basic): headers as name → values, Host reported separately as Go does.
    private async Task WriteEchoAsync(HttpContext context, string path)
    {
        var request = context.Request;
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("path", path + request.QueryString.Value);
            json.WriteString("host", request.Host.Value ?? string.Empty);
            json.WriteString("method", request.Method);
            json.WriteString("proto", request.Protocol);
            json.WriteStartObject("headers");
            foreach (var header in request.Headers)
            {
                if (string.Equals(header.Key, "Host", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                json.WriteStartArray(header.Key);
                foreach (var value in header.Value)
                {
                    json.WriteStringValue(value);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
            json.WriteString("namespace", _options.Namespace);
            json.WriteString("service", _options.Name);
            json.WriteString("pod", _options.Name);
            json.WriteStartObject("query");
            foreach (var parameter in request.Query)
            {
                json.WriteStartArray(parameter.Key);
                foreach (var value in parameter.Value)
                {
                    json.WriteStringValue(value);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    private async Task WriteStatsAsync(HttpContext context)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            foreach (var (path, count) in _counts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                json.WriteNumber(path, Volatile.Read(ref count.Value));
            }

            json.WriteEndObject();
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    private static async Task EchoWebSocketAsync(HttpContext context)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client went away without a close handshake; nothing to echo to.
        }
    }
}
