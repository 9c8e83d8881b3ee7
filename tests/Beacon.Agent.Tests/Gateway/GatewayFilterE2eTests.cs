using System.Net;
using System.Net.Sockets;

namespace Beacon.Agent.Tests.Gateway;

public sealed class GatewayFilterE2eTests
{
    private const string Address = "127.10.0.103";

    [Fact]
    public async Task Header_modifiers_change_requests_at_rule_and_backendRef_level_and_responses()
    {
        await using var e2e = await StartAsync();
        e2e.Write("route.yaml", GatewayE2e.Route("headers", "default", 1, """
            - filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{name: X-Set, value: rule}, {name: X-Both, value: rule}]
                    add: [{name: X-Add, value: added}]
                    remove: [X-Drop]
                - type: ResponseHeaderModifier
                  responseHeaderModifier:
                    set: [{name: Content-Type, value: text/x-beacon}]
                    add: [{name: X-Response, value: r1}]
                    remove: [X-Echo-Gone]
              backendRefs:
                - name: echo
                  port: 80
                  filters:
                    - type: RequestHeaderModifier
                      requestHeaderModifier:
                        set: [{name: X-Both, value: backend}]
                    - type: ResponseHeaderModifier
                      responseHeaderModifier:
                        add: [{name: X-Backend-Response, value: r2}]
            """));
        await e2e.WaitForRouteAsync("default", "headers", 1);

        using var response = await e2e.SendAsync("/h", headers: [("X-Set", "client"), ("X-Add", "client"), ("X-Drop", "gone"), ("X-Kept", "kept")]);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = EchoReply.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("rule", reply.Header("X-Set"));
        Assert.Equal("client,added", reply.Header("X-Add"));
        Assert.Null(reply.Header("X-Drop"));
        Assert.Equal("kept", reply.Header("X-Kept"));
        Assert.Equal("backend", reply.Header("X-Both"));
        Assert.Equal("text/x-beacon", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(["r1"], response.Headers.GetValues("X-Response"));
        Assert.Equal(["r2"], response.Headers.GetValues("X-Backend-Response"));
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task Redirects_answer_the_configured_status_code(int status)
    {
        await using var e2e = await StartAsync();
        e2e.Write("route.yaml", GatewayE2e.Route("redirect", "default", 1, $"""
            - filters:
                - type: RequestRedirect
                  requestRedirect: {"{"}hostname: moved.example.com, statusCode: {status}{"}"}
            """));
        await e2e.WaitForRouteAsync("default", "redirect", 1);

        using var response = await e2e.SendAsync("/a/b?x=1", "old.example.com");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal($"http://moved.example.com:{e2e.Port}/a/b?x=1", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Redirects_change_scheme_hostname_port_and_path()
    {
        await using var e2e = await StartAsync();
        e2e.Write("route.yaml", GatewayE2e.Route("redirect", "default", 1, """
            - matches: [{path: {value: /default}}]
              filters: [{type: RequestRedirect, requestRedirect: {}}]
            - matches: [{path: {value: /https}}]
              filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]
            - matches: [{path: {value: /https-port}}]
              filters: [{type: RequestRedirect, requestRedirect: {scheme: https, port: 8443}}]
            - matches: [{path: {value: /http-80}}]
              filters: [{type: RequestRedirect, requestRedirect: {port: 80}}]
            - matches: [{path: {value: /host}}]
              filters: [{type: RequestRedirect, requestRedirect: {hostname: other.example.com}}]
            - matches: [{path: {value: /full}}]
              filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /elsewhere}}}]
            - matches: [{path: {type: PathPrefix, value: /old}}]
              filters: [{type: RequestRedirect, requestRedirect: {statusCode: 301, path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}}]
            """));
        await e2e.WaitForRouteAsync("default", "redirect", 1);
        const string host = "site.example.com";

        Assert.Equal((302, $"http://{host}:{e2e.Port}/default/x"), await RedirectAsync(e2e, "/default/x", host));
        Assert.Equal((302, $"https://{host}/https?q=1"), await RedirectAsync(e2e, "/https?q=1", $"{host}:{e2e.Port}"));
        Assert.Equal((302, $"https://{host}:8443/https-port"), await RedirectAsync(e2e, "/https-port", host));
        Assert.Equal((302, $"http://{host}/http-80"), await RedirectAsync(e2e, "/http-80", host));
        Assert.Equal((302, $"http://other.example.com:{e2e.Port}/host/y"), await RedirectAsync(e2e, "/host/y", host));
        Assert.Equal((302, $"http://{host}:{e2e.Port}/elsewhere?k=v"), await RedirectAsync(e2e, "/full/deep?k=v", host));
        Assert.Equal((301, $"http://{host}:{e2e.Port}/new/page"), await RedirectAsync(e2e, "/old/page", host));
        Assert.Equal((301, $"http://{host}:{e2e.Port}/new"), await RedirectAsync(e2e, "/old", host));
    }

    [Theory]
    [InlineData("/foo/bar", "/foo", "/xyz/", "/xyz/bar")]
    [InlineData("/foo/", "/foo", "/xyz", "/xyz/")]
    [InlineData("/foo", "/foo", "", "/")]
    [InlineData("/foo/bar?q=1", "/foo/", "/", "/bar?q=1")]
    public async Task Redirects_replace_the_prefix_match_as_rewrites_do(string path, string prefix, string replacement, string expected)
    {
        await using var e2e = await StartAsync();
        e2e.Write("route.yaml", GatewayE2e.Route("redirect", "default", 1, $"""
            - matches: [{"{"}path: {"{"}type: PathPrefix, value: "{prefix}"{"}"}{"}"}]
              filters:
                - type: RequestRedirect
                  requestRedirect: {"{"}path: {"{"}type: ReplacePrefixMatch, replacePrefixMatch: "{replacement}"{"}"}{"}"}
            """));
        await e2e.WaitForRouteAsync("default", "redirect", 1);

        Assert.Equal((302, $"http://h.example.com:{e2e.Port}{expected}"), await RedirectAsync(e2e, path, "h.example.com"));
    }

    [Theory]
    // The Gateway API HTTPPathModifier table (request path, prefix match, replacement → path).
    [InlineData("/foo/bar", "/foo", "/xyz", "/xyz/bar")]
    [InlineData("/foo/bar", "/foo", "/xyz/", "/xyz/bar")]
    [InlineData("/foo/bar", "/foo/", "/xyz", "/xyz/bar")]
    [InlineData("/foo/bar", "/foo/", "/xyz/", "/xyz/bar")]
    [InlineData("/foo", "/foo", "/xyz", "/xyz")]
    [InlineData("/foo/", "/foo", "/xyz", "/xyz/")]
    [InlineData("/foo/bar", "/foo", "", "/bar")]
    [InlineData("/foo/", "/foo", "", "/")]
    [InlineData("/foo", "/foo", "", "/")]
    [InlineData("/foo/", "/foo", "/", "/")]
    [InlineData("/foo", "/foo", "/", "/")]
    [InlineData("/foo/bar?q=1", "/foo", "/", "/bar?q=1")]
    public async Task URLRewrite_replaces_the_prefix_match_and_the_hostname(string path, string prefix, string replacement, string expected)
    {
        await using var e2e = await StartAsync();
        e2e.Write("route.yaml", GatewayE2e.Route("rewrite", "default", 1, $"""
            - matches: [{"{"}path: {"{"}type: PathPrefix, value: "{prefix}"{"}"}{"}"}]
              filters:
                - type: URLRewrite
                  urlRewrite:
                    hostname: internal.example.com
                    path: {"{"}type: ReplacePrefixMatch, replacePrefixMatch: "{replacement}"{"}"}
              backendRefs: [{"{"}name: echo, port: 80{"}"}]
            """));
        await e2e.WaitForRouteAsync("default", "rewrite", 1);

        var reply = await e2e.EchoAsync(path, "public.example.com");

        Assert.Equal(expected, reply.Path);
        Assert.Equal("internal.example.com", reply.Host);
    }

    [Fact]
    public async Task URLRewrite_replaces_the_full_path_and_keeps_the_host_when_unset()
    {
        await using var e2e = await StartAsync();
        e2e.Write("route.yaml", GatewayE2e.Route("rewrite", "default", 1, """
            - matches: [{path: {type: PathPrefix, value: /full}}]
              filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /one}}}]
              backendRefs: [{name: echo, port: 80}]
            """));
        await e2e.WaitForRouteAsync("default", "rewrite", 1);

        var reply = await e2e.EchoAsync("/full/one/two?x=y", "public.example.com");

        Assert.Equal("/one?x=y", reply.Path);
        Assert.Equal("public.example.com", reply.Host);
    }

    [Fact]
    public async Task Mirrors_receive_copies_of_every_request_without_changing_the_answer()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var main = await e2e.StartBackendAsync("main");
        var shadow = await e2e.StartBackendAsync("shadow");
        var second = await e2e.StartBackendAsync("second", "mirrors");
        e2e.Write("echo.yaml", GatewayE2e.Service("main", "default", main) + "---\n" + GatewayE2e.Service("shadow", "default", shadow)
            + "---\n" + GatewayE2e.Service("second", "mirrors", second));
        e2e.Write("grant.yaml", """
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: mirror-from-default, namespace: mirrors}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
              to: [{group: "", kind: Service}]
            """);
        e2e.Write("route.yaml", GatewayE2e.Route("mirror", "default", 1, """
            - filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier: {set: [{name: x-before-mirror, value: "yes"}]}
                - type: RequestMirror
                  requestMirror: {backendRef: {name: shadow, port: 80}}
                - type: RequestMirror
                  requestMirror: {backendRef: {name: second, namespace: mirrors, port: 80}}
              backendRefs: [{name: main, port: 80}]
            """));
        await e2e.WaitForConditionAsync("HTTPRoute", "default", "mirror", "ResolvedRefs", "True", "ResolvedRefs", 1);

        const int requests = 20;
        for (var i = 0; i < requests; i++)
        {
            var reply = await e2e.EchoAsync("/mirrored");
            Assert.Equal(("main", "/mirrored", "yes"), (reply.Service, reply.Path, reply.Header("x-before-mirror")));
        }

        await e2e.WaitUntilAsync(() => Task.FromResult(shadow.RequestCount("/mirrored") == requests && second.RequestCount("/mirrored") == requests), "every request mirrored to both");
        Assert.Equal(requests, main.RequestCount("/mirrored"));
    }

    [Fact]
    public async Task A_mirror_that_never_answers_or_refuses_does_not_hold_up_or_fail_the_request()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var main = await e2e.StartBackendAsync("main");
        // Accepts connections and reads, but never answers while the test runs.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<Socket>();
        using var release = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var socket = await silent.AcceptSocketAsync(release.Token);
                    lock (held)
                    {
                        held.Add(socket);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        e2e.Write("echo.yaml", GatewayE2e.Service("main", "default", main)
            + "---\n" + GatewayE2e.Service("silent", "default", null, ((IPEndPoint)silent.LocalEndpoint, true))
            + "---\n" + GatewayE2e.Service("dead", "default", null, (new IPEndPoint(IPAddress.Loopback, ClosedPort()), true)));
        e2e.Write("route.yaml", GatewayE2e.Route("mirror", "default", 1, """
            - filters:
                - type: RequestMirror
                  requestMirror: {backendRef: {name: silent, port: 80}}
                - type: RequestMirror
                  requestMirror: {backendRef: {name: dead, port: 80}}
              backendRefs: [{name: main, port: 80}]
            """));
        await e2e.WaitForRouteAsync("default", "mirror", 1);

        // Every answer arrives while the silent mirror still holds its copies unanswered.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("main", (await e2e.EchoAsync("/shadowed")).Service);
        }

        await e2e.WaitUntilAsync(
            () =>
            {
                lock (held)
                {
                    return Task.FromResult(held.Count > 0);
                }
            },
            "the silent mirror got a copy");
        await release.CancelAsync();
        await accepting;
        lock (held)
        {
            held.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task A_mirror_percentage_copies_that_share_of_requests()
    {
        await using var e2e = await GatewayE2e.StartAsync(Address);
        var main = await e2e.StartBackendAsync("main");
        var shadow = await e2e.StartBackendAsync("shadow");
        e2e.Write("echo.yaml", GatewayE2e.Service("main", "default", main) + "---\n" + GatewayE2e.Service("shadow", "default", shadow));
        e2e.Write("route.yaml", GatewayE2e.Route("mirror", "default", 1, """
            - filters:
                - type: RequestMirror
                  requestMirror: {backendRef: {name: shadow, port: 80}, percent: 50}
              backendRefs: [{name: main, port: 80}]
            - matches: [{path: {value: /third}}]
              filters:
                - type: RequestMirror
                  requestMirror: {backendRef: {name: shadow, port: 80}, fraction: {numerator: 1, denominator: 3}}
              backendRefs: [{name: main, port: 80}]
            """));
        await e2e.WaitForRouteAsync("default", "mirror", 1);

        const int requests = 400;
        await SendManyAsync(e2e, "/half", requests);
        await SendManyAsync(e2e, "/third", requests);
        // One more request each, and its copies (if any) are surely counted once the main
        // backend saw the last request and the mirror stops changing for a full poll.
        await e2e.WaitUntilAsync(() => Task.FromResult(main.RequestCount("/half") == requests && main.RequestCount("/third") == requests), "main answered all");
        var half = await SettledAsync(e2e, () => shadow.RequestCount("/half"));
        var third = await SettledAsync(e2e, () => shadow.RequestCount("/third"));

        // Binomial(400, 1/2): σ = 10, bounds at ±5σ. Binomial(400, 1/3): σ ≈ 9.4, ±5σ.
        Assert.InRange(half, 150, 250);
        Assert.InRange(third, 87, 180);
    }

    [Fact]
    public async Task CORS_answers_preflights_and_decorates_allowed_actual_requests()
    {
        await using var e2e = await StartAsync();
        e2e.Write("route.yaml", GatewayE2e.Route("cors", "default", 1, """
            - filters:
                - type: CORS
                  cors:
                    allowOrigins: ["https://app.example.com", "https://*.example.org"]
                    allowMethods: [GET, PUT]
                    allowHeaders: [x-token]
                    exposeHeaders: [x-trace]
                    allowCredentials: true
                    maxAge: 600
              backendRefs: [{name: echo, port: 80}]
            """));
        await e2e.WaitForRouteAsync("default", "cors", 1);

        using (var preflight = await e2e.SendAsync("/api", method: HttpMethod.Options, headers: [
            ("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "PUT"), ("Access-Control-Request-Headers", "x-token")]))
        {
            Assert.True(preflight.IsSuccessStatusCode, $"preflight answered {(int)preflight.StatusCode}");
            Assert.Equal("https://app.example.com", Single(preflight, "Access-Control-Allow-Origin"));
            Assert.Contains("PUT", Single(preflight, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
            Assert.Contains("x-token", Single(preflight, "Access-Control-Allow-Headers"), StringComparison.OrdinalIgnoreCase);
            Assert.Equal("true", Single(preflight, "Access-Control-Allow-Credentials"));
            Assert.Equal("600", Single(preflight, "Access-Control-Max-Age"));
        }

        using (var actual = await e2e.SendAsync("/api", headers: ("Origin", "https://sub.example.org")))
        {
            Assert.Equal(HttpStatusCode.OK, actual.StatusCode);
            Assert.Equal("https://sub.example.org", Single(actual, "Access-Control-Allow-Origin"));
            Assert.Contains("x-trace", Single(actual, "Access-Control-Expose-Headers"), StringComparison.OrdinalIgnoreCase);
        }

        using (var foreign = await e2e.SendAsync("/api", headers: ("Origin", "https://evil.example.net")))
        {
            Assert.Equal(HttpStatusCode.OK, foreign.StatusCode);
            Assert.False(foreign.Headers.Contains("Access-Control-Allow-Origin"));
        }
    }

    [Fact]
    public async Task CORS_with_any_origin_echoes_the_request_when_credentials_are_allowed()
    {
        await using var e2e = await StartAsync();
        e2e.Write("route.yaml", GatewayE2e.Route("cors", "default", 1, """
            - matches: [{path: {value: /credentials}}]
              filters: [{type: CORS, cors: {allowOrigins: ["*"], allowMethods: ["*"], allowHeaders: ["*"], allowCredentials: true}}]
              backendRefs: [{name: echo, port: 80}]
            - matches: [{path: {value: /anonymous}}]
              filters: [{type: CORS, cors: {allowOrigins: ["*"], allowMethods: ["*"]}}]
              backendRefs: [{name: echo, port: 80}]
            """));
        await e2e.WaitForRouteAsync("default", "cors", 1);
        (string, string)[] preflight = [("Origin", "https://x.example.net"), ("Access-Control-Request-Method", "PATCH"), ("Access-Control-Request-Headers", "x-a")];

        using (var response = await e2e.SendAsync("/credentials", method: HttpMethod.Options, headers: preflight))
        {
            Assert.Equal(
                ("https://x.example.net", "PATCH", "x-a", "true"),
                (Single(response, "Access-Control-Allow-Origin"), Single(response, "Access-Control-Allow-Methods"), Single(response, "Access-Control-Allow-Headers"), Single(response, "Access-Control-Allow-Credentials")));
        }

        using (var response = await e2e.SendAsync("/anonymous", method: HttpMethod.Options, headers: preflight))
        {
            Assert.Equal(("*", "*"), (Single(response, "Access-Control-Allow-Origin"), Single(response, "Access-Control-Allow-Methods")));
            Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
        }
    }

    private static async Task<GatewayE2e> StartAsync()
    {
        var e2e = await GatewayE2e.StartAsync(Address);
        e2e.Write("echo.yaml", GatewayE2e.Service("echo", "default", await e2e.StartBackendAsync("echo")));
        return e2e;
    }

    private static async Task<(int Status, string Location)> RedirectAsync(GatewayE2e e2e, string path, string host)
    {
        using var response = await e2e.SendAsync(path, host);
        return ((int)response.StatusCode, response.Headers.Location?.OriginalString ?? "(none)");
    }

    private static string Single(HttpResponseMessage response, string header) =>
        response.Headers.TryGetValues(header, out var values) ? string.Join(",", values) : "(missing)";

    private static async Task SendManyAsync(GatewayE2e e2e, string path, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var response = await e2e.SendAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    // Mirrored copies are sent in the background: the count is read once it stops changing.
    private static async Task<long> SettledAsync(GatewayE2e e2e, Func<long> count)
    {
        var last = -1L;
        var stable = 0;
        await e2e.WaitUntilAsync(
            async () =>
            {
                var now = count();
                stable = now == last ? stable + 1 : 0;
                last = now;
                await Task.Yield();
                return stable >= 40;
            },
            "mirror count settled");
        return last;
    }

    private static int ClosedPort()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
