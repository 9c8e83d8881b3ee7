using System.Buffers;

namespace Beacon.Bgp.Wire;

/// <summary>KEEPALIVE: a header alone (RFC 4271 §4.4).</summary>
public static class KeepaliveMessage
{
    public const int Size = BgpFraming.HeaderSize;

    public static void Write(IBufferWriter<byte> output)
    {
        var span = output.GetSpan(Size);
        BgpFraming.WriteHeader(span, Size, MessageType.Keepalive);
        output.Advance(Size);
    }
}
