using System.Net;
using System.Net.Sockets;
using Beacon.Bgp.Session;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Tests.Session;
using Beacon.Bgp.Transport;

namespace Beacon.Bgp.Tests.Transport;

/// <summary>
/// Two speakers on 127.0.0.1 over real TCP: A listens (its peer is passive), B dials. The
/// failing cases end in B's short connect timeout, and B's status must say why.
/// </summary>
public sealed class SpeakerLoopbackTests : IAsyncLifetime
{
    private readonly BgpSpeaker _a = new(new SessionEnvironment());
    private readonly BgpSpeaker _b = new(new SessionEnvironment { Connector = new SocketConnector(TimeSpan.FromSeconds(2), TimeProvider.System) });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
    }

    [Fact]
    public async Task Md5_with_the_same_password_establishes()
    {
        await StartAsync(a => a with { TcpMd5Key = TcpMd5Key.FromPassword("s3cret") }, b => b with { TcpMd5Key = TcpMd5Key.FromPassword("s3cret") });

        await _b.WaitForStateAsync("a", SessionState.Established);
        await _a.WaitForStateAsync("b", SessionState.Established);
    }

    [Fact]
    public async Task Md5_with_a_wrong_password_fails_visibly()
    {
        await StartAsync(a => a with { TcpMd5Key = TcpMd5Key.FromPassword("s3cret") }, b => b with { TcpMd5Key = TcpMd5Key.FromPassword("wrong") });

        var peers = await _b.WaitForAsync(p => p.Any(s => s.LastError is not null), "an error on b's session");

        var status = Assert.Single(peers);
        Assert.NotEqual(SessionState.Established, status.State);
        Assert.StartsWith("connect to 127.0.0.1:", status.LastError, StringComparison.Ordinal);
        Assert.Contains("failed: TCP connection timed out after 2 s; TCP MD5 signature mismatch counted by the kernel (TCPMD5Failure +", status.LastError, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", status.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", status.ToString(), StringComparison.Ordinal);
        Assert.NotEqual(SessionState.Established, Assert.Single(_a.GetPeers()).State);
    }

    [Fact]
    public async Task Gtsm_on_both_sides_establishes_with_ttl_255_on_the_accepted_socket()
    {
        await StartAsync(a => a with { TtlSecurity = true }, b => b with { TtlSecurity = true });

        await _b.WaitForStateAsync("a", SessionState.Established);
        await _a.WaitForStateAsync("b", SessionState.Established);
    }

    [Fact]
    public async Task Gtsm_against_a_peer_without_it_fails_visibly()
    {
        await StartAsync(a => a, b => b with { TtlSecurity = true });

        var peers = await _b.WaitForAsync(p => p.Any(s => s.LastError is not null), "an error on b's session");

        Assert.Contains("TCP segments below the GTSM minimum TTL counted by the kernel (TCPMinTTLDrop +", Assert.Single(peers).LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gtsm_peer_whose_syn_arrives_with_a_low_ttl_is_refused_and_told_why()
    {
        // B sends eBGP's TTL 1; A's listener has GTSM on for B.
        await StartAsync(a => a with { TtlSecurity = true }, b => b);

        var peers = await _a.WaitForAsync(p => p.Any(s => s.LastError is not null), "an error on a's session");

        var status = Assert.Single(peers);
        Assert.NotEqual(SessionState.Established, status.State);
        Assert.Matches(@"^connection from 127\.0\.0\.1:\d+ refused: its SYN arrived with TTL 1, GTSM needs at least 254: check that the peer has GTSM \(ttl-security\) on$", status.LastError);
    }

    private async Task StartAsync(Func<PeerSettings, PeerSettings> changeA, Func<PeerSettings, PeerSettings> changeB)
    {
        var port = FreePort();
        var a = changeA(new PeerSettings
        {
            Name = "b",
            PeerAddress = IPAddress.Loopback,
            PeerAsn = 65002,
            LocalAsn = 65001,
            RouterId = IPAddress.Parse("192.0.2.1"),
            Passive = true,
            Families = [RouteFamily.Ipv4Unicast],
        });
        var b = changeB(new PeerSettings
        {
            Name = "a",
            PeerAddress = IPAddress.Loopback,
            PeerPort = (ushort)port,
            PeerAsn = 65001,
            LocalAsn = 65002,
            RouterId = IPAddress.Parse("192.0.2.2"),
            Families = [RouteFamily.Ipv4Unicast],
        });
        await _a.ApplyAsync(new SpeakerConfiguration(port, [new PeerPlan(a, [])]));
        Assert.Null(_a.ListenerError);
        await _b.ApplyAsync(new SpeakerConfiguration(0, [new PeerPlan(b, [])]));
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
        probe.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
