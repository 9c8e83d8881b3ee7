using System.Net;
using System.Text;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Transport;

namespace Beacon.Bgp.Tests.Transport;

public sealed class TcpMd5KeyTests
{
    [Fact]
    public void Keys_compare_by_value_so_an_unchanged_peer_keeps_its_session()
    {
        var peer = TcpSocketOptionsTests.Peer() with { TcpMd5Key = TcpMd5Key.FromPassword("s3cret") };

        Assert.Equal(peer, peer with { TcpMd5Key = new TcpMd5Key("s3cret"u8) });
        Assert.NotEqual(peer, peer with { TcpMd5Key = TcpMd5Key.FromPassword("other") });
        Assert.NotEqual(peer, peer with { TcpMd5Key = null });
        Assert.NotEqual(peer, peer with { TtlSecurity = true });
    }

    [Fact]
    public void The_password_never_appears_in_text()
    {
        var peer = TcpSocketOptionsTests.Peer() with { TcpMd5Key = TcpMd5Key.FromPassword("hunter2-secret") };

        Assert.DoesNotContain("hunter2", peer.ToString(), StringComparison.Ordinal);
        Assert.Contains("TcpMd5Key = (redacted)", peer.ToString(), StringComparison.Ordinal);
        Assert.Equal("(redacted)", peer.TcpMd5Key!.ToString());
    }

    [Fact]
    public void The_password_is_the_utf8_bytes()
    {
        var key = TcpMd5Key.FromPassword("pässword");

        Assert.Equal(Encoding.UTF8.GetBytes("pässword"), key.Bytes.ToArray());
        Assert.Equal(9, key.Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(81)]
    public void Keys_are_1_to_80_bytes(int length)
    {
        Assert.Throws<ArgumentException>(() => new TcpMd5Key(new byte[length]));
    }

    [Fact]
    public void Peers_differ_when_only_their_address_does()
    {
        var peer = TcpSocketOptionsTests.Peer();

        Assert.NotEqual(peer, peer with { PeerAddress = IPAddress.IPv6Loopback });
    }
}
