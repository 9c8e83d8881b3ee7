using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Beacon.Echo;
using Microsoft.Extensions.Logging;

namespace Beacon.Agent.Tests.Gateway;

/// <summary>
/// The real agent (<c>beacon run --manifests</c>, in-process) on a temporary manifest directory,
/// serving one Gateway <c>gw</c> (namespace <c>default</c>, class <c>beacon</c>) on a loopback
/// address of 127.10.0.0/24 and a free port, with echo backends on 127.0.0.1. Waits poll the
/// status endpoint or the proxy with a generous deadline that only bounds a failure.
/// </summary>
internal sealed class GatewayE2e : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly string _directory;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<EchoServer> _backends = [];
    private readonly LogCollector _logs = new();
    private readonly ILoggerFactory _loggerFactory;
    private Task<int>? _run;
    private Uri? _status;

    private GatewayE2e(IPAddress address, string directory)
    {
        Address = address;
        _directory = directory;
        Port = FreePort();
        _loggerFactory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Information).AddProvider(_logs));
        Http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, PooledConnectionLifetime = TimeSpan.FromSeconds(5) })
        {
            Timeout = Deadline,
        };
    }

    /// <summary>The Gateway's address (each test class has its own).</summary>
    public IPAddress Address { get; }

    /// <summary>The port of the listener <c>http</c> of <see cref="DefaultGateway"/>.</summary>
    public int Port { get; }

    /// <summary>Does not follow redirects.</summary>
    public HttpClient Http { get; }

    public HttpClient StatusClient { get; } = new() { Timeout = Deadline };

    /// <summary>
    /// Starts the agent on a directory holding the GatewayClass <c>beacon</c> and, unless
    /// <paramref name="gatewayYaml"/> replaces it, <see cref="DefaultGateway"/>.
    /// </summary>
    public static async Task<GatewayE2e> StartAsync(string address, string? gatewayYaml = null)
    {
        var directory = Directory.CreateTempSubdirectory("beacon-gw-e2e-").FullName;
        var e2e = new GatewayE2e(IPAddress.Parse(address), directory);
        e2e.Write("class.yaml", """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata:
              name: beacon
              generation: 1
            spec:
              controllerName: beacon.dev/gateway-controller
            """);
        e2e.Write("gateway.yaml", gatewayYaml ?? e2e.DefaultGateway());

        var host = new AgentHost(AgentComposition.Create, e2e._loggerFactory, TimeProvider.System);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.StatusListening += uri => listening.TrySetResult(uri);
        e2e._run = host.RunAsync(
            new RunOptions { ManifestDirectory = directory, NodeName = "node1", StatusListen = new IPEndPoint(IPAddress.Loopback, 0) },
            e2e._stop.Token);
        var first = await Task.WhenAny(listening.Task, e2e._run).WaitAsync(Deadline);
        if (first != listening.Task)
        {
            throw new InvalidOperationException($"the agent exited with {await e2e._run} before listening");
        }

        e2e._status = await listening.Task;
        return e2e;
    }

    /// <summary>Gateway <c>default/gw</c>: one HTTP listener <c>http</c> on <see cref="Port"/>, routes from all namespaces.</summary>
    public string DefaultGateway(int generation = 1) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: gw
          namespace: default
          generation: {generation}
        spec:
          gatewayClassName: beacon
          addresses: [{"{"}type: IPAddress, value: {Address}{"}"}]
          listeners:
            - name: http
              protocol: HTTP
              port: {Port}
              allowedRoutes:
                namespaces: {"{"}from: All{"}"}
        """;

    /// <summary>A TCP port nothing listens on at <see cref="Address"/> right now.</summary>
    public int FreePort()
    {
        using var probe = new TcpListener(Address, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async Task<EchoServer> StartBackendAsync(string name, string ns = "default", bool h2c = false)
    {
        var server = await EchoServer.StartAsync(
            new EchoServerOptions { Listen = [new IPEndPoint(IPAddress.Loopback, 0)], Name = name, Namespace = ns, H2c = h2c },
            CancellationToken.None);
        _backends.Add(server);
        return server;
    }

    /// <summary>Writes a manifest the way users are told to: a temporary file renamed over the old one.</summary>
    public void Write(string file, string yaml)
    {
        var path = Path.Combine(_directory, file);
        var temp = Path.Combine(_directory, $".{file}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temp, yaml);
        File.Move(temp, path, overwrite: true);
    }

    public void Delete(string file) => File.Delete(Path.Combine(_directory, file));

    public async Task<JsonElement[]> GetStatusesAsync()
    {
        var json = await StatusClient.GetStringAsync(new Uri(_status!, "api/v1/status"));
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>The status of one object, or null when the agent reports none for it.</summary>
    public async Task<JsonElement?> GetStatusAsync(string kind, string? ns, string name)
    {
        foreach (var status in await GetStatusesAsync())
        {
            if (status.GetProperty("kind").GetString() == kind
                && status.GetProperty("name").GetString() == name
                && (ns is null || (status.TryGetProperty("namespace", out var n) && n.GetString() == ns)))
            {
                return status.GetProperty("status");
            }
        }

        return null;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> and the last status otherwise.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_run!.IsCompleted)
            {
                throw new InvalidOperationException($"the agent exited with {await _run} while waiting for {what}\n{_logs}");
            }

            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or KeyNotFoundException or InvalidOperationException)
            {
                last = e;
            }

            await Task.Delay(25);
        }

        var statuses = string.Join("\n", (await GetStatusesAsync()).Select(s => s.GetRawText()));
        throw new TimeoutException($"not within {Deadline}: {what} (last error: {last?.Message ?? "none"})\nstatus:\n{statuses}\nlog:\n{_logs}");
    }

    /// <summary>Until the condition <paramref name="type"/> of the object's status (for a route: of its first parent) has <paramref name="status"/>, and optionally <paramref name="reason"/>.</summary>
    public Task WaitForConditionAsync(string kind, string? ns, string name, string type, string status, string? reason = null, long? generation = null) =>
        WaitUntilAsync(
            async () => await GetStatusAsync(kind, ns, name) is { } s
                && Condition(kind == "HTTPRoute" ? FirstParent(s) : s, type) is { } c
                && c.GetProperty("status").GetString() == status
                && (reason is null || c.GetProperty("reason").GetString() == reason)
                && (generation is null || c.GetProperty("observedGeneration").GetInt64() == generation),
            $"{kind} {ns}/{name}: {type}={status} {reason} generation {generation}");

    /// <summary>Until every condition of every parent of the route reports <paramref name="generation"/>.</summary>
    public Task WaitForRouteAsync(string ns, string name, long generation) =>
        WaitUntilAsync(
            async () => await GetStatusAsync("HTTPRoute", ns, name) is { } s
                && s.TryGetProperty("parents", out var parents)
                && parents.GetArrayLength() > 0
                && parents.EnumerateArray().All(p => p.GetProperty("conditions").EnumerateArray().All(c => c.GetProperty("observedGeneration").GetInt64() == generation)),
            $"HTTPRoute {ns}/{name} observed at generation {generation}");

    public static JsonElement FirstParent(JsonElement routeStatus) => routeStatus.GetProperty("parents")[0];

    public static JsonElement? Condition(JsonElement status, string type) =>
        status.TryGetProperty("conditions", out var conditions)
            ? conditions.EnumerateArray().Cast<JsonElement?>().FirstOrDefault(c => c!.Value.GetProperty("type").GetString() == type)
            : null;

    public Uri Url(string path, int? port = null) => new($"http://{Address}:{(port ?? Port).ToString(CultureInfo.InvariantCulture)}{path}");

    public async Task<HttpResponseMessage> SendAsync(string path, string? host = null, HttpMethod? method = null, int? port = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, Url(path, port));
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await Http.SendAsync(request);
    }

    /// <summary>Sends and expects the echo backend's 200 answer.</summary>
    public async Task<EchoReply> EchoAsync(string path, string? host = null, HttpMethod? method = null, int? port = null, params (string Name, string Value)[] headers)
    {
        using var response = await SendAsync(path, host, method, port, headers);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method ?? HttpMethod.Get} {host} {path}: {(int)response.StatusCode} {body}");
        return EchoReply.Parse(body);
    }

    /// <summary>Polls until a request answers <paramref name="status"/> (after a change the proxy may still serve the old config briefly).</summary>
    public Task WaitForResponseAsync(string path, HttpStatusCode status, string? host = null, params (string Name, string Value)[] headers) =>
        WaitUntilAsync(
            async () =>
            {
                using var response = await SendAsync(path, host, null, null, headers);
                return response.StatusCode == status;
            },
            $"GET {host} {path} answers {(int)status}");

    /// <summary>A Service <paramref name="name"/> with port <c>http</c> 80 and one EndpointSlice per endpoint (ready unless listed otherwise).</summary>
    public static string Service(string name, string ns, string? appProtocol, params (IPEndPoint Endpoint, bool Ready)[] endpoints)
    {
        var yaml = new StringBuilder($"""
            apiVersion: v1
            kind: Service
            metadata:
              name: {name}
              namespace: {ns}
            spec:
              ports:
                - name: http
                  port: 80
                  targetPort: 8080{(appProtocol is null ? string.Empty : $"\n      appProtocol: {appProtocol}")}

            """);
        for (var i = 0; i < endpoints.Length; i++)
        {
            var (endpoint, ready) = endpoints[i];
            yaml.Append(CultureInfo.InvariantCulture, $"""
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata:
                  name: {name}-{i}
                  namespace: {ns}
                  labels: {"{"}kubernetes.io/service-name: {name}{"}"}
                addressType: IPv4
                ports:
                  - name: http
                    port: {endpoint.Port}{(appProtocol is null ? string.Empty : $"\n    appProtocol: {appProtocol}")}
                endpoints:
                  - addresses: ["{endpoint.Address}"]
                    conditions: {"{"}ready: {(ready ? "true" : "false")}{"}"}

                """);
        }

        return yaml.ToString();
    }

    /// <summary>
    /// An HTTPRoute; <paramref name="rules"/> is the YAML of <c>spec.rules</c> (a block list),
    /// <paramref name="extra"/> more <c>spec</c> fields, both unindented.
    /// </summary>
    public static string Route(string name, string ns, long generation, string rules, string parentRefs = "[{name: gw, namespace: default}]", string? extra = null, string? created = null) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: {name}
          namespace: {ns}
          generation: {generation}{(created is null ? string.Empty : $"\n  creationTimestamp: \"{created}\"")}
        spec:
          parentRefs: {parentRefs}
        {Indent(extra ?? string.Empty, 2)}
          rules:
        {Indent(rules, 4)}
        """;

    private static string Indent(string yaml, int spaces) =>
        string.Join("\n", yaml.Split('\n').Select(line => line.Length == 0 ? line : new string(' ', spaces) + line));

    /// <summary>A Service whose ready endpoints are <paramref name="backends"/>.</summary>
    public static string Service(string name, string ns, params EchoServer[] backends) =>
        Service(name, ns, null, [.. backends.Select(b => (b.Endpoints[0], true))]);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            await _run.WaitAsync(Deadline);
        }

        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }

        Http.Dispose();
        StatusClient.Dispose();
        _loggerFactory.Dispose();
        _stop.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>What the echo backend reports about the request it received.</summary>
internal sealed record EchoReply(
    string Path,
    string Host,
    string Method,
    string Proto,
    Dictionary<string, string[]> Headers,
    string Namespace,
    string Service,
    string Pod)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static EchoReply Parse(string json) => JsonSerializer.Deserialize<EchoReply>(json, Json)!;

    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)) is { Key: not null } h
            ? string.Join(",", h.Value)
            : null;
}

/// <summary>Keeps the agent's log lines so a failing wait can show them.</summary>
internal sealed class LogCollector : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public override string ToString() => string.Join("\n", _lines);

    private sealed class Logger(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception)}");
    }
}
