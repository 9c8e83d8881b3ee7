using System.Buffers.Binary;
using System.Text;

namespace Beacon.Agent.LocalAddresses;

/// <summary>
/// Writes one netlink message into a caller's buffer: the header, a fixed family header,
/// then attributes, each padded to 4 bytes. Netlink is a host-local protocol, so every
/// integer is in the host's byte order; addresses in attributes stay in network order.
/// </summary>
/// <remarks>
/// <code>
///  0               4       6       8               12              16
/// +---------------+-------+-------+---------------+---------------+
/// | nlmsg_len     | type  | flags | nlmsg_seq     | nlmsg_pid     |  struct nlmsghdr
/// +---------------+-------+-------+---------------+---------------+
/// | family header (ifinfomsg 16 bytes, ifaddrmsg 8 bytes)         |
/// +-------+-------+-----------------------------------------------+
/// |rta_len|rta_typ| value ... padding to 4                        |  struct rtattr, repeated
/// +-------+-------+-----------------------------------------------+
/// </code>
/// </remarks>
internal ref struct NetlinkMessageWriter
{
    private readonly Span<byte> _buffer;
    private int _length;

    public NetlinkMessageWriter(Span<byte> buffer, ushort type, ushort flags, uint sequence)
    {
        if (buffer.Length < RtNetlink.HeaderSize)
        {
            throw new ArgumentException("the buffer cannot hold a netlink header", nameof(buffer));
        }

        _buffer = buffer;
        _buffer[..RtNetlink.HeaderSize].Clear();
        NativeEndian.WriteUInt16(_buffer[4..], type);
        NativeEndian.WriteUInt16(_buffer[6..], flags);
        NativeEndian.WriteUInt32(_buffer[8..], sequence);
        _length = RtNetlink.HeaderSize;
    }

    /// <summary>Appends <paramref name="size"/> zeroed bytes (padded to 4) and returns them for the caller to fill.</summary>
    public Span<byte> Append(int size)
    {
        var aligned = RtNetlink.Align(size);
        if (_length + aligned > _buffer.Length)
        {
            throw new ArgumentException("the netlink message does not fit its buffer");
        }

        var span = _buffer.Slice(_length, aligned);
        span.Clear();
        _length += aligned;
        return span[..size];
    }

    public void AddAttribute(ushort type, scoped ReadOnlySpan<byte> value)
    {
        var span = Append(RtNetlink.AttributeHeaderSize + value.Length);
        NativeEndian.WriteUInt16(span, checked((ushort)(RtNetlink.AttributeHeaderSize + value.Length)));
        NativeEndian.WriteUInt16(span[2..], type);
        value.CopyTo(span[RtNetlink.AttributeHeaderSize..]);
    }

    /// <summary>A string attribute; interface names (IFLA_IFNAME) are NUL-terminated, link kinds are not (as iproute2 sends them).</summary>
    public void AddStringAttribute(ushort type, string value, bool nulTerminated)
    {
        var byteCount = Encoding.ASCII.GetByteCount(value) + (nulTerminated ? 1 : 0);
        Span<byte> bytes = stackalloc byte[byteCount];
        bytes.Clear();
        Encoding.ASCII.GetBytes(value, bytes);
        AddAttribute(type, bytes);
    }

    /// <summary>Starts a nested attribute; returns its offset for <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type)
    {
        var start = _length;
        var header = Append(RtNetlink.AttributeHeaderSize);
        NativeEndian.WriteUInt16(header[2..], type);
        return start;
    }

    public readonly void EndNested(int start) =>
        NativeEndian.WriteUInt16(_buffer[start..], checked((ushort)(_length - start)));

    /// <summary>Writes the total length into the header and returns the message.</summary>
    public readonly ReadOnlySpan<byte> Finish()
    {
        NativeEndian.WriteUInt32(_buffer, (uint)_length);
        return _buffer[.._length];
    }
}

/// <summary>Host byte order, which netlink headers and attributes use.</summary>
internal static class NativeEndian
{
    public static void WriteUInt16(Span<byte> destination, ushort value)
    {
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(destination, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination, value);
        }
    }

    public static void WriteUInt32(Span<byte> destination, uint value)
    {
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, value);
        }
    }

    public static void WriteInt32(Span<byte> destination, int value) => WriteUInt32(destination, unchecked((uint)value));

    public static ushort ReadUInt16(ReadOnlySpan<byte> source) =>
        BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(source) : BinaryPrimitives.ReadUInt16BigEndian(source);

    public static uint ReadUInt32(ReadOnlySpan<byte> source) =>
        BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(source) : BinaryPrimitives.ReadUInt32BigEndian(source);

    public static int ReadInt32(ReadOnlySpan<byte> source) => unchecked((int)ReadUInt32(source));
}
