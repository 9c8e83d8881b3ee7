using System.Net;
using System.Net.Sockets;
using Beacon.Echo;

namespace Beacon.Agent.Tests.Gateway;

public sealed class GatewayChangeE2eTests
{
    private const string Address = "127.10.0.105";

    [Fact]
    public async Task Replacing_the_route_twenty_times_under_load_fails_no_request()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var blue = await e2e.StartBackendAsync("blue");
        var green = await e2e.StartBackendAsync("green");
        e2e.Write("echo.yaml", GatewayE2e.Service("blue", "default", blue) + "---\n" + GatewayE2e.Service("green", "default", green));
        e2e.Write("route.yaml", RouteVersion(1));
        await e2e.WaitForRouteAsync("default", "live", 1);

        using var stop = new CancellationTokenSource();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var served = 0;
        var clients = StartLoad(e2e, "/load", 4, failures, () => Interlocked.Increment(ref served), stop.Token);

        for (var generation = 2; generation <= 21; generation++)
        {
            e2e.Write("route.yaml", RouteVersion(generation));
            await e2e.WaitForRouteAsync("default", "live", generation);
            // Some requests on each version before the next replaces it.
            var before = Volatile.Read(ref served);
            await e2e.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref served) >= before + 8), "requests served on this version");
        }

        await stop.CancelAsync();
        await Task.WhenAll(clients);
        Assert.Empty(failures);
        Assert.True(blue.RequestCount("/load") > 0 && green.RequestCount("/load") > 0);
        Assert.Equal(Volatile.Read(ref served), blue.RequestCount("/load") + green.RequestCount("/load"));
    }

    [Fact]
    public async Task Changing_listeners_and_endpoints_under_load_fails_no_request()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var a = await e2e.StartBackendAsync("a");
        var b = await e2e.StartBackendAsync("b");
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", a));
        e2e.Write("route.yaml", GatewayE2e.Route("live", "default", 1, "- backendRefs: [{name: echo, port: 80}]"));
        await e2e.WaitForRouteAsync("default", "live", 1);

        using var stop = new CancellationTokenSource();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var served = 0;
        var clients = StartLoad(e2e, "/steady", 4, failures, () => Interlocked.Increment(ref served), stop.Token);

        var extraPort = e2e.FreePort();
        EchoServer[][] endpointSets = [[a, b], [b], [a], [b, a]];
        for (var generation = 2; generation <= 9; generation++)
        {
            // Even generations add a second listener on another port, odd ones remove it again.
            var gateway = e2e.DefaultGateway(generation);
            if (generation % 2 == 0)
            {
                gateway += $"\n    - {"{"}name: extra, protocol: HTTP, port: {extraPort}{"}"}";
            }

            e2e.Write("gateway.yaml", gateway);
            e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", endpointSets[generation % endpointSets.Length]));
            await e2e.WaitForConditionAsync("Gateway", "default", "gw", "Programmed", "True", "Programmed", generation);
            var before = Volatile.Read(ref served);
            await e2e.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref served) >= before + 8), "requests served after the change");
        }

        await stop.CancelAsync();
        await Task.WhenAll(clients);
        Assert.Empty(failures);
        Assert.True(a.RequestCount("/steady") > 0 && b.RequestCount("/steady") > 0);
    }

    private static List<Task> StartLoad(GatewayE2e e2e, string path, int clients, System.Collections.Concurrent.ConcurrentQueue<string> failures, Action served, CancellationToken stop) =>
        [.. Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await e2e.SendAsync(path);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        served();
                    }
                    else
                    {
                        failures.Enqueue($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                }
                catch (HttpRequestException e)
                {
                    failures.Enqueue(e.Message);
                }
            }
        }))];

    [Fact]
    public async Task Changes_written_back_to_back_converge_on_the_last_one()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var blue = await e2e.StartBackendAsync("blue");
        var green = await e2e.StartBackendAsync("green");
        e2e.Write("echo.yaml", GatewayE2e.Service("blue", "default", blue) + "---\n" + GatewayE2e.Service("green", "default", green));
        for (var generation = 1; generation <= 30; generation++)
        {
            e2e.Write("route.yaml", RouteVersion(generation));
        }

        await e2e.WaitForRouteAsync("default", "live", 30);
        using var response = await e2e.SendAsync("/load");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["30"], response.Headers.GetValues("x-version"));
        Assert.Equal("blue", EchoReply.Parse(await response.Content.ReadAsStringAsync()).Service);
    }

    [Fact]
    public async Task Requests_in_flight_during_a_change_complete()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var blue = await e2e.StartBackendAsync("blue");
        // A backend that answers only when released, after the route moved away from it.
        using var held = new TcpListener(IPAddress.Loopback, 0);
        held.Start();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        var serving = Task.Run(async () =>
        {
            var connections = new List<Task>();
            for (var i = 0; i < 4; i++)
            {
                var socket = await held.AcceptSocketAsync();
                connections.Add(Task.Run(async () =>
                {
                    using (socket)
                    {
                        var buffer = new byte[8192];
                        var request = string.Empty;
                        while (!request.Contains("\r\n\r\n", StringComparison.Ordinal))
                        {
                            var read = await socket.ReceiveAsync(buffer);
                            if (read == 0)
                            {
                                return;
                            }

                            request += System.Text.Encoding.ASCII.GetString(buffer, 0, read);
                        }

                        Interlocked.Increment(ref arrived);
                        await release.Task;
                        await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nheld"u8.ToArray());
                        socket.Shutdown(SocketShutdown.Send);
                    }
                }));
            }

            await Task.WhenAll(connections);
        });
        e2e.Write("echo.yaml", GatewayE2e.Service("blue", "default", blue)
            + "---\n" + GatewayE2e.Service("green", "default", null, ((IPEndPoint)held.LocalEndpoint, true)));
        e2e.Write("route.yaml", RouteVersion(1));
        await e2e.WaitForRouteAsync("default", "live", 1);

        var slow = Enumerable.Range(0, 4).Select(_ => e2e.SendAsync("/load")).ToList();
        await e2e.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref arrived) == 4), "the held requests reached the backend");
        e2e.Write("route.yaml", RouteVersion(2));
        await e2e.WaitForRouteAsync("default", "live", 2);
        Assert.Equal("blue", (await e2e.EchoAsync("/load")).Service);
        release.SetResult();

        foreach (var response in await Task.WhenAll(slow))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("held", await response.Content.ReadAsStringAsync());
            response.Dispose();
        }

        await serving;
    }

    [Fact]
    public async Task An_invalid_update_does_not_take_down_what_is_served()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var echo = await e2e.StartBackendAsync("echo");
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", echo));
        e2e.Write("stable.yaml", GatewayE2e.Route("stable", "default", 1, """
            - matches: [{path: {value: /stable}}]
              backendRefs: [{name: echo, port: 80}]
            """));
        e2e.Write("changing.yaml", GatewayE2e.Route("changing", "default", 1, """
            - matches: [{path: {value: /changing}}]
              backendRefs: [{name: echo, port: 80}]
            """));
        await e2e.WaitForRouteAsync("default", "stable", 1);
        await e2e.WaitForRouteAsync("default", "changing", 1);

        // A file that does not parse keeps its last good content.
        e2e.Write("changing.yaml", "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: changing, namespace: default, generation: 2\nspec: [");
        // A marker change in another file shows the directory was read again after the broken one.
        e2e.Write("marker.yaml", GatewayE2e.Route("marker", "default", 1, """
            - matches: [{path: {value: /marker}}]
              backendRefs: [{name: echo, port: 80}]
            """));
        await e2e.WaitForRouteAsync("default", "marker", 1);
        Assert.Equal("/changing", (await e2e.EchoAsync("/changing")).Path);
        await e2e.WaitForRouteAsync("default", "changing", 1);

        // A route that parses but is invalid (a regex that does not compile, an unknown filter)
        // is refused with UnsupportedValue; the Gateway, the other routes and the route's own
        // last accepted generation keep serving.
        e2e.Write("changing.yaml", GatewayE2e.Route("changing", "default", 3, """
            - matches: [{path: {type: RegularExpression, value: "/changing/(unclosed"}}]
              backendRefs: [{name: echo, port: 80}]
            """));
        await e2e.WaitForConditionAsync("HTTPRoute", "default", "changing", "Accepted", "False", "UnsupportedValue", 3);
        Assert.Equal("/stable", (await e2e.EchoAsync("/stable")).Path);
        Assert.Equal("/changing", (await e2e.EchoAsync("/changing")).Path);
        e2e.Write("changing.yaml", GatewayE2e.Route("changing", "default", 4, """
            - matches: [{path: {value: /changing}}]
              filters: [{type: NoSuchFilter}]
              backendRefs: [{name: echo, port: 80}]
            """));
        await e2e.WaitForConditionAsync("HTTPRoute", "default", "changing", "Accepted", "False", "UnsupportedValue", 4);
        Assert.Equal("/stable", (await e2e.EchoAsync("/stable")).Path);
        Assert.Equal("/changing", (await e2e.EchoAsync("/changing")).Path);
        await e2e.WaitForConditionAsync("Gateway", "default", "gw", "Programmed", "True", "Programmed", 1);

        // Fixed again: served again.
        e2e.Write("changing.yaml", GatewayE2e.Route("changing", "default", 5, """
            - matches: [{path: {value: /changing}}]
              backendRefs: [{name: echo, port: 80}]
            """));
        await e2e.WaitForRouteAsync("default", "changing", 5);
        Assert.Equal("/changing", (await e2e.EchoAsync("/changing")).Path);
    }

    // Odd generations to green, even to blue; each version names itself in a response header.
    private static string RouteVersion(int generation) => GatewayE2e.Route("live", "default", generation, $"""
        - matches: [{"{"}path: {"{"}type: PathPrefix, value: /load{"}"}{"}"}]
          filters:
            - type: ResponseHeaderModifier
              responseHeaderModifier: {"{"}set: [{"{"}name: x-version, value: "{generation}"{"}"}]{"}"}
          backendRefs: [{"{"}name: {(generation % 2 == 0 ? "blue" : "green")}, port: 80{"}"}]
        """);
}
