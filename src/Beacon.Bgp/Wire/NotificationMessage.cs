using System.Buffers;
using System.Text;

namespace Beacon.Bgp.Wire;

/// <summary>NOTIFICATION (RFC 4271 §4.5): error code, subcode, data.</summary>
public readonly record struct NotificationMessage(ErrorCode Code, byte Subcode, ReadOnlyMemory<byte> Data)
{
    /// <summary>RFC 9003 §2: the shutdown communication may be up to 255 octets of UTF-8.</summary>
    public const int MaxShutdownCommunicationLength = 255;

    public int Size => BgpFraming.HeaderSize + 2 + Data.Length;

    public bool Equals(NotificationMessage other) =>
        Code == other.Code && Subcode == other.Subcode && Data.Span.SequenceEqual(other.Data.Span);

    public override int GetHashCode() => HashCode.Combine(Code, Subcode, Data.Length);

    /// <summary>Reads a body that may span several buffer segments.</summary>
    public static NotificationMessage Read(in ReadOnlySequence<byte> body) => BgpFraming.ReadBody(body, Read);

    /// <summary>Parses a NOTIFICATION body; the data field is copied so it outlives the receive buffer.</summary>
    public static NotificationMessage Read(ReadOnlySpan<byte> body)
    {
        if (body.Length < 2)
        {
            throw new BgpProtocolException(ErrorCode.MessageHeader, HeaderErrorSubcode.BadMessageLength, "NOTIFICATION too short");
        }

        return new NotificationMessage((ErrorCode)body[0], body[1], body[2..].ToArray());
    }

    public void Write(Span<byte> destination)
    {
        BgpFraming.WriteHeader(destination, Size, MessageType.Notification);
        destination[19] = (byte)Code;
        destination[20] = Subcode;
        Data.Span.CopyTo(destination[21..]);
    }

    public void Write(IBufferWriter<byte> output)
    {
        var size = Size;
        Write(output.GetSpan(size));
        output.Advance(size);
    }

    /// <summary>
    /// A Cease with a shutdown communication (RFC 9003 §2; subcode 2 Administrative Shutdown
    /// or 4 Administrative Reset). The text is cut to 255 octets on a character boundary.
    /// </summary>
    public static NotificationMessage CreateShutdown(byte ceaseSubcode, string communication)
    {
        if (ceaseSubcode is not (CeaseSubcode.AdministrativeShutdown or CeaseSubcode.AdministrativeReset))
        {
            throw new ArgumentOutOfRangeException(nameof(ceaseSubcode), "shutdown communication only applies to Cease subcodes 2 and 4");
        }

        var bytes = Encoding.UTF8.GetBytes(communication);
        var length = Math.Min(bytes.Length, MaxShutdownCommunicationLength);

        // Back off to the start of a UTF-8 sequence so no character is split.
        while (length < bytes.Length && length > 0 && (bytes[length] & 0xC0) == 0x80)
        {
            length--;
        }

        var data = new byte[1 + length];
        data[0] = (byte)length;
        bytes.AsSpan(0, length).CopyTo(data.AsSpan(1));
        return new NotificationMessage(ErrorCode.Cease, ceaseSubcode, data);
    }

    /// <summary>
    /// Reads the RFC 9003 shutdown communication of a Cease 2/4. Returns false when there is
    /// none or it is malformed (a length beyond the data or invalid UTF-8), which RFC 9003 §2
    /// says not to act on.
    /// </summary>
    public bool TryGetShutdownCommunication(out string communication)
    {
        communication = string.Empty;
        if (Code != ErrorCode.Cease || Subcode is not (CeaseSubcode.AdministrativeShutdown or CeaseSubcode.AdministrativeReset) || Data.IsEmpty)
        {
            return false;
        }

        var span = Data.Span;
        var length = span[0];
        if (length > span.Length - 1)
        {
            return false;
        }

        try
        {
            communication = new UTF8Encoding(false, true).GetString(span.Slice(1, length));
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    public override string ToString() => $"NOTIFICATION {(byte)Code}/{Subcode} ({Code}) data {Convert.ToHexString(Data.Span)}";
}
