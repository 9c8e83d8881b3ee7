using System.Buffers;
using System.Buffers.Binary;

namespace Beacon.Bgp.Wire;

/// <summary>
/// Splits a byte stream into BGP messages and validates the common header (RFC 4271 §4.1, §6.1).
/// </summary>
/// <remarks>
/// <code>
/// +-------------------------------+
/// |        Marker (16 x 0xFF)     |
/// +---------------+-------+-------+
/// |    Length     | Type  |
/// +---------------+-------+
/// </code>
/// </remarks>
public static class BgpFraming
{
    public const int HeaderSize = 19;
    public const int MarkerSize = 16;
    public const int MaxMessageSize = 4096;

    /// <summary>RFC 8654: with the Extended Message capability on both sides.</summary>
    public const int MaxExtendedMessageSize = 65535;

    internal const int MinOpenSize = 29;
    internal const int MinUpdateSize = 23;
    internal const int MinNotificationSize = 21;

    /// <summary>
    /// Reads one whole message off the front of <paramref name="buffer"/>. Returns false when
    /// more data is needed (never throws for that); throws <see cref="BgpProtocolException"/>
    /// as soon as the header is known to be bad (RFC 4271 §6.1).
    /// </summary>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, int maxMessageSize, out MessageType type, out ReadOnlySequence<byte> body)
    {
        type = default;
        body = default;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        var length = ValidateHeader(header, maxMessageSize, out type);
        if (buffer.Length < length)
        {
            return false;
        }

        body = buffer.Slice(HeaderSize, length - HeaderSize);
        buffer = buffer.Slice(length);
        return true;
    }

    /// <summary>Span overload: on success <paramref name="bytesConsumed"/> is the whole message length.</summary>
    public static bool TryReadMessage(ReadOnlySpan<byte> buffer, int maxMessageSize, out MessageType type, out int bytesConsumed)
    {
        type = default;
        bytesConsumed = 0;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        var length = ValidateHeader(buffer[..HeaderSize], maxMessageSize, out type);
        if (buffer.Length < length)
        {
            return false;
        }

        bytesConsumed = length;
        return true;
    }

    private static int ValidateHeader(ReadOnlySpan<byte> header, int maxMessageSize, out MessageType type)
    {
        if (header[..MarkerSize].ContainsAnyExcept((byte)0xFF))
        {
            throw new BgpProtocolException(ErrorCode.MessageHeader, HeaderErrorSubcode.ConnectionNotSynchronized, "marker is not all ones");
        }

        var lengthField = header.Slice(MarkerSize, 2);
        int length = BinaryPrimitives.ReadUInt16BigEndian(lengthField);
        if (length < HeaderSize || length > maxMessageSize)
        {
            throw BadLength(lengthField, length);
        }

        var rawType = header[18];
        if (rawType is < (byte)MessageType.Open or > (byte)MessageType.RouteRefresh)
        {
            throw BgpProtocolException.WithData(
                ErrorCode.MessageHeader, HeaderErrorSubcode.BadMessageType, header.Slice(18, 1), $"unknown message type {rawType}");
        }

        type = (MessageType)rawType;
        var ok = type switch
        {
            MessageType.Open => length >= MinOpenSize,
            MessageType.Update => length >= MinUpdateSize,
            MessageType.Notification => length >= MinNotificationSize,
            MessageType.Keepalive => length == HeaderSize,

            // RFC 7313 §5 reports a bad ROUTE-REFRESH length with its own error; only a body
            // too short to hold AFI/subtype/SAFI is a header problem.
            _ => length >= RouteRefreshMessage.Size,
        };
        if (!ok)
        {
            throw BadLength(lengthField, length);
        }

        return length;
    }

    private static BgpProtocolException BadLength(ReadOnlySpan<byte> lengthField, int length) =>
        BgpProtocolException.WithData(ErrorCode.MessageHeader, HeaderErrorSubcode.BadMessageLength, lengthField, $"bad message length {length}");

    /// <summary>Runs a span decoder over a body that may span several buffer segments.</summary>
    internal static T ReadBody<T>(in ReadOnlySequence<byte> body, Func<ReadOnlySpan<byte>, T> read)
    {
        if (body.IsSingleSegment)
        {
            return read(body.FirstSpan);
        }

        var length = (int)body.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            body.CopyTo(rented);
            return read(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    internal static void WriteHeader(Span<byte> destination, int length, MessageType type)
    {
        destination[..MarkerSize].Fill(0xFF);
        BinaryPrimitives.WriteUInt16BigEndian(destination[MarkerSize..], checked((ushort)length));
        destination[18] = (byte)type;
    }
}
