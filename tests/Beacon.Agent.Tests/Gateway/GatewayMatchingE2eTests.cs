using System.Net;

namespace Beacon.Agent.Tests.Gateway;

/// <summary>
/// Which rule serves a request: each rule names itself to the echo backend in an <c>x-rule</c>
/// header (a backendRef-level RequestHeaderModifier), so one backend tells the rules apart.
/// </summary>
public sealed class GatewayMatchingE2eTests
{
    private const string Address = "127.10.0.102";

    [Fact]
    public async Task Paths_match_exactly_by_segment_prefix_or_by_regular_expression()
    {
        await using var e2e = await StartAsync();
        e2e.Write("route.yaml", GatewayE2e.Route("paths", "default", 1, string.Join("\n",
            Rule("exact", "[{path: {type: Exact, value: /exact}}]"),
            Rule("abc", "[{path: {type: PathPrefix, value: /abc}}]"),
            Rule("abc-def", "[{path: {type: PathPrefix, value: /abc/def/}}]"),
            Rule("regex", "[{path: {type: RegularExpression, value: \"/items/[0-9]+\"}}]"))));
        await e2e.WaitForRouteAsync("default", "paths", 1);

        Assert.Equal("exact", await RuleOf(e2e, "/exact"));
        Assert.Equal("exact", await RuleOf(e2e, "/exact?q=1"));
        Assert.Equal(HttpStatusCode.NotFound, (await e2e.SendAsync("/exact/more")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await e2e.SendAsync("/exactly")).StatusCode);
        Assert.Equal("abc", await RuleOf(e2e, "/abc"));
        Assert.Equal("abc", await RuleOf(e2e, "/abc/"));
        Assert.Equal("abc", await RuleOf(e2e, "/abc/x"));
        Assert.Equal(HttpStatusCode.NotFound, (await e2e.SendAsync("/abcd")).StatusCode);
        Assert.Equal("abc-def", await RuleOf(e2e, "/abc/def"));
        Assert.Equal("abc-def", await RuleOf(e2e, "/abc/def/g"));
        Assert.Equal("abc", await RuleOf(e2e, "/abc/defg"));
        Assert.Equal("regex", await RuleOf(e2e, "/items/42"));
        Assert.Equal(HttpStatusCode.NotFound, (await e2e.SendAsync("/items/42x")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await e2e.SendAsync("/nothing")).StatusCode);
    }

    [Fact]
    public async Task Headers_query_parameters_and_methods_select_rules_and_more_specific_matches_win()
    {
        await using var e2e = await StartAsync();
        e2e.Write("route.yaml", GatewayE2e.Route("conditions", "default", 1, string.Join("\n",
            Rule("plain", "[{path: {value: /m}}]"),
            Rule("header-exact", "[{path: {value: /m}, headers: [{name: X-Env, value: canary}]}]"),
            Rule("header-regex", "[{path: {value: /m}, headers: [{type: RegularExpression, name: x-version, value: \"v[0-9]+\"}]}]"),
            Rule("two-headers", "[{path: {value: /m}, headers: [{name: x-env, value: canary}, {name: x-zone, value: a}]}]"),
            Rule("query", "[{path: {value: /m}, queryParams: [{name: tier, value: gold}]}]"),
            Rule("method", "[{path: {value: /m}, method: DELETE}]"),
            Rule("query-regex", "[{path: {value: /m}, queryParams: [{type: RegularExpression, name: id, value: \"[0-9]{3}\"}]}]"),
            Rule("same-as-plain", "[{path: {value: /m}}]"))));
        await e2e.WaitForRouteAsync("default", "conditions", 1);

        // "same-as-plain" ties with "plain" in everything but rule order.
        Assert.Equal("plain", await RuleOf(e2e, "/m"));
        Assert.Equal("header-exact", await RuleOf(e2e, "/m", headers: ("x-env", "canary")));
        Assert.Equal("plain", await RuleOf(e2e, "/m", headers: ("x-env", "Canary")));
        Assert.Equal("two-headers", await RuleOf(e2e, "/m", headers: [("x-env", "canary"), ("X-Zone", "a")]));
        Assert.Equal("header-regex", await RuleOf(e2e, "/m", headers: ("x-version", "v12")));
        Assert.Equal("plain", await RuleOf(e2e, "/m", headers: ("x-version", "v12-beta")));
        Assert.Equal("query", await RuleOf(e2e, "/m?tier=gold"));
        Assert.Equal("plain", await RuleOf(e2e, "/m?tier=silver"));
        Assert.Equal("plain", await RuleOf(e2e, "/m?Tier=gold"));
        Assert.Equal("query-regex", await RuleOf(e2e, "/m?id=123"));
        Assert.Equal("plain", await RuleOf(e2e, "/m?id=1234"));
        Assert.Equal("method", await RuleOf(e2e, "/m", HttpMethod.Delete));
        Assert.Equal("plain", await RuleOf(e2e, "/m", HttpMethod.Post));
        // Method outranks headers and query parameters (Gateway API precedence).
        Assert.Equal("method", await RuleOf(e2e, "/m?tier=gold", HttpMethod.Delete, ("x-env", "canary")));
    }

    [Fact]
    public async Task A_regular_expression_that_backtracks_without_end_counts_as_no_match()
    {
        await using var e2e = await StartAsync();
        e2e.Write("route.yaml", GatewayE2e.Route("redos", "default", 1, string.Join("\n",
            Rule("evil-path", "[{path: {type: RegularExpression, value: \"/(a+)+b\"}}]"),
            Rule("evil-header", "[{path: {value: /h}, headers: [{type: RegularExpression, name: x-evil, value: \"(a|aa)+b\"}]}]"),
            Rule("fallback", "[{path: {value: /}}]"))));
        await e2e.WaitForRouteAsync("default", "redos", 1);

        Assert.Equal("evil-path", await RuleOf(e2e, "/aaab"));
        Assert.Equal("fallback", await RuleOf(e2e, "/" + new string('a', 64) + "!"));
        Assert.Equal("fallback", await RuleOf(e2e, "/h", headers: ("x-evil", new string('a', 64) + "!")));
        Assert.Equal("evil-header", await RuleOf(e2e, "/h", headers: ("x-evil", "aab")));
    }

    [Fact]
    public async Task Route_hostnames_are_intersected_with_listener_hostnames_and_listeners_are_isolated()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        e2e.Write("gateway.yaml", Gateway(e2e, """
            - {name: foo, protocol: HTTP, port: PORT, hostname: foo.example.com}
            - {name: wild, protocol: HTTP, port: PORT, hostname: "*.example.org"}
            - {name: special, protocol: HTTP, port: PORT, hostname: special.example.org}
            """));
        await WriteEchoAsync(e2e);
        // *.example.com ∩ foo.example.com = foo.example.com.
        e2e.Write("wide.yaml", GatewayE2e.Route("wide", "default", 1, Rule("wide", "[{path: {value: /}}]"), extra: "hostnames: [\"*.example.com\"]"));
        // No hostnames: every hostname of the listeners it attaches to.
        e2e.Write("org.yaml", GatewayE2e.Route("org", "default", 1, Rule("org", "[{path: {value: /}}]"), "[{name: gw, sectionName: wild}]"));
        e2e.Write("special.yaml", GatewayE2e.Route("special", "default", 1, Rule("special", "[{path: {value: /only-special}}]"), "[{name: gw, sectionName: special}]"));
        e2e.Write("exact.yaml", GatewayE2e.Route("exact", "default", 1, Rule("exact", "[{path: {value: /}}]"), extra: "hostnames: [b.example.org]"));
        foreach (var route in new[] { "wide", "org", "special", "exact" })
        {
            await e2e.WaitForRouteAsync("default", route, 1);
        }

        Assert.Equal("wide", await RuleOf(e2e, "/", host: "foo.example.com"));
        Assert.Equal(HttpStatusCode.NotFound, (await e2e.SendAsync("/", "bar.example.com")).StatusCode);
        Assert.Equal("org", await RuleOf(e2e, "/", host: "a.example.org"));
        Assert.Equal("org", await RuleOf(e2e, "/", host: "deep.a.example.org"));
        // The exact route hostname is more specific than the listener's wildcard.
        Assert.Equal("exact", await RuleOf(e2e, "/", host: "b.example.org"));
        // special.example.org belongs to its own listener: the wildcard listener's routes never see it.
        Assert.Equal("special", await RuleOf(e2e, "/only-special", host: "special.example.org"));
        Assert.Equal(HttpStatusCode.NotFound, (await e2e.SendAsync("/", "special.example.org")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await e2e.SendAsync("/", "example.org")).StatusCode);
        // The port in Host is not part of the hostname.
        Assert.Equal("wide", await RuleOf(e2e, "/", host: $"foo.example.com:{e2e.Port}"));
        Assert.Equal("org", await RuleOf(e2e, "/", host: "A.Example.Org:1234"));
    }

    [Fact]
    public async Task Equal_matches_across_routes_go_to_the_oldest_route_then_by_namespace_and_name()
    {
        await using var e2e = await StartAsync();
        e2e.Write("echo-ns.yaml", GatewayE2e.Service("echo", "a", (await e2e.StartBackendAsync("echo", "a")))
            + "---\n" + GatewayE2e.Service("echo", "b", (await e2e.StartBackendAsync("echo", "b"))));
        // Newer route in namespace a, older one in namespace b: the older wins.
        e2e.Write("newer.yaml", GatewayE2e.Route("newer", "a", 1, Rule("newer", "[{path: {value: /age}}]"), created: "2024-05-01T00:00:00Z"));
        e2e.Write("older.yaml", GatewayE2e.Route("older", "b", 1, Rule("older", "[{path: {value: /age}}]"), created: "2023-05-01T00:00:00Z"));
        // Same creation time: namespace/name order, a/zeta before b/alpha.
        e2e.Write("zeta.yaml", GatewayE2e.Route("zeta", "a", 1, Rule("zeta", "[{path: {value: /name}}]"), created: "2024-05-01T00:00:00Z"));
        e2e.Write("alpha.yaml", GatewayE2e.Route("alpha", "b", 1, Rule("alpha", "[{path: {value: /name}}]"), created: "2024-05-01T00:00:00Z"));
        // A longer prefix in the newer route still beats the older route's shorter one.
        e2e.Write("longer.yaml", GatewayE2e.Route("longer", "a", 1, Rule("longer", "[{path: {value: /age/longer}}]"), created: "2025-01-01T00:00:00Z"));
        foreach (var (ns, name) in new[] { ("a", "newer"), ("b", "older"), ("a", "zeta"), ("b", "alpha"), ("a", "longer") })
        {
            await e2e.WaitForRouteAsync(ns, name, 1);
        }

        var age = await e2e.EchoAsync("/age");
        Assert.Equal(("older", "b"), (age.Header("x-rule"), age.Namespace));
        var name2 = await e2e.EchoAsync("/name");
        Assert.Equal(("zeta", "a"), (name2.Header("x-rule"), name2.Namespace));
        Assert.Equal("longer", await RuleOf(e2e, "/age/longer/x"));

        // The older route goes away: the newer one takes over.
        e2e.Delete("older.yaml");
        await e2e.WaitUntilAsync(async () => (await e2e.EchoAsync("/age")).Header("x-rule") == "newer", "/age served by the newer route");
    }

    private static async Task<GatewayE2e> StartAsync()
    {
        var e2e = await GatewayE2e.StartAsync(Address);
        await WriteEchoAsync(e2e);
        return e2e;
    }

    private static async Task WriteEchoAsync(GatewayE2e e2e) =>
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", await e2e.StartBackendAsync("echo")));

    private static string Gateway(GatewayE2e e2e, string listeners) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: gw
          namespace: default
          generation: 1
        spec:
          gatewayClassName: beacon
          addresses: [{"{"}type: IPAddress, value: {e2e.Address}{"}"}]
          listeners:
        {string.Join("\n", listeners.Replace("PORT", e2e.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal).Split('\n').Select(l => "    " + l))}
        """;

    /// <summary>A rule forwarding to Service <c>echo</c> (port 80) of the route's namespace that names itself in <c>x-rule</c>.</summary>
    private static string Rule(string name, string matches) => $"""
        - name: {name}
          matches: {matches}
          backendRefs:
            - name: echo
              port: 80
              filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{"{"}name: x-rule, value: {name}{"}"}]
        """;

    private static async Task<string?> RuleOf(GatewayE2e e2e, string path, HttpMethod? method = null, params (string Name, string Value)[] headers) =>
        (await e2e.EchoAsync(path, null, method, null, headers)).Header("x-rule");

    private static async Task<string?> RuleOf(GatewayE2e e2e, string path, string host) =>
        (await e2e.EchoAsync(path, host)).Header("x-rule");
}
