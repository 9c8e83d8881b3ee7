using System.Collections.Immutable;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Beacon.Gateway.Config;
using Beacon.Gateway.DataPlane;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Beacon.Gateway.Tests.DataPlane;

/// <summary>A data plane on a free loopback port, with a FakeTimeProvider and a client that sets Host.</summary>
public sealed class ProxyHarness : IAsyncDisposable
{
    private ProxyHarness(GatewayDataPlane dataPlane, FakeTimeProvider time, int port)
    {
        DataPlane = dataPlane;
        Time = time;
        Port = port;
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        };
    }

    public GatewayDataPlane DataPlane { get; }

    public FakeTimeProvider Time { get; }

    public int Port { get; }

    public HttpClient Client { get; }

    public static async Task<ProxyHarness> StartAsync(Func<int, ProxyConfig> config, GatewayDataPlaneOptions? options = null)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var dataPlane = new GatewayDataPlane(NullLoggerFactory.Instance, time, options ?? new GatewayDataPlaneOptions());
        var port = FreePort();
        var harness = new ProxyHarness(dataPlane, time, port);
        await dataPlane.ApplyAsync(config(port), CancellationToken.None);
        Assert.True(dataPlane.Binds[("127.0.0.1", port)].Serving);
        return harness;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public Task<HttpResponseMessage> SendAsync(string host, string path, HttpMethod? method = null, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        request.Headers.Host = host;
        configure?.Invoke(request);
        return Client.SendAsync(request);
    }

    public async Task<EchoReply> EchoAsync(string host, string path, HttpMethod? method = null, Action<HttpRequestMessage>? configure = null)
    {
        using var response = await SendAsync(host, path, method, configure);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<EchoReply>())!;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await DataPlane.DisposeAsync();
    }
}

/// <summary>Terse builders for <see cref="ProxyConfig"/>.</summary>
public static class Cfg
{
    public static ProxyConfig Proxy(IEnumerable<BindConfig> binds, params BackendConfig[] backends) =>
        new(
            [.. binds],
            backends.ToImmutableSortedDictionary(b => b.Id, b => b, StringComparer.Ordinal));

    public static ProxyConfig Single(int port, ImmutableArray<RouteEntryConfig> routes, params BackendConfig[] backends) =>
        Proxy([Bind(port, Listener(null, VHost("*", routes)))], backends);

    public static BindConfig Bind(int port, params ListenerConfig[] listeners) =>
        new("127.0.0.1", port, ListenerProtocols.Http, [.. listeners]);

    public static ListenerConfig Listener(string? hostname, params VirtualHostConfig[] hosts) =>
        new("default/gw", hostname ?? "any", hostname, [.. hosts]);

    public static VirtualHostConfig VHost(string hostname, params RouteEntryConfig[] routes) => new(hostname, [.. routes]);

    public static VirtualHostConfig VHost(string hostname, ImmutableArray<RouteEntryConfig> routes) => new(hostname, routes);

    public static BackendConfig Backend(string id, params EchoBackend[] endpoints) =>
        new(id, BackendProtocols.Http, [.. endpoints.Select(e => e.Endpoint)]);

    public static BackendConfig Backend(string id, string protocol, params string[] endpoints) => new(id, protocol, [.. endpoints]);

    public static MatchConfig Prefix(string value, string? method = null) => new(new PathMatchConfig(MatchTypes.PathPrefix, value), [], [], method);

    public static MatchConfig Exact(string value) => new(new PathMatchConfig(MatchTypes.Exact, value), [], [], null);

    public static MatchConfig Regex(string value) => new(new PathMatchConfig(MatchTypes.RegularExpression, value), [], [], null);

    public static WeightedBackendConfig To(string backendId, int weight = 1, params FilterConfig[] filters) => new(weight, backendId, null, [.. filters]);

    public static WeightedBackendConfig Invalid(int weight) => new(weight, null, 500, []);

    public static RuleActionConfig Action(ImmutableArray<WeightedBackendConfig> backends, ImmutableArray<FilterConfig> filters = default, TimeoutsConfig? timeouts = null, int? directStatus = null) =>
        new("default/route/rules[0]", filters.IsDefault ? [] : filters, backends, timeouts ?? TimeoutsConfig.None, directStatus);

    public static RouteEntryConfig Entry(string route, MatchConfig match, RuleActionConfig action, int rule = 0, int matchIndex = 0) =>
        new(route, rule, null, matchIndex, match, action);

    public static RouteEntryConfig Forward(string route, MatchConfig match, string backendId, params FilterConfig[] filters) =>
        Entry(route, match, Action([To(backendId)], [.. filters]));

    public static HeaderModifierConfig Headers(
        (string Name, string Value)[]? set = null,
        (string Name, string Value)[]? add = null,
        string[]? remove = null) =>
        new(
            [.. (set ?? []).Select(h => new HeaderValueConfig(h.Name, h.Value))],
            [.. (add ?? []).Select(h => new HeaderValueConfig(h.Name, h.Value))],
            [.. remove ?? []]);

    public static FilterConfig RequestHeaders(HeaderModifierConfig modifier) => new(FilterTypes.RequestHeaderModifier, RequestHeaderModifier: modifier);

    public static FilterConfig ResponseHeaders(HeaderModifierConfig modifier) => new(FilterTypes.ResponseHeaderModifier, ResponseHeaderModifier: modifier);

    public static FilterConfig Redirect(RedirectConfig redirect) => new(FilterTypes.RequestRedirect, RequestRedirect: redirect);

    public static FilterConfig Rewrite(string? hostname, PathModifierConfig? path) => new(FilterTypes.UrlRewrite, UrlRewrite: new UrlRewriteConfig(hostname, path));

    public static FilterConfig Mirror(string backendId, int numerator = 1, int denominator = 1) => new(FilterTypes.RequestMirror, RequestMirror: new MirrorConfig(backendId, numerator, denominator));

    public static FilterConfig Cors(CorsConfig cors) => new(FilterTypes.Cors, Cors: cors);
}
