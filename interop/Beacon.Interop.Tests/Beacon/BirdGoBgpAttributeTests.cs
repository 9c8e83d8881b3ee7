using System.Net;
using System.Net.Sockets;
using Beacon.Bgp.Speaker;
using Beacon.Interop.Tests.Lab;
using static Beacon.Interop.Tests.Beacon.BeaconLab;

namespace Beacon.Interop.Tests.Beacon;

/// <summary>
/// Issue 4 "Interop" with BIRD 2 and GoBGP as peers: the attributes of Beacon's
/// advertisements as each router shows them (communities, well-known and large
/// communities, MED, AS-path prepend over eBGP, local preference over iBGP), route refresh
/// asked by Beacon of GoBGP, and max-prefix with BIRD announcing.
/// </summary>
public sealed class BirdGoBgpAttributeTests
{
    // RFC 1997 NO_EXPORT as (65535, 65281): both routers show it as numbers.
    private const string NoExport = "65535:65281";

    private static readonly string[] BirdStaticPrefixes = ["203.0.113.192/29", "203.0.113.200/29", "203.0.113.208/29", "203.0.113.216/29", "203.0.113.224/29"];

    /// <summary>
    /// eBGP manifests: "web" (IPv4 and IPv6) gets 64512:100, no-export and 64512:1:1; "edge"
    /// (IPv4) gets those plus 64512:200, MED 50 and two prepends; PodCIDRs go without attributes.
    /// </summary>
    private static void WriteEbgpManifests(BeaconLab lab)
    {
        lab.Manifests.Write("bgp.yaml",
            Manifests.ClusterConfig(NodeAs, (PeerName, "198.51.100.1", RouterAs)),
            Manifests.PeerConfig(),
            Manifests.ServiceAdvertisement("services", """
                        communities:
                          standard: ["64512:100"]
                          wellKnown: [no-export]
                          large: ["64512:1:1"]
                """),
            Manifests.ServiceAdvertisement("prepended", """
                        communities:
                          standard: ["64512:200"]
                        med: 50
                        asPathPrepend:
                          count: 2
                """, selector: "tier: edge"),
            Manifests.PodCidrAdvertisement());
        lab.Manifests.Write("node.yaml", Manifests.Node("node1", "198.51.100.2", "192.0.2.0/26", "2001:db8:1::/64"));
        lab.Manifests.Write("services.yaml",
            Manifests.Service("web", "Cluster", "203.0.113.10", "2001:db8:203::10"),
            Manifests.LabelledService("edge", "Cluster", "tier: edge", "203.0.113.12"));
    }

    /// <summary>iBGP manifests (Beacon in the router's AS): "web" (IPv4 and IPv6) with local preference 250, PodCIDRs without.</summary>
    private static void WriteIbgpManifests(BeaconLab lab)
    {
        lab.Manifests.Write("bgp.yaml",
            Manifests.ClusterConfig(RouterAs, (PeerName, "198.51.100.1", RouterAs)),
            Manifests.PeerConfig(),
            Manifests.ServiceAdvertisement("services", """
                        localPreference: 250
                        communities:
                          standard: ["64500:1"]
                """),
            Manifests.PodCidrAdvertisement());
        lab.Manifests.Write("node.yaml", Manifests.Node("node1", "198.51.100.2", "192.0.2.0/26", "2001:db8:1::/64"));
        lab.Manifests.Write("services.yaml", Manifests.Service("web", "Cluster", "203.0.113.10", "2001:db8:203::10"));
    }

    private static Task<BirdRouter> StartBirdAsync(BeaconLab lab, uint peerAs, IReadOnlyList<BirdStaticRoute>? staticRoutes = null, bool passive = false) =>
        BirdRouter.StartAsync(lab.Lab, lab.Lab.Router, new BirdConfig(RouterAs, lab.Lab.Router.IPv4)
        {
            Neighbors =
            [
                new BirdNeighborConfig("beacon", lab.Node(0).IPv4, peerAs, lab.Lab.Router.IPv4)
                {
                    Families = [AddressFamily.InterNetwork, AddressFamily.InterNetworkV6],
                    Passive = passive,
                },
            ],
            StaticRoutes = staticRoutes ?? [],
        });

    private static Task<GoBgpRouter> StartGoBgpAsync(BeaconLab lab, uint peerAs) =>
        GoBgpRouter.StartAsync(lab.Lab, lab.Lab.Router, new GoBgpConfig(RouterAs, lab.Lab.Router.IPv4)
        {
            Neighbors = [new GoBgpNeighborConfig(lab.Node(0).IPv4, peerAs) { Families = [AddressFamily.InterNetwork, AddressFamily.InterNetworkV6] }],
        });

    private static async Task<IReadOnlyList<BirdRoute>> WaitForBirdAsync(BeaconLab lab, BirdRouter bird, params string[] prefixes)
    {
        await bird.WaitForEstablishedAsync("beacon");
        try
        {
            return await bird.WaitForRoutesAsync(
                "beacon",
                r => prefixes.All(p => r.Any(x => x.Prefix == p)),
                $"BIRD to hold [{string.Join(", ", prefixes)}] from Beacon");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}{Environment.NewLine}Beacon log:{Environment.NewLine}{lab.LogTail()}", e);
        }
    }

    private static async Task<IReadOnlyList<GoBgpPath>> WaitForGoBgpAsync(BeaconLab lab, GoBgpRouter gobgp, AddressFamily family, params string[] prefixes)
    {
        await gobgp.WaitForEstablishedAsync(lab.Node(0).IPv4);
        try
        {
            return await gobgp.WaitForReceivedAsync(
                lab.Node(0).IPv4,
                family,
                r => prefixes.All(p => r.Any(x => x.Prefix == p)),
                $"GoBGP to hold [{string.Join(", ", prefixes)}] from Beacon");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}{Environment.NewLine}Beacon log:{Environment.NewLine}{lab.LogTail()}", e);
        }
    }

    [Fact]
    public async Task Bird_shows_communities_med_and_as_path_prepend_over_ebgp()
    {
        await using var lab = await CreateAsync();
        var node = lab.Node(0);
        WriteEbgpManifests(lab);
        await using var bird = await StartBirdAsync(lab, NodeAs);
        lab.StartBeacon();

        var routes = await WaitForBirdAsync(lab, bird, "203.0.113.10/32", "203.0.113.12/32", "2001:db8:203::10/128", "192.0.2.0/26");

        var web = Assert.Single(routes, r => r.Prefix == "203.0.113.10/32");
        Assert.Equal(node.IPv4, web.NextHop);
        Assert.Equal([NodeAs], web.AsPath);
        Assert.Equal("IGP", web.Origin);
        Assert.Equal(["64512:100", NoExport], web.Communities);
        Assert.Equal(["64512:1:1"], web.LargeCommunities);
        Assert.Null(web.Med);

        // Beacon sends no LOCAL_PREF over eBGP (GoBGP shows none); BIRD 2 gives every
        // eBGP route its default local preference, 100, and shows that.
        Assert.Equal(100u, web.LocalPreference);

        var edge = Assert.Single(routes, r => r.Prefix == "203.0.113.12/32");
        Assert.Equal([NodeAs, NodeAs, NodeAs], edge.AsPath);
        Assert.Equal(["64512:100", "64512:200", NoExport], edge.Communities);
        Assert.Equal(["64512:1:1"], edge.LargeCommunities);
        Assert.Equal(50u, edge.Med);

        var web6 = Assert.Single(routes, r => r.Prefix == "2001:db8:203::10/128");
        Assert.Equal(node.IPv6, web6.NextHop);
        Assert.Equal([NodeAs], web6.AsPath);
        Assert.Equal(["64512:100", NoExport], web6.Communities);
        Assert.Equal(["64512:1:1"], web6.LargeCommunities);

        // The PodCIDR advertisement carries no attributes.
        var pods = Assert.Single(routes, r => r.Prefix == "192.0.2.0/26");
        Assert.Empty(pods.Communities);
        Assert.Null(pods.Med);
    }

    [Fact]
    public async Task Bird_shows_local_preference_over_ibgp()
    {
        await using var lab = await CreateAsync();
        var node = lab.Node(0);
        WriteIbgpManifests(lab);
        await using var bird = await StartBirdAsync(lab, RouterAs);
        lab.StartBeacon();

        var routes = await WaitForBirdAsync(lab, bird, "203.0.113.10/32", "192.0.2.0/26", "2001:db8:203::10/128", "2001:db8:1::/64");

        var web = Assert.Single(routes, r => r.Prefix == "203.0.113.10/32");
        Assert.Equal(node.IPv4, web.NextHop);
        Assert.Empty(web.AsPath);
        Assert.Equal(250u, web.LocalPreference);
        Assert.Equal(["64500:1"], web.Communities);
        Assert.Equal(100u, Assert.Single(routes, r => r.Prefix == "192.0.2.0/26").LocalPreference);
        var web6 = Assert.Single(routes, r => r.Prefix == "2001:db8:203::10/128");
        Assert.Equal(250u, web6.LocalPreference);
        Assert.Empty(web6.AsPath);
        Assert.Equal(100u, Assert.Single(routes, r => r.Prefix == "2001:db8:1::/64").LocalPreference);
    }

    [Fact]
    public async Task GoBgp_shows_communities_med_and_as_path_prepend_over_ebgp()
    {
        await using var lab = await CreateAsync();
        var node = lab.Node(0);
        WriteEbgpManifests(lab);
        await using var gobgp = await StartGoBgpAsync(lab, NodeAs);
        lab.StartBeacon();

        var v4 = await WaitForGoBgpAsync(lab, gobgp, AddressFamily.InterNetwork, "203.0.113.10/32", "203.0.113.12/32", "192.0.2.0/26");
        var v6 = await WaitForGoBgpAsync(lab, gobgp, AddressFamily.InterNetworkV6, "2001:db8:203::10/128", "2001:db8:1::/64");

        var web = Assert.Single(v4, r => r.Prefix == "203.0.113.10/32");
        Assert.Equal(node.IPv4, web.NextHop);
        Assert.Equal([NodeAs], web.AsPath);
        Assert.Equal(0, web.Origin);
        Assert.Equal(["64512:100", NoExport], web.Communities);
        Assert.Equal(["64512:1:1"], web.LargeCommunities);
        Assert.Null(web.Med);
        Assert.Null(web.LocalPreference);

        var edge = Assert.Single(v4, r => r.Prefix == "203.0.113.12/32");
        Assert.Equal([NodeAs, NodeAs, NodeAs], edge.AsPath);
        Assert.Equal(["64512:100", "64512:200", NoExport], edge.Communities);
        Assert.Equal(["64512:1:1"], edge.LargeCommunities);
        Assert.Equal(50u, edge.Med);

        var pods = Assert.Single(v4, r => r.Prefix == "192.0.2.0/26");
        Assert.Empty(pods.Communities);
        Assert.Null(pods.Med);

        var web6 = Assert.Single(v6, r => r.Prefix == "2001:db8:203::10/128");
        Assert.Equal(node.IPv6, web6.NextHop);
        Assert.Equal([NodeAs], web6.AsPath);
        Assert.Equal(["64512:100", NoExport], web6.Communities);
        Assert.Equal(["64512:1:1"], web6.LargeCommunities);
    }

    [Fact]
    public async Task GoBgp_shows_local_preference_over_ibgp()
    {
        await using var lab = await CreateAsync();
        var node = lab.Node(0);
        WriteIbgpManifests(lab);
        await using var gobgp = await StartGoBgpAsync(lab, RouterAs);
        lab.StartBeacon();

        var v4 = await WaitForGoBgpAsync(lab, gobgp, AddressFamily.InterNetwork, "203.0.113.10/32", "192.0.2.0/26");
        var v6 = await WaitForGoBgpAsync(lab, gobgp, AddressFamily.InterNetworkV6, "2001:db8:203::10/128", "2001:db8:1::/64");

        var web = Assert.Single(v4, r => r.Prefix == "203.0.113.10/32");
        Assert.Equal(node.IPv4, web.NextHop);
        Assert.Empty(web.AsPath);
        Assert.Equal(250u, web.LocalPreference);
        Assert.Equal(["64500:1"], web.Communities);
        Assert.Equal(100u, Assert.Single(v4, r => r.Prefix == "192.0.2.0/26").LocalPreference);
        var web6 = Assert.Single(v6, r => r.Prefix == "2001:db8:203::10/128");
        Assert.Equal(250u, web6.LocalPreference);
        Assert.Empty(web6.AsPath);
        Assert.Equal(100u, Assert.Single(v6, r => r.Prefix == "2001:db8:1::/64").LocalPreference);
    }

    // GoBGP never sends ROUTE-REFRESH from its CLI: "gobgp neighbor X softresetin" re-runs its
    // import policy over its own Adj-RIB-In (server.go softResetIn). So route refresh with
    // GoBGP is tested the other way: Beacon asks, GoBGP answers.
    [Fact]
    public async Task Beacon_asks_gobgp_for_a_refresh_when_max_prefixes_is_raised_and_keeps_the_session()
    {
        const string Received = "beacon_bgp_messages_received_total";
        const string Sent = "beacon_bgp_messages_sent_total";
        await using var lab = await CreateAsync();
        var node = lab.Node(0);
        WriteMaxPrefixManifests(lab, 10);
        await using var gobgp = await StartGoBgpAsync(lab, NodeAs);
        var beacon = lab.StartBeacon();
        await gobgp.WaitForEstablishedAsync(node.IPv4);
        await gobgp.AddRouteAsync("203.0.113.192/29", communities: ["64500:7"]);
        await gobgp.AddRouteAsync("203.0.113.200/29");
        await lab.WaitForBeaconRoutesAsync(
            RouteDirection.Received, r => r.Count(v => v.Prefix.StartsWith("203.0.113.", StringComparison.Ordinal)) == 2, "Beacon to hold GoBGP's two routes");
        var before = await beacon.GetMetricsAsync();

        WriteMaxPrefixManifests(lab, 20);

        // One ROUTE-REFRESH per family; GoBGP answers each with its routes (UPDATEs).
        var after = await Eventually.UntilAsync(
            "Beacon to send ROUTE-REFRESH and receive GoBGP's routes again",
            beacon.GetMetricsAsync,
            m => BeaconProcess.MetricValue(m, Sent, "type=\"ROUTE-REFRESH\"") >= BeaconProcess.MetricValue(before, Sent, "type=\"ROUTE-REFRESH\"") + 2
                && BeaconProcess.MetricValue(m, Received, "type=\"UPDATE\"") > BeaconProcess.MetricValue(before, Received, "type=\"UPDATE\""));
        Assert.Equal(1, BeaconProcess.MetricValue(after, Sent, "type=\"OPEN\"", $"peer=\"{PeerName}\""));
        var peer = Assert.Single(await beacon.GetPeersAsync());
        Assert.Equal(SessionState.Established, peer.State);
        var received = await beacon.GetRoutesAsync(PeerName, RouteDirection.Received);
        Assert.Equal(["64500:7"], Assert.Single(received, r => r.Prefix == "203.0.113.192/29").Communities.ToArray());
        Assert.Contains(received, r => r.Prefix == "203.0.113.200/29");
    }

    private static void WriteMaxPrefixManifests(BeaconLab lab, int maxPrefixes)
    {
        lab.Manifests.Write("bgp.yaml",
            Manifests.ClusterConfig(NodeAs, (PeerName, "198.51.100.1", RouterAs)),
            Manifests.PeerConfig().Replace("spec:\n", $"spec:\n  maxPrefixes: {maxPrefixes}\n", StringComparison.Ordinal));
        lab.Manifests.Write("node.yaml", Manifests.Node("node1", "198.51.100.2", "192.0.2.0/26", "2001:db8:1::/64"));
    }

    [Fact]
    public async Task Beacon_ends_the_session_with_bird_at_max_prefixes()
    {
        await using var lab = await CreateAsync();
        WriteMaxPrefixManifests(lab, 3);

        // Passive, so that BIRD's reconnect attempts during Beacon's back-off do not replace
        // the NOTIFICATION BIRD shows.
        await using var bird = await StartBirdAsync(lab, NodeAs, [.. BirdStaticPrefixes.Select(p => new BirdStaticRoute(p))], passive: true);
        var beacon = lab.StartBeacon();

        // RFC 4486: Cease / Maximum Number of Prefixes Reached, as BIRD reports it.
        var shown = await Eventually.UntilAsync(
            "BIRD to report Beacon's Cease 6/1",
            () => bird.BirdcAsync("show", "protocols", "all", "beacon"),
            t => t.Contains("Maximum number of prefixes reached", StringComparison.OrdinalIgnoreCase));
        Assert.Matches(@"Last error:\s+Received: Maximum number of prefixes reached", shown);
        var peers = await Eventually.UntilAsync(
            "Beacon to report the max-prefix teardown",
            beacon.GetPeersAsync,
            p => p.Single().LastError?.Contains("6/1", StringComparison.Ordinal) == true);
        Assert.Contains("more than the limit of 3", peers.Single().LastError, StringComparison.Ordinal);
        Assert.NotEqual(SessionState.Established, peers.Single().State);
    }
}
