using System.Net;
using Beacon.Gateway.Config;
using static Beacon.Gateway.Tests.DataPlane.Cfg;

namespace Beacon.Gateway.Tests.DataPlane;

public sealed class RoutingTests : IAsyncLifetime
{
    private EchoBackend _a = null!;
    private EchoBackend _b = null!;
    private EchoBackend _c = null!;

    public async Task InitializeAsync()
    {
        _a = await EchoBackend.StartAsync("a");
        _b = await EchoBackend.StartAsync("b");
        _c = await EchoBackend.StartAsync("c");
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _c.DisposeAsync();
    }

    private BackendConfig[] Backends => [Backend("a", _a), Backend("b", _b), Backend("c", _c)];

    [Fact]
    public async Task The_first_matching_entry_in_config_order_wins()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [
                Forward("r/exact", Exact("/api/v1"), "a"),
                Forward("r/prefix-long", Prefix("/api/v1"), "b"),
                Forward("r/prefix", Prefix("/api"), "c"),
                Forward("r/root", Prefix("/"), "a"),
            ],
            Backends));

        Assert.Equal("a", (await proxy.EchoAsync("x", "/api/v1")).Backend);
        Assert.Equal("b", (await proxy.EchoAsync("x", "/api/v1/users")).Backend);
        Assert.Equal("c", (await proxy.EchoAsync("x", "/api/v10")).Backend);
        Assert.Equal("c", (await proxy.EchoAsync("x", "/api")).Backend);
        Assert.Equal("a", (await proxy.EchoAsync("x", "/other")).Backend);
    }

    [Fact]
    public async Task No_matching_entry_or_host_is_404()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Proxy(
            [Bind(port, Listener(null, VHost("foo.example.com", Forward("r", Prefix("/app"), "a"))))],
            Backends));

        Assert.Equal("a", (await proxy.EchoAsync("foo.example.com", "/app/x")).Backend);
        using var wrongPath = await proxy.SendAsync("foo.example.com", "/other");
        Assert.Equal(HttpStatusCode.NotFound, wrongPath.StatusCode);
        using var wrongHost = await proxy.SendAsync("bar.example.com", "/app");
        Assert.Equal(HttpStatusCode.NotFound, wrongHost.StatusCode);
        Assert.Equal(1, _a.Count);
    }

    [Fact]
    public async Task Virtual_hosts_prefer_exact_then_longest_wildcard_then_any_ignoring_port_and_case()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Proxy(
            [Bind(port, Listener(
                null,
                VHost("foo.example.com", Forward("exact", Prefix("/"), "a")),
                VHost("*.example.com", Forward("short", Prefix("/"), "c")),
                VHost("*.bar.example.com", Forward("long", Prefix("/"), "b")),
                VHost("*", Forward("any", Prefix("/"), "c"))))],
            Backends));

        Assert.Equal("a", (await proxy.EchoAsync("FOO.example.com:1234", "/")).Backend);
        Assert.Equal("b", (await proxy.EchoAsync("x.bar.example.com", "/")).Backend);
        Assert.Equal("b", (await proxy.EchoAsync("y.x.bar.example.com", "/")).Backend);
        Assert.Equal("c", (await proxy.EchoAsync("bar.example.com", "/")).Backend);
        Assert.Equal("c", (await proxy.EchoAsync("example.com", "/")).Backend);
    }

    [Fact]
    public async Task Listener_isolation_only_the_first_matching_listener_serves()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Proxy(
            [Bind(
                port,
                Listener("foo.example.com", VHost("foo.example.com", Forward("foo", Prefix("/foo"), "a"))),
                Listener("*.example.com", VHost("*.example.com", Forward("wild", Prefix("/"), "b"))),
                Listener(null, VHost("*", Forward("any", Prefix("/"), "c"))))],
            Backends));

        Assert.Equal("a", (await proxy.EchoAsync("foo.example.com", "/foo")).Backend);

        // The foo listener owns foo.example.com: its miss is a 404, not a fall-through to the wildcard listener.
        using var miss = await proxy.SendAsync("foo.example.com", "/bar");
        Assert.Equal(HttpStatusCode.NotFound, miss.StatusCode);
        Assert.Equal("b", (await proxy.EchoAsync("bar.example.com", "/bar")).Backend);
        Assert.Equal("c", (await proxy.EchoAsync("other.test", "/bar")).Backend);
    }

    [Fact]
    public async Task Headers_query_params_and_method_are_anded()
    {
        var headerMatch = new MatchConfig(
            new PathMatchConfig(MatchTypes.PathPrefix, "/"),
            [new ValueMatchConfig(MatchTypes.Exact, "X-Version", "v2"), new ValueMatchConfig(MatchTypes.RegularExpression, "x-team", "blue|green")],
            [],
            null);
        var queryMatch = new MatchConfig(
            new PathMatchConfig(MatchTypes.PathPrefix, "/"),
            [],
            [new ValueMatchConfig(MatchTypes.Exact, "canary", "yes")],
            null);
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [
                Entry("headers", headerMatch, Action([To("a")])),
                Entry("query", queryMatch, Action([To("b")])),
                Entry("method", Prefix("/", method: "POST"), Action([To("c")])),
                Forward("rest", Prefix("/"), "b"),
            ],
            Backends));

        Assert.Equal("a", (await proxy.EchoAsync("h", "/", configure: r => { r.Headers.Add("x-version", "v2"); r.Headers.Add("X-Team", "green"); })).Backend);
        Assert.Equal("b", (await proxy.EchoAsync("h", "/", configure: r => { r.Headers.Add("x-version", "v2"); r.Headers.Add("X-Team", "red"); })).Backend);
        Assert.Equal("b", (await proxy.EchoAsync("h", "/", configure: r => r.Headers.Add("x-version", "V2"))).Backend);
        Assert.Equal("b", (await proxy.EchoAsync("h", "/?canary=yes&canary=no")).Backend);
        Assert.Equal("c", (await proxy.EchoAsync("h", "/?canary=no&canary=yes", HttpMethod.Post)).Backend);
        Assert.Equal("c", (await proxy.EchoAsync("h", "/?Canary=yes", HttpMethod.Post)).Backend);
    }

    [Fact]
    public async Task Regular_expression_paths_must_match_the_whole_path()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [Forward("re", Regex("/items/[0-9]+"), "a"), Forward("rest", Prefix("/"), "b")],
            Backends));

        Assert.Equal("a", (await proxy.EchoAsync("h", "/items/42")).Backend);
        Assert.Equal("b", (await proxy.EchoAsync("h", "/items/42/x")).Backend);
        Assert.Equal("b", (await proxy.EchoAsync("h", "/x/items/42")).Backend);
    }

    [Fact]
    public async Task An_invalid_regex_keeps_the_previous_entry_and_is_reported()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Single(
            port,
            [Forward("re", Regex("/items/[0-9]+"), "a"), Forward("rest", Prefix("/"), "b")],
            Backends));

        await proxy.DataPlane.ApplyAsync(
            Single(proxy.Port, [Forward("re", Regex("/items/[0-9+"), "a"), Forward("rest", Prefix("/"), "c"), Forward("new", Regex("(unclosed"), "a")], Backends),
            CancellationToken.None);

        Assert.True(proxy.DataPlane.Binds[("127.0.0.1", proxy.Port)].Serving);
        var errors = proxy.DataPlane.RouteErrors.OrderBy(e => e.Route).ToArray();
        Assert.Equal(2, errors.Length);
        Assert.Equal(("new", false), (errors[0].Route, errors[0].KeptPrevious));
        Assert.Equal(("re", true), (errors[1].Route, errors[1].KeptPrevious));
        Assert.Equal("a", (await proxy.EchoAsync("h", "/items/42")).Backend);
        Assert.Equal("c", (await proxy.EchoAsync("h", "/other")).Backend);
    }

    [Fact]
    public async Task The_client_host_header_is_forwarded_unchanged()
    {
        await using var proxy = await ProxyHarness.StartAsync(port => Single(port, [Forward("r", Prefix("/"), "a")], Backends));

        var reply = await proxy.EchoAsync("Foo.Example.com:8080", "/p?q=1&r=%20");
        Assert.Equal("Foo.Example.com:8080", reply.Host);
        Assert.Equal("/p?q=1&r=%20", reply.Path);
        Assert.Equal("HTTP/1.1", reply.Protocol);
    }
}
