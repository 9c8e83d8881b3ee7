using System.Buffers;
using System.Text.RegularExpressions;
using Beacon.Bgp.Wire;

namespace Beacon.Bgp.Tests.Wire;

internal static partial class Hex
{
    /// <summary>Hex digits with any spacing or separators ("|", newlines) between fields.</summary>
    public static byte[] Bytes(string hex) => Convert.FromHexString(NonHex().Replace(hex, string.Empty));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    public static byte[] Body(byte[] message) => message[BgpFraming.HeaderSize..];

    /// <summary>Wraps a body in a header of the given type.</summary>
    public static byte[] Message(MessageType type, ReadOnlySpan<byte> body)
    {
        var message = new byte[BgpFraming.HeaderSize + body.Length];
        message.AsSpan(0, 16).Fill(0xFF);
        message[16] = (byte)(message.Length >> 8);
        message[17] = (byte)message.Length;
        message[18] = (byte)type;
        body.CopyTo(message.AsSpan(BgpFraming.HeaderSize));
        return message;
    }

    /// <summary>An UPDATE body from its three fields, with the two length fields computed.</summary>
    public static byte[] UpdateBody(string withdrawn, string attributes, string nlri)
    {
        var w = Bytes(withdrawn);
        var a = Bytes(attributes);
        var n = Bytes(nlri);
        var body = new byte[4 + w.Length + a.Length + n.Length];
        body[0] = (byte)(w.Length >> 8);
        body[1] = (byte)w.Length;
        w.CopyTo(body, 2);
        body[2 + w.Length] = (byte)(a.Length >> 8);
        body[3 + w.Length] = (byte)a.Length;
        a.CopyTo(body, 4 + w.Length);
        n.CopyTo(body, 4 + w.Length + a.Length);
        return body;
    }

    /// <summary>Splits a stream of whole messages (as written by the codecs) into messages.</summary>
    public static List<(MessageType Type, byte[] Body)> Split(ReadOnlySpan<byte> stream, int maxMessageSize = BgpFraming.MaxExtendedMessageSize)
    {
        var messages = new List<(MessageType, byte[])>();
        while (BgpFraming.TryReadMessage(stream, maxMessageSize, out var type, out var consumed))
        {
            messages.Add((type, stream[BgpFraming.HeaderSize..consumed].ToArray()));
            stream = stream[consumed..];
        }

        Assert.True(stream.IsEmpty, "trailing bytes after the last message");
        return messages;
    }

    public static byte[] Write(Action<IBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenSpan.ToArray();
    }

    [GeneratedRegex("[^0-9a-fA-F]")]
    private static partial Regex NonHex();
}
