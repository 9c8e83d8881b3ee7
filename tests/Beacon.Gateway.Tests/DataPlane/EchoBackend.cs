using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Beacon.Gateway.Tests.DataPlane;

/// <summary>What <see cref="EchoBackend"/> answers (echo-basic style).</summary>
public sealed record EchoReply(string Method, string Path, string Host, Dictionary<string, string> Headers, string Backend, string Protocol, int BodyLength);

/// <summary>
/// A loopback Kestrel backend that echoes the request as JSON and counts requests. Paths
/// under <c>/block</c> (or every path with <c>blockAll</c>) wait on <see cref="Gate"/>.
/// </summary>
public sealed class EchoBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _blockAll;
    private readonly ConcurrentQueue<(int Target, TaskCompletionSource Done)> _waiters = new();
    private int _count;

    private EchoBackend(string name, WebApplication app, bool blockAll)
    {
        Name = name;
        _app = app;
        _blockAll = blockAll;
    }

    public string Name { get; }

    public int Port { get; private set; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public int Count => Volatile.Read(ref _count);

    public ConcurrentQueue<EchoReply> Seen { get; } = new();

    /// <summary>Completed when a blocking request has arrived.</summary>
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Blocking requests finish when this completes.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<EchoBackend> StartAsync(string name, bool http2Only = false, bool blockAll = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = http2Only ? HttpProtocols.Http2 : HttpProtocols.Http1));
        var app = builder.Build();
        var backend = new EchoBackend(name, app, blockAll);
        app.UseWebSockets();
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        backend.Port = new Uri(address).Port;
        return backend;
    }

    /// <summary>Completes when <see cref="Count"/> reaches <paramref name="target"/>.</summary>
    public Task WaitForCountAsync(int target)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters.Enqueue((target, done));
        Notify();

        // A guard against hanging the run, not a timing assertion.
        return done.Task.WaitAsync(TimeSpan.FromMinutes(1));
    }

    public async ValueTask DisposeAsync()
    {
        Gate.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Notify()
    {
        var count = Count;
        foreach (var (target, done) in _waiters)
        {
            if (count >= target)
            {
                done.TrySetResult();
            }
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (context.WebSockets.IsWebSocketRequest)
        {
            Interlocked.Increment(ref _count);
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, CancellationToken.None);
            }
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        var reply = new EchoReply(
            request.Method,
            request.Path.ToUriComponent() + request.QueryString.ToUriComponent(),
            request.Headers.Host.ToString(),
            request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            Name,
            request.Protocol,
            (int)body.Length);
        Seen.Enqueue(reply);
        Interlocked.Increment(ref _count);
        Notify();
        if (_blockAll || request.Path.StartsWithSegments("/block"))
        {
            Entered.TrySetResult();
            try
            {
                await Gate.Task.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        context.Response.Headers["X-Backend"] = Name;
        await context.Response.WriteAsJsonAsync(reply);
    }
}
