using System.Net.Sockets;
using Beacon.Bgp.Speaker;
using Beacon.Interop.Tests.Lab;
using static Beacon.Interop.Tests.Beacon.BeaconLab;

namespace Beacon.Interop.Tests.Beacon;

/// <summary>
/// Issue 4 "Transport and security": TCP MD5 (RFC 2385) and GTSM (RFC 5082) between Beacon
/// and FRR, BIRD 2 and GoBGP. A mismatch is dropped silently by the kernel, so those cases
/// wait for Beacon's lastError to name the kernel counter that went up.
/// </summary>
public sealed class TransportSecurityTests
{
    public enum Router
    {
        Frr,
        Bird,
        GoBgp,
    }

    private const string Password = "s3cret";

    [Theory]
    [InlineData(Router.Frr)]
    [InlineData(Router.Bird)]
    [InlineData(Router.GoBgp)]
    public async Task Md5_session_with_the_same_password_is_established(Router router)
    {
        await using var lab = await CreateAsync();
        WriteManifests(lab, "  authSecretRef:\n    name: router-md5\n    namespace: kube-system\n", Password);
        var established = await StartRouterAsync(lab, router, password: Password);
        var beacon = lab.StartBeacon();

        await beacon.WaitForPeerStateAsync(PeerName, SessionState.Established);
        await established();
        if (router == Router.Frr)
        {
            // Routes flow over the signed connection.
            await lab.WaitForFrrPrefixesAsync(AddressFamily.InterNetwork, ["203.0.113.10/32"]);
        }

        Assert.DoesNotContain(Password, lab.LogTail(lines: 1000), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Router.Frr)]
    [InlineData(Router.Bird)]
    [InlineData(Router.GoBgp)]
    public async Task Md5_with_a_wrong_password_is_not_established_and_says_why(Router router)
    {
        await using var lab = await CreateAsync();
        WriteManifests(lab, "  authSecretRef:\n    name: router-md5\n    namespace: kube-system\n", "wrong-password");
        await StartRouterAsync(lab, router, password: Password);
        var beacon = lab.StartBeacon();

        // The router dials too: its SYNs, signed with the other password, reach Beacon's listener.
        var peers = await Eventually.UntilAsync(
            "Beacon to report the MD5 mismatch",
            beacon.GetPeersAsync,
            peers => peers.Any(p => p.LastError?.Contains("TCPMD5Failure", StringComparison.Ordinal) == true));

        var peer = Assert.Single(peers);
        Assert.NotEqual(SessionState.Established, peer.State);
        Assert.Matches(@"^connect to 198\.51\.100\.1:179 failed: TCP connection timed out after 1 s; .*TCP MD5 signature mismatch counted by the kernel \(TCPMD5Failure \+\d+\): check the password", peer.LastError);
        Assert.DoesNotContain("wrong-password", lab.LogTail(lines: 1000), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Router.Frr)]
    [InlineData(Router.Bird)]
    [InlineData(Router.GoBgp)]
    public async Task Gtsm_session_is_established(Router router)
    {
        await using var lab = await CreateAsync();
        WriteManifests(lab, "  ttlSecurity: true\n", password: null);
        var established = await StartRouterAsync(lab, router, ttlSecurity: true);
        var beacon = lab.StartBeacon();

        await beacon.WaitForPeerStateAsync(PeerName, SessionState.Established);
        await established();
    }

    // BIRD's listening socket answers with TTL 255 even without GTSM, so Beacon's own
    // connection completes and only the later segments (TTL 1) are dropped: that connection
    // fails when nothing arrived while TCPMinTTLDrop went up.
    [Theory]
    [InlineData(Router.Frr)]
    [InlineData(Router.Bird)]
    public async Task Gtsm_against_a_router_without_it_is_not_established_and_says_why(Router router)
    {
        await using var lab = await CreateAsync();
        WriteManifests(lab, "  ttlSecurity: true\n", password: null);
        await StartRouterAsync(lab, router);
        var beacon = lab.StartBeacon();

        // A router without GTSM sends TTL 1 (direct eBGP); Beacon wants at least 254. Its own
        // connection times out (the router's SYN-ACK is dropped), the router's is refused after
        // accept: either way lastError says so.
        var peers = await Eventually.UntilAsync(
            "Beacon to report the low TTL",
            beacon.GetPeersAsync,
            peers => peers.Any(p => p.LastError?.Contains("GTSM", StringComparison.Ordinal) == true));

        var peer = Assert.Single(peers);
        Assert.NotEqual(SessionState.Established, peer.State);
        Assert.Matches(
            @"(TCP segments below the GTSM minimum TTL counted by the kernel \(TCPMinTTLDrop \+\d+\)|^connection from 198\.51\.100\.1:\d+ refused: its SYN arrived with TTL 1, GTSM needs at least 254): check that the peer has GTSM \(ttl-security\) on",
            peer.LastError);
    }

    [Fact]
    public async Task Beacon_dials_a_passive_router_on_the_peer_port_from_the_local_address()
    {
        await using var lab = await CreateAsync();
        WriteManifests(lab, "  transport:\n    peerPort: 1179\n    localAddress: 198.51.100.2\n", password: null);
        var node = lab.Node(0);

        // GoBGP never dials and listens on 1179 only: the session exists only if Beacon dialled there.
        var gobgp = await GoBgpRouter.StartAsync(lab.Lab, lab.Lab.Router, new GoBgpConfig(RouterAs, lab.Lab.Router.IPv4)
        {
            ListenPort = 1179,
            Neighbors = [new GoBgpNeighborConfig(node.IPv4, NodeAs) { Passive = true }],
        });
        var beacon = lab.StartBeacon();

        await beacon.WaitForPeerStateAsync(PeerName, SessionState.Established);
        await gobgp.WaitForEstablishedAsync(node.IPv4);
        var received = await gobgp.WaitForReceivedAsync(node.IPv4, AddressFamily.InterNetwork, paths => paths.Any(p => p.Prefix == "203.0.113.10/32"), "GoBGP to receive 203.0.113.10/32");
        Assert.Equal(node.IPv4, Assert.Single(received, p => p.Prefix == "203.0.113.10/32").NextHop);
    }

    /// <summary>
    /// The cluster config, the "fast" BGPPeerConfig with <paramref name="extraSpec"/> (YAML
    /// lines at spec level) and, when <paramref name="password"/> is set, the Secret.
    /// </summary>
    private static void WriteManifests(BeaconLab lab, string extraSpec, string? password)
    {
        var peerConfig = Manifests.PeerConfig().TrimEnd('\n') + "\n" + extraSpec;
        List<string> bgp = [Manifests.ClusterConfig(NodeAs, (PeerName, "198.51.100.1", RouterAs)), peerConfig, Manifests.ServiceAdvertisement("services")];
        if (password is not null)
        {
            bgp.Add($"""
                apiVersion: v1
                kind: Secret
                metadata:
                  name: router-md5
                  namespace: kube-system
                data:
                  password: {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(password))}
                """);
        }

        lab.Manifests.Write("bgp.yaml", [.. bgp]);
        lab.Manifests.Write("node.yaml", Manifests.Node("node1", "198.51.100.2", "192.0.2.0/26", "2001:db8:1::/64"));
        lab.Manifests.Write("services.yaml", Manifests.Service("web", "Cluster", "203.0.113.10"));
    }

    /// <summary>Starts <paramref name="router"/> with a neighbor for node 1 and returns a wait for its side of the session.</summary>
    private static async Task<Func<Task>> StartRouterAsync(BeaconLab lab, Router router, string? password = null, bool ttlSecurity = false)
    {
        var node = lab.Node(0);
        switch (router)
        {
            case Router.Frr:
                var frr = await lab.StartFrrAsync(neighbor: n => n with { Password = password, TtlSecurityHops = ttlSecurity ? 1 : null });
                return () => frr.WaitForEstablishedAsync(node.IPv4);
            case Router.Bird:
                var bird = await BirdRouter.StartAsync(lab.Lab, lab.Lab.Router, new BirdConfig(RouterAs, lab.Lab.Router.IPv4)
                {
                    Neighbors = [new BirdNeighborConfig("node1", node.IPv4, NodeAs, lab.Lab.Router.IPv4) { Password = password, TtlSecurity = ttlSecurity }],
                });
                return () => bird.WaitForEstablishedAsync("node1");
            default:
                var gobgp = await GoBgpRouter.StartAsync(lab.Lab, lab.Lab.Router, new GoBgpConfig(RouterAs, lab.Lab.Router.IPv4)
                {
                    Neighbors = [new GoBgpNeighborConfig(node.IPv4, NodeAs) { AuthPassword = password, TtlSecurity = ttlSecurity }],
                });
                return () => gobgp.WaitForEstablishedAsync(node.IPv4);
        }
    }
}
