using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Beacon.Gateway.DataPlane;

/// <summary>
/// One Kestrel server listening on one bind. Its routing table is swapped with a single
/// reference write; a request reads it once, so in-flight requests finish on the table they
/// started with and listeners are never restarted for a route change.
/// </summary>
internal sealed class BindServer : IHttpApplication<HttpContext>, IAsyncDisposable
{
    private readonly KestrelServer _server;
    private readonly KestrelServer _http2Server;
    private readonly ProxyHandler _handler;
    private BindTable _table;

    private BindServer(KestrelServer server, KestrelServer http2Server, ProxyHandler handler, BindTable table)
    {
        _server = server;
        _http2Server = http2Server;
        _handler = handler;
        _table = table;
    }

    public BindTable Table
    {
        get => Volatile.Read(ref _table);
        set => Volatile.Write(ref _table, value);
    }

    /// <summary>Starts listening; throws (e.g. address in use) without leaving a server behind.</summary>
    public static async Task<BindServer> StartAsync(
        IPAddress address,
        int port,
        BindTable table,
        ProxyHandler handler,
        IServiceProvider services,
        ILoggerFactory loggerFactory,
        TimeProvider time,
        CancellationToken ct)
    {
        // The socket is served as HTTP/1.1; connections that open with the HTTP/2 preface go
        // to an HTTP/2-only server (see H2cHandoff).
        var handoff = new H2cHandoff(new IPEndPoint(address, port).ToString());
        var http2Options = NewOptions(services);
        http2Options.Listen(handoff.Listener.EndPoint, listen => listen.Protocols = HttpProtocols.Http2);
        var http2Server = new KestrelServer(Options.Create(http2Options), handoff, loggerFactory);

        var options = NewOptions(services);
        var prefaceTimeout = options.Limits.KeepAliveTimeout;
        options.Listen(address, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            listen.Use(next => handoff.Middleware(next, prefaceTimeout, time));
        });
        // Inline scheduling runs request processing on the socket's I/O thread instead of queueing
        // it to the thread pool: a proxy's handlers only start asynchronous I/O, and skipping the
        // hop roughly halves the CPU a request costs on a small node.
        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions { UnsafePreferInlineScheduling = true, WaitForDataBeforeAllocatingBuffer = false }), loggerFactory);
        var server = new KestrelServer(Options.Create(options), transport, loggerFactory);
        var bind = new BindServer(server, http2Server, handler, table);
        try
        {
            await http2Server.StartAsync(bind, ct);
            await server.StartAsync(bind, ct);
        }
        catch
        {
            server.Dispose();
            http2Server.Dispose();
            throw;
        }

        return bind;
    }

    /// <summary>Stops accepting at once and lets in-flight requests finish until <paramref name="ct"/> fires.</summary>
    public async Task StopAsync(CancellationToken ct)
    {
        try
        {
            // Together: the HTTP/1.1 server waits for handed-off connections, which end when
            // the HTTP/2 server has drained them.
            await Task.WhenAll(_server.StopAsync(ct), _http2Server.StopAsync(ct));
        }
        finally
        {
            _server.Dispose();
            _http2Server.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var abort = new CancellationTokenSource();
        await abort.CancelAsync();
        await StopAsync(abort.Token);
    }

    private static KestrelServerOptions NewOptions(IServiceProvider services)
    {
        var options = new KestrelServerOptions
        {
            AddServerHeader = false,
            ApplicationServices = services,
        };
        options.Limits.MaxRequestBodySize = null;
        return options;
    }

    // Kestrel keeps one context per connection (IHostContextContainer), as ASP.NET Core's
    // HostingApplication does, so keep-alive requests do not allocate a new HttpContext.
    public HttpContext CreateContext(IFeatureCollection contextFeatures)
    {
        if (contextFeatures is IHostContextContainer<HttpContext> container)
        {
            if (container.HostContext is DefaultHttpContext pooled)
            {
                pooled.Initialize(contextFeatures);
                return pooled;
            }

            var created = new DefaultHttpContext(contextFeatures);
            container.HostContext = created;
            return created;
        }

        return new DefaultHttpContext(contextFeatures);
    }

    public Task ProcessRequestAsync(HttpContext context) => _handler.HandleAsync(context, Table);

    public void DisposeContext(HttpContext context, Exception? exception)
    {
        if (context is DefaultHttpContext defaultContext)
        {
            defaultContext.Uninitialize();
        }
    }
}
