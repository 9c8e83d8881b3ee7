using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Beacon.Echo.Tests;

public sealed class EchoServerTests
{
    private static Task<EchoServer> StartAsync(bool h2c = false, int? bodyBytes = null, TextWriter? log = null) =>
        EchoServer.StartAsync(
            new EchoServerOptions
            {
                Listen = [new IPEndPoint(IPAddress.Loopback, 0)],
                Name = "infra-backend-v1",
                Namespace = "gateway-conformance-infra",
                H2c = h2c,
                BodyBytes = bodyBytes,
                RequestLog = log,
            },
            CancellationToken.None);

    private static Uri Url(EchoServer server, string pathAndQuery) => new($"http://{server.Endpoints[0]}{pathAndQuery}");

    [Fact]
    public async Task Answers_what_it_received_in_the_echo_basic_shape()
    {
        await using var server = await StartAsync();
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(server, "/a/b?x=1&x=2&y=3"));
        request.Headers.Host = "example.com";
        request.Headers.Add("X-Echo-Test", ["one", "two"]);

        using var response = await client.SendAsync(request);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/a/b?x=1&x=2&y=3", root.GetProperty("path").GetString());
        Assert.Equal("example.com", root.GetProperty("host").GetString());
        Assert.Equal("POST", root.GetProperty("method").GetString());
        Assert.Equal("HTTP/1.1", root.GetProperty("proto").GetString());
        Assert.Equal("gateway-conformance-infra", root.GetProperty("namespace").GetString());
        Assert.Equal("infra-backend-v1", root.GetProperty("service").GetString());
        Assert.Equal("infra-backend-v1", root.GetProperty("pod").GetString());
        // HttpClient folds the two values into one field line; they are reported as sent.
        Assert.Equal(["one, two"], root.GetProperty("headers").GetProperty("X-Echo-Test").EnumerateArray().Select(v => v.GetString()));
        Assert.False(root.GetProperty("headers").TryGetProperty("Host", out _));
        Assert.Equal(["1", "2"], root.GetProperty("query").GetProperty("x").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task Counts_requests_per_path_for_the_library_and_on_the_stats_path()
    {
        await using var server = await StartAsync();
        using var client = new HttpClient();
        await client.GetStringAsync(Url(server, "/one"));
        await client.GetStringAsync(Url(server, "/one?q=1"));
        await client.GetStringAsync(Url(server, "/two"));

        var stats = await client.GetStringAsync(Url(server, "/__echo/stats"));

        Assert.Equal(2, server.RequestCount("/one"));
        Assert.Equal(1, server.RequestCount("/two"));
        Assert.Equal(0, server.RequestCount("/three"));
        Assert.Equal(3, server.TotalRequests);
        Assert.Equal("""{"/one":2,"/two":1}""", stats);
    }

    [Fact]
    public async Task Bench_path_and_body_bytes_answer_a_fixed_body()
    {
        await using var plain = await StartAsync();
        await using var sized = await StartAsync(bodyBytes: 100);
        using var client = new HttpClient();

        var bench = await client.GetByteArrayAsync(Url(plain, "/__echo/bench"));
        var anyPath = await client.GetByteArrayAsync(Url(sized, "/anything"));

        Assert.Equal(EchoServerOptions.DefaultBenchBodyBytes, bench.Length);
        Assert.Equal(100, anyPath.Length);
        Assert.Equal(1, sized.RequestCount("/anything"));
    }

    [Fact]
    public async Task H2c_listener_speaks_http2_with_prior_knowledge()
    {
        await using var server = await StartAsync(h2c: true);
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(server, "/h2"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await client.SendAsync(request);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("HTTP/2", json.RootElement.GetProperty("proto").GetString());
    }

    [Fact]
    public async Task Logs_one_line_per_request_when_asked()
    {
        var log = new StringWriter();
        await using var server = await StartAsync(log: TextWriter.Synchronized(log));
        using var client = new HttpClient();

        await client.GetStringAsync(Url(server, "/mirror?a=b"));

        var line = Assert.Single(log.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Echoing back request made to /mirror?a=b to client (127.0.0.1:", line);
    }

    [Fact]
    public async Task WebSocket_messages_are_echoed()
    {
        await using var server = await StartAsync();
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{server.Endpoints[0]}/ws"), CancellationToken.None);

        await socket.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        var buffer = new byte[64];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);

        Assert.Equal(WebSocketMessageType.Text, received.MessageType);
        Assert.Equal("hello", Encoding.UTF8.GetString(buffer, 0, received.Count));
        Assert.Equal(1, server.RequestCount("/ws"));
    }
}
