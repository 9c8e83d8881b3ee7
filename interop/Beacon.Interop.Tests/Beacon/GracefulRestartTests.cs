using System.Collections.Concurrent;
using System.Net.Sockets;
using Beacon.Interop.Tests.Lab;
using static Beacon.Interop.Tests.Beacon.BeaconLab;

namespace Beacon.Interop.Tests.Beacon;

/// <summary>
/// Issue 4, graceful restart (RFC 4724/8538) against FRR 8.4 in its default helper mode: the
/// agent restarting, killed or stopped, must not make FRR drop the routes; End-of-RIB after the
/// restart sweeps what went away meanwhile.
/// </summary>
public sealed class GracefulRestartTests
{
    private static readonly string[] Before = ["192.0.2.0/26", "203.0.113.10/32", "203.0.113.11/32"];
    private static readonly string[] After = ["192.0.2.0/26", "203.0.113.10/32"];

    [Fact]
    public async Task Frr_keeps_every_route_stale_across_a_kill_and_sweeps_after_end_of_rib()
    {
        await using var lab = await StartAsync(gracefulRestart: true);
        using var watch = FrrWatch.Start(lab);

        lab.Beacons[0].Kill();
        await lab.WaitForFrrAsync(AddressFamily.InterNetwork, t => Before.All(p => t.Paths(p).Any(x => x.Stale)), "FRR to hold every route stale");

        // Changed while the agent is down: only End-of-RIB after the restart can remove it.
        lab.Manifests.Delete("api.yaml");
        var restarted = Restart(lab);
        await restarted.WaitForPeerStateAsync(PeerName, global::Beacon.Bgp.Speaker.SessionState.Established);
        await lab.WaitForFrrAsync(
            AddressFamily.InterNetwork,
            t => t.PrefixesFrom(lab.Node(0).IPv4).Order(StringComparer.Ordinal).SequenceEqual(After) && After.All(p => t.Paths(p).All(x => !x.Stale)),
            "FRR to hold exactly the current routes, none stale");

        var missing = await watch.StopAsync();
        Assert.True(missing.Count == 0, $"FRR lost routes during the restart: {string.Join("; ", missing)}");
    }

    [Fact]
    public async Task Frr_keeps_the_routes_when_the_agent_is_stopped_with_sigterm()
    {
        await using var lab = await StartAsync(gracefulRestart: true);
        using var watch = FrrWatch.Start(lab);

        await lab.Beacons[0].StopAsync();
        Assert.True(lab.Beacons[0].HasExited);
        await lab.WaitForFrrAsync(AddressFamily.InterNetwork, t => Before.All(p => t.Paths(p).Any(x => x.Stale)), "FRR to hold every route stale");

        var restarted = Restart(lab);
        await restarted.WaitForPeerStateAsync(PeerName, global::Beacon.Bgp.Speaker.SessionState.Established);
        await lab.WaitForFrrAsync(AddressFamily.InterNetwork, t => Before.All(p => t.Paths(p).Any(x => !x.Stale)), "FRR to hold every route current again");

        var missing = await watch.StopAsync();
        Assert.True(missing.Count == 0, $"FRR lost routes during the restart: {string.Join("; ", missing)}");
    }

    [Fact]
    public async Task Without_graceful_restart_frr_withdraws_at_once_when_the_agent_is_killed()
    {
        await using var lab = await StartAsync(gracefulRestart: false);

        lab.Beacons[0].Kill();

        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, []);
    }

    [Fact]
    public async Task Beacon_keeps_a_restarting_frr_routes_stale_until_its_end_of_rib()
    {
        await using var lab = await CreateAsync();
        lab.Manifests.Write("bgp.yaml",
            Manifests.ClusterConfig(NodeAs, (PeerName, "198.51.100.1", RouterAs)),
            PeerConfigWithGracefulRestart());
        lab.Manifests.Write("node.yaml", Manifests.Node("node1", "198.51.100.2", "192.0.2.0/26"));
        var frr = await lab.StartFrrAsync(
            networks: ["203.0.113.128/25", "198.51.100.128/25"],
            extraRouterLines: ["bgp graceful-restart", "bgp graceful-restart preserve-fw-state"]);
        lab.StartBeacon();
        await lab.WaitForEstablishedAsync();
        await lab.WaitForBeaconRoutesAsync(global::Beacon.Bgp.Speaker.RouteDirection.Received, r => r.Count == 2 && r.All(x => !x.Stale), "both of FRR's routes");

        await frr.StopAsync(graceful: false);
        await lab.WaitForBeaconRoutesAsync(global::Beacon.Bgp.Speaker.RouteDirection.Received, r => r.Count == 2 && r.All(x => x.Stale), "FRR's routes kept stale");

        await frr.RestartAsync(frr.Config with { Networks = ["203.0.113.128/25"] });
        var routes = await lab.WaitForBeaconRoutesAsync(
            global::Beacon.Bgp.Speaker.RouteDirection.Received,
            r => r.Count == 1 && !r[0].Stale,
            "only the network FRR still originates, current");
        Assert.Equal("203.0.113.128/25", routes[0].Prefix);

        // FRR set F (preserve-fw-state), so the withdrawn network waited for FRR's End-of-RIB.
        // The agent's logger writes on a background thread, so the line may trail the status.
        await Eventually.UntilAsync(
            "the sweep on End-of-RIB in Beacon's log",
            () => Task.FromResult(lab.Beacons[0].ReadLog()),
            log => log.Contains("deleted 1 stale Ipv4Unicast routes: End-of-RIB received", StringComparison.Ordinal));
    }

    /// <summary>The BGPPeerConfig of <see cref="Manifests.PeerConfig"/>, with graceful restart on.</summary>
    public static string PeerConfigWithGracefulRestart(int restartTimeSeconds = 120) =>
        Manifests.PeerConfig().Replace("spec:\n", $"spec:\n  gracefulRestart:\n    enabled: true\n    restartTimeSeconds: {restartTimeSeconds}\n", StringComparison.Ordinal);

    private static async Task<BeaconLab> StartAsync(bool gracefulRestart)
    {
        var lab = await CreateAsync();
        lab.Manifests.Write("bgp.yaml",
            Manifests.ClusterConfig(NodeAs, (PeerName, "198.51.100.1", RouterAs)),
            gracefulRestart ? PeerConfigWithGracefulRestart() : Manifests.PeerConfig());
        lab.Manifests.Write("advertisements.yaml", Manifests.ServiceAdvertisement("services"), Manifests.PodCidrAdvertisement());
        lab.Manifests.Write("node.yaml", Manifests.Node("node1", "198.51.100.2", "192.0.2.0/26", "2001:db8:1::/64"));
        lab.Manifests.Write("web.yaml", Manifests.Service("web", "Cluster", "203.0.113.10"));
        lab.Manifests.Write("api.yaml", Manifests.Service("api", "Cluster", "203.0.113.11"));
        await lab.StartFrrAsync();
        lab.StartBeacon();
        await lab.WaitForEstablishedAsync();
        await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, Before);
        var neighbor = (await lab.Frr.GetNeighborAsync(lab.Node(0).IPv4))!;
        Assert.Equal(gracefulRestart, neighbor.Raw.GetRawText().Contains("\"gracefulRestart\":\"advertisedAndReceived\"", StringComparison.Ordinal));
        return lab;
    }

    private static BeaconProcess Restart(BeaconLab lab) =>
        BeaconProcess.Start(lab.Lab, lab.Node(0), lab.Manifests.Path, NodeName(0));

    /// <summary>
    /// Polls FRR's IPv4 table for as long as it runs and records every sample that lacks one of
    /// the routes present in all states of the test (the PodCIDR and web's address).
    /// </summary>
    private sealed class FrrWatch : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentQueue<string> _missing = new();
        private readonly Task _polling;

        private FrrWatch(BeaconLab lab) => _polling = PollAsync(lab);

        public static FrrWatch Start(BeaconLab lab) => new(lab);

        public async Task<IReadOnlyList<string>> StopAsync()
        {
            await _stop.CancelAsync();
            await _polling;
            return [.. _missing];
        }

        public void Dispose() => _stop.Dispose();

        private async Task PollAsync(BeaconLab lab)
        {
            while (!_stop.IsCancellationRequested)
            {
                var table = await lab.Frr.GetRoutesAsync(AddressFamily.InterNetwork);
                foreach (var prefix in After.Where(p => !table.Routes.ContainsKey(p)))
                {
                    _missing.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {prefix}");
                }
            }
        }
    }
}
