using System.Net;
using System.Text.Json;

namespace Beacon.Agent.Tests.Gateway;

/// <summary>Status conditions of GatewayClass, Gateway, listeners and HTTPRoutes, checked against what is served.</summary>
public sealed class GatewayStatusE2eTests
{
    private const string Address = "127.10.0.101";

    private const string EchoRule = """
        - backendRefs: [{name: echo, port: 80}]
        """;

    [Fact]
    public async Task Class_gateway_listener_and_route_are_accepted_programmed_and_follow_generations()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var echo = await e2e.StartBackendAsync("echo");
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", echo));
        e2e.Write("route.yaml", GatewayE2e.Route("web", "default", 1, """
            - matches: [{path: {type: PathPrefix, value: /v1}}]
              backendRefs: [{name: echo, port: 80}]
            """));
        await e2e.WaitForRouteAsync("default", "web", 1);

        Assert.Equal("/v1/x", (await e2e.EchoAsync("/v1/x")).Path);
        var gatewayClass = (await e2e.GetStatusAsync("GatewayClass", null, "beacon"))!.Value;
        AssertCondition(gatewayClass, "Accepted", "True", "Accepted", 1);
        var gateway = (await e2e.GetStatusAsync("Gateway", "default", "gw"))!.Value;
        AssertCondition(gateway, "Accepted", "True", "Accepted", 1);
        AssertCondition(gateway, "Programmed", "True", "Programmed", 1);
        Assert.Contains(gateway.GetProperty("addresses").EnumerateArray(), a => a.GetProperty("value").GetString() == Address);
        var listener = gateway.GetProperty("listeners")[0];
        Assert.Equal("http", listener.GetProperty("name").GetString());
        Assert.Equal(1, listener.GetProperty("attachedRoutes").GetInt32());
        AssertCondition(listener, "Accepted", "True", "Accepted", 1);
        AssertCondition(listener, "Programmed", "True", "Programmed", 1);
        AssertCondition(listener, "ResolvedRefs", "True", "ResolvedRefs", 1);
        var parent = GatewayE2e.FirstParent((await e2e.GetStatusAsync("HTTPRoute", "default", "web"))!.Value);
        Assert.Equal("beacon.dev/gateway-controller", parent.GetProperty("controllerName").GetString());
        AssertCondition(parent, "Accepted", "True", "Accepted", 1);
        AssertCondition(parent, "ResolvedRefs", "True", "ResolvedRefs", 1);

        e2e.Write("route.yaml", GatewayE2e.Route("web", "default", 2, """
            - matches: [{path: {type: PathPrefix, value: /v2}}]
              backendRefs: [{name: echo, port: 80}]
            """));
        await e2e.WaitForRouteAsync("default", "web", 2);
        Assert.Equal("/v2", (await e2e.EchoAsync("/v2")).Path);
        Assert.Equal(HttpStatusCode.NotFound, (await e2e.SendAsync("/v1/x")).StatusCode);

        // A second listener: the Gateway's generation is observed and the route attaches to both.
        var port2 = e2e.FreePort();
        e2e.Write("gateway.yaml", e2e.DefaultGateway(2) + $"""

                - name: second
                  protocol: HTTP
                  port: {port2}
                  allowedRoutes:
                    namespaces: {"{"}from: All{"}"}
            """);
        await e2e.WaitForConditionAsync("Gateway", "default", "gw", "Programmed", "True", "Programmed", generation: 2);
        gateway = (await e2e.GetStatusAsync("Gateway", "default", "gw"))!.Value;
        Assert.All(gateway.GetProperty("listeners").EnumerateArray(), l => Assert.Equal(1, l.GetProperty("attachedRoutes").GetInt32()));
        Assert.Equal("/v2", (await e2e.EchoAsync("/v2", port: port2)).Path);
    }

    [Fact]
    public async Task Routes_from_namespaces_a_listener_does_not_allow_are_NotAllowedByListeners_and_not_served()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        e2e.Write("gateway.yaml", e2e.DefaultGateway().Replace("from: All", "from: Same", StringComparison.Ordinal));
        var echo = await e2e.StartBackendAsync("echo", "other");
        var local = await e2e.StartBackendAsync("echo");
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "other", echo) + "---\n" + GatewayE2e.Service("echo", "default", local));
        e2e.Write("other.yaml", GatewayE2e.Route("foreign", "other", 1, """
            - matches: [{path: {value: /foreign}}]
              backendRefs: [{name: echo, port: 80}]
            """));
        e2e.Write("same.yaml", GatewayE2e.Route("local", "default", 1, """
            - matches: [{path: {value: /local}}]
              backendRefs: [{name: echo, port: 80}]
            """));

        await e2e.WaitForConditionAsync("HTTPRoute", "other", "foreign", "Accepted", "False", "NotAllowedByListeners", 1);
        await e2e.WaitForConditionAsync("HTTPRoute", "default", "local", "Accepted", "True", "Accepted", 1);
        Assert.Equal("default", (await e2e.EchoAsync("/local")).Namespace);
        Assert.Equal(HttpStatusCode.NotFound, (await e2e.SendAsync("/foreign")).StatusCode);
        var gateway = (await e2e.GetStatusAsync("Gateway", "default", "gw"))!.Value;
        Assert.Equal(1, gateway.GetProperty("listeners")[0].GetProperty("attachedRoutes").GetInt32());
    }

    [Fact]
    public async Task Route_hostnames_outside_every_listener_hostname_are_NoMatchingListenerHostname()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        e2e.Write("gateway.yaml", e2e.DefaultGateway().Replace("port:", "hostname: \"*.example.com\"\n      port:", StringComparison.Ordinal));
        var echo = await e2e.StartBackendAsync("echo");
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", echo));
        e2e.Write("miss.yaml", GatewayE2e.Route("miss", "default", 1, EchoRule, extra: "hostnames: [foo.example.net]"));
        e2e.Write("hit.yaml", GatewayE2e.Route("hit", "default", 1, EchoRule, extra: "hostnames: [foo.example.com]"));

        await e2e.WaitForConditionAsync("HTTPRoute", "default", "miss", "Accepted", "False", "NoMatchingListenerHostname", 1);
        await e2e.WaitForConditionAsync("HTTPRoute", "default", "hit", "Accepted", "True", "Accepted", 1);
        Assert.Equal("foo.example.com", (await e2e.EchoAsync("/", "foo.example.com")).Host);
        Assert.Equal(HttpStatusCode.NotFound, (await e2e.SendAsync("/", "foo.example.net")).StatusCode);
    }

    [Fact]
    public async Task ParentRefs_to_a_missing_section_or_port_are_NoMatchingParent()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var echo = await e2e.StartBackendAsync("echo");
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", echo));
        e2e.Write("section.yaml", GatewayE2e.Route("section", "default", 1, EchoRule, "[{name: gw, sectionName: nope}]"));
        e2e.Write("port.yaml", GatewayE2e.Route("port", "default", 1, EchoRule, $"[{{name: gw, port: {e2e.Port + 1}}}]"));
        e2e.Write("both.yaml", GatewayE2e.Route("both", "default", 1, """
            - matches: [{path: {value: /both}}]
              backendRefs: [{name: echo, port: 80}]
            """, $"[{{name: gw, sectionName: http, port: {e2e.Port}}}]"));

        await e2e.WaitForConditionAsync("HTTPRoute", "default", "section", "Accepted", "False", "NoMatchingParent", 1);
        await e2e.WaitForConditionAsync("HTTPRoute", "default", "port", "Accepted", "False", "NoMatchingParent", 1);
        await e2e.WaitForConditionAsync("HTTPRoute", "default", "both", "Accepted", "True", "Accepted", 1);
        Assert.Equal(HttpStatusCode.NotFound, (await e2e.SendAsync("/")).StatusCode);
        Assert.Equal("/both", (await e2e.EchoAsync("/both")).Path);
        var gateway = (await e2e.GetStatusAsync("Gateway", "default", "gw"))!.Value;
        Assert.Equal(1, gateway.GetProperty("listeners")[0].GetProperty("attachedRoutes").GetInt32());
    }

    [Fact]
    public async Task A_missing_Service_is_BackendNotFound_and_its_requests_get_500()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        e2e.Write("route.yaml", GatewayE2e.Route("web", "default", 1, """
            - backendRefs: [{name: missing, port: 80}]
            """));

        await e2e.WaitForConditionAsync("HTTPRoute", "default", "web", "ResolvedRefs", "False", "BackendNotFound", 1);
        var parent = GatewayE2e.FirstParent((await e2e.GetStatusAsync("HTTPRoute", "default", "web"))!.Value);
        AssertCondition(parent, "Accepted", "True", "Accepted", 1);
        Assert.Equal(HttpStatusCode.InternalServerError, (await e2e.SendAsync("/anything")).StatusCode);
    }

    [Fact]
    public async Task A_port_the_Service_does_not_have_is_BackendNotFound_and_only_its_share_gets_500()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var echo = await e2e.StartBackendAsync("echo");
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", echo));
        e2e.Write("route.yaml", GatewayE2e.Route("web", "default", 1, """
            - matches: [{path: {value: /bad-port}}]
              backendRefs: [{name: echo, port: 81}]
            - matches: [{path: {value: /good}}]
              backendRefs: [{name: echo, port: 80}]
            """));

        await e2e.WaitForConditionAsync("HTTPRoute", "default", "web", "ResolvedRefs", "False", "BackendNotFound", 1);
        Assert.Equal(HttpStatusCode.InternalServerError, (await e2e.SendAsync("/bad-port")).StatusCode);
        Assert.Equal("/good", (await e2e.EchoAsync("/good")).Path);
    }

    [Fact]
    public async Task A_cross_namespace_backend_is_served_only_while_a_ReferenceGrant_allows_it()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var shared = await e2e.StartBackendAsync("echo", "shared");
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "shared", shared));
        e2e.Write("route.yaml", GatewayE2e.Route("web", "default", 1, """
            - backendRefs: [{name: echo, namespace: shared, port: 80}]
            """));

        await e2e.WaitForConditionAsync("HTTPRoute", "default", "web", "ResolvedRefs", "False", "RefNotPermitted", 1);
        Assert.Equal(HttpStatusCode.InternalServerError, (await e2e.SendAsync("/")).StatusCode);
        var refused = GatewayE2e.FirstParent((await e2e.GetStatusAsync("HTTPRoute", "default", "web"))!.Value);

        e2e.Write("grant.yaml", """
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata:
              name: routes-from-default
              namespace: shared
            spec:
              from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
              to: [{group: "", kind: Service, name: echo}]
            """);
        await e2e.WaitForConditionAsync("HTTPRoute", "default", "web", "ResolvedRefs", "True", "ResolvedRefs", 1);
        var reply = await e2e.EchoAsync("/granted");
        Assert.Equal("shared", reply.Namespace);
        // An unchanged condition keeps its transition time.
        var granted = GatewayE2e.FirstParent((await e2e.GetStatusAsync("HTTPRoute", "default", "web"))!.Value);
        Assert.Equal(TransitionTime(refused, "Accepted"), TransitionTime(granted, "Accepted"));

        e2e.Delete("grant.yaml");
        await e2e.WaitForConditionAsync("HTTPRoute", "default", "web", "ResolvedRefs", "False", "RefNotPermitted", 1);
        Assert.Equal(HttpStatusCode.InternalServerError, (await e2e.SendAsync("/")).StatusCode);
    }

    [Fact]
    public async Task A_backendRef_of_an_unsupported_kind_is_InvalidKind_and_gets_500()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        e2e.Write("route.yaml", GatewayE2e.Route("web", "default", 1, """
            - backendRefs: [{group: example.com, kind: Bucket, name: data}]
            """));

        await e2e.WaitForConditionAsync("HTTPRoute", "default", "web", "ResolvedRefs", "False", "InvalidKind", 1);
        Assert.Equal(HttpStatusCode.InternalServerError, (await e2e.SendAsync("/")).StatusCode);
    }

    [Fact]
    public async Task An_invalid_route_is_UnsupportedValue_while_the_other_routes_keep_serving()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var echo = await e2e.StartBackendAsync("echo");
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", echo));
        e2e.Write("good.yaml", GatewayE2e.Route("good", "default", 1, """
            - matches: [{path: {type: PathPrefix, value: /good}}]
              backendRefs: [{name: echo, port: 80}]
            """));
        e2e.Write("bad.yaml", GatewayE2e.Route("bad", "default", 1, """
            - matches: [{path: {type: Exact, value: /bad}}]
              filters:
                - type: URLRewrite
                  urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /x}}
              backendRefs: [{name: echo, port: 80}]
            """));

        await e2e.WaitForConditionAsync("HTTPRoute", "default", "bad", "Accepted", "False", "UnsupportedValue", 1);
        await e2e.WaitForRouteAsync("default", "good", 1);
        Assert.Equal("/good", (await e2e.EchoAsync("/good")).Path);
        Assert.Equal(HttpStatusCode.NotFound, (await e2e.SendAsync("/bad")).StatusCode);
        var gateway = (await e2e.GetStatusAsync("Gateway", "default", "gw"))!.Value;
        Assert.Equal(1, gateway.GetProperty("listeners")[0].GetProperty("attachedRoutes").GetInt32());
    }

    [Fact]
    public async Task A_gateway_whose_address_is_not_local_is_AddressNotUsable_while_another_gateway_serves()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var echo = await e2e.StartBackendAsync("echo");
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", echo));
        e2e.Write("remote.yaml", e2e.DefaultGateway()
            .Replace("name: gw", "name: remote", StringComparison.Ordinal)
            .Replace(Address, "192.0.2.1", StringComparison.Ordinal));
        e2e.Write("route.yaml", GatewayE2e.Route("web", "default", 1, EchoRule, "[{name: gw}, {name: remote}]"));

        await e2e.WaitForConditionAsync("Gateway", "default", "remote", "Programmed", "False", "AddressNotUsable", 1);
        await e2e.WaitForConditionAsync("Gateway", "default", "gw", "Programmed", "True", "Programmed", 1);
        await e2e.WaitForRouteAsync("default", "web", 1);
        Assert.Equal("echo", (await e2e.EchoAsync("/")).Service);
    }

    [Fact]
    public async Task A_gateway_takes_status_addresses_when_spec_has_none_and_without_any_is_AddressNotAssigned()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var echo = await e2e.StartBackendAsync("echo");
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", echo));
        e2e.Write("gateway.yaml", e2e.DefaultGateway().Replace($"addresses: [{{type: IPAddress, value: {Address}}}]", "addresses: []", StringComparison.Ordinal)
            + $"\nstatus:\n  addresses: [{{type: IPAddress, value: {Address}}}]");
        e2e.Write("bare.yaml", e2e.DefaultGateway()
            .Replace("name: gw", "name: bare", StringComparison.Ordinal)
            .Replace($"addresses: [{{type: IPAddress, value: {Address}}}]", "addresses: []", StringComparison.Ordinal));
        e2e.Write("route.yaml", GatewayE2e.Route("web", "default", 1, EchoRule));

        await e2e.WaitForConditionAsync("Gateway", "default", "bare", "Programmed", "False", "AddressNotAssigned", 1);
        await e2e.WaitForConditionAsync("Gateway", "default", "gw", "Programmed", "True", "Programmed", 1);
        await e2e.WaitForRouteAsync("default", "web", 1);
        Assert.Equal("echo", (await e2e.EchoAsync("/")).Service);
    }

    private static DateTimeOffset TransitionTime(JsonElement status, string type) =>
        GatewayE2e.Condition(status, type)!.Value.GetProperty("lastTransitionTime").GetDateTimeOffset();

    private static void AssertCondition(JsonElement status, string type, string expected, string reason, long generation)
    {
        var condition = GatewayE2e.Condition(status, type);
        Assert.True(condition.HasValue, $"no {type} condition in {status.GetRawText()}");
        Assert.Equal(expected, condition.Value.GetProperty("status").GetString());
        Assert.Equal(reason, condition.Value.GetProperty("reason").GetString());
        Assert.Equal(generation, condition.Value.GetProperty("observedGeneration").GetInt64());
    }
}
