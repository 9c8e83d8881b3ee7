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
    private readonly ProxyHandler _handler;
    private BindTable _table;

    private BindServer(KestrelServer server, ProxyHandler handler, BindTable table)
    {
        _server = server;
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
        CancellationToken ct)
    {
        var kestrelOptions = new KestrelServerOptions
        {
            AddServerHeader = false,
            ApplicationServices = services,
        };
        kestrelOptions.Limits.MaxRequestBodySize = null;
        // Kestrel (through .NET 10) serves cleartext Http1AndHttp2 endpoints as HTTP/1.1 only and
        // answers a prior-knowledge h2c preface with HTTP_1_1_REQUIRED (dotnet/aspnetcore#56984),
        // so say what is served. HTTP/2 from clients comes with TLS listeners (ALPN).
        kestrelOptions.Listen(address, port, listen => listen.Protocols = HttpProtocols.Http1);
        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggerFactory);
        var server = new KestrelServer(Options.Create(kestrelOptions), transport, loggerFactory);
        var bind = new BindServer(server, handler, table);
        try
        {
            await server.StartAsync(bind, ct);
        }
        catch
        {
            server.Dispose();
            throw;
        }

        return bind;
    }

    /// <summary>Stops accepting at once and lets in-flight requests finish until <paramref name="ct"/> fires.</summary>
    public async Task StopAsync(CancellationToken ct)
    {
        try
        {
            await _server.StopAsync(ct);
        }
        finally
        {
            _server.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var abort = new CancellationTokenSource();
        await abort.CancelAsync();
        await StopAsync(abort.Token);
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
