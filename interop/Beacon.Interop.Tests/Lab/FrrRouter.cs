using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Beacon.Interop.Tests.Lab;

/// <summary>
/// FRR's bgpd running alone in a namespace: no zebra (<c>-Z</c>), no kernel FIB
/// (<c>-n</c>, unless <see cref="FrrConfig.InstallRoutes"/>), no privilege drop (<c>-S</c>), no TCP vty (<c>-P 0</c>), and its own
/// vty socket directory so that several instances never share /var/run/frr. With
/// <see cref="FrrConfig.Zebra"/>, zebra runs too, with its zserv socket in that directory.
/// </summary>
public sealed class FrrRouter : IAsyncDisposable
{
    public const string BgpdPath = "/usr/lib/frr/bgpd";
    public const string ZebraPath = "/usr/lib/frr/zebra";

    private readonly NetworkLab _lab;
    private readonly string _directory;
    private LabProcess? _process;
    private LabProcess? _zebra;

    private FrrRouter(NetworkLab lab, LabNamespace ns, FrrConfig config, string directory)
    {
        _lab = lab;
        Namespace = ns;
        Config = config;
        _directory = directory;
    }

    public LabNamespace Namespace { get; }

    public FrrConfig Config { get; private set; }

    public string VtySocketDirectory => _directory;

    public string ConfigFile => Path.Combine(_directory, "bgpd.conf");

    public LabProcess Process => _process ?? throw new LabException("bgpd is not running");

    public static async Task<FrrRouter> StartAsync(NetworkLab lab, LabNamespace ns, FrrConfig config)
    {
        var directory = lab.CreateDirectory($"frr-{ns.Name}-{Guid.NewGuid():N}"[..32]);
        var router = new FrrRouter(lab, ns, config, directory);
        await router.StartProcessAsync();
        return router;
    }

    /// <summary>Kills bgpd (SIGKILL: no NOTIFICATION is sent, as in a crash) and starts it again.</summary>
    public async Task RestartAsync(FrrConfig? config = null, bool graceful = false)
    {
        await StopAsync(graceful);
        if (config is not null)
        {
            Config = config;
        }

        await StartProcessAsync();
    }

    /// <summary>Stops bgpd: SIGTERM when <paramref name="graceful"/> (FRR sends Cease), else SIGKILL.</summary>
    public async Task StopAsync(bool graceful = true)
    {
        if (_process is { } process)
        {
            if (graceful)
            {
                await process.StopAsync();
            }
            else
            {
                process.Kill();
            }

            _process = null;
        }
    }

    /// <summary>Runs vtysh commands against this bgpd and returns stdout.</summary>
    public async Task<string> VtyshAsync(params string[] commands)
    {
        var arguments = new List<string> { "--vty_socket", _directory, "-d", "bgpd" };
        foreach (var command in commands)
        {
            arguments.Add("-c");
            arguments.Add(command);
        }

        var result = await Command.RunAsync("vtysh", arguments, TimeSpan.FromSeconds(30));
        return result.EnsureSuccess().StandardOutput;
    }

    /// <summary>Applies configuration lines at runtime (<c>configure terminal</c>).</summary>
    public Task<string> ConfigureAsync(params string[] lines) =>
        VtyshAsync(["configure terminal", .. lines, "end"]);

    public async Task<FrrRoutingTable> GetRoutesAsync(AddressFamily family = AddressFamily.InterNetwork) =>
        FrrJson.ParseTable(await VtyshAsync($"show bgp {FamilyName(family)} unicast json detail"));

    public async Task<ImmutableDictionary<string, FrrNeighbor>> GetNeighborsAsync() =>
        FrrJson.ParseNeighbors(await VtyshAsync("show bgp neighbors json"));

    public async Task<FrrNeighbor?> GetNeighborAsync(IPAddress address) =>
        (await GetNeighborsAsync()).GetValueOrDefault(address.ToString());

    /// <summary><c>pfxRcd</c> of one peer in <c>show bgp … summary json</c>; 0 when absent.</summary>
    public async Task<int> GetPrefixesReceivedAsync(IPAddress peer, AddressFamily family = AddressFamily.InterNetwork)
    {
        using var document = JsonDocument.Parse(await VtyshAsync($"show bgp {FamilyName(family)} unicast summary json"));
        return document.RootElement.TryGetProperty("peers", out var peers)
            && peers.TryGetProperty(peer.ToString(), out var entry)
            && entry.TryGetProperty("pfxRcd", out var count)
                ? count.GetInt32()
                : 0;
    }

    public Task<FrrNeighbor> WaitForStateAsync(IPAddress peer, string state, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(
            $"FRR neighbor {peer} to be {state}",
            async () => await GetNeighborAsync(peer) ?? throw new LabException($"FRR has no neighbor {peer}"),
            n => n.State == state,
            timeout);

    public Task<FrrNeighbor> WaitForEstablishedAsync(IPAddress peer, TimeSpan? timeout = null) =>
        WaitForStateAsync(peer, "Established", timeout);

    public Task<FrrRoutingTable> WaitForRoutesAsync(
        AddressFamily family,
        Func<FrrRoutingTable, bool> condition,
        string description,
        TimeSpan? timeout = null) =>
        Eventually.UntilAsync(description, () => GetRoutesAsync(family), condition, timeout);

    /// <summary>Waits until the set of prefixes FRR holds from <paramref name="peer"/> is exactly <paramref name="prefixes"/>.</summary>
    public Task<FrrRoutingTable> WaitForPrefixesFromAsync(IPAddress peer, IEnumerable<string> prefixes, TimeSpan? timeout = null)
    {
        var expected = prefixes.ToImmutableSortedSet(StringComparer.Ordinal);
        var family = peer.AddressFamily;
        return WaitForRoutesAsync(
            expected.Count > 0 ? IPNetwork.Parse(expected[0]).BaseAddress.AddressFamily : family,
            t => t.PrefixesFrom(peer).ToImmutableSortedSet(StringComparer.Ordinal).SetEquals(expected),
            $"FRR to hold exactly [{string.Join(", ", expected)}] from {peer}",
            timeout);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(graceful: false);
        if (_zebra is { } zebra)
        {
            zebra.Kill();
            _zebra = null;
        }
    }

    private static string FamilyName(AddressFamily family) =>
        family == AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4";

    private async Task StartProcessAsync()
    {
        await File.WriteAllTextAsync(ConfigFile, Config.Render());
        var pidFile = Path.Combine(_directory, "bgpd.pid");
        string[] zebraOption = ["-Z"];
        if (Config.Zebra)
        {
            zebraOption = ["-z", await StartZebraAsync()];
        }

        string[] fibOption = Config.Zebra && Config.InstallRoutes ? [] : ["-n"];
        var process = _lab.Start(
            Namespace,
            $"bgpd-{Namespace.Name}",
            [BgpdPath, .. zebraOption, .. fibOption, "-S", "-f", ConfigFile, "-i", pidFile, "--vty_socket", _directory, "-A", "127.0.0.1", "-P", "0", "--log", "stdout"]);
        _process = process;

        // Ready when vtysh can talk to it; a config error makes bgpd exit instead.
        await Eventually.UntilAsync(
            $"bgpd in {Namespace.Name} to accept vtysh",
            async () =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"bgpd exited: {process.ReadLog()}");
                }

                var result = await Command.RunAsync("vtysh", ["--vty_socket", _directory, "-d", "bgpd", "-c", "show bgp summary json"], TimeSpan.FromSeconds(10));
                return result.Succeeded;
            },
            ok => ok,
            TimeSpan.FromSeconds(20));
    }

    /// <summary>Starts zebra once per router (it outlives bgpd restarts); returns its zserv socket path.</summary>
    private async Task<string> StartZebraAsync()
    {
        var socket = Path.Combine(_directory, "zserv.api");
        if (_zebra is { HasExited: false })
        {
            return socket;
        }

        // zebra drops to the frr user (unlike bgpd it has no -S), so it must be able to
        // write its pid file and sockets here.
        (await Command.RunAsync("chmod", "0777", _directory)).EnsureSuccess();
        var config = Path.Combine(_directory, "zebra.conf");
        await File.WriteAllTextAsync(config, "hostname frr-zebra\n");
        var zebra = _lab.Start(
            Namespace,
            $"zebra-{Namespace.Name}",
            [ZebraPath, "-f", config, "-i", Path.Combine(_directory, "zebra.pid"), "--vty_socket", _directory, "-z", socket, "-A", "127.0.0.1", "-P", "0", "--log", "stdout"]);
        _zebra = zebra;
        await Eventually.UntilAsync(
            $"zebra in {Namespace.Name} to accept vtysh",
            async () =>
            {
                if (zebra.HasExited)
                {
                    throw new InvalidOperationException($"zebra exited: {zebra.ReadLog()}");
                }

                var result = await Command.RunAsync("vtysh", ["--vty_socket", _directory, "-d", "zebra", "-c", "show interface brief"], TimeSpan.FromSeconds(10));
                return result.Succeeded && File.Exists(socket);
            },
            ok => ok,
            TimeSpan.FromSeconds(20));
        return socket;
    }
}
