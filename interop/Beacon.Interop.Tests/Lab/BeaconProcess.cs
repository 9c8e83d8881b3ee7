using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Beacon.Bgp.Speaker;

namespace Beacon.Interop.Tests.Lab;

/// <summary>
/// The built agent (<c>beacon.dll</c>, run with <c>dotnet</c>) in a node namespace, in
/// manifest mode; its status server listens on that namespace's loopback.
/// </summary>
public sealed class BeaconProcess : IAsyncDisposable
{
    public const string DefaultStatusListen = "127.0.0.1:9179";

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly LabProcess _process;

    private BeaconProcess(LabNamespace ns, LabProcess process, string statusListen, string agentAssembly)
    {
        Namespace = ns;
        _process = process;
        StatusListen = statusListen;
        AgentAssembly = agentAssembly;
    }

    public LabNamespace Namespace { get; }

    public string StatusListen { get; }

    public string AgentAssembly { get; }

    public int ProcessId => _process.ProcessId;

    public string LogFile => _process.LogFile;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>beacon run --manifests DIR --node NAME --status-listen ADDR</c> inside <paramref name="ns"/>.</summary>
    public static BeaconProcess Start(
        NetworkLab lab,
        LabNamespace ns,
        string manifestDirectory,
        string nodeName,
        string statusListen = DefaultStatusListen)
        => StartWithSource(lab, ns, ["--manifests", manifestDirectory], nodeName, statusListen);

    /// <summary>Starts <c>beacon run SOURCE-ARGS --node NAME --status-listen ADDR</c> inside <paramref name="ns"/> (e.g. <c>--kubeconfig FILE</c>).</summary>
    public static BeaconProcess StartWithSource(
        NetworkLab lab,
        LabNamespace ns,
        IReadOnlyList<string> sourceArguments,
        string nodeName,
        string statusListen = DefaultStatusListen)
    {
        var assembly = LocateAgentAssembly();
        var process = lab.Start(
            ns,
            $"beacon-{ns.Name}",
            ["dotnet", assembly, "run", .. sourceArguments, "--node", nodeName, "--status-listen", statusListen]);
        return new BeaconProcess(ns, process, statusListen, assembly);
    }

    /// <summary>
    /// Finds the agent: <c>$BEACON_AGENT_DLL</c> when set (benchmarks point it at a published,
    /// ReadyToRun-compiled agent, as the image ships), else the one built in the same
    /// configuration as this test assembly:
    /// <c>src/Beacon.Agent/bin/&lt;Configuration&gt;/net10.0/beacon.dll</c> under the repository
    /// root, else the copy next to the test assembly (the project reference puts it there).
    /// </summary>
    public static string LocateAgentAssembly()
    {
        if (Environment.GetEnvironmentVariable("BEACON_AGENT_DLL") is { Length: > 0 } chosen)
        {
            return File.Exists(chosen) ? Path.GetFullPath(chosen) : throw new LabException($"BEACON_AGENT_DLL={chosen} does not exist");
        }

        var testAssembly = typeof(BeaconProcess).Assembly;
        var configuration = testAssembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Bgp.sln")))
            {
                var built = Path.Combine(directory.FullName, "src", "Beacon.Agent", "bin", configuration, "net10.0", "beacon.dll");
                if (File.Exists(built))
                {
                    return built;
                }

                break;
            }
        }

        var copied = Path.Combine(AppContext.BaseDirectory, "beacon.dll");
        return File.Exists(copied) && File.Exists(Path.Combine(AppContext.BaseDirectory, "beacon.runtimeconfig.json"))
            ? copied
            : throw new LabException($"beacon.dll ({configuration}) not found; build src/Beacon.Agent first");
    }

    /// <summary>Runs the agent's CLI (<c>beacon ARGS --server http://STATUS</c>) inside the namespace.</summary>
    public async Task<CommandResult> CliAsync(params string[] arguments) =>
        await Namespace.ExecAsync(["dotnet", AgentAssembly, .. arguments, "--server", $"http://{StatusListen}"]);

    /// <summary><c>beacon peers -o json</c>.</summary>
    public async Task<IReadOnlyList<PeerStatus>> GetPeersAsync()
    {
        var output = (await CliAsync("peers", "-o", "json")).EnsureSuccess().StandardOutput;
        return JsonSerializer.Deserialize<List<PeerStatus>>(output, _json) ?? [];
    }

    /// <summary><c>beacon routes --peer P --direction D -o json</c>.</summary>
    public async Task<IReadOnlyList<RouteView>> GetRoutesAsync(string peer, RouteDirection direction)
    {
        var output = (await CliAsync("routes", "--peer", peer, "--direction", direction.ToString().ToLowerInvariant(), "-o", "json"))
            .EnsureSuccess().StandardOutput;
        return JsonSerializer.Deserialize<List<RouteView>>(output, _json) ?? [];
    }

    /// <summary>The Prometheus text of <c>/metrics</c> (fetched with curl inside the namespace).</summary>
    public async Task<string> GetMetricsAsync() =>
        (await Namespace.ExecAsync("curl", "-sf", $"http://{StatusListen}/metrics")).EnsureSuccess().StandardOutput;

    /// <summary>
    /// The value of the sample of <paramref name="metric"/> whose labels include every one of
    /// <paramref name="labels"/> (<c>name="value"</c> pairs), summed over matching series; 0 when none.
    /// </summary>
    public static double MetricValue(string metrics, string metric, params string[] labels) =>
        metrics.Split('\n')
            .Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) || l.StartsWith(metric + " ", StringComparison.Ordinal))
            .Where(l => labels.All(label => l.Contains(label, StringComparison.Ordinal)))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    public Task<IReadOnlyList<PeerStatus>> WaitForPeerStateAsync(string peer, SessionState state, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(
            $"Beacon peer {peer} to be {state}",
            GetPeersAsync,
            peers => peers.Any(p => p.Name == peer && p.State == state),
            timeout);

    public string ReadLog() => _process.ReadLog();

    /// <summary>SIGTERM (graceful shutdown: the agent sends Cease), then SIGKILL after the grace period.</summary>
    public Task StopAsync(TimeSpan? grace = null) => _process.StopAsync(grace);

    /// <summary>SIGKILL: the agent dies without a NOTIFICATION, as in a crash.</summary>
    public void Kill() => _process.Kill();

    public async ValueTask DisposeAsync() => await _process.StopAsync(TimeSpan.FromSeconds(5));
}
