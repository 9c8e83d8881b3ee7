using System.Collections.Immutable;
using Beacon.Bgp.Wire;

namespace Beacon.Bgp.Tests.Wire;

public sealed class OpenMessageTests
{
    /// <summary>An OPEN whose capabilities exceed 255 octets, so RFC 9072 encoding is needed.</summary>
    public static OpenMessage LargeOpen() => new(
        4, 64512, 180, 0xC6336402,
        [.. Enumerable.Range(0, 30).Select(i => (Capability)new UnknownCapability((byte)(200 + i), new byte[8])), new FourOctetAsCapability(4200000000)]);

    [Fact]
    public void Minimal_open_vector()
    {
        // version 4 | AS 65002 | hold 90 | id 198.51.100.2 | opt len 8 | capabilities: 4-octet AS 65002
        var body = Hex.Bytes("04 fdea 005a c6336402 08 02 06 41 04 0000fdea");

        var open = OpenMessage.Read(body);

        Assert.Equal(new OpenMessage(4, 65002, 90, 0xC6336402, [new FourOctetAsCapability(65002)]), open);
        Assert.Equal(Hex.Message(MessageType.Open, body), Hex.Write(open.Write));
    }

    [Fact]
    public void Open_without_optional_parameters()
    {
        var body = Hex.Bytes("04 fdea 0000 c6336402 00");

        var open = OpenMessage.Read(body);

        Assert.Empty(open.Capabilities);
        Assert.Equal(0, open.HoldTime);
        Assert.Equal(Hex.Message(MessageType.Open, body), Hex.Write(open.Write));
    }

    [Fact]
    public void Extended_optional_parameters_are_read()
    {
        // RFC 9072: opt len 255, type 255, ext length 0x000b, then parameter type 2 with a 2-octet length.
        var body = Hex.Bytes("04 fdea 005a c6336402 ff ff 000b | 02 0008 02 00 41 04 0000fdea");

        var open = OpenMessage.Read(body);

        Assert.Equal([RouteRefreshCapability.Instance, new FourOctetAsCapability(65002)], open.Capabilities.ToArray());
    }

    [Fact]
    public void Extended_optional_parameters_are_written_only_when_needed()
    {
        var large = Hex.Write(LargeOpen().Write);
        var small = Hex.Write(new OpenMessage(4, 1, 90, 1, [new FourOctetAsCapability(1)]).Write);

        Assert.Equal(0xFF, large[28]);
        Assert.Equal(0xFF, large[29]);
        Assert.Equal(LargeOpen(), OpenMessage.Read(Hex.Body(large)));
        Assert.Equal(8, small[28]);
    }

    [Fact]
    public void Graceful_restart_capability_vector()
    {
        // R=1, N=0, restart time 300 (0x12c); IPv6 unicast with F=1; IPv4 unicast with F=0.
        var body = Hex.Bytes("04 fdea 005a c6336402 0e 02 0c 40 0a 812c 0002 01 80 0001 01 00");

        var gr = OpenMessage.Read(body).FindCapability<GracefulRestartCapability>();

        Assert.Equal(new GracefulRestartCapability(true, false, 300, [new(2, 1, true), new(1, 1, false)]), gr);
    }

    [Fact]
    public void Effective_as_comes_from_the_four_octet_capability()
    {
        var body = Hex.Bytes("04 5ba0 005a c6336402 08 02 06 41 04 fa56ea00");

        var open = OpenMessage.Read(body);

        Assert.Equal(OpenMessage.AsTrans, open.MyAutonomousSystem);
        Assert.Equal(4200000000u, open.EffectiveAutonomousSystem);
    }

    [Theory]
    // label, body, subcode, data
    [InlineData("version 3", "03 fdea 005a c6336402 00", 1, "0004")]
    [InlineData("hold time 1", "04 fdea 0001 c6336402 00", 6, "")]
    [InlineData("hold time 2", "04 fdea 0002 c6336402 00", 6, "")]
    [InlineData("BGP identifier 0", "04 fdea 005a 00000000 00", 3, "")]
    [InlineData("authentication parameter (type 1)", "04 fdea 005a c6336402 03 01 01 00", 4, "")]
    [InlineData("optional parameters length longer than the message", "04 fdea 005a c6336402 09 02 06 41 04 0000fdea", 0, "")]
    [InlineData("optional parameters length shorter than the message", "04 fdea 005a c6336402 07 02 06 41 04 0000fdea", 0, "")]
    [InlineData("capability overruns its parameter", "04 fdea 005a c6336402 04 02 02 41 04", 0, "")]
    [InlineData("4-octet AS capability of length 2", "04 fdea 005a c6336402 06 02 04 41 02 fdea", 0, "")]
    [InlineData("multiprotocol capability of length 3", "04 fdea 005a c6336402 07 02 05 01 03 000101", 0, "")]
    [InlineData("graceful restart capability of length 3", "04 fdea 005a c6336402 07 02 05 40 03 000000", 0, "")]
    [InlineData("extended parameters length truncated", "04 fdea 005a c6336402 ff ff 00", 0, "")]
    public void Malformed_open_gives_the_rfc_subcode(string label, string body, byte subcode, string data)
    {
        Assert.NotEmpty(label);

        var error = Assert.Throws<BgpProtocolException>(() => OpenMessage.Read(Hex.Bytes(body)));

        Assert.Equal(ErrorCode.OpenMessage, error.Code);
        Assert.Equal(subcode, error.Subcode);
        Assert.Equal(data, Hex.Of(error.Data.Span));
    }

    [Fact]
    public void Hold_time_zero_and_three_are_acceptable()
    {
        Assert.Equal(0, OpenMessage.Read(Hex.Bytes("04 fdea 0000 c6336402 00")).HoldTime);
        Assert.Equal(3, OpenMessage.Read(Hex.Bytes("04 fdea 0003 c6336402 00")).HoldTime);
    }

    [Fact]
    public void Unknown_capabilities_compare_by_bytes()
    {
        Assert.Equal(new UnknownCapability(99, new byte[] { 1, 2 }), new UnknownCapability(99, new byte[] { 1, 2 }));
        Assert.NotEqual(new UnknownCapability(99, new byte[] { 1, 2 }), new UnknownCapability(99, new byte[] { 1, 3 }));
        Assert.Equal(
            new GracefulRestartCapability(false, false, 5, [new(1, 1, true)]),
            new GracefulRestartCapability(false, false, 5, ImmutableArray.Create(new GracefulRestartFamily(1, 1, true))));
    }
}
