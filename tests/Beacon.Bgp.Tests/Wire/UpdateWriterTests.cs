using System.Net;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Wire;

namespace Beacon.Bgp.Tests.Wire;

public sealed class UpdateWriterTests
{
    private static readonly PathAttributes Ipv4Attributes = new()
    {
        Origin = Origin.Igp,
        AsPath = [AsPathSegment.Sequence(65002)],
        NextHop = IPAddress.Parse("198.51.100.2"),
        Communities = [0xFDEA0064],
    };

    private static readonly PathAttributes Ipv6Attributes = Ipv4Attributes with
    {
        NextHop = IPAddress.Parse("2001:db8:100::2"),
        LinkLocalNextHop = IPAddress.Parse("fe80::2"),
    };

    private static IPNetwork[] Ipv4Slash24s(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new IPNetwork(new IPAddress(new byte[] { 10, (byte)(i >> 8), (byte)i, 0 }), 24))];

    private static IPNetwork[] Ipv6Slash64s(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new IPNetwork(IPAddress.Parse($"2001:db8:{i >> 16:x}:{i & 0xFFFF:x}::"), 64))];

    [Fact]
    public void Ipv4_announcement_vector()
    {
        var written = Hex.Write(o => UpdateWriter.WriteAnnouncements(
            o, RouteFamily.Ipv4Unicast, Ipv4Attributes, [IPNetwork.Parse("203.0.113.0/24")], new UpdateEncodeOptions(true)));

        Assert.Equal(
            Hex.Bytes("ffffffffffffffffffffffffffffffff 0036 02 | 0000 | 001b"
                + " 400101 00 | 400206 0201 0000fdea | 400304 c6336402 | c00804 fdea0064 | 18 cb0071"),
            written);
    }

    [Fact]
    public void Ipv6_announcement_vector_puts_mp_reach_first_with_a_32_octet_next_hop()
    {
        var written = Hex.Write(o => UpdateWriter.WriteAnnouncements(
            o, RouteFamily.Ipv6Unicast, Ipv6Attributes, [IPNetwork.Parse("2001:db8:203::/64")], new UpdateEncodeOptions(true)));

        Assert.Equal(
            Hex.Bytes("ffffffffffffffffffffffffffffffff 005d 02 | 0000 | 0046"
                + " 900e 002e 0002 01 20 20010db8010000000000000000000002 fe800000000000000000000000000002 00 40 20010db802030000"
                + " 400101 00 | 400206 0201 0000fdea | c00804 fdea0064"),
            written);
    }

    [Fact]
    public void Two_octet_session_sends_as_trans_and_as4_path()
    {
        var attributes = Ipv4Attributes with { AsPath = [AsPathSegment.Sequence(4200000001, 65002)], Communities = [] };

        var written = Hex.Write(o => UpdateWriter.WriteAnnouncements(
            o, RouteFamily.Ipv4Unicast, attributes, [IPNetwork.Parse("203.0.113.0/24")], new UpdateEncodeOptions(false)));

        Assert.Equal(
            Hex.Bytes("ffffffffffffffffffffffffffffffff 003c 02 | 0000 | 0021"
                + " 400101 00 | 400206 0202 5ba0 fdea | 400304 c6336402 | c0110a 0202 fa56ea01 0000fdea | 18 cb0071"),
            written);
    }

    [Fact]
    public void Ipv4_withdrawal_vector()
    {
        var written = Hex.Write(o => UpdateWriter.WriteWithdrawals(
            o, RouteFamily.Ipv4Unicast, [IPNetwork.Parse("203.0.113.0/24"), IPNetwork.Parse("198.51.100.128/25")], new UpdateEncodeOptions(true)));

        Assert.Equal(Hex.Bytes("ffffffffffffffffffffffffffffffff 0020 02 | 0009 18cb0071 19c6336480 | 0000"), written);
    }

    [Theory]
    [InlineData(RouteFamily.Ipv4Unicast, 4096, 5000)]
    [InlineData(RouteFamily.Ipv4Unicast, 65535, 40000)]
    [InlineData(RouteFamily.Ipv6Unicast, 4096, 5000)]
    [InlineData(RouteFamily.Ipv6Unicast, 65535, 40000)]
    public void Announcements_are_packed_into_the_fewest_messages(RouteFamily family, int maxSize, int count)
    {
        var ipv4 = family == RouteFamily.Ipv4Unicast;
        var prefixes = ipv4 ? Ipv4Slash24s(count) : Ipv6Slash64s(count);
        var attributes = ipv4 ? Ipv4Attributes : Ipv6Attributes;

        var output = new System.Buffers.ArrayBufferWriter<byte>();
        var messages = UpdateWriter.WriteAnnouncements(output, family, attributes, prefixes, new UpdateEncodeOptions(true, maxSize));

        var split = Hex.Split(output.WrittenSpan, maxSize);
        Assert.Equal(messages, split.Count);
        var decoded = split.Select(m => UpdateMessage.Read(m.Body, new UpdateDecodeOptions(true))).ToList();
        Assert.Equal(prefixes, decoded.SelectMany(u => u.Announced));
        Assert.All(split, m => Assert.True(m.Body.Length + BgpFraming.HeaderSize <= maxSize));

        // Every prefix here has the same size, so the lower bound is exact.
        var prefixSize = ipv4 ? 4 : 9;
        var fixedSize = split[0].Body.Length + BgpFraming.HeaderSize - (decoded[0].Announced.Length * prefixSize);
        var perMessage = (maxSize - fixedSize) / prefixSize;
        Assert.Equal((count + perMessage - 1) / perMessage, messages);
        Assert.True(maxSize - (split[0].Body.Length + BgpFraming.HeaderSize) < prefixSize, "first message is not full");
    }

    [Fact]
    public void Mixed_prefix_lengths_fill_each_message_until_the_next_prefix_does_not_fit()
    {
        // The IPNetwork constructor clears the bits beyond the prefix length.
        var prefixes = Enumerable.Range(0, 3000)
            .Select(i => new IPNetwork(new IPAddress(new byte[] { 10, (byte)(i >> 8), (byte)i, 0 }), 8 + (i % 25)))
            .ToArray();

        var written = Hex.Write(o => UpdateWriter.WriteAnnouncements(o, RouteFamily.Ipv4Unicast, Ipv4Attributes, prefixes, new UpdateEncodeOptions(true)));

        var split = Hex.Split(written, BgpFraming.MaxMessageSize);
        var offset = 0;
        foreach (var (_, body) in split[..^1])
        {
            var update = UpdateMessage.Read(body, new UpdateDecodeOptions(true));
            offset += update.Announced.Length;
            var nextSize = 1 + ((prefixes[offset].PrefixLength + 7) / 8);
            Assert.True(body.Length + BgpFraming.HeaderSize + nextSize > BgpFraming.MaxMessageSize);
        }

        Assert.Equal(prefixes, split.SelectMany(m => UpdateMessage.Read(m.Body, new UpdateDecodeOptions(true)).Announced));
    }

    [Theory]
    [InlineData(RouteFamily.Ipv4Unicast)]
    [InlineData(RouteFamily.Ipv6Unicast)]
    public void Withdrawals_are_packed_and_complete(RouteFamily family)
    {
        var prefixes = family == RouteFamily.Ipv4Unicast ? Ipv4Slash24s(5000) : Ipv6Slash64s(5000);

        var output = new System.Buffers.ArrayBufferWriter<byte>();
        var messages = UpdateWriter.WriteWithdrawals(output, family, prefixes, new UpdateEncodeOptions(true));

        var split = Hex.Split(output.WrittenSpan, BgpFraming.MaxMessageSize);
        Assert.Equal(messages, split.Count);
        Assert.Equal(prefixes, split.SelectMany(m => UpdateMessage.Read(m.Body, new UpdateDecodeOptions(true)).Withdrawn));
        var prefixSize = family == RouteFamily.Ipv4Unicast ? 4 : 9;
        var fixedSize = BgpFraming.HeaderSize + 4 + (family == RouteFamily.Ipv4Unicast ? 0 : 7);
        var perMessage = (BgpFraming.MaxMessageSize - fixedSize) / prefixSize;
        Assert.Equal((prefixes.Length + perMessage - 1) / perMessage, messages);
    }

    [Fact]
    public void No_prefixes_means_no_messages()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();

        Assert.Equal(0, UpdateWriter.WriteAnnouncements(output, RouteFamily.Ipv4Unicast, Ipv4Attributes, [], new UpdateEncodeOptions(true)));
        Assert.Equal(0, UpdateWriter.WriteWithdrawals(output, RouteFamily.Ipv6Unicast, [], new UpdateEncodeOptions(true)));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void Wrong_family_or_next_hop_is_a_caller_error()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();

        Assert.Throws<ArgumentException>(() => UpdateWriter.WriteAnnouncements(
            output, RouteFamily.Ipv4Unicast, Ipv4Attributes, [IPNetwork.Parse("2001:db8::/32")], new UpdateEncodeOptions(true)));
        Assert.Throws<ArgumentException>(() => UpdateWriter.WriteAnnouncements(
            output, RouteFamily.Ipv6Unicast, Ipv4Attributes, [IPNetwork.Parse("2001:db8::/32")], new UpdateEncodeOptions(true)));
        Assert.Throws<ArgumentException>(() => UpdateWriter.WriteAnnouncements(
            output, RouteFamily.Ipv4Unicast, Ipv4Attributes with { Communities = [.. new uint[1100]] }, [IPNetwork.Parse("192.0.2.0/24")], new UpdateEncodeOptions(true)));
    }

    [Fact]
    public void Long_as_path_segments_are_split_at_255()
    {
        var attributes = Ipv4Attributes with { AsPath = [AsPathSegment.Sequence([.. Enumerable.Range(1, 600).Select(i => (uint)i)])] };

        var written = Hex.Write(o => UpdateWriter.WriteAnnouncements(o, RouteFamily.Ipv4Unicast, attributes, [IPNetwork.Parse("192.0.2.0/24")], new UpdateEncodeOptions(true)));

        var decoded = UpdateMessage.Read(Hex.Split(written).Single().Body, new UpdateDecodeOptions(true)).Attributes!;
        Assert.Equal([255, 255, 90], decoded.AsPath.Select(s => s.Asns.Length));
        Assert.Equal(600, decoded.AsPathLength);
    }
}
