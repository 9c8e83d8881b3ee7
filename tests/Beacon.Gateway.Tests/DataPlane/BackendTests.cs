using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using Beacon.Gateway.Config;
using Beacon.Gateway.DataPlane;
using static Beacon.Gateway.Tests.DataPlane.Cfg;

namespace Beacon.Gateway.Tests.DataPlane;

public sealed class BackendTests : IAsyncLifetime
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

    private static string DeadEndpoint() => $"127.0.0.1:{ProxyHarness.FreePort()}";

    [Fact]
    public async Task Weighted_split_follows_the_weights()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [Entry("r", Prefix("/"), Action([To("a", 30), To("b", 70)]))],
            Backend("a", _a), Backend("b", _b)));

        for (var i = 0; i < 1000; i++)
        {
            using var response = await proxy.SendAsync("h", "/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.InRange(_a.Count, 240, 360);
        Assert.InRange(_b.Count, 640, 760);
        Assert.Equal(1000, _a.Count + _b.Count);
    }

    [Fact]
    public async Task Invalid_share_answers_its_status_and_weight_zero_is_never_picked()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [
                Entry("half", Prefix("/half"), Action([To("a", 1), Invalid(1), To("b", 0)])),
                Entry("zero", Prefix("/zero"), Action([To("a", 0), To("b", 0)])),
                Entry("direct", Prefix("/direct"), Action([], directStatus: 500)),
                Entry("unknown", Prefix("/unknown"), Action([To("no-such-backend")])),
            ],
            Backend("a", _a), Backend("b", _b)));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 100; i++)
        {
            using var response = await proxy.SendAsync("h", "/half");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(50, statuses.Count(s => s == HttpStatusCode.InternalServerError));
        Assert.Equal(50, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(0, _b.Count);

        foreach (var path in new[] { "/zero", "/direct", "/unknown" })
        {
            using var response = await proxy.SendAsync("h", path);
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }
    }

    [Fact]
    public async Task A_backend_without_endpoints_answers_503()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [Forward("r", Prefix("/"), "empty")],
            Backend("empty", BackendProtocols.Http)));

        using var response = await proxy.SendAsync("h", "/");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task Mirror_receives_the_sampled_fraction_after_earlier_filters()
    {
        await using var mirror = await EchoBackend.StartAsync("mirror");
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [Entry("r", Prefix("/"), Action(
                [To("a")],
                [RequestHeaders(Headers(set: [("X-Before", "1")])), Mirror("mirror", 1, 2), RequestHeaders(Headers(set: [("X-After", "1")]))]))],
            Backend("a", _a), Backend("mirror", mirror)));

        for (var i = 0; i < 100; i++)
        {
            var reply = await proxy.EchoAsync("h", $"/m/{i}", HttpMethod.Post, r => r.Content = new StringContent(new string('x', 1000)));
            Assert.Equal("a", reply.Backend);
            Assert.Equal(1000, reply.BodyLength);
        }

        await mirror.WaitForCountAsync(50);
        Assert.Equal(50, mirror.Count);
        Assert.All(mirror.Seen, seen =>
        {
            Assert.Equal("1", seen.Headers["X-Before"]);
            Assert.False(seen.Headers.ContainsKey("X-After"));
            Assert.Equal(1000, seen.BodyLength);
            Assert.Equal("h", seen.Host);
        });
        Assert.Equal(100, _a.Count);
    }

    [Fact]
    public async Task A_dead_or_stuck_mirror_does_not_affect_the_main_request()
    {
        await using var stuck = await EchoBackend.StartAsync("stuck", blockAll: true);
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [
                Forward("dead", Prefix("/dead"), "a", Mirror("dead")),
                Forward("stuck", Prefix("/stuck"), "a", Mirror("stuck")),
            ],
            Backend("a", _a), Backend("dead", BackendProtocols.Http, DeadEndpoint()), Backend("stuck", stuck)));

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("a", (await proxy.EchoAsync("h", "/dead")).Backend);
            Assert.Equal("a", (await proxy.EchoAsync("h", "/stuck")).Backend);
        }

        await stuck.WaitForCountAsync(20);
        Assert.Equal(40, _a.Count);
    }

    [Fact]
    public async Task Request_timeout_answers_504()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [Entry("r", Prefix("/"), Action([To("a")], timeouts: new TimeoutsConfig(TimeSpan.FromSeconds(5), null)))],
            Backend("a", _a)));

        var pending = proxy.SendAsync("h", "/block");
        await _a.Entered.Task;
        proxy.Time.Advance(TimeSpan.FromSeconds(5));
        using var response = await pending;
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
    }

    [Fact]
    public async Task Backend_request_timeout_answers_504()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [Entry("r", Prefix("/"), Action([To("a")], timeouts: new TimeoutsConfig(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2))))],
            Backend("a", _a)));

        var pending = proxy.SendAsync("h", "/block");
        await _a.Entered.Task;
        proxy.Time.Advance(TimeSpan.FromSeconds(2));
        using var response = await pending;
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
    }

    [Fact]
    public async Task H2c_backend_sees_http2()
    {
        await using var h2 = await EchoBackend.StartAsync("h2", http2Only: true);
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [Forward("r", Prefix("/"), "h2")],
            Backend("h2", BackendProtocols.H2c, h2.Endpoint)));

        var reply = await proxy.EchoAsync("h", "/x");
        Assert.Equal("HTTP/2", reply.Protocol);
        Assert.Equal("h", reply.Host);
    }

    [Fact]
    public async Task WebSocket_upgrade_passes_through()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [Forward("r", Prefix("/"), "ws")],
            Backend("ws", BackendProtocols.WebSocket, _a.Endpoint)));

        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{proxy.Port}/ws"), CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("hello", Encoding.UTF8.GetString(buffer, 0, received.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task Request_timeouts_do_not_cut_an_open_websocket()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [Entry("r", Prefix("/"), Action([To("ws")], timeouts: new TimeoutsConfig(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))))],
            Backend("ws", BackendProtocols.WebSocket, _a.Endpoint)));

        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{proxy.Port}/ws"), CancellationToken.None);
        proxy.Time.Advance(TimeSpan.FromSeconds(5));
        await socket.SendAsync(Encoding.UTF8.GetBytes("still"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("still", Encoding.UTF8.GetString(buffer, 0, received.Count));
    }

    [Fact]
    public async Task A_refusing_endpoint_is_ejected_and_requests_without_body_are_retried()
    {
        var dead = DeadEndpoint();
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [Forward("r", Prefix("/"), "two")],
            Backend("two", BackendProtocols.Http, _a.Endpoint, dead)));

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("a", (await proxy.EchoAsync("h", "/")).Backend);
        }

        // Ejected: requests with a body (never retried) do not reach the dead endpoint either.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("a", (await proxy.EchoAsync("h", "/", HttpMethod.Post, r => r.Content = new StringContent("body"))).Backend);
        }

        Assert.Equal(30, _a.Count);
    }

    [Fact]
    public async Task Refused_request_with_a_body_or_no_alternative_is_502()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [Forward("r", Prefix("/"), "dead")],
            Backend("dead", BackendProtocols.Http, DeadEndpoint())));

        using var get = await proxy.SendAsync("h", "/");
        Assert.Equal(HttpStatusCode.BadGateway, get.StatusCode);

        // Ejected but the only endpoint: tried anyway.
        using var post = await proxy.SendAsync("h", "/", HttpMethod.Post, r => r.Content = new StringContent("body"));
        Assert.Equal(HttpStatusCode.BadGateway, post.StatusCode);
    }

    [Fact]
    public async Task Ejection_ends_after_the_ejection_time()
    {
        var dead = DeadEndpoint();
        await using var proxy = await ProxyHarness.StartAsync(
            port => Single(port, [Forward("r", Prefix("/"), "two")], Backend("two", BackendProtocols.Http, _a.Endpoint, dead)),
            new GatewayDataPlaneOptions { EjectionTime = TimeSpan.FromSeconds(3) });

        var statuses = new List<HttpStatusCode>();
        async Task PostTwice()
        {
            for (var i = 0; i < 2; i++)
            {
                using var response = await proxy.SendAsync("h", "/", HttpMethod.Post, r => r.Content = new StringContent("x"));
                statuses.Add(response.StatusCode);
            }
        }

        // Two POSTs in round robin hit the dead endpoint once: 502 (a body is never replayed), then it is ejected.
        await PostTwice();
        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.BadGateway));
        statuses.Clear();
        await PostTwice();
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));

        statuses.Clear();
        proxy.Time.Advance(TimeSpan.FromSeconds(3));
        await PostTwice();
        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.BadGateway));
    }
}

public sealed class ClientProtocolTests
{
    [Fact]
    public async Task Clients_may_speak_h2c_prior_knowledge_or_http11_on_the_same_bind()
    {
        await using var backend = await EchoBackend.StartAsync("a");
        await using var proxy = await ProxyHarness.StartAsync(port => Single(port, [Forward("r", Prefix("/"), "a")], Backend("a", backend)));
        using var h2 = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        for (var i = 0; i < 3; i++)
        {
            using var response = await h2.GetAsync($"http://127.0.0.1:{proxy.Port}/x{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(HttpVersion.Version20, response.Version);
            var reply = (await response.Content.ReadFromJsonAsync<EchoReply>())!;
            Assert.Equal($"/x{i}", reply.Path);
            Assert.Equal("HTTP/1.1", reply.Protocol);
        }

        var http11 = await proxy.EchoAsync("h", "/y", HttpMethod.Post, r => r.Content = new StringContent("PRI * HTTP/2.0"));
        Assert.Equal(14, http11.BodyLength);
    }
}
