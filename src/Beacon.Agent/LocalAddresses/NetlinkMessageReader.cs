using System.Net;
using System.Text;

namespace Beacon.Agent.LocalAddresses;

/// <summary>struct nlmsghdr, in host byte order.</summary>
internal readonly record struct NetlinkHeader(uint Length, ushort Type, ushort Flags, uint Sequence, uint PortId)
{
    public const int Size = RtNetlink.HeaderSize;

    public static NetlinkHeader Read(ReadOnlySpan<byte> source) => new(
        NativeEndian.ReadUInt32(source),
        NativeEndian.ReadUInt16(source[4..]),
        NativeEndian.ReadUInt16(source[6..]),
        NativeEndian.ReadUInt32(source[8..]),
        NativeEndian.ReadUInt32(source[12..]));
}

/// <summary>The messages of one datagram from the kernel; a length that does not add up is an error, never skipped.</summary>
internal ref struct NetlinkMessageReader(ReadOnlySpan<byte> datagram)
{
    private ReadOnlySpan<byte> _remaining = datagram;

    public bool TryRead(out NetlinkHeader header, out ReadOnlySpan<byte> payload)
    {
        if (_remaining.IsEmpty)
        {
            header = default;
            payload = default;
            return false;
        }

        if (_remaining.Length < NetlinkHeader.Size)
        {
            throw new InvalidDataException($"netlink datagram ends with {_remaining.Length} bytes, less than a message header");
        }

        header = NetlinkHeader.Read(_remaining);
        if (header.Length < NetlinkHeader.Size || header.Length > _remaining.Length)
        {
            throw new InvalidDataException($"netlink message length {header.Length} does not fit the {_remaining.Length} bytes left");
        }

        payload = _remaining[NetlinkHeader.Size..(int)header.Length];
        var next = Math.Min(RtNetlink.Align((int)header.Length), _remaining.Length);
        _remaining = _remaining[next..];
        return true;
    }
}

/// <summary>The route attributes (struct rtattr) that follow a family header.</summary>
internal ref struct NetlinkAttributeReader(ReadOnlySpan<byte> attributes)
{
    // NLA_F_NESTED and NLA_F_NET_BYTEORDER are flags on the type, not part of it.
    private const ushort TypeMask = 0x3fff;

    private ReadOnlySpan<byte> _remaining = attributes;

    public bool TryRead(out ushort type, out ReadOnlySpan<byte> value)
    {
        if (_remaining.Length < RtNetlink.AttributeHeaderSize)
        {
            // Fewer than 4 bytes can only be padding at the end.
            type = 0;
            value = default;
            return false;
        }

        var length = NativeEndian.ReadUInt16(_remaining);
        if (length < RtNetlink.AttributeHeaderSize || length > _remaining.Length)
        {
            throw new InvalidDataException($"route attribute length {length} does not fit the {_remaining.Length} bytes left");
        }

        type = (ushort)(NativeEndian.ReadUInt16(_remaining[2..]) & TypeMask);
        value = _remaining[RtNetlink.AttributeHeaderSize..length];
        _remaining = _remaining[Math.Min(RtNetlink.Align(length), _remaining.Length)..];
        return true;
    }
}

/// <summary>
/// An NLMSG_ERROR message: errno 0 is an acknowledgement. With NETLINK_EXT_ACK the kernel
/// may add a text (NLMSGERR_ATTR_MSG) after the echoed request header.
/// </summary>
internal readonly record struct NetlinkError(int Errno, uint Sequence, string? ExtendedMessage)
{
    // struct nlmsgerr { int error; struct nlmsghdr msg; } followed by the request payload unless NLM_F_CAPPED.
    public static NetlinkError Read(NetlinkHeader header, ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4 + NetlinkHeader.Size)
        {
            throw new InvalidDataException($"netlink error message of {payload.Length} bytes is shorter than struct nlmsgerr");
        }

        var errno = -NativeEndian.ReadInt32(payload);
        var request = NetlinkHeader.Read(payload[4..]);
        string? message = null;
        if ((header.Flags & RtNetlink.NlmFAckTlvs) != 0)
        {
            var tlvOffset = 4 + ((header.Flags & RtNetlink.NlmFCapped) != 0 ? NetlinkHeader.Size : RtNetlink.Align((int)request.Length));
            if (tlvOffset <= payload.Length)
            {
                var attributes = new NetlinkAttributeReader(payload[tlvOffset..]);
                while (attributes.TryRead(out var type, out var value))
                {
                    if (type == RtNetlink.NlmsgErrAttrMsg)
                    {
                        message = Encoding.UTF8.GetString(value.TrimEnd((byte)0));
                    }
                }
            }
        }

        return new NetlinkError(errno, request.Sequence, message);
    }
}

/// <summary>An RTM_NEWLINK reply: the interface's index, flags (IFF_*), name and link kind.</summary>
internal sealed record LinkMessage(int Index, uint Flags, string? Name, string? Kind)
{
    public bool IsUp => (Flags & RtNetlink.IffUp) != 0;

    public static LinkMessage Read(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < RtNetlink.IfInfoMsgSize)
        {
            throw new InvalidDataException($"link message of {payload.Length} bytes is shorter than struct ifinfomsg");
        }

        var index = NativeEndian.ReadInt32(payload[4..]);
        var flags = NativeEndian.ReadUInt32(payload[8..]);
        string? name = null;
        string? kind = null;
        var attributes = new NetlinkAttributeReader(payload[RtNetlink.IfInfoMsgSize..]);
        while (attributes.TryRead(out var type, out var value))
        {
            if (type == RtNetlink.IflaIfName)
            {
                name = ReadString(value);
            }
            else if (type == RtNetlink.IflaLinkInfo)
            {
                var linkInfo = new NetlinkAttributeReader(value);
                while (linkInfo.TryRead(out var infoType, out var infoValue))
                {
                    if (infoType == RtNetlink.IflaInfoKind)
                    {
                        kind = ReadString(infoValue);
                    }
                }
            }
        }

        return new LinkMessage(index, flags, name, kind);
    }

    private static string ReadString(ReadOnlySpan<byte> value)
    {
        var end = value.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end >= 0 ? value[..end] : value);
    }
}

/// <summary>An RTM_NEWADDR reply: one address of one interface.</summary>
internal sealed record AddressMessage(int InterfaceIndex, IPAddress Address, byte PrefixLength, byte Scope)
{
    /// <summary>Reads an IPv4 or IPv6 address; false for other families.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out AddressMessage? message)
    {
        if (payload.Length < RtNetlink.IfAddrMsgSize)
        {
            throw new InvalidDataException($"address message of {payload.Length} bytes is shorter than struct ifaddrmsg");
        }

        message = null;
        var family = payload[0];
        var size = family switch
        {
            RtNetlink.AfInet => 4,
            RtNetlink.AfInet6 => 16,
            _ => 0,
        };
        if (size == 0)
        {
            return false;
        }

        var prefixLength = payload[1];
        var scope = payload[3];
        var index = NativeEndian.ReadInt32(payload[4..]);
        ReadOnlySpan<byte> local = default;
        ReadOnlySpan<byte> address = default;
        var attributes = new NetlinkAttributeReader(payload[RtNetlink.IfAddrMsgSize..]);
        while (attributes.TryRead(out var type, out var value))
        {
            if (type == RtNetlink.IfaLocal)
            {
                local = value;
            }
            else if (type == RtNetlink.IfaAddress)
            {
                address = value;
            }
        }

        // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on a point-to-point
        // link, and the only one the kernel sends for most IPv6 addresses.
        var own = local.IsEmpty ? address : local;
        if (own.Length != size)
        {
            throw new InvalidDataException($"address message of family {family} carries an address of {own.Length} bytes");
        }

        message = new AddressMessage(index, new IPAddress(own), prefixLength, scope);
        return true;
    }
}
