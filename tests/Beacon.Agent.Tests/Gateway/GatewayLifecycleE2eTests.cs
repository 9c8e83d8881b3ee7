using System.Net;
using System.Net.Sockets;

namespace Beacon.Agent.Tests.Gateway;

/// <summary>Gateways and routes that come, move and go; classes of other controllers.</summary>
public sealed class GatewayLifecycleE2eTests
{
    private const string Address = "127.10.0.108";
    private const string MovedAddress = "127.10.0.109";

    [Fact]
    public async Task A_gateway_moved_to_another_address_and_port_stops_serving_the_old_socket()
    {
        await using var e2e = await StartAsync();
        Assert.Equal("echo", (await e2e.EchoAsync("/")).Service);

        var newPort = e2e.FreePort();
        e2e.Write("gateway.yaml", e2e.DefaultGateway(2)
            .Replace(Address, MovedAddress, StringComparison.Ordinal)
            .Replace($"port: {e2e.Port}", $"port: {newPort}", StringComparison.Ordinal));
        await e2e.WaitForConditionAsync("Gateway", "default", "gw", "Programmed", "True", "Programmed", 2);

        using (var moved = await e2e.Http.GetAsync(new Uri($"http://{MovedAddress}:{newPort}/moved")))
        {
            Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        }

        await e2e.WaitUntilAsync(() => Task.FromResult(!Listening(IPAddress.Parse(Address), e2e.Port)), "the old socket closed");
        var gateway = (await e2e.GetStatusAsync("Gateway", "default", "gw"))!.Value;
        Assert.Equal([MovedAddress], gateway.GetProperty("addresses").EnumerateArray().Select(a => a.GetProperty("value").GetString()));
    }

    [Fact]
    public async Task Deleting_a_route_or_the_gateway_stops_serving_them_and_adding_them_back_serves_again()
    {
        await using var e2e = await StartAsync();

        e2e.Delete("route.yaml");
        await e2e.WaitForResponseAsync("/", HttpStatusCode.NotFound);
        await e2e.WaitUntilAsync(async () => await e2e.GetStatusAsync("HTTPRoute", "default", "web") is null, "the route's status gone");

        e2e.Delete("gateway.yaml");
        await e2e.WaitUntilAsync(() => Task.FromResult(!Listening(e2e.Address, e2e.Port)), "the Gateway's socket closed");
        // The status follows once the data plane has applied the change.
        await e2e.WaitUntilAsync(async () => await e2e.GetStatusAsync("Gateway", "default", "gw") is null, "the Gateway's status gone");

        e2e.Write("gateway.yaml", e2e.DefaultGateway());
        e2e.Write("route.yaml", GatewayE2e.Route("web", "default", 1, "- backendRefs: [{name: echo, port: 80}]"));
        await e2e.WaitForRouteAsync("default", "web", 1);
        Assert.Equal("echo", (await e2e.EchoAsync("/again")).Service);
    }

    [Fact]
    public async Task Gateways_of_another_controllers_class_are_neither_served_nor_given_a_status()
    {
        await using var e2e = await StartAsync();
        var otherPort = e2e.FreePort();
        e2e.Write("other.yaml", $"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {"{"}name: other, generation: 1{"}"}
            spec: {"{"}controllerName: example.com/other-controller{"}"}
            ---
            """ + "\n" + e2e.DefaultGateway()
            .Replace("name: gw", "name: foreign", StringComparison.Ordinal)
            .Replace("gatewayClassName: beacon", "gatewayClassName: other", StringComparison.Ordinal)
            .Replace($"port: {e2e.Port}", $"port: {otherPort}", StringComparison.Ordinal));
        e2e.Write("route2.yaml", GatewayE2e.Route("web2", "default", 1, "- backendRefs: [{name: echo, port: 80}]", "[{name: gw}, {name: foreign}]"));

        await e2e.WaitForRouteAsync("default", "web2", 1);
        Assert.Null(await e2e.GetStatusAsync("GatewayClass", null, "other"));
        Assert.Null(await e2e.GetStatusAsync("Gateway", "default", "foreign"));
        // Only Beacon's parent appears in the route's status: the other controller writes its own.
        var parents = (await e2e.GetStatusAsync("HTTPRoute", "default", "web2"))!.Value.GetProperty("parents");
        Assert.Equal("gw", Assert.Single(parents.EnumerateArray()).GetProperty("parentRef").GetProperty("name").GetString());
        Assert.False(Listening(e2e.Address, otherPort));
    }

    [Fact]
    public async Task A_more_specific_route_hostname_wins_over_a_longer_path_of_a_wildcard_hostname()
    {
        await using var e2e = await StartAsync();
        var wild = await e2e.StartBackendAsync("wild");
        var exact = await e2e.StartBackendAsync("exact");
        e2e.Write("more.yaml", GatewayE2e.Service("wild", "default", wild) + "---\n" + GatewayE2e.Service("exact", "default", exact));
        e2e.Write("wild.yaml", GatewayE2e.Route("wild", "default", 1, """
            - matches: [{path: {type: PathPrefix, value: /long/path}}]
              backendRefs: [{name: wild, port: 80}]
            """, extra: "hostnames: [\"*.example.com\"]"));
        e2e.Write("exact.yaml", GatewayE2e.Route("exact", "default", 1, "- backendRefs: [{name: exact, port: 80}]", extra: "hostnames: [foo.example.com]"));
        await e2e.WaitForRouteAsync("default", "wild", 1);
        await e2e.WaitForRouteAsync("default", "exact", 1);

        Assert.Equal("exact", (await e2e.EchoAsync("/long/path", "foo.example.com")).Service);
        Assert.Equal("wild", (await e2e.EchoAsync("/long/path", "bar.example.com")).Service);
        Assert.Equal("echo", (await e2e.EchoAsync("/long/path", "example.com")).Service);
    }

    [Fact]
    public async Task A_mirrored_copy_carries_the_filters_before_the_mirror_and_the_request_body()
    {
        await using var e2e = await StartAsync();
        using var capture = new TcpListener(IPAddress.Loopback, 0);
        capture.Start();
        e2e.Write("mirror-svc.yaml", GatewayE2e.Service("capture", "default", null, ((IPEndPoint)capture.LocalEndpoint, true)));
        e2e.Write("mirror.yaml", GatewayE2e.Route("mirror", "default", 1, """
            - matches: [{path: {type: PathPrefix, value: /copy}}]
              filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier: {set: [{name: x-before, value: "1"}]}
                - type: RequestMirror
                  requestMirror: {backendRef: {name: capture, port: 80}}
              backendRefs:
                - name: echo
                  port: 80
                  filters:
                    - type: RequestHeaderModifier
                      requestHeaderModifier: {set: [{name: x-backend-only, value: "1"}]}
            """));
        await e2e.WaitForRouteAsync("default", "mirror", 1);

        using var response = await e2e.Http.PostAsync(e2e.Url("/copy/me?q=2"), new StringContent("payload-123"));
        var reply = EchoReply.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(("POST", "1", "1"), (reply.Method, reply.Header("x-before"), reply.Header("x-backend-only")));

        using var timeout = new CancellationTokenSource(GatewayE2e.Deadline);
        using var copy = await capture.AcceptSocketAsync(timeout.Token);
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (!System.Text.Encoding.ASCII.GetString([.. received]).Contains("payload-123", StringComparison.Ordinal))
        {
            var read = await copy.ReceiveAsync(buffer, timeout.Token);
            Assert.True(read > 0, "the mirror connection closed before the body: " + System.Text.Encoding.ASCII.GetString([.. received]));
            received.AddRange(buffer.AsSpan(0, read).ToArray());
        }

        var text = System.Text.Encoding.ASCII.GetString([.. received]);
        Assert.StartsWith("POST /copy/me?q=2 HTTP/1.1\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\nx-before: 1\r\n", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("x-backend-only", text, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<GatewayE2e> StartAsync()
    {
        var e2e = await GatewayE2e.StartAsync(Address);
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", await e2e.StartBackendAsync("echo")));
        e2e.Write("route.yaml", GatewayE2e.Route("web", "default", 1, "- backendRefs: [{name: echo, port: 80}]"));
        await e2e.WaitForRouteAsync("default", "web", 1);
        return e2e;
    }

    private static bool Listening(IPAddress address, int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(address, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
