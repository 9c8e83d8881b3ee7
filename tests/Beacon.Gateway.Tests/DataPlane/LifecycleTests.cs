using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Beacon.Gateway.Config;
using static Beacon.Gateway.Tests.DataPlane.Cfg;

namespace Beacon.Gateway.Tests.DataPlane;

public sealed class LifecycleTests : IAsyncLifetime
{
    private EchoBackend _a = null!;
    private EchoBackend _b = null!;

    public async Task InitializeAsync()
    {
        _a = await EchoBackend.StartAsync("a");
        _b = await EchoBackend.StartAsync("b");
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private BackendConfig[] Backends => [Backend("a", _a), Backend("b", _b)];

    private ProxyConfig Routed(int port, string backend, string extraPath) => Single(
        port,
        [Forward("extra", Exact(extraPath), backend), Forward("main", Prefix("/"), backend)],
        Backends);

    [Fact]
    public async Task Config_swaps_under_concurrent_load_fail_no_request()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Routed(port, "a", "/x0"));
        using var stop = new CancellationTokenSource();
        var failures = 0;
        var served = 0;

        async Task Worker()
        {
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = proxy.Client.BaseAddress };
            while (!stop.IsCancellationRequested)
            {
                using var response = await client.GetAsync("/load");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref served);
                }
                else
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }

        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(Worker)).ToArray();
        for (var i = 1; i <= 40; i++)
        {
            var target = i % 2 == 0 ? _a : _b;
            var before = target.Count;
            await proxy.DataPlane.ApplyAsync(Routed(proxy.Port, target.Name, $"/x{i}"), CancellationToken.None);

            // Let the load run on the new table before the next swap.
            await target.WaitForCountAsync(before + 20);
        }

        await stop.CancelAsync();
        await Task.WhenAll(workers);
        Assert.Equal(0, failures);
        Assert.True(served > 0);
        Assert.True(_b.Count > 0);
    }

    [Fact]
    public async Task Binds_are_added_and_removed_without_touching_the_others()
    {
        var second = ProxyHarness.FreePort();
        ProxyConfig Config(int port, bool withSecond) => Proxy(
            withSecond
                ? [Bind(port, Listener(null, VHost("*", Forward("a", Prefix("/"), "a")))), Bind(second, Listener(null, VHost("*", Forward("b", Prefix("/"), "b"))))]
                : [Bind(port, Listener(null, VHost("*", Forward("a", Prefix("/"), "a"))))],
            Backends);
        await using var proxy = await ProxyHarness.StartAsync(port => Config(port, false));
        using var secondClient = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{second}") };

        // A kept-alive connection to the first bind must survive both changes.
        Assert.Equal("a", (await proxy.EchoAsync("h", "/")).Backend);

        await proxy.DataPlane.ApplyAsync(Config(proxy.Port, true), CancellationToken.None);
        Assert.True(proxy.DataPlane.Binds[("127.0.0.1", second)].Serving);
        Assert.Equal("b", (await secondClient.GetFromJsonAsync<EchoReply>("/"))!.Backend);
        Assert.Equal("a", (await proxy.EchoAsync("h", "/")).Backend);

        await proxy.DataPlane.ApplyAsync(Config(proxy.Port, false), CancellationToken.None);
        Assert.False(proxy.DataPlane.Binds.ContainsKey(("127.0.0.1", second)));
        await Assert.ThrowsAsync<HttpRequestException>(() => new HttpClient().GetAsync($"http://127.0.0.1:{second}/"));
        Assert.Equal("a", (await proxy.EchoAsync("h", "/")).Backend);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_removed_bind_lets_in_flight_requests_finish(bool h2c)
    {
        var second = ProxyHarness.FreePort();
        ProxyConfig Config(int port, bool withSecond) => Proxy(
            withSecond
                ? [Bind(port, Listener(null, VHost("*", Forward("a", Prefix("/"), "a")))), Bind(second, Listener(null, VHost("*", Forward("b", Prefix("/"), "a"))))]
                : [Bind(port, Listener(null, VHost("*", Forward("a", Prefix("/"), "a"))))],
            Backends);
        await using var proxy = await ProxyHarness.StartAsync(port => Config(port, true));
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            DefaultRequestVersion = h2c ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        var inFlight = client.GetAsync($"http://127.0.0.1:{second}/block");
        await _a.Entered.Task;
        var removal = proxy.DataPlane.ApplyAsync(Config(proxy.Port, false), CancellationToken.None);
        _a.Gate.TrySetResult();
        await removal;
        using var response = await inFlight;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(proxy.DataPlane.Binds.ContainsKey(("127.0.0.1", second)));
    }

    [Fact]
    public async Task A_bind_that_cannot_listen_is_reported_and_the_others_serve()
    {
        using var occupied = new TcpListener(IPAddress.Loopback, 0);
        occupied.Start();
        var busy = ((IPEndPoint)occupied.LocalEndpoint).Port;
        await using var proxy = await ProxyHarness.StartAsync(port => Proxy(
            [Bind(port, Listener(null, VHost("*", Forward("a", Prefix("/"), "a")))), Bind(busy, Listener(null, VHost("*", Forward("b", Prefix("/"), "b"))))],
            Backends));

        var state = proxy.DataPlane.Binds[("127.0.0.1", busy)];
        Assert.False(state.Serving);
        Assert.False(string.IsNullOrEmpty(state.Error));
        Assert.Equal("a", (await proxy.EchoAsync("h", "/")).Backend);

        // Freed: the next apply retries it.
        occupied.Stop();
        await proxy.DataPlane.ApplyAsync(Proxy(
            [Bind(proxy.Port, Listener(null, VHost("*", Forward("a", Prefix("/"), "a")))), Bind(busy, Listener(null, VHost("*", Forward("b", Prefix("/"), "b"))))],
            Backends), CancellationToken.None);
        Assert.True(proxy.DataPlane.Binds[("127.0.0.1", busy)].Serving);
    }

    [Fact]
    public async Task Unsupported_bind_protocol_is_reported()
    {
        var tlsPort = ProxyHarness.FreePort();
        await using var proxy = await ProxyHarness.StartAsync(port => Proxy(
            [Bind(port, Listener(null, VHost("*", Forward("a", Prefix("/"), "a")))), new BindConfig("127.0.0.1", tlsPort, ListenerProtocols.Https, [])],
            Backends));

        Assert.False(proxy.DataPlane.Binds[("127.0.0.1", tlsPort)].Serving);
        Assert.Contains("HTTPS", proxy.DataPlane.Binds[("127.0.0.1", tlsPort)].Error);
    }

    [Fact]
    public async Task An_ipv6_bind_serves_and_redirects_keep_the_bracketed_host()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.IPv6Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var config = Proxy(
            [new BindConfig("::1", port, ListenerProtocols.Http, [Listener(null, VHost("*",
                Forward("a", Prefix("/a"), "a"),
                Entry("r", Prefix("/r"), Action([], [Redirect(new RedirectConfig(null, null, null, null, 302))]))))])],
            Backends);
        await using var dataPlane = new Beacon.Gateway.DataPlane.GatewayDataPlane(
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, TimeProvider.System, new Beacon.Gateway.DataPlane.GatewayDataPlaneOptions());
        await dataPlane.ApplyAsync(config, CancellationToken.None);
        Assert.True(dataPlane.Binds[("::1", port)].Serving);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });

        var reply = await client.GetFromJsonAsync<EchoReply>($"http://[::1]:{port}/a");
        Assert.Equal("a", reply!.Backend);
        Assert.Equal($"[::1]:{port}", reply.Host);
        using var redirect = await client.GetAsync($"http://[::1]:{port}/r?x=1");
        Assert.Equal($"http://[::1]:{port}/r?x=1", redirect.Headers.Location!.OriginalString);
    }
}
