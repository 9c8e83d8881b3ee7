namespace Beacon.Bgp.Tests.Wire;

/// <summary>
/// Messages sent by FRR bgpd 8.4.4 (Debian) to a peer (AS 65002, 4-octet AS, IPv4 and IPv6
/// unicast, enhanced route refresh), captured with Vectors/capture-frr.py; FRR is AS 65001,
/// router id 198.51.100.1, and its configuration is in that script.
/// </summary>
internal static class FrrVectors
{
    /// <summary>OPEN: AS 65001, hold 90, id 198.51.100.1; one capability per optional parameter:
    /// MP 1/1, MP 2/1, old route refresh (128), route refresh, enhanced route refresh (70),
    /// 4-octet AS 65001, extended message (6), ADD-PATH (69), FQDN (73, "bcnwire"),
    /// graceful restart (R, N, 120 s, IPv4 and IPv6 unicast), long-lived GR (71) with two 7-octet families.</summary>
    public const string Open =
        "ffffffffffffffffffffffffffffffff007e01 04 fde9 005a c6336401 61"
        + " 0206 01040001 0001 | 0206 01040002 0001 | 0202 8000 | 0202 0200 | 0202 4600"
        + " 0206 4104 0000fde9 | 0202 0600 | 020a 4508 0001010100020101 | 020b 4909 07 62636e77697265 00"
        + " 020c 400a c078 00010100 00020100 | 0210 470e 00010180000000 00020180000000";

    public const string Keepalive = "ffffffffffffffffffffffffffffffff001304";

    /// <summary>IPv4 UPDATE: ORIGIN IGP, AS_PATH (65001) with the extended-length bit on a short
    /// attribute, NEXT_HOP 127.0.0.1, MED 50, COMMUNITIES 65001:100 65001:200 no-export,
    /// LARGE_COMMUNITY 65001:1:2 65001:3:4, EXTENDED_COMMUNITIES rt 65001:10;
    /// NLRI 192.0.2.0/26, 203.0.113.128/25, 203.0.113.0/24.</summary>
    public const string UpdateIpv4 =
        "ffffffffffffffffffffffffffffffff0076 02 0000 0051"
        + " 400101 00 | 50020006 02 01 0000fde9 | 400304 7f000001 | 800404 00000032"
        + " c0080c fde90064 fde900c8 ffffff01 | c02018 0000fde9 00000001 00000002 0000fde9 00000003 00000004"
        + " c01008 0002fde90000000a"
        + " 1a c0000200 | 19 cb007180 | 18 cb0071";

    /// <summary>IPv6 UPDATE: MP_REACH_NLRI first (AFI 2 SAFI 1, 32-octet next hop 2001:db8:100::1
    /// + fe80::1, NLRI 2001:db8:1::/48 and 2001:db8:203::/64), ORIGIN IGP, AS_PATH (65001),
    /// MED 0, LARGE_COMMUNITY 65001:6:6.</summary>
    public const string UpdateIpv6 =
        "ffffffffffffffffffffffffffffffff0074 02 0000 005d"
        + " 900e0035 0002 01 20 20010db8010000000000000000000001 fe800000000000000000000000000001 00"
        + " 30 20010db80001 | 40 20010db802030000"
        + " 400101 00 | 50020006 02 01 0000fde9 | 800404 00000000 | c0200c 0000fde9 00000006 00000006";

    /// <summary>End-of-RIB for IPv4 unicast: an empty UPDATE (RFC 4724 §2).</summary>
    public const string EndOfRibIpv4 = "ffffffffffffffffffffffffffffffff0017 02 0000 0000";

    /// <summary>End-of-RIB for IPv6 unicast: only an empty MP_UNREACH_NLRI.</summary>
    public const string EndOfRibIpv6 = "ffffffffffffffffffffffffffffffff001d 02 0000 0006 800f03 0002 01";

    /// <summary>Enhanced route refresh (RFC 7313) in answer to our request: BoRR then EoRR, IPv4 unicast.</summary>
    public const string BeginningOfRouteRefresh = "ffffffffffffffffffffffffffffffff0017 05 0001 01 01";

    public const string EndOfRouteRefresh = "ffffffffffffffffffffffffffffffff0017 05 0001 02 01";

    /// <summary>Cease / Administrative Shutdown with the RFC 9003 text "beacon wire capture".</summary>
    public const string ShutdownNotification =
        "ffffffffffffffffffffffffffffffff0029 03 06 02 13 626561636f6e20776972652063617074757265";

    public static IEnumerable<string> All =>
        [Open, Keepalive, UpdateIpv4, UpdateIpv6, EndOfRibIpv4, EndOfRibIpv6, BeginningOfRouteRefresh, EndOfRouteRefresh, ShutdownNotification];
}
