using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace Beacon.Agent.Tests.Gateway;

public sealed class GatewayBackendE2eTests
{
    private const string Address = "127.10.0.104";

    [Fact]
    public async Task Weights_split_requests_in_proportion_and_weight_zero_gets_none()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var heavy = await e2e.StartBackendAsync("heavy");
        var light = await e2e.StartBackendAsync("light");
        var never = await e2e.StartBackendAsync("never");
        e2e.Write("echo.yaml", string.Join("---\n", GatewayE2e.Service("heavy", "default", heavy), GatewayE2e.Service("light", "default", light), GatewayE2e.Service("never", "default", never)));
        e2e.Write("route.yaml", GatewayE2e.Route("split", "default", 1, """
            - backendRefs:
                - {name: heavy, port: 80, weight: 80}
                - {name: light, port: 80, weight: 20}
                - {name: never, port: 80, weight: 0}
            """));
        await e2e.WaitForRouteAsync("default", "split", 1);

        const int requests = 1000;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < requests; i++)
        {
            var service = (await e2e.EchoAsync("/split")).Service;
            counts[service] = counts.GetValueOrDefault(service) + 1;
        }

        // 80 % ± 5 % of 1000 (σ of a binomial is 12.6, the bound is about 4σ).
        Assert.InRange(counts.GetValueOrDefault("heavy"), 750, 850);
        Assert.Equal(requests, counts.GetValueOrDefault("heavy") + counts.GetValueOrDefault("light"));
        Assert.Equal(0, never.TotalRequests);
    }

    [Fact]
    public async Task BackendRef_filters_apply_only_to_the_requests_sent_to_their_backend()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var a = await e2e.StartBackendAsync("a");
        var b = await e2e.StartBackendAsync("b");
        e2e.Write("echo.yaml", GatewayE2e.Service("a", "default", a) + "---\n" + GatewayE2e.Service("b", "default", b));
        e2e.Write("route.yaml", GatewayE2e.Route("split", "default", 1, """
            - backendRefs:
                - name: a
                  port: 80
                  filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-picked, value: a}]}}]
                - name: b
                  port: 80
                  filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-picked, value: b}]}}]
            """));
        await e2e.WaitForRouteAsync("default", "split", 1);

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 60; i++)
        {
            var reply = await e2e.EchoAsync("/");
            Assert.Equal(reply.Service, reply.Header("x-picked"));
            seen.Add(reply.Service);
        }

        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public async Task Only_weights_of_zero_answer_500_and_an_invalid_share_answers_500()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var echo = await e2e.StartBackendAsync("echo");
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", echo));
        e2e.Write("route.yaml", GatewayE2e.Route("zero", "default", 1, """
            - matches: [{path: {value: /zero}}]
              backendRefs: [{name: echo, port: 80, weight: 0}]
            - matches: [{path: {value: /half}}]
              backendRefs:
                - {name: echo, port: 80, weight: 1}
                - {name: missing, port: 80, weight: 1}
            """));
        await e2e.WaitForRouteAsync("default", "zero", 1);

        Assert.Equal(HttpStatusCode.InternalServerError, (await e2e.SendAsync("/zero")).StatusCode);
        Assert.Equal(0, echo.TotalRequests);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 200; i++)
        {
            using var response = await e2e.SendAsync("/half");
            statuses.Add(response.StatusCode);
        }

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.InternalServerError, s.ToString()));
        // Half of 200 each (σ ≈ 7), bounds at ±5σ.
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.OK), 65, 135);
    }

    [Fact]
    public async Task Endpoints_that_are_not_ready_are_not_used_and_none_ready_answers_503()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var ready = await e2e.StartBackendAsync("ready");
        var notReady = await e2e.StartBackendAsync("not-ready");
        e2e.Write("echo.yaml", GatewayE2e.Service("mixed", "default", null, (ready.Endpoints[0], true), (notReady.Endpoints[0], false))
            + "---\n" + GatewayE2e.Service("down", "default", null, (notReady.Endpoints[0], false)));
        e2e.Write("route.yaml", GatewayE2e.Route("backends", "default", 1, """
            - matches: [{path: {value: /mixed}}]
              backendRefs: [{name: mixed, port: 80}]
            - matches: [{path: {value: /down}}]
              backendRefs: [{name: down, port: 80}]
            """));
        await e2e.WaitForRouteAsync("default", "backends", 1);

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("ready", (await e2e.EchoAsync("/mixed")).Service);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await e2e.SendAsync("/down")).StatusCode);
        Assert.Equal(0, notReady.TotalRequests);

        // Once ready, the endpoint takes its share.
        e2e.Write("echo.yaml", GatewayE2e.Service("mixed", "default", null, (ready.Endpoints[0], true), (notReady.Endpoints[0], true))
            + "---\n" + GatewayE2e.Service("down", "default", null, (notReady.Endpoints[0], true)));
        await e2e.WaitForResponseAsync("/down", HttpStatusCode.OK);
        Assert.Equal("not-ready", (await e2e.EchoAsync("/down")).Service);
    }

    [Fact]
    public async Task An_h2c_backend_is_spoken_to_over_HTTP2_and_a_WebSocket_passes_through()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var h2 = await e2e.StartBackendAsync("h2", h2c: true);
        var ws = await e2e.StartBackendAsync("ws");
        e2e.Write("echo.yaml", GatewayE2e.Service("h2", "default", "kubernetes.io/h2c", (h2.Endpoints[0], true))
            + "---\n" + GatewayE2e.Service("ws", "default", "kubernetes.io/ws", (ws.Endpoints[0], true)));
        e2e.Write("route.yaml", GatewayE2e.Route("protocols", "default", 1, """
            - matches: [{path: {value: /h2}}]
              backendRefs: [{name: h2, port: 80}]
            - matches: [{path: {value: /ws}}]
              backendRefs: [{name: ws, port: 80}]
            """));
        await e2e.WaitForRouteAsync("default", "protocols", 1);

        var reply = await e2e.EchoAsync("/h2/x");
        Assert.Equal(("h2", "HTTP/2"), (reply.Service, reply.Proto));

        using var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(GatewayE2e.Deadline);
        await socket.ConnectAsync(new Uri($"ws://{Address}:{e2e.Port}/ws/chat"), timeout.Token);
        foreach (var text in new[] { "hello", "through the gateway" })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
            var buffer = new byte[1024];
            var received = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.Equal(text, Encoding.UTF8.GetString(buffer, 0, received.Count));
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        Assert.Equal(1, ws.RequestCount("/ws/chat"));
    }

    [Fact]
    public async Task WebSockets_pass_through_to_a_plain_HTTP_backend_and_from_HTTP2_clients()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var plain = await e2e.StartBackendAsync("plain");
        e2e.Write("echo.yaml", GatewayE2e.Service("plain", "default", plain));
        e2e.Write("route.yaml", GatewayE2e.Route("ws", "default", 1, "- backendRefs: [{name: plain, port: 80}]"));
        await e2e.WaitForRouteAsync("default", "ws", 1);

        using (var socket = new ClientWebSocket())
        {
            await EchoOverAsync(socket, new Uri($"ws://{Address}:{e2e.Port}/h1"), null);
        }

        // RFC 8441 extended CONNECT from an HTTP/2 client, an HTTP/1.1 upgrade to the backend.
        using var handler = new SocketsHttpHandler();
        using var invoker = new HttpMessageInvoker(handler);
        using (var socket = new ClientWebSocket())
        {
            socket.Options.HttpVersion = HttpVersion.Version20;
            socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
            await EchoOverAsync(socket, new Uri($"ws://{Address}:{e2e.Port}/h2"), invoker);
        }

        Assert.Equal((1, 1), (plain.RequestCount("/h1"), plain.RequestCount("/h2")));
    }

    private static async Task EchoOverAsync(ClientWebSocket socket, Uri uri, HttpMessageInvoker? invoker)
    {
        using var timeout = new CancellationTokenSource(GatewayE2e.Deadline);
        await socket.ConnectAsync(uri, invoker, timeout.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes(uri.AbsolutePath), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[1024];
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.Equal(uri.AbsolutePath, Encoding.UTF8.GetString(buffer, 0, received.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
    }

    [Fact]
    public async Task Request_and_backend_request_timeouts_answer_504()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var echo = await e2e.StartBackendAsync("echo");
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", echo));
        e2e.Write("route.yaml", GatewayE2e.Route("timeouts", "default", 1, """
            - matches: [{path: {value: /request}}]
              timeouts: {request: 200ms}
              backendRefs: [{name: echo, port: 80}]
            - matches: [{path: {value: /backend}}]
              timeouts: {request: 20s, backendRequest: 200ms}
              backendRefs: [{name: echo, port: 80}]
            """));
        await e2e.WaitForRouteAsync("default", "timeouts", 1);

        // The backend answers after 10 s, far beyond either timeout (and within the client's).
        Assert.Equal(HttpStatusCode.GatewayTimeout, (await e2e.SendAsync("/request", headers: ("x-echo-delay-ms", "10000"))).StatusCode);
        Assert.Equal(HttpStatusCode.GatewayTimeout, (await e2e.SendAsync("/backend", headers: ("x-echo-delay-ms", "10000"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await e2e.SendAsync("/backend")).StatusCode);
    }

    [Fact]
    public async Task An_endpoint_that_refuses_connections_is_taken_out_of_rotation()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var live = await e2e.StartBackendAsync("live");
        int closedPort;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        e2e.Write("echo.yaml", GatewayE2e.Service("pair", "default", null, (live.Endpoints[0], true), (new IPEndPoint(IPAddress.Loopback, closedPort), true)));
        e2e.Write("route.yaml", GatewayE2e.Route("pair", "default", 1, """
            - backendRefs: [{name: pair, port: 80}]
            """));
        await e2e.WaitForRouteAsync("default", "pair", 1);

        var failures = 0;
        for (var i = 0; i < 50; i++)
        {
            using var response = await e2e.SendAsync("/health");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                // Only the request that finds the dead endpoint first may fail.
                Assert.Equal(0, failures++);
            }
        }

        Assert.InRange(live.RequestCount("/health"), 49, 50);
    }
}
