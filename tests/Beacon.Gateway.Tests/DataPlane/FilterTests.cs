using System.Net;
using Beacon.Gateway.Config;
using static Beacon.Gateway.Tests.DataPlane.Cfg;

namespace Beacon.Gateway.Tests.DataPlane;

public sealed class FilterTests : IAsyncLifetime
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

    private static RouteEntryConfig RedirectEntry(string route, MatchConfig match, RedirectConfig redirect) =>
        Entry(route, match, Action([], [Redirect(redirect)]));

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task Redirect_answers_the_configured_status_and_keeps_the_query(int status)
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [RedirectEntry("r", Prefix("/"), new RedirectConfig(null, "other.example", null, null, status))],
            Backends));

        using var response = await proxy.SendAsync("example.org", "/p/q?x=1");
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal($"http://other.example:{proxy.Port}/p/q?x=1", response.Headers.Location!.OriginalString);
        Assert.Equal(0, _a.Count + _b.Count);
    }

    [Fact]
    public async Task Redirect_scheme_port_and_path_variants()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [
                RedirectEntry("scheme", Prefix("/scheme"), new RedirectConfig("https", null, null, null, 302)),
                RedirectEntry("port", Prefix("/port"), new RedirectConfig(null, null, 8443, null, 302)),
                RedirectEntry("port80", Prefix("/port80"), new RedirectConfig("http", null, 80, null, 301)),
                RedirectEntry("full", Prefix("/full"), new RedirectConfig(null, null, null, new PathModifierConfig(PathModifierTypes.ReplaceFullPath, "/new"), 302)),
                RedirectEntry("prefix", Prefix("/old/"), new RedirectConfig(null, null, null, new PathModifierConfig(PathModifierTypes.ReplacePrefixMatch, "/new"), 302)),
            ],
            Backends));

        async Task<string> Location(string path)
        {
            using var response = await proxy.SendAsync("example.org:9999", path);
            return response.Headers.Location!.OriginalString;
        }

        Assert.Equal("https://example.org/scheme/x", await Location("/scheme/x"));
        Assert.Equal("http://example.org:8443/port?a=b", await Location("/port?a=b"));
        Assert.Equal("http://example.org/port80", await Location("/port80"));
        Assert.Equal($"http://example.org:{proxy.Port}/new?k=v", await Location("/full/a/b?k=v"));
        Assert.Equal($"http://example.org:{proxy.Port}/new/a/b", await Location("/old/a/b"));
        Assert.Equal($"http://example.org:{proxy.Port}/new", await Location("/old"));
    }

    [Fact]
    public async Task Url_rewrite_replaces_host_and_path_prefix()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [
                Forward("prefix", Prefix("/prefix"), "a", Rewrite("rewritten.example", new PathModifierConfig(PathModifierTypes.ReplacePrefixMatch, "/"))),
                Forward("full", Prefix("/full"), "a", Rewrite(null, new PathModifierConfig(PathModifierTypes.ReplaceFullPath, "/one"))),
                Forward("xyz", Prefix("/foo/"), "a", Rewrite(null, new PathModifierConfig(PathModifierTypes.ReplacePrefixMatch, "/xyz/"))),
            ],
            Backends));

        var prefix = await proxy.EchoAsync("example.org", "/prefix/one/two?q=1");
        Assert.Equal("/one/two?q=1", prefix.Path);
        Assert.Equal("rewritten.example", prefix.Host);

        var full = await proxy.EchoAsync("example.org", "/full/one/two");
        Assert.Equal("/one", full.Path);
        Assert.Equal("example.org", full.Host);

        Assert.Equal("/xyz/bar", (await proxy.EchoAsync("h", "/foo/bar")).Path);
        Assert.Equal("/xyz", (await proxy.EchoAsync("h", "/foo")).Path);
        Assert.Equal("/xyz/", (await proxy.EchoAsync("h", "/foo/")).Path);
        Assert.Equal("/", (await proxy.EchoAsync("h", "/prefix")).Path);
    }

    [Fact]
    public async Task Request_header_modifier_sets_adds_and_removes_at_rule_and_backend_level()
    {
        var rule = RequestHeaders(Headers(
            set: [("X-Set", "set-val"), ("x-set", "ignored-duplicate")],
            add: [("X-Add", "header-val-2")],
            remove: ["X-Remove"]));
        var backendFilter = RequestHeaders(Headers(set: [("X-Backend-Filter", "b")], remove: ["X-Rule-Only"]));
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [Entry("r", Prefix("/"), Action([To("a", 1, backendFilter)], [rule, RequestHeaders(Headers(set: [("X-Rule-Only", "r")]))]))],
            Backends));

        var reply = await proxy.EchoAsync("h", "/", configure: r =>
        {
            r.Headers.Add("X-Set", "original");
            r.Headers.Add("X-Add", "append-val-1");
            r.Headers.Add("X-Remove", "gone");
            r.Headers.Add("X-Keep", "kept");
        });

        Assert.Equal("set-val", reply.Headers["X-Set"]);
        Assert.Equal("append-val-1,header-val-2", reply.Headers["X-Add"]);
        Assert.False(reply.Headers.ContainsKey("X-Remove"));
        Assert.Equal("kept", reply.Headers["X-Keep"]);
        Assert.Equal("b", reply.Headers["X-Backend-Filter"]);
        Assert.False(reply.Headers.ContainsKey("X-Rule-Only"));

        var plain = await proxy.EchoAsync("h", "/");
        Assert.Equal("header-val-2", plain.Headers["X-Add"]);
    }

    [Fact]
    public async Task Response_header_modifier_changes_what_the_client_sees()
    {
        var modifier = ResponseHeaders(Headers(set: [("X-Backend", "hidden")], add: [("X-Added", "1")], remove: ["Content-Type"]));
        var backendLevel = ResponseHeaders(Headers(add: [("X-Added", "2")]));
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [Entry("r", Prefix("/"), Action([To("a", 1, backendLevel)], [modifier]))],
            Backends));

        using var response = await proxy.SendAsync("h", "/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hidden", Assert.Single(response.Headers.GetValues("X-Backend")));
        Assert.Equal("1,2", string.Join(",", response.Headers.GetValues("X-Added")));
        Assert.Null(response.Content.Headers.ContentType);
    }

    private static CorsConfig CorsPolicy(bool credentials, params string[] origins) =>
        new([.. origins], credentials, ["GET", "PUT"], ["X-Custom"], ["X-Exposed"], 7);

    [Fact]
    public async Task Cors_preflight_is_answered_without_the_backend()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [Forward("r", Prefix("/"), "a", Cors(CorsPolicy(false, "https://www.foo.com", "https://*.bar.com")))],
            Backends));

        using var preflight = await proxy.SendAsync("h", "/", HttpMethod.Options, r =>
        {
            r.Headers.Add("Origin", "https://app.bar.com");
            r.Headers.Add("Access-Control-Request-Method", "PUT");
            r.Headers.Add("Access-Control-Request-Headers", "x-custom");
        });
        Assert.Equal(HttpStatusCode.OK, preflight.StatusCode);
        Assert.Equal("https://app.bar.com", Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Equal("GET, PUT", Header(preflight, "Access-Control-Allow-Methods"));
        Assert.Equal("X-Custom", Header(preflight, "Access-Control-Allow-Headers"));
        Assert.Equal("7", Header(preflight, "Access-Control-Max-Age"));
        Assert.Null(Header(preflight, "Access-Control-Allow-Credentials"));

        using var denied = await proxy.SendAsync("h", "/", HttpMethod.Options, r =>
        {
            r.Headers.Add("Origin", "https://evil.com");
            r.Headers.Add("Access-Control-Request-Method", "PUT");
        });
        Assert.Equal(HttpStatusCode.OK, denied.StatusCode);
        Assert.Null(Header(denied, "Access-Control-Allow-Origin"));
        Assert.Equal(0, _a.Count);
    }

    [Fact]
    public async Task Cors_actual_request_gets_origin_and_expose_headers()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [Forward("r", Prefix("/"), "a", Cors(CorsPolicy(false, "https://www.foo.com")))],
            Backends));

        using var allowed = await proxy.SendAsync("h", "/", configure: r => r.Headers.Add("Origin", "https://www.foo.com"));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("https://www.foo.com", Header(allowed, "Access-Control-Allow-Origin"));
        Assert.Equal("X-Exposed", Header(allowed, "Access-Control-Expose-Headers"));

        using var other = await proxy.SendAsync("h", "/", configure: r => r.Headers.Add("Origin", "https://www.bar.com"));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Null(Header(other, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Cors_wildcards_become_echoes_with_credentials()
    {
        var wildcard = new CorsConfig(["*"], false, ["*"], ["*"], ["*"], 5);
        var withCredentials = wildcard with { AllowCredentials = true };
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [Forward("open", Prefix("/open"), "a", Cors(wildcard)), Forward("creds", Prefix("/creds"), "a", Cors(withCredentials))],
            Backends));

        void Preflight(HttpRequestMessage r)
        {
            r.Headers.Add("Origin", "https://x.example");
            r.Headers.Add("Access-Control-Request-Method", "DELETE");
            r.Headers.Add("Access-Control-Request-Headers", "x-a, x-b");
        }

        using var open = await proxy.SendAsync("h", "/open", HttpMethod.Options, Preflight);
        Assert.Equal("*", Header(open, "Access-Control-Allow-Origin"));
        Assert.Equal("*", Header(open, "Access-Control-Allow-Methods"));
        Assert.Equal("*", Header(open, "Access-Control-Allow-Headers"));
        Assert.Equal("5", Header(open, "Access-Control-Max-Age"));

        using var creds = await proxy.SendAsync("h", "/creds", HttpMethod.Options, Preflight);
        Assert.Equal("https://x.example", Header(creds, "Access-Control-Allow-Origin"));
        Assert.Equal("DELETE", Header(creds, "Access-Control-Allow-Methods"));
        Assert.Equal("x-a, x-b", Header(creds, "Access-Control-Allow-Headers"));
        Assert.Equal("true", Header(creds, "Access-Control-Allow-Credentials"));

        using var actual = await proxy.SendAsync("h", "/creds", configure: r => r.Headers.Add("Origin", "https://x.example"));
        Assert.Equal(HttpStatusCode.OK, actual.StatusCode);
        Assert.Equal("https://x.example", Header(actual, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(actual, "Access-Control-Allow-Credentials"));
        Assert.Null(Header(actual, "Access-Control-Expose-Headers"));
        Assert.Equal(1, _a.Count);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values)
        : null;
}
