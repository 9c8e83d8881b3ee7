using System.Net;
using System.Net.Sockets;

namespace Beacon.Agent.LocalAddresses;

/// <summary>
/// The rtnetlink requests the manager sends, byte for byte as iproute2 sends the same
/// operations (<c>ip link add NAME type dummy</c>, <c>ip link set NAME up</c>,
/// <c>ip addr add A/32 dev NAME</c>, <c>ip addr add A/128 dev NAME nodad</c>,
/// <c>ip addr del …</c>), apart from the sequence number.
/// </summary>
internal static class RtNetlinkMessages
{
    /// <summary>Large enough for every request below (the longest is 64 bytes).</summary>
    public const int MaxRequestSize = 128;

    /// <summary>RTM_GETLINK for one interface by name (IFLA_IFNAME, Linux 2.6.33 and later).</summary>
    public static ReadOnlySpan<byte> GetLinkByName(Span<byte> buffer, uint sequence, string name)
    {
        var writer = new NetlinkMessageWriter(buffer, RtNetlink.RtmGetLink, RtNetlink.NlmFRequest, sequence);
        writer.Append(RtNetlink.IfInfoMsgSize);
        writer.AddStringAttribute(RtNetlink.IflaIfName, name, nulTerminated: true);
        return writer.Finish();
    }

    /// <summary>RTM_NEWLINK creating an interface of <paramref name="kind"/> (IFLA_LINKINFO/IFLA_INFO_KIND).</summary>
    public static ReadOnlySpan<byte> NewLink(Span<byte> buffer, uint sequence, string name, string kind)
    {
        var writer = new NetlinkMessageWriter(
            buffer,
            RtNetlink.RtmNewLink,
            RtNetlink.NlmFRequest | RtNetlink.NlmFAck | RtNetlink.NlmFExcl | RtNetlink.NlmFCreate,
            sequence);
        writer.Append(RtNetlink.IfInfoMsgSize);
        writer.AddStringAttribute(RtNetlink.IflaIfName, name, nulTerminated: true);
        var linkInfo = writer.BeginNested(RtNetlink.IflaLinkInfo);
        writer.AddStringAttribute(RtNetlink.IflaInfoKind, kind, nulTerminated: false);
        writer.EndNested(linkInfo);
        return writer.Finish();
    }

    /// <summary>RTM_NEWLINK on an existing interface: ifi_flags IFF_UP under the ifi_change mask IFF_UP.</summary>
    public static ReadOnlySpan<byte> SetLinkUp(Span<byte> buffer, uint sequence, int interfaceIndex)
    {
        var writer = new NetlinkMessageWriter(buffer, RtNetlink.RtmNewLink, RtNetlink.NlmFRequest | RtNetlink.NlmFAck, sequence);
        WriteIfInfoMsg(writer.Append(RtNetlink.IfInfoMsgSize), interfaceIndex, RtNetlink.IffUp, RtNetlink.IffUp);
        return writer.Finish();
    }

    /// <summary>RTM_GETADDR dump of every address of every interface, both families.</summary>
    public static ReadOnlySpan<byte> GetAddresses(Span<byte> buffer, uint sequence)
    {
        var writer = new NetlinkMessageWriter(buffer, RtNetlink.RtmGetAddr, RtNetlink.NlmFRequest | RtNetlink.NlmFDump, sequence);
        writer.Append(RtNetlink.IfAddrMsgSize);
        return writer.Finish();
    }

    /// <summary>
    /// RTM_NEWADDR of a host address: /32 or /128, scope global, and for IPv6 IFA_F_NODAD,
    /// so that the address is usable at once instead of tentative during duplicate address detection.
    /// </summary>
    public static ReadOnlySpan<byte> NewAddress(Span<byte> buffer, uint sequence, int interfaceIndex, IPAddress address)
    {
        var writer = new NetlinkMessageWriter(
            buffer,
            RtNetlink.RtmNewAddr,
            RtNetlink.NlmFRequest | RtNetlink.NlmFAck | RtNetlink.NlmFExcl | RtNetlink.NlmFCreate,
            sequence);
        var ipv6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        WriteIfAddrMsg(writer.Append(RtNetlink.IfAddrMsgSize), address, HostPrefixLength(address), ipv6 ? RtNetlink.IfaFNoDad : (byte)0, interfaceIndex);
        WriteAddressAttributes(ref writer, address);
        return writer.Finish();
    }

    /// <summary>RTM_DELADDR of <paramref name="address"/>/<paramref name="prefixLength"/>.</summary>
    public static ReadOnlySpan<byte> DeleteAddress(Span<byte> buffer, uint sequence, int interfaceIndex, IPAddress address, byte prefixLength)
    {
        var writer = new NetlinkMessageWriter(buffer, RtNetlink.RtmDelAddr, RtNetlink.NlmFRequest | RtNetlink.NlmFAck, sequence);
        WriteIfAddrMsg(writer.Append(RtNetlink.IfAddrMsgSize), address, prefixLength, 0, interfaceIndex);
        WriteAddressAttributes(ref writer, address);
        return writer.Finish();
    }

    public static byte HostPrefixLength(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? (byte)128 : (byte)32;

    public static byte Family(IPAddress address) => address.AddressFamily switch
    {
        AddressFamily.InterNetwork => RtNetlink.AfInet,
        AddressFamily.InterNetworkV6 => RtNetlink.AfInet6,
        _ => throw new ArgumentException($"{address} is neither IPv4 nor IPv6", nameof(address)),
    };

    // struct ifinfomsg { u8 family; u8 pad; u16 type; s32 index; u32 flags; u32 change; }
    private static void WriteIfInfoMsg(Span<byte> span, int interfaceIndex, uint flags, uint change)
    {
        NativeEndian.WriteInt32(span[4..], interfaceIndex);
        NativeEndian.WriteUInt32(span[8..], flags);
        NativeEndian.WriteUInt32(span[12..], change);
    }

    // struct ifaddrmsg { u8 family; u8 prefixlen; u8 flags; u8 scope; u32 index; }
    private static void WriteIfAddrMsg(Span<byte> span, IPAddress address, byte prefixLength, byte flags, int interfaceIndex)
    {
        span[0] = Family(address);
        span[1] = prefixLength;
        span[2] = flags;
        span[3] = RtNetlink.RtScopeUniverse;
        NativeEndian.WriteInt32(span[4..], interfaceIndex);
    }

    // iproute2 sends IFA_LOCAL and IFA_ADDRESS, equal when there is no peer, for both families.
    private static void WriteAddressAttributes(ref NetlinkMessageWriter writer, IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            throw new ArgumentException($"cannot encode {address}", nameof(address));
        }

        writer.AddAttribute(RtNetlink.IfaLocal, bytes[..written]);
        writer.AddAttribute(RtNetlink.IfaAddress, bytes[..written]);
    }
}
