using System.Net;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Wire;

namespace Beacon.Bgp.Tests.Wire;

public sealed class UpdateDecodeTests
{
    private const string Origin = "40 01 01 00";
    private const string AsPath = "40 02 06 02 01 0000fdea";
    private const string NextHop = "40 03 04 c6336402";
    private const string Mandatory = Origin + AsPath + NextHop;
    private const string Nlri = "18 cb0071";
    private const string LocalPref = "40 05 04 00000064";

    private static readonly UpdateDecodeOptions FourOctet = new(FourOctetAs: true);
    private static readonly UpdateDecodeOptions TwoOctet = new(FourOctetAs: false);
    private static readonly UpdateDecodeOptions Internal = new(FourOctetAs: true, InternalPeer: true);
    private static readonly IPNetwork Prefix = IPNetwork.Parse("203.0.113.0/24");

    private static UpdateMessage Decode(string attributes, string nlri = Nlri, string withdrawn = "", UpdateDecodeOptions? options = null) =>
        UpdateMessage.Read(Hex.UpdateBody(withdrawn, attributes, nlri), options ?? FourOctet);

    [Fact]
    public void Withdrawal_vector()
    {
        // withdrawn length 9 | 203.0.113.0/24 | 198.51.100.128/25 | attribute length 0
        var update = UpdateMessage.Read(Hex.Bytes("0009 18cb0071 19c6336480 0000"), FourOctet);

        Assert.Equal([Prefix, IPNetwork.Parse("198.51.100.128/25")], update.Withdrawn.ToArray());
        Assert.Empty(update.Announced);
        Assert.Null(update.Attributes);
        Assert.False(update.IsEndOfRib);
    }

    [Fact]
    public void Host_bits_beyond_the_prefix_length_are_cleared()
    {
        var update = Decode(Mandatory, "18 cb0071 | 00 | 20 c6336401 | 1f c63364ff");

        Assert.Equal(
            [Prefix, IPNetwork.Parse("0.0.0.0/0"), IPNetwork.Parse("198.51.100.1/32"), IPNetwork.Parse("198.51.100.254/31")],
            update.Announced.ToArray());
    }

    [Fact]
    public void Ipv6_withdrawal_in_mp_unreach()
    {
        var update = Decode("800f 0c 0002 01 40 20010db802030000", nlri: "");

        Assert.Equal([IPNetwork.Parse("2001:db8:203::/64")], update.Withdrawn.ToArray());
        Assert.False(update.IsEndOfRib);
    }

    [Fact]
    public void Mp_reach_with_16_octet_next_hop()
    {
        var update = Decode("900e 001e 0002 01 10 20010db8010000000000000000000002 00 40 20010db802030000" + Origin + AsPath, nlri: "");

        Assert.Equal(UpdateErrorAction.None, update.Action);
        Assert.Equal(IPAddress.Parse("2001:db8:100::2"), update.Attributes!.NextHop);
        Assert.Null(update.Attributes.LinkLocalNextHop);
        Assert.Equal([IPNetwork.Parse("2001:db8:203::/64")], update.Announced.ToArray());
    }

    [Fact]
    public void Mp_reach_for_an_unsupported_family_is_reported_not_fatal()
    {
        // AFI 1 SAFI 128 (L3VPN), next hop of 12 octets, one labelled VPN route.
        var update = Decode("900e 0020 0001 80 0c 0000000000000000 c6336402 00 70 000011 0000fde900000001 cb0071" + Origin + AsPath, nlri: "");

        Assert.Equal(UpdateErrorAction.None, update.Action);
        Assert.Empty(update.Announced);
        var diagnostic = Assert.Single(update.Diagnostics);
        Assert.Equal(AttributeType.MpReachNlri, diagnostic.AttributeType);
        Assert.Contains("unsupported", diagnostic.Reason);
    }

    [Fact]
    public void Mp_unreach_for_an_unsupported_family_is_reported_and_not_end_of_rib()
    {
        var update = Decode("800f 03 0019 46", nlri: "");

        Assert.False(update.IsEndOfRib);
        Assert.Single(update.Diagnostics);
    }

    [Fact]
    public void Unknown_optional_transitive_is_kept_with_partial_and_non_transitive_is_dropped()
    {
        var update = Decode(Mandatory + "c0 63 02 abcd | 80 64 01 ff | d0 65 0001 ee");

        Assert.Equal(UpdateErrorAction.None, update.Action);
        Assert.Equal(
            [new UnknownAttribute(0xE0, 0x63, new byte[] { 0xAB, 0xCD }), new UnknownAttribute(0xE0, 0x65, new byte[] { 0xEE })],
            update.Attributes!.UnknownAttributes.ToArray());
        Assert.All(update.Attributes.UnknownAttributes, a => Assert.True(a.Partial));
    }

    [Fact]
    public void Unrecognized_well_known_attribute_is_3_2_with_the_attribute_as_data()
    {
        var error = Assert.Throws<BgpProtocolException>(() => Decode(Mandatory + "40 63 02 abcd"));

        Assert.Equal(ErrorCode.UpdateMessage, error.Code);
        Assert.Equal(UpdateErrorSubcode.UnrecognizedWellKnownAttribute, error.Subcode);
        Assert.Equal("406302abcd", Hex.Of(error.Data.Span));
    }

    [Theory]
    // label, UPDATE body, subcode
    [InlineData("withdrawn routes length overruns the message", "0005 18cb0071", 1)]
    [InlineData("total path attribute length overruns the message", "0000 0005 400101", 1)]
    [InlineData("body shorter than the two length fields", "000000", 1)]
    [InlineData("withdrawn prefix length 33", "0005 21cb007100 0000", 10)]
    [InlineData("withdrawn prefix truncated", "0003 18cb00 0000", 10)]
    [InlineData("NLRI prefix length 33", "0000 0014 40010100 4002060201 0000fdea 400304c6336402 | 21 cb00710000", 10)]
    [InlineData("NLRI prefix truncated", "0000 0014 40010100 4002060201 0000fdea 400304c6336402 | 18 cb00", 10)]
    [InlineData("two MP_REACH_NLRI", "0000 0010 800e05 0019 46 00 00 | 800e05 0019 46 00 00", 1)]
    [InlineData("two MP_UNREACH_NLRI", "0000 000c 800f03000201 800f03000201", 1)]
    [InlineData("MP_REACH_NLRI next hop overruns", "0000 0008 800e05 0002 01 20 00", 9)]
    [InlineData("MP_REACH_NLRI IPv6 next hop of 4 octets", "0000 000c 800e09 0002 01 04 c6336402 00", 9)]
    [InlineData("MP_REACH_NLRI IPv6 prefix length 129", "0000 001a 800e17 0002 01 10 20010db8010000000000000000000002 00 81 20", 10)]
    [InlineData("MP_UNREACH_NLRI shorter than AFI and SAFI", "0000 0005 800f02 0002", 9)]
    [InlineData("MP_UNREACH_NLRI prefix truncated", "0000 0008 800f05 0002 01 40 20", 10)]
    [InlineData("MP_REACH_NLRI flagged well-known", "0000 000c 400e09 0001 01 04 c6336402 00", 4)]
    [InlineData("MP_UNREACH_NLRI flagged transitive", "0000 0006 c00f03 000201", 4)]
    [InlineData("MP_REACH_NLRI of length 0", "0000 0003 800e00", 9)]
    [InlineData("MP_UNREACH_NLRI of length 0", "0000 0003 800f00", 9)]
    [InlineData("MP_REACH_NLRI shorter than its fixed fields", "0000 0007 800e04 0002 01 00", 9)]
    [InlineData("treat-as-withdraw error followed by a second MP_UNREACH_NLRI", "0000 0010 400101 03 800f03000201 800f03000201", 1)]
    [InlineData("5.2: ORIGIN 3 in an UPDATE without NLRI", "0000 0004 400101 03", 6)]
    [InlineData("5.2: COMMUNITIES of length 3 beside withdrawn routes only", "0004 18cb0071 0006 c00803 fde900", 9)]
    [InlineData("5.2: attribute header cut in an UPDATE without NLRI", "0000 0002 c008", 1)]
    public void Session_reset_errors(string label, string body, byte subcode)
    {
        Assert.NotEmpty(label);

        var error = Assert.Throws<BgpProtocolException>(() => UpdateMessage.Read(Hex.Bytes(body), FourOctet));

        Assert.Equal(ErrorCode.UpdateMessage, error.Code);
        Assert.Equal(subcode, error.Subcode);
    }

    [Fact]
    public void Session_reset_keeps_the_body_for_the_log()
    {
        var body = Hex.Bytes("0000 0010 800e05 0019 46 00 00 | 800e05 0019 46 00 00");

        var error = Assert.Throws<BgpProtocolException>(() => UpdateMessage.Read(body, FourOctet));

        Assert.Equal(Hex.Of(body), Hex.Of(error.MessageBody.Span));
        Assert.True(error.Data.IsEmpty);
    }

    [Fact]
    public void Mp_reach_error_carries_the_attribute()
    {
        var error = Assert.Throws<BgpProtocolException>(() => UpdateMessage.Read(Hex.Bytes("0000 000c 800e09 0002 01 04 c6336402 00"), FourOctet));

        Assert.Equal("800e09000201 04c633640200", Hex.Of(error.Data.Span).Insert(12, " "));
    }

    [Theory]
    // label, attributes, attribute type, subcode (RFC 4271 §6.3 meaning, RFC 7606 action)
    [InlineData("ORIGIN 3", "40 01 01 03" + AsPath + NextHop, 1, 6)]
    [InlineData("ORIGIN of length 2", "40 01 02 0000" + AsPath + NextHop, 1, 5)]
    [InlineData("ORIGIN flagged optional", "c0 01 01 00" + AsPath + NextHop, 1, 4)]
    [InlineData("ORIGIN with Partial", "60 01 01 00" + AsPath + NextHop, 1, 4)]
    [InlineData("AS_PATH segment overruns", Origin + "40 02 06 02 02 0000fdea" + NextHop, 2, 11)]
    [InlineData("AS_PATH segment of zero ASes", Origin + "40 02 02 02 00" + NextHop, 2, 11)]
    [InlineData("AS_PATH segment type 5", Origin + "40 02 06 05 01 0000fdea" + NextHop, 2, 11)]
    [InlineData("AS_PATH header cut", Origin + "40 02 07 02 01 0000fdea 02" + NextHop, 2, 11)]
    [InlineData("AS_PATH flagged optional", Origin + "80 02 06 02 01 0000fdea" + NextHop, 2, 4)]
    [InlineData("NEXT_HOP of length 5", Origin + AsPath + "40 03 05 c633640200", 3, 5)]
    [InlineData("NEXT_HOP 0.0.0.0", Origin + AsPath + "40 03 04 00000000", 3, 8)]
    [InlineData("NEXT_HOP multicast", Origin + AsPath + "40 03 04 e0000001", 3, 8)]
    [InlineData("NEXT_HOP broadcast", Origin + AsPath + "40 03 04 ffffffff", 3, 8)]
    [InlineData("MED of length 3", Mandatory + "80 04 03 000001", 4, 5)]
    [InlineData("MED flagged transitive", Mandatory + "c0 04 04 00000001", 4, 4)]
    [InlineData("ORIGIN of length 0", "40 01 00" + AsPath + NextHop, 1, 5)]
    [InlineData("NEXT_HOP of length 0", Origin + AsPath + "40 03 00", 3, 5)]
    [InlineData("NEXT_HOP flagged optional", Origin + AsPath + "c0 03 04 c6336402", 3, 4)]
    [InlineData("MED of length 0", Mandatory + "80 04 00", 4, 5)]
    [InlineData("EXTENDED_COMMUNITIES of length 0", Mandatory + "c0 10 00", 16, 9)]
    [InlineData("EXTENDED_COMMUNITIES flagged non-transitive", Mandatory + "80 10 08 0002fde900000064", 16, 4)]
    [InlineData("IPv6 extended communities of length 19", Mandatory + "c0 19 13 000220010db800000000000000000000000100", 25, 9)]
    [InlineData("IPv6 extended communities of length 0", Mandatory + "c0 19 00", 25, 9)]
    [InlineData("LARGE_COMMUNITY flagged well-known", Mandatory + "40 20 0c 0000fde9 00000001 00000002", 32, 4)]
    [InlineData("COMMUNITIES of length 3", Mandatory + "c0 08 03 fde900", 8, 9)]
    [InlineData("COMMUNITIES of length 0", Mandatory + "c0 08 00", 8, 9)]
    [InlineData("COMMUNITIES flagged well-known", Mandatory + "40 08 04 fde90064", 8, 4)]
    [InlineData("EXTENDED_COMMUNITIES of length 7", Mandatory + "c0 10 07 0002fde9000000", 16, 9)]
    [InlineData("LARGE_COMMUNITY of length 11", Mandatory + "c0 20 0b 0000fde9 00000001 000000", 32, 9)]
    [InlineData("LARGE_COMMUNITY of length 0", Mandatory + "c0 20 00", 32, 9)]
    [InlineData("missing ORIGIN", AsPath + NextHop, 1, 3)]
    [InlineData("missing AS_PATH", Origin + NextHop, 2, 3)]
    [InlineData("missing NEXT_HOP with IPv4 NLRI", Origin + AsPath, 3, 3)]
    [InlineData("attribute length overruns the attribute section", Mandatory + "c0 08 08 fde90064", 8, 5)]
    [InlineData("attribute header cut at the end of the section", Mandatory + "c0 08", 0, 1)]
    public void Treat_as_withdraw_errors(string label, string attributes, byte type, byte subcode)
    {
        Assert.NotEmpty(label);

        var update = Decode(attributes, withdrawn: "19 c6336480");

        Assert.Equal(UpdateErrorAction.TreatAsWithdraw, update.Action);
        Assert.Null(update.Attributes);
        Assert.Empty(update.Announced);
        Assert.Equal([IPNetwork.Parse("198.51.100.128/25"), Prefix], update.Withdrawn.ToArray());
        Assert.Contains(update.Diagnostics, d => d.AttributeType == type && d.Subcode == subcode && d.Action == UpdateErrorAction.TreatAsWithdraw);
    }

    [Fact]
    public void Treat_as_withdraw_covers_mp_reach_nlri()
    {
        var update = Decode(
            "900e 001e 0002 01 10 20010db8010000000000000000000002 00 40 20010db802030000" + "40 01 01 07" + AsPath, nlri: "");

        Assert.Equal(UpdateErrorAction.TreatAsWithdraw, update.Action);
        Assert.Equal([IPNetwork.Parse("2001:db8:203::/64")], update.Withdrawn.ToArray());
    }

    [Fact]
    public void Nlri_without_any_attributes_is_treat_as_withdraw()
    {
        var update = Decode("");

        Assert.Equal(UpdateErrorAction.TreatAsWithdraw, update.Action);
        Assert.Equal([Prefix], update.Withdrawn.ToArray());
        Assert.Equal(UpdateErrorSubcode.MissingWellKnownAttribute, Assert.Single(update.Diagnostics).Subcode);
    }

    [Fact]
    public void Local_pref_is_mandatory_from_internal_peers_only()
    {
        Assert.Equal(UpdateErrorAction.None, Decode(Mandatory).Action);

        var update = Decode(Mandatory, options: new UpdateDecodeOptions(true, InternalPeer: true));

        Assert.Equal(UpdateErrorAction.TreatAsWithdraw, update.Action);
        Assert.Contains(update.Diagnostics, d => d.AttributeType == AttributeType.LocalPref && d.Subcode == UpdateErrorSubcode.MissingWellKnownAttribute);
    }

    [Fact]
    public void Next_hop_is_not_needed_when_there_is_no_ipv4_nlri()
    {
        var update = Decode(Origin + AsPath, nlri: "");

        Assert.Equal(UpdateErrorAction.None, update.Action);
        Assert.NotNull(update.Attributes);
    }

    [Theory]
    // label, attributes appended to the mandatory ones, attribute type, subcode
    [InlineData("ATOMIC_AGGREGATE of length 1", "40 06 01 00", 6, 5)]
    [InlineData("ATOMIC_AGGREGATE flagged optional", "c0 06 00", 6, 4)]
    [InlineData("AGGREGATOR of length 6 on a 4-octet session", "c0 07 06 fdea c6336402", 7, 5)]
    [InlineData("AGGREGATOR flagged non-transitive", "80 07 08 0000fdea c6336402", 7, 4)]
    [InlineData("duplicate MED", "80 04 04 00000001 80 04 04 00000002", 4, 1)]
    [InlineData("duplicate ORIGIN", "40 01 01 02", 1, 1)]
    [InlineData("AGGREGATOR of length 0", "c0 07 00", 7, 5)]
    [InlineData("ATOMIC_AGGREGATE flagged with Partial", "60 06 00", 6, 4)]
    [InlineData("LOCAL_PREF of length 2 from an external peer", "40 05 02 0064", 5, 5)]
    [InlineData("ORIGINATOR_ID from an external peer", "80 09 04 c6336401", 9, 9)]
    [InlineData("CLUSTER_LIST from an external peer", "80 0a 04 c6336401", 10, 9)]
    public void Attribute_discard_errors(string label, string extra, byte type, byte subcode)
    {
        Assert.NotEmpty(label);

        var update = Decode(Mandatory + extra);

        Assert.Equal(UpdateErrorAction.AttributeDiscard, update.Action);
        Assert.Equal([Prefix], update.Announced.ToArray());
        Assert.NotNull(update.Attributes);
        Assert.False(update.Attributes.AtomicAggregate);
        Assert.Null(update.Attributes.Aggregator);
        Assert.Contains(update.Diagnostics, d => d.AttributeType == type && d.Subcode == subcode && d.Action == UpdateErrorAction.AttributeDiscard);
    }

    [Theory]
    // label, attributes after the mandatory ones and LOCAL_PREF, attribute type, subcode
    [InlineData("LOCAL_PREF of length 2", "", "40 05 02 0064", 5, 5)]
    [InlineData("LOCAL_PREF of length 0", "", "40 05 00", 5, 5)]
    [InlineData("LOCAL_PREF flagged optional", "", "c0 05 04 00000064", 5, 4)]
    [InlineData("ORIGINATOR_ID of length 3", LocalPref, "80 09 03 c63364", 9, 9)]
    [InlineData("ORIGINATOR_ID of length 0", LocalPref, "80 09 00", 9, 9)]
    [InlineData("ORIGINATOR_ID flagged transitive", LocalPref, "c0 09 04 c6336401", 9, 4)]
    [InlineData("CLUSTER_LIST of length 6", LocalPref, "80 0a 06 c6336401 0000", 10, 9)]
    [InlineData("CLUSTER_LIST of length 0", LocalPref, "80 0a 00", 10, 9)]
    public void Treat_as_withdraw_errors_from_internal_peers(string label, string localPref, string extra, byte type, byte subcode)
    {
        Assert.NotEmpty(label);

        var update = Decode(Mandatory + localPref + extra, options: Internal);

        Assert.Equal(UpdateErrorAction.TreatAsWithdraw, update.Action);
        Assert.Equal([Prefix], update.Withdrawn.ToArray());
        Assert.Contains(update.Diagnostics, d => d.AttributeType == type && d.Subcode == subcode && d.Action == UpdateErrorAction.TreatAsWithdraw);
    }

    [Fact]
    public void Well_formed_reflection_attributes_from_an_internal_peer_are_accepted()
    {
        var update = Decode(Mandatory + LocalPref + "80 09 04 c6336401" + "80 0a 08 c6336401 c6336402", options: Internal);

        Assert.Equal(UpdateErrorAction.None, update.Action);
        Assert.Equal(100u, update.Attributes!.LocalPreference);
    }

    [Fact]
    public void Local_pref_from_an_external_peer_is_dropped_without_an_error()
    {
        var update = Decode(Mandatory + LocalPref);

        Assert.Equal(UpdateErrorAction.None, update.Action);
        Assert.Empty(update.Diagnostics);
        Assert.Null(update.Attributes!.LocalPreference);
    }

    [Fact]
    public void Empty_as_path_is_valid()
    {
        var update = Decode(Origin + "40 02 00" + NextHop + LocalPref, options: Internal);

        Assert.Equal(UpdateErrorAction.None, update.Action);
        Assert.Empty(update.Attributes!.AsPath);
    }

    [Theory]
    // label, options, attributes, expected action
    [InlineData("leftmost AS is the peer's", 65002u, true, Origin + AsPath + NextHop, UpdateErrorAction.None)]
    [InlineData("leftmost AS is not the peer's", 65003u, true, Origin + AsPath + NextHop, UpdateErrorAction.TreatAsWithdraw)]
    [InlineData("AS_TRANS from a 4-octet peer on a 2-octet session", 4200000001u, false, Origin + "40 02 04 02 01 5ba0" + NextHop, UpdateErrorAction.None)]
    [InlineData("leftmost AS_SET is not checked", 65003u, true, Origin + "40 02 06 01 01 0000fdea" + NextHop, UpdateErrorAction.None)]
    public void Leftmost_as_of_an_external_peer_is_checked(string label, uint peerAsn, bool fourOctet, string attributes, UpdateErrorAction action)
    {
        Assert.NotEmpty(label);

        var update = Decode(attributes, options: new UpdateDecodeOptions(fourOctet, PeerAsn: peerAsn));

        Assert.Equal(action, update.Action);
    }

    [Fact]
    public void Attribute_discard_in_an_update_without_nlri_is_kept()
    {
        // RFC 7606 §5.2 resets only for errors stronger than attribute discard.
        var update = Decode("800f03 000201" + "40 06 01 00", nlri: "");

        Assert.Equal(UpdateErrorAction.AttributeDiscard, update.Action);
    }

    [Fact]
    public void Treat_as_withdraw_keeps_the_body_for_the_log()
    {
        var body = Hex.UpdateBody("", "40 01 01 03" + AsPath + NextHop, Nlri);

        var update = UpdateMessage.Read(body, FourOctet);

        Assert.Equal(Hex.Of(body), Hex.Of(update.MalformedBody.Span));
        Assert.True(Decode(Mandatory).MalformedBody.IsEmpty);
    }

    [Fact]
    public void Duplicate_keeps_the_first_occurrence()
    {
        var update = Decode(Mandatory + "80 04 04 00000001 80 04 04 00000002");

        Assert.Equal(1u, update.Attributes!.Med);
    }

    [Fact]
    public void Strongest_action_wins()
    {
        var update = Decode(Mandatory + "40 06 01 00" + "c0 08 03 000000");

        Assert.Equal(UpdateErrorAction.TreatAsWithdraw, update.Action);
        Assert.Equal(2, update.Diagnostics.Length);
    }

    [Fact]
    public void Two_octet_as_path_with_as4_path_is_reconciled()
    {
        // AS_PATH (65002 23456 23456), AS4_PATH (4200000001 4200000002): RFC 6793 §4.2.3.
        var update = Decode(
            Origin + "40 02 08 02 03 fdea 5ba0 5ba0" + NextHop + "c0 11 0a 02 02 fa56ea01 fa56ea02",
            options: TwoOctet);

        Assert.Equal(UpdateErrorAction.None, update.Action);
        Assert.Equal([AsPathSegment.Sequence(65002), AsPathSegment.Sequence(4200000001, 4200000002)], update.Attributes!.AsPath.ToArray());
        Assert.Equal(3, update.Attributes.AsPathLength);
    }

    [Fact]
    public void As4_path_longer_than_as_path_is_ignored()
    {
        var update = Decode(
            Origin + "40 02 04 02 01 5ba0" + NextHop + "c0 11 0a 02 02 fa56ea01 fa56ea02",
            options: TwoOctet);

        Assert.Equal([AsPathSegment.Sequence(23456)], update.Attributes!.AsPath.ToArray());
    }

    [Fact]
    public void As4_path_is_ignored_on_a_four_octet_session()
    {
        var update = Decode(Mandatory + "c0 11 06 02 01 fa56ea01");

        Assert.Equal(UpdateErrorAction.None, update.Action);
        Assert.Equal([AsPathSegment.Sequence(65002)], update.Attributes!.AsPath.ToArray());
    }

    [Fact]
    public void Malformed_as4_path_is_discarded()
    {
        var update = Decode(
            Origin + "40 02 04 02 01 5ba0" + NextHop + "c0 11 06 02 02 fa56ea01", options: TwoOctet);

        Assert.Equal(UpdateErrorAction.AttributeDiscard, update.Action);
        Assert.Equal([AsPathSegment.Sequence(23456)], update.Attributes!.AsPath.ToArray());
    }

    [Fact]
    public void As4_path_with_confederation_segment_is_discarded()
    {
        var update = Decode(
            Origin + "40 02 04 02 01 5ba0" + NextHop + "c0 11 06 03 01 fa56ea01", options: TwoOctet);

        Assert.Equal(UpdateErrorAction.AttributeDiscard, update.Action);
    }

    [Fact]
    public void As4_aggregator_replaces_an_as_trans_aggregator()
    {
        var update = Decode(
            Origin + "40 02 04 02 01 5ba0" + NextHop + "c0 07 06 5ba0 c6336402 | c0 12 08 fa56ea01 c6336402",
            options: TwoOctet);

        Assert.Equal(new Aggregator(4200000001, IPAddress.Parse("198.51.100.2")), update.Attributes!.Aggregator);
    }

    [Fact]
    public void As4_information_is_ignored_when_the_aggregator_is_not_as_trans()
    {
        var update = Decode(
            Origin + "40 02 04 02 01 5ba0" + NextHop + "c0 07 06 fdea c6336402 | c0 11 06 02 01 fa56ea01 | c0 12 08 fa56ea01 c6336402",
            options: TwoOctet);

        Assert.Equal(new Aggregator(65002, IPAddress.Parse("198.51.100.2")), update.Attributes!.Aggregator);
        Assert.Equal([AsPathSegment.Sequence(23456)], update.Attributes.AsPath.ToArray());
    }

    [Fact]
    public void End_of_rib_is_not_confused_with_a_withdrawal()
    {
        var update = UpdateMessage.Read(Hex.Bytes("0004 18cb0071 0000"), FourOctet);

        Assert.False(update.IsEndOfRib);
        Assert.Null(update.EndOfRibFamily);
    }

    [Fact]
    public void Multi_segment_body_reads_like_a_contiguous_one()
    {
        var body = Hex.UpdateBody("", Mandatory, Nlri);

        var update = UpdateMessage.Read(Segments.Of(body, 3), FourOctet);

        Assert.Equal([Prefix], update.Announced.ToArray());
        Assert.Equal(RouteFamily.Ipv4Unicast, UpdateMessage.Read(Segments.Of(Hex.Bytes("00000000"), 1), FourOctet).EndOfRibFamily);
    }
}
