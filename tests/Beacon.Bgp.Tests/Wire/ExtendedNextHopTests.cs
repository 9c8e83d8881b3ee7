using System.Net;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Wire;

namespace Beacon.Bgp.Tests.Wire;

/// <summary>RFC 8950: the Extended Next Hop capability and IPv4 NLRI with IPv6 next hops.</summary>
public sealed class ExtendedNextHopTests
{
    private const string Origin = "40 01 01 00";
    private const string AsPath = "40 02 06 02 01 0000fdea";

    private static readonly UpdateDecodeOptions Agreed = new(FourOctetAs: true, Ipv6NextHopForIpv4: true);
    private static readonly UpdateDecodeOptions NotAgreed = new(FourOctetAs: true);

    private static readonly PathAttributes Attributes = new()
    {
        Origin = Beacon.Bgp.Wire.Origin.Igp,
        AsPath = [AsPathSegment.Sequence(65002)],
        NextHop = IPAddress.Parse("2001:db8:100::2"),
    };

    [Fact]
    public void Capability_vector_ipv4_unicast_over_ipv6()
    {
        // version 4 | AS 65002 | hold 90 | id 198.51.100.2 | opt len 10 | capability 5, length 6: AFI 1, SAFI 1, next hop AFI 2
        var body = Hex.Bytes("04 fdea 005a c6336402 0a 02 08 05 06 0001 0001 0002");

        var open = OpenMessage.Read(body);

        var capability = Assert.IsType<ExtendedNextHopCapability>(Assert.Single(open.Capabilities));
        Assert.Equal([ExtendedNextHopFamily.Ipv4UnicastOverIpv6], capability.Families.ToArray());
        Assert.True(capability.Allows(new ExtendedNextHopFamily(1, 1, 2)));
        Assert.False(capability.Allows(new ExtendedNextHopFamily(1, 128, 2)));
        Assert.Equal(Hex.Message(MessageType.Open, body), Hex.Write(open.Write));
    }

    [Fact]
    public void Capability_with_several_tuples_keeps_the_16_bit_safi()
    {
        // IPv4 unicast and VPN-IPv4 (SAFI 128) over IPv6 next hops.
        var body = Hex.Bytes("04 fdea 005a c6336402 10 02 0e 05 0c 0001 0001 0002 0001 0080 0002");

        var capability = Assert.IsType<ExtendedNextHopCapability>(Assert.Single(OpenMessage.Read(body).Capabilities));

        Assert.Equal([new ExtendedNextHopFamily(1, 1, 2), new ExtendedNextHopFamily(1, 128, 2)], capability.Families.ToArray());
        Assert.Equal(Hex.Message(MessageType.Open, body), Hex.Write(new OpenMessage(4, 65002, 90, 0xC6336402, [capability]).Write));
    }

    [Fact]
    public void Capability_whose_length_is_not_a_multiple_of_six_is_an_open_error()
    {
        var body = Hex.Bytes("04 fdea 005a c6336402 09 02 07 05 05 0001 0001 00");

        var error = Assert.Throws<BgpProtocolException>(() => OpenMessage.Read(body));

        Assert.Equal(ErrorCode.OpenMessage, error.Code);
    }

    [Fact]
    public void Ipv4_announcement_with_an_ipv6_next_hop_goes_in_mp_reach_for_afi_1()
    {
        var written = Hex.Write(o => UpdateWriter.WriteAnnouncements(
            o, RouteFamily.Ipv4Unicast, Attributes, [IPNetwork.Parse("203.0.113.10/32")], new UpdateEncodeOptions(true)));

        // No NEXT_HOP attribute and an empty NLRI field: everything is in MP_REACH_NLRI.
        Assert.Equal(
            Hex.Bytes("ffffffffffffffffffffffffffffffff 0042 02 | 0000 | 002b"
                + " 900e 001a 0001 01 10 20010db8010000000000000000000002 00 20 cb00710a"
                + " 400101 00 | 400206 0201 0000fdea"),
            written);
    }

    [Fact]
    public void Ipv4_announcement_with_global_and_link_local_next_hops_has_a_32_octet_next_hop()
    {
        var attributes = Attributes with { LinkLocalNextHop = IPAddress.Parse("fe80::2") };

        var written = Hex.Write(o => UpdateWriter.WriteAnnouncements(
            o, RouteFamily.Ipv4Unicast, attributes, [IPNetwork.Parse("203.0.113.10/32")], new UpdateEncodeOptions(true)));

        Assert.Equal(
            Hex.Bytes("ffffffffffffffffffffffffffffffff 0052 02 | 0000 | 003b"
                + " 900e 002a 0001 01 20 20010db8010000000000000000000002 fe800000000000000000000000000002 00 20 cb00710a"
                + " 400101 00 | 400206 0201 0000fdea"),
            written);
    }

    [Fact]
    public void Written_ipv4_over_ipv6_reads_back_when_agreed()
    {
        var attributes = Attributes with { LinkLocalNextHop = IPAddress.Parse("fe80::2") };
        IPNetwork[] prefixes = [IPNetwork.Parse("203.0.113.10/32"), IPNetwork.Parse("192.0.2.0/26")];
        var written = Hex.Write(o => UpdateWriter.WriteAnnouncements(o, RouteFamily.Ipv4Unicast, attributes, prefixes, new UpdateEncodeOptions(true)));

        var update = UpdateMessage.Read(Hex.Split(written).Single().Body, Agreed);

        Assert.Equal(UpdateErrorAction.None, update.Action);
        Assert.Equal(prefixes, update.Announced.ToArray());
        Assert.Equal(IPAddress.Parse("2001:db8:100::2"), update.Attributes!.NextHop);
        Assert.Equal(IPAddress.Parse("fe80::2"), update.Attributes.LinkLocalNextHop);
    }

    [Theory]
    [InlineData("10 20010db8010000000000000000000002")]
    [InlineData("20 20010db8010000000000000000000002 fe800000000000000000000000000002")]
    public void Ipv4_nlri_with_an_ipv6_next_hop_we_did_not_agree_to_is_an_mp_reach_error(string nextHop)
    {
        var mpReach = $"0001 01 {nextHop} 00 20 cb00710a";
        var attribute = $"900e {Hex.Bytes(mpReach).Length:x4} {mpReach}";

        var error = Assert.Throws<BgpProtocolException>(() => UpdateMessage.Read(Hex.UpdateBody("", attribute + Origin + AsPath, ""), NotAgreed));

        // RFC 7606 §7.11: an inconsistent next-hop length; the attribute is the data (RFC 4271 §6.3).
        Assert.Equal(ErrorCode.UpdateMessage, error.Code);
        Assert.Equal(UpdateErrorSubcode.OptionalAttributeError, error.Subcode);
        Assert.Equal(Hex.Bytes(attribute), error.Data.ToArray());
    }

    [Fact]
    public void Ipv4_nlri_with_a_4_octet_mp_reach_next_hop_needs_no_agreement()
    {
        var update = UpdateMessage.Read(Hex.UpdateBody("", "900e 000e 0001 01 04 c6336402 00 20 cb00710a" + Origin + AsPath, ""), NotAgreed);

        Assert.Equal(IPAddress.Parse("198.51.100.2"), update.Attributes!.NextHop);
        Assert.Equal([IPNetwork.Parse("203.0.113.10/32")], update.Announced.ToArray());
    }

    [Fact]
    public void Ipv4_next_hop_suits_only_ipv4_nlri_and_has_no_link_local()
    {
        var ipv4NextHop = Attributes with { NextHop = IPAddress.Parse("198.51.100.2") };

        Assert.Throws<ArgumentException>(() => Hex.Write(o => UpdateWriter.WriteAnnouncements(
            o, RouteFamily.Ipv6Unicast, ipv4NextHop, [IPNetwork.Parse("2001:db8:203::/64")], new UpdateEncodeOptions(true))));
        Assert.Throws<ArgumentException>(() => Hex.Write(o => UpdateWriter.WriteAnnouncements(
            o, RouteFamily.Ipv4Unicast, ipv4NextHop with { LinkLocalNextHop = IPAddress.Parse("fe80::2") }, [IPNetwork.Parse("203.0.113.10/32")], new UpdateEncodeOptions(true))));
    }
}
