using System.Net;
using System.Net.Sockets;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Transport;

namespace Beacon.Bgp.Tests.Transport;

public sealed class TcpSocketOptionsTests
{
    private static readonly byte[] s_key = "s3cret"u8.ToArray();

    [Fact]
    public void Md5sig_for_an_ipv4_peer_on_an_ipv4_socket_is_a_sockaddr_in()
    {
        var buffer = TcpSocketOptions.EncodeMd5Sig(IPAddress.Parse("192.0.2.1"), AddressFamily.InterNetwork, s_key);

        Assert.Equal(216, buffer.Length);
        // family AF_INET (host order) | port 0 | 192.0.2.1 | zero[8]
        Assert.Equal(Convert.FromHexString("0200" + "0000" + "C0000201" + "0000000000000000"), buffer[..16]);
        AssertTail(buffer, s_key);
        Assert.All(buffer[16..128], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Md5sig_for_an_ipv4_peer_on_a_dual_stack_socket_is_v4_mapped()
    {
        var buffer = TcpSocketOptions.EncodeMd5Sig(IPAddress.Parse("192.0.2.1"), AddressFamily.InterNetworkV6, s_key);

        // family AF_INET6 | port 0 | flowinfo 0 | ::ffff:192.0.2.1 | scope 0
        Assert.Equal(Convert.FromHexString("0A00" + "0000" + "00000000" + "00000000000000000000FFFFC0000201" + "00000000"), buffer[..28]);
        AssertTail(buffer, s_key);
    }

    [Fact]
    public void Md5sig_for_an_ipv6_peer_is_a_sockaddr_in6()
    {
        var buffer = TcpSocketOptions.EncodeMd5Sig(IPAddress.Parse("2001:db8::1"), AddressFamily.InterNetworkV6, s_key);

        Assert.Equal(Convert.FromHexString("0A00" + "0000" + "00000000" + "20010DB8000000000000000000000001" + "00000000"), buffer[..28]);
        AssertTail(buffer, s_key);
    }

    [Fact]
    public void Md5sig_with_an_empty_key_deletes_it()
    {
        var buffer = TcpSocketOptions.EncodeMd5Sig(IPAddress.Parse("192.0.2.1"), AddressFamily.InterNetwork, []);

        AssertTail(buffer, []);
    }

    [Fact]
    public void Md5sig_refuses_an_ipv6_peer_on_an_ipv4_socket()
    {
        Assert.Throws<ArgumentException>(() => TcpSocketOptions.EncodeMd5Sig(IPAddress.Parse("2001:db8::1"), AddressFamily.InterNetwork, s_key));
    }

    [Fact]
    public void Md5sig_takes_keys_of_up_to_80_bytes()
    {
        AssertTail(TcpSocketOptions.EncodeMd5Sig(IPAddress.Loopback, AddressFamily.InterNetwork, new byte[80]), new byte[80]);
        Assert.Throws<ArgumentException>(() => TcpSocketOptions.EncodeMd5Sig(IPAddress.Loopback, AddressFamily.InterNetwork, new byte[81]));
    }

    [Fact]
    public void The_kernel_takes_the_key_on_ipv4_and_dual_stack_sockets_and_deletes_it()
    {
        using var v4 = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        TcpSocketOptions.SetMd5Key(v4, IPAddress.Parse("192.0.2.1"), TcpMd5Key.FromPassword("s3cret"));
        TcpSocketOptions.SetMd5Key(v4, IPAddress.Parse("192.0.2.1"), null);

        using var v6 = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
        TcpSocketOptions.SetMd5Key(v6, IPAddress.Parse("192.0.2.1"), TcpMd5Key.FromPassword("s3cret"));
        TcpSocketOptions.SetMd5Key(v6, IPAddress.Parse("2001:db8::1"), TcpMd5Key.FromPassword("s3cret"));
        TcpSocketOptions.SetMd5Key(v6, IPAddress.Parse("192.0.2.1"), null);

        // A second delete finds no key: the first one really removed it.
        var again = Assert.Throws<SocketException>(() => TcpSocketOptions.SetMd5Key(v6, IPAddress.Parse("192.0.2.1"), null));
        Assert.NotEqual(SocketError.InvalidArgument, again.SocketErrorCode);
    }

    [Theory]
    [InlineData(false, 1, 1, 0)]
    [InlineData(false, 3, 3, 0)]
    [InlineData(true, 1, 255, 254)]
    public void Ttl_is_set_for_both_families_on_a_dual_stack_socket(bool gtsm, int multihop, int expectedTtl, int expectedMinimum)
    {
        using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
        TcpSocketOptions.ApplyTtl(socket, Peer() with { TtlSecurity = gtsm, EbgpMultihop = multihop });

        Assert.Equal(expectedTtl, TcpSocketOptions.GetInt(socket, ipv6: false, minimum: false));
        Assert.Equal(expectedTtl, TcpSocketOptions.GetInt(socket, ipv6: true, minimum: false));
        Assert.Equal(expectedMinimum, TcpSocketOptions.GetInt(socket, ipv6: false, minimum: true));
        Assert.Equal(expectedMinimum, TcpSocketOptions.GetInt(socket, ipv6: true, minimum: true));
    }

    [Fact]
    public void Gtsm_on_an_ipv4_socket_sets_ip_ttl_and_ip_minttl()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        TcpSocketOptions.ApplyTtl(socket, Peer() with { TtlSecurity = true });

        Assert.Equal(255, TcpSocketOptions.GetInt(socket, ipv6: false, minimum: false));
        Assert.Equal(254, TcpSocketOptions.GetInt(socket, ipv6: false, minimum: true));
    }

    [Fact]
    public void Internal_peers_without_gtsm_keep_the_system_ttl()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var before = TcpSocketOptions.GetInt(socket, ipv6: false, minimum: false);
        TcpSocketOptions.ApplyTtl(socket, Peer() with { PeerAsn = 65001 });

        Assert.Equal(before, TcpSocketOptions.GetInt(socket, ipv6: false, minimum: false));
        Assert.Equal(0, TcpSocketOptions.GetInt(socket, ipv6: false, minimum: true));
    }

    [Theory]
    [InlineData("4500003C1C4640004006B1E6C0A80001C0A800C7", 64)] // IPv4, TTL 0x40
    [InlineData("4500003C1C464000FF06B1E6C0A80001C0A800C7", 255)]
    [InlineData("6000000000280601" + "20010DB8000000000000000000000001" + "20010DB8000000000000000000000002", 1)] // IPv6, hop limit 1
    public void The_ttl_of_a_saved_syn_is_read_from_its_ip_header(string hex, int ttl)
    {
        Assert.Equal(ttl, TcpSocketOptions.SynTtl(Convert.FromHexString(hex)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("4500003C1C46")]
    [InlineData("50000000000000000000000000000000000000000000")]
    public void No_ttl_without_a_whole_ip_header(string hex)
    {
        Assert.Null(TcpSocketOptions.SynTtl(Convert.FromHexString(hex)));
    }

    internal static PeerSettings Peer() => new()
    {
        Name = "router",
        PeerAddress = IPAddress.Loopback,
        PeerAsn = 65002,
        LocalAsn = 65001,
        RouterId = IPAddress.Parse("192.0.2.2"),
    };

    private static void AssertTail(byte[] buffer, byte[] key)
    {
        Assert.Equal(0, buffer[128]);
        Assert.Equal(0, buffer[129]);
        Assert.Equal(key.Length, BitConverter.ToUInt16(buffer, 130));
        Assert.Equal(0, BitConverter.ToInt32(buffer, 132));
        Assert.Equal(key, buffer[136..(136 + key.Length)]);
        Assert.All(buffer[(136 + key.Length)..], b => Assert.Equal(0, b));
    }
}
