using System.Buffers;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Wire;

namespace Beacon.Bgp.Tests.Wire;

public sealed class BgpFramingTests
{
    public static TheoryData<string, string> ValidMessages()
    {
        var data = new TheoryData<string, string>();
        foreach (var v in FrrVectors.All)
        {
            data.Add("FRR capture", v);
        }

        data.Add("KEEPALIVE written by Beacon", Hex.Of(Hex.Write(KeepaliveMessage.Write)));
        data.Add("Extended-length OPEN written by Beacon", Hex.Of(Hex.Write(OpenMessageTests.LargeOpen().Write)));
        data.Add("IPv6 withdrawal written by Beacon", Hex.Of(Hex.Write(o => UpdateWriter.WriteWithdrawals(
            o, RouteFamily.Ipv6Unicast, [System.Net.IPNetwork.Parse("2001:db8:203::/64")], new UpdateEncodeOptions(true)))));
        return data;
    }

    [Theory]
    [MemberData(nameof(ValidMessages))]
    public void Every_truncated_prefix_needs_more_data(string label, string vector)
    {
        Assert.NotEmpty(label);
        var message = Hex.Bytes(vector);
        for (var length = 0; length < message.Length; length++)
        {
            var sequence = new ReadOnlySequence<byte>(message, 0, length);
            Assert.False(BgpFraming.TryReadMessage(ref sequence, BgpFraming.MaxMessageSize, out _, out _));
            Assert.Equal(length, sequence.Length);
            Assert.False(BgpFraming.TryReadMessage(message.AsSpan(0, length), BgpFraming.MaxMessageSize, out _, out _));
        }

        var whole = new ReadOnlySequence<byte>(message);
        Assert.True(BgpFraming.TryReadMessage(ref whole, BgpFraming.MaxMessageSize, out var type, out var body));
        Assert.Equal((MessageType)message[18], type);
        Assert.Equal(message.Length - BgpFraming.HeaderSize, body.Length);
        Assert.True(BgpFraming.TryReadMessage(message, BgpFraming.MaxMessageSize, out _, out var consumed));
        Assert.Equal(message.Length, consumed);
    }

    [Fact]
    public void Two_messages_back_to_back_are_read_one_at_a_time()
    {
        var stream = Hex.Bytes(FrrVectors.Keepalive + FrrVectors.EndOfRibIpv4);
        var sequence = new ReadOnlySequence<byte>(stream);

        Assert.True(BgpFraming.TryReadMessage(ref sequence, BgpFraming.MaxMessageSize, out var first, out _));
        Assert.True(BgpFraming.TryReadMessage(ref sequence, BgpFraming.MaxMessageSize, out var second, out var body));

        Assert.Equal(MessageType.Keepalive, first);
        Assert.Equal(MessageType.Update, second);
        Assert.Equal(4, body.Length);
        Assert.True(sequence.IsEmpty);
    }

    [Theory]
    // label, message, max size, subcode, data
    [InlineData("marker has a zero octet", "fffffffffffffffffffffffffffffffe 0013 04", 4096, 1, "")]
    [InlineData("length below the header size", "ffffffffffffffffffffffffffffffff 0012 04", 4096, 2, "0012")]
    [InlineData("length above 4096", "ffffffffffffffffffffffffffffffff 1001 02", 4096, 2, "1001")]
    [InlineData("type 0", "ffffffffffffffffffffffffffffffff 0013 00", 4096, 3, "00")]
    [InlineData("type 6", "ffffffffffffffffffffffffffffffff 0013 06", 4096, 3, "06")]
    [InlineData("KEEPALIVE with a body", "ffffffffffffffffffffffffffffffff 0014 04", 4096, 2, "0014")]
    [InlineData("OPEN shorter than 29", "ffffffffffffffffffffffffffffffff 001c 01", 4096, 2, "001c")]
    [InlineData("UPDATE shorter than 23", "ffffffffffffffffffffffffffffffff 0016 02", 4096, 2, "0016")]
    [InlineData("NOTIFICATION shorter than 21", "ffffffffffffffffffffffffffffffff 0014 03", 4096, 2, "0014")]
    [InlineData("ROUTE-REFRESH shorter than 23", "ffffffffffffffffffffffffffffffff 0016 05", 4096, 2, "0016")]
    [InlineData("extended size beyond what was negotiated", "ffffffffffffffffffffffffffffffff ffff 02", 4096, 2, "ffff")]
    public void Bad_header_is_a_message_header_error(string label, string header, int maxSize, byte subcode, string data)
    {
        Assert.NotEmpty(label);
        var sequence = new ReadOnlySequence<byte>(Hex.Bytes(header));

        // The header alone decides: the error comes before the body has arrived.
        var error = Assert.Throws<BgpProtocolException>(() => BgpFraming.TryReadMessage(ref sequence, maxSize, out _, out _));

        Assert.Equal(ErrorCode.MessageHeader, error.Code);
        Assert.Equal(subcode, error.Subcode);
        Assert.Equal(data, Hex.Of(error.Data.Span));
    }

    [Fact]
    public void Extended_messages_are_accepted_when_negotiated()
    {
        var body = new byte[BgpFraming.MaxExtendedMessageSize - BgpFraming.HeaderSize];
        var message = Hex.Message(MessageType.Update, body);
        var sequence = new ReadOnlySequence<byte>(message);

        Assert.True(BgpFraming.TryReadMessage(ref sequence, BgpFraming.MaxExtendedMessageSize, out _, out var read));
        Assert.Equal(body.Length, read.Length);
    }
}
