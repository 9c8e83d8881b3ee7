using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Beacon.Bgp.Speaker;

namespace Beacon.Bgp.Transport;

/// <summary>
/// Linux socket options .NET has no names for: TCP_MD5SIG (RFC 2385) and the TTL options
/// behind GTSM (RFC 5082) and eBGP multihop.
/// </summary>
internal static class TcpSocketOptions
{
    /// <summary>GTSM (RFC 5082 §3): every packet leaves with the largest TTL.</summary>
    public const int GtsmSendTtl = 255;

    /// <summary>
    /// GTSM minimum TTL in: 254 admits a peer one hop away that sends 255 (the issue's
    /// contract; FRR's <c>ttl-security hops 1</c> and BIRD's <c>ttl security on</c> send 255).
    /// </summary>
    public const int GtsmMinimumTtl = 254;

    // linux/tcp.h
    internal const int IpProtoTcp = 6;
    internal const int TcpMd5Sig = 14;

    /// <summary>sizeof(struct tcp_md5sig) on Linux; a shorter option is EINVAL.</summary>
    internal const int Md5SigSize = 216;

    private const int TcpSaveSyn = 27;
    private const int TcpSavedSyn = 28;

    // linux/in.h, linux/in6.h
    private const int IpProtoIp = 0;
    private const int IpTtl = 2;
    private const int IpMinTtl = 21;
    private const int IpProtoIpv6 = 41;
    private const int Ipv6UnicastHops = 16;
    private const int Ipv6MinHopCount = 73;

    private const ushort AfInet = 2;
    private const ushort AfInet6 = 10;

    /// <summary>
    /// struct tcp_md5sig for <paramref name="peer"/> as a socket of <paramref name="socketFamily"/>
    /// wants it; an empty <paramref name="key"/> deletes the peer's key. The kernel requires the
    /// address family of the socket, so an IPv4 peer on an IPv6 (dual-stack) socket is written
    /// v4-mapped; the kernel then stores an IPv4 key that matches the peer's IPv4 segments.
    /// </summary>
    /// <remarks>
    /// <code>
    ///   0 128 tcpm_addr      sockaddr_in: family u16 (host order) | port u16 BE | addr[4] | zero[8]
    ///                        sockaddr_in6: family | port | flowinfo u32 | addr[16] | scope_id u32
    /// 128   1 tcpm_flags     0 (no prefix, no ifindex: TCP_MD5SIG, not TCP_MD5SIG_EXT)
    /// 129   1 tcpm_prefixlen
    /// 130   2 tcpm_keylen    host order
    /// 132   4 tcpm_ifindex
    /// 136  80 tcpm_key
    /// </code>
    /// </remarks>
    public static byte[] EncodeMd5Sig(IPAddress peer, AddressFamily socketFamily, ReadOnlySpan<byte> key)
    {
        if (key.Length > TcpMd5Key.MaxLength)
        {
            throw new ArgumentException($"a TCP MD5 key has at most {TcpMd5Key.MaxLength} bytes", nameof(key));
        }

        var buffer = new byte[Md5SigSize];
        var span = buffer.AsSpan();
        if (socketFamily == AddressFamily.InterNetworkV6)
        {
            var address = peer.AddressFamily == AddressFamily.InterNetwork ? peer.MapToIPv6() : peer;
            BinaryPrimitives.WriteUInt16LittleEndian(span, AfInet6);
            address.TryWriteBytes(span.Slice(8, 16), out _);
            BinaryPrimitives.WriteUInt32LittleEndian(span[24..], (uint)address.ScopeId);
        }
        else
        {
            if (peer.AddressFamily != AddressFamily.InterNetwork)
            {
                throw new ArgumentException($"an IPv4 socket cannot hold a key for {peer}", nameof(peer));
            }

            BinaryPrimitives.WriteUInt16LittleEndian(span, AfInet);
            peer.TryWriteBytes(span.Slice(4, 4), out _);
        }

        BinaryPrimitives.WriteUInt16LittleEndian(span[130..], (ushort)key.Length);
        key.CopyTo(span[136..]);
        return buffer;
    }

    /// <summary>Installs (or, with a null key, removes) the MD5 key for <paramref name="peer"/> on <paramref name="socket"/>.</summary>
    public static void SetMd5Key(Socket socket, IPAddress peer, TcpMd5Key? key) =>
        socket.SetRawSocketOption(IpProtoTcp, TcpMd5Sig, EncodeMd5Sig(peer, socket.AddressFamily, key is null ? [] : key.Bytes));

    /// <summary>
    /// The TTL of the session's packets, and with GTSM the lowest TTL accepted: GTSM sends 255
    /// and drops anything below 254; otherwise a directly connected external peer gets TTL 1
    /// unless ebgpMultihop raises it, and internal peers the system default. Both the IPv4 and
    /// the IPv6 options are set on an IPv6 socket: its IPv4 (v4-mapped) traffic follows IP_TTL
    /// and IP_MINTTL, not the IPv6 hop limit (Socket.Ttl on a dual-mode socket sets only the latter).
    /// </summary>
    public static void ApplyTtl(Socket socket, PeerSettings peer)
    {
        if (peer.TtlSecurity)
        {
            SetTtl(socket, GtsmSendTtl);
            SetMinimumTtl(socket, GtsmMinimumTtl);
        }
        else if (!peer.IsInternal)
        {
            SetTtl(socket, Math.Clamp(peer.EbgpMultihop, 1, 255));
        }
    }

    /// <summary>
    /// The TTL the listener answers SYNs with (the SYN-ACK leaves with the listening socket's
    /// TTL, before any accepted socket exists): 255 when some peer has GTSM, since that peer
    /// drops a SYN-ACK below its minimum; null restores the system default.
    /// </summary>
    public static void SetListenerTtl(Socket socket, int? ttl) => SetTtl(socket, ttl ?? -1);

    /// <summary>
    /// TCP_SAVE_SYN on a listener: each accepted socket keeps the IP and TCP headers of the
    /// SYN that opened it, to be read once with <see cref="ReadSavedSynTtl"/>.
    /// </summary>
    public static void SetSaveSyn(Socket listener, bool save) => SetInt(listener, IpProtoTcp, TcpSaveSyn, save ? 1 : 0);

    /// <summary>
    /// The TTL (IPv4) or hop limit (IPv6) the peer's SYN arrived with, from TCP_SAVED_SYN; null
    /// if the listener saved no SYN. The kernel hands the headers out once.
    /// </summary>
    public static int? ReadSavedSynTtl(Socket accepted)
    {
        Span<byte> headers = stackalloc byte[512];
        var length = accepted.GetRawSocketOption(IpProtoTcp, TcpSavedSyn, headers);
        return SynTtl(headers[..length]);
    }

    /// <summary>The TTL field of the IP header at the start of <paramref name="headers"/> (RFC 791 §3.1, RFC 8200 §3).</summary>
    internal static int? SynTtl(ReadOnlySpan<byte> headers) => headers.Length switch
    {
        >= 20 when headers[0] >> 4 == 4 => headers[8],
        >= 40 when headers[0] >> 4 == 6 => headers[7],
        _ => null,
    };

    private static void SetTtl(Socket socket, int ttl)
    {
        SetInt(socket, IpProtoIp, IpTtl, ttl);
        if (socket.AddressFamily == AddressFamily.InterNetworkV6)
        {
            SetInt(socket, IpProtoIpv6, Ipv6UnicastHops, ttl);
        }
    }

    private static void SetMinimumTtl(Socket socket, int ttl)
    {
        SetInt(socket, IpProtoIp, IpMinTtl, ttl);
        if (socket.AddressFamily == AddressFamily.InterNetworkV6)
        {
            SetInt(socket, IpProtoIpv6, Ipv6MinHopCount, ttl);
        }
    }

    internal static int GetInt(Socket socket, bool ipv6, bool minimum)
    {
        Span<byte> value = stackalloc byte[4];
        var length = socket.GetRawSocketOption(
            ipv6 ? IpProtoIpv6 : IpProtoIp,
            (ipv6, minimum) switch { (false, false) => IpTtl, (false, true) => IpMinTtl, (true, false) => Ipv6UnicastHops, (true, true) => Ipv6MinHopCount },
            value);
        return BinaryPrimitives.ReadInt32LittleEndian(value[..length]);
    }

    private static void SetInt(Socket socket, int level, int name, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        socket.SetRawSocketOption(level, name, bytes);
    }
}
