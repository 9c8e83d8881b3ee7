namespace Beacon.Bgp.Wire;

/// <summary>
/// A protocol violation that must be answered with a NOTIFICATION carrying
/// <see cref="Code"/>, <see cref="Subcode"/> and <see cref="Data"/> (RFC 4271 §6).
/// </summary>
public sealed class BgpProtocolException : Exception
{
    public BgpProtocolException()
        : this(ErrorCode.Cease, 0, ReadOnlyMemory<byte>.Empty, "BGP protocol error")
    {
    }

    public BgpProtocolException(string message)
        : this(ErrorCode.Cease, 0, ReadOnlyMemory<byte>.Empty, message)
    {
    }

    public BgpProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = ErrorCode.Cease;
    }

    public BgpProtocolException(ErrorCode code, byte subcode, ReadOnlyMemory<byte> data, string message)
        : base(message)
    {
        Code = code;
        Subcode = subcode;
        Data = data;
    }

    public BgpProtocolException(ErrorCode code, byte subcode, string message)
        : this(code, subcode, ReadOnlyMemory<byte>.Empty, message)
    {
    }

    public ErrorCode Code { get; }

    public byte Subcode { get; }

    /// <summary>The NOTIFICATION data field the RFC defines for this error (often empty).</summary>
    public new ReadOnlyMemory<byte> Data { get; }

    /// <summary>The whole message body that failed to parse, where the decoder keeps it (UPDATE, for RFC 7606 §6 logging).</summary>
    public ReadOnlyMemory<byte> MessageBody { get; init; }

    public NotificationMessage ToNotification() => new(Code, Subcode, Data);

    internal static BgpProtocolException WithData(ErrorCode code, byte subcode, ReadOnlySpan<byte> data, string message) =>
        new(code, subcode, data.ToArray(), message);
}
