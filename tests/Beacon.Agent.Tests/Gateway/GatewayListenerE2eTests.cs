using System.Globalization;
using System.Net;

namespace Beacon.Agent.Tests.Gateway;

/// <summary>Listeners: namespace selectors, route kinds, conflicts, several Gateways, HTTP/2 clients.</summary>
public sealed class GatewayListenerE2eTests
{
    private const string Address = "127.10.0.106";
    private const string SecondAddress = "127.10.0.107";

    [Fact]
    public async Task A_namespace_selector_admits_routes_from_labelled_namespaces_and_follows_label_changes()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        e2e.Write("gateway.yaml", e2e.DefaultGateway().Replace("{from: All}", "{from: Selector, selector: {matchLabels: {team: a}}}", StringComparison.Ordinal));
        e2e.Write("namespaces.yaml", Namespaces("team: b"));
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "team-a", await e2e.StartBackendAsync("echo", "team-a"))
            + "---\n" + GatewayE2e.Service("echo", "team-b", await e2e.StartBackendAsync("echo", "team-b")));
        e2e.Write("a.yaml", GatewayE2e.Route("a", "team-a", 1, Forward("/a")));
        e2e.Write("b.yaml", GatewayE2e.Route("b", "team-b", 1, Forward("/b")));

        await e2e.WaitForConditionAsync("HTTPRoute", "team-a", "a", "Accepted", "True", "Accepted", 1);
        await e2e.WaitForConditionAsync("HTTPRoute", "team-b", "b", "Accepted", "False", "NotAllowedByListeners", 1);
        Assert.Equal("team-a", (await e2e.EchoAsync("/a")).Namespace);
        Assert.Equal(HttpStatusCode.NotFound, (await e2e.SendAsync("/b")).StatusCode);

        e2e.Write("namespaces.yaml", Namespaces("team: a"));
        await e2e.WaitForConditionAsync("HTTPRoute", "team-b", "b", "Accepted", "True", "Accepted", 1);
        Assert.Equal("team-b", (await e2e.EchoAsync("/b")).Namespace);
    }

    [Fact]
    public async Task A_listener_that_allows_no_HTTPRoute_kind_has_InvalidRouteKinds_and_attaches_nothing()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        e2e.Write("gateway.yaml", e2e.DefaultGateway().Replace("{from: All}", "{from: All}\n        kinds: [{kind: GRPCRoute}]", StringComparison.Ordinal));
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", await e2e.StartBackendAsync("echo")));
        e2e.Write("route.yaml", GatewayE2e.Route("web", "default", 1, Forward("/")));

        await e2e.WaitForConditionAsync("HTTPRoute", "default", "web", "Accepted", "False", "NotAllowedByListeners", 1);
        var listener = (await e2e.GetStatusAsync("Gateway", "default", "gw"))!.Value.GetProperty("listeners")[0];
        Assert.Equal("False", GatewayE2e.Condition(listener, "ResolvedRefs")!.Value.GetProperty("status").GetString());
        Assert.Equal("InvalidRouteKinds", GatewayE2e.Condition(listener, "ResolvedRefs")!.Value.GetProperty("reason").GetString());
        Assert.Equal(0, listener.GetProperty("attachedRoutes").GetInt32());
    }

    [Fact]
    public async Task Conflicting_listeners_are_Conflicted_and_not_served_while_the_others_serve()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var other = e2e.FreePort();
        e2e.Write("gateway.yaml", e2e.DefaultGateway() + $"""

                - {"{"}name: same-a, protocol: HTTP, port: {other}, hostname: dup.example.com, allowedRoutes: {"{"}namespaces: {"{"}from: All{"}"}{"}"}{"}"}
                - {"{"}name: same-b, protocol: HTTP, port: {other}, hostname: dup.example.com, allowedRoutes: {"{"}namespaces: {"{"}from: All{"}"}{"}"}{"}"}
            """);
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", await e2e.StartBackendAsync("echo")));
        e2e.Write("route.yaml", GatewayE2e.Route("web", "default", 1, Forward("/")));

        await e2e.WaitForRouteAsync("default", "web", 1);
        await e2e.WaitUntilAsync(
            async () => (await e2e.GetStatusAsync("Gateway", "default", "gw"))!.Value.GetProperty("listeners").GetArrayLength() == 3,
            "three listeners in the status");
        var listeners = (await e2e.GetStatusAsync("Gateway", "default", "gw"))!.Value.GetProperty("listeners").EnumerateArray()
            .ToDictionary(l => l.GetProperty("name").GetString()!, l => l);
        foreach (var name in new[] { "same-a", "same-b" })
        {
            var conflicted = GatewayE2e.Condition(listeners[name], "Conflicted")!.Value;
            Assert.Equal(("True", "HostnameConflict"), (conflicted.GetProperty("status").GetString(), conflicted.GetProperty("reason").GetString()));
            Assert.Equal("False", GatewayE2e.Condition(listeners[name], "Programmed")!.Value.GetProperty("status").GetString());
        }

        Assert.Equal("False", GatewayE2e.Condition(listeners["http"], "Conflicted")!.Value.GetProperty("status").GetString());
        Assert.Equal("echo", (await e2e.EchoAsync("/")).Service);
        var served = true;
        try
        {
            using var response = await e2e.SendAsync("/", "dup.example.com", port: other);
            served = response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            served = false;
        }

        Assert.False(served, "a conflicted listener served a request");
    }

    [Fact]
    public async Task One_route_with_two_parent_Gateways_is_served_on_both_with_a_status_per_parent()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var secondPort = e2e.FreePort();
        e2e.Write("gateway2.yaml", e2e.DefaultGateway()
            .Replace("name: gw", "name: gw2", StringComparison.Ordinal)
            .Replace(Address, SecondAddress, StringComparison.Ordinal)
            .Replace($"port: {e2e.Port}", $"port: {secondPort}", StringComparison.Ordinal));
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", await e2e.StartBackendAsync("echo")));
        e2e.Write("route.yaml", GatewayE2e.Route("web", "default", 1, Forward("/"), "[{name: gw}, {name: gw2}]"));

        await e2e.WaitForRouteAsync("default", "web", 1);
        var parents = (await e2e.GetStatusAsync("HTTPRoute", "default", "web"))!.Value.GetProperty("parents").EnumerateArray().ToList();
        Assert.Equal(["gw", "gw2"], parents.Select(p => p.GetProperty("parentRef").GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        Assert.All(parents, p => Assert.Equal("True", GatewayE2e.Condition(p, "Accepted")!.Value.GetProperty("status").GetString()));
        Assert.Equal("echo", (await e2e.EchoAsync("/one")).Service);
        using var response = await e2e.Http.GetAsync(new Uri($"http://{SecondAddress}:{secondPort.ToString(CultureInfo.InvariantCulture)}/two"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/two", EchoReply.Parse(await response.Content.ReadAsStringAsync()).Path);
    }

    [Fact]
    public async Task Two_gateways_on_one_socket_with_different_hostnames_each_serve_their_own_routes()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        e2e.Write("gateway.yaml", e2e.DefaultGateway().Replace("port:", "hostname: one.example.com\n      port:", StringComparison.Ordinal));
        e2e.Write("gateway2.yaml", e2e.DefaultGateway()
            .Replace("name: gw", "name: gw2", StringComparison.Ordinal)
            .Replace("port:", "hostname: two.example.com\n      port:", StringComparison.Ordinal));
        e2e.Write("echo.yaml", GatewayE2e.Service("one", "default", await e2e.StartBackendAsync("one"))
            + "---\n" + GatewayE2e.Service("two", "default", await e2e.StartBackendAsync("two")));
        e2e.Write("one.yaml", GatewayE2e.Route("one", "default", 1, "- backendRefs: [{name: one, port: 80}]", "[{name: gw}]"));
        e2e.Write("two.yaml", GatewayE2e.Route("two", "default", 1, "- backendRefs: [{name: two, port: 80}]", "[{name: gw2}]"));

        await e2e.WaitForRouteAsync("default", "one", 1);
        await e2e.WaitForRouteAsync("default", "two", 1);
        Assert.Equal("one", (await e2e.EchoAsync("/", "one.example.com")).Service);
        Assert.Equal("two", (await e2e.EchoAsync("/", "two.example.com")).Service);
        Assert.Equal(HttpStatusCode.NotFound, (await e2e.SendAsync("/", "three.example.com")).StatusCode);
    }

    [Fact]
    public async Task Clients_speaking_HTTP2_with_prior_knowledge_are_served()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", await e2e.StartBackendAsync("echo")));
        e2e.Write("route.yaml", GatewayE2e.Route("web", "default", 1, Forward("/")));
        await e2e.WaitForRouteAsync("default", "web", 1);

        using var request = new HttpRequestMessage(HttpMethod.Get, e2e.Url("/h2?x=1"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await e2e.Http.SendAsync(request);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = EchoReply.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(("/h2?x=1", "HTTP/1.1"), (reply.Path, reply.Proto));
    }

    private static string Namespaces(string teamBLabels) => $"""
        apiVersion: v1
        kind: Namespace
        metadata: {"{"}name: team-a, labels: {"{"}team: a{"}"}{"}"}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {"{"}name: team-b, labels: {"{"}{teamBLabels}{"}"}{"}"}
        """;

    private static string Forward(string prefix) => $"""
        - matches: [{"{"}path: {"{"}type: PathPrefix, value: {prefix}{"}"}{"}"}]
          backendRefs: [{"{"}name: echo, port: 80{"}"}]
        """;
}
