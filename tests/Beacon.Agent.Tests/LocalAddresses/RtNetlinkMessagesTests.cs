using System.Net;
using Beacon.Agent.LocalAddresses;

namespace Beacon.Agent.Tests.LocalAddresses;

/// <summary>
/// Requests byte for byte as iproute2 6.1 sends them, captured with
/// <c>strace -e trace=sendmsg -e write=3</c> in a scratch network namespace where beacon-gw
/// had index 2 and ip used sequence number 0x6b08a1f1. Netlink is in host byte order: these
/// vectors are little-endian, the order of every platform .NET runs Beacon on.
/// </summary>
public sealed class RtNetlinkMessagesTests
{
    private const uint IpSequence = 0x6b08a1f1;
    private const int Index = 2;

    [Fact]
    public void NewLink_matches_ip_link_add_beacon_gw_type_dummy()
    {
        var buffer = new byte[RtNetlinkMessages.MaxRequestSize];
        var message = RtNetlinkMessages.NewLink(buffer, IpSequence, "beacon-gw", "dummy");

        Assert.Equal(
            "4000000010000506f1a1086b00000000" // nlmsghdr: 64 bytes, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
            + "00000000000000000000000000000000" // ifinfomsg, all zero
            + "0e000300626561636f6e2d6777000000" // IFLA_IFNAME "beacon-gw\0", padded
            + "100012000900010064756d6d79000000", // IFLA_LINKINFO { IFLA_INFO_KIND "dummy" }, padded
            Convert.ToHexStringLower(message));
    }

    [Fact]
    public void SetLinkUp_matches_ip_link_set_beacon_gw_up()
    {
        var buffer = new byte[RtNetlinkMessages.MaxRequestSize];
        var message = RtNetlinkMessages.SetLinkUp(buffer, IpSequence, Index);

        Assert.Equal(
            "2000000010000500f1a1086b00000000" // RTM_NEWLINK, REQUEST|ACK
            + "0000000002000000" + "01000000" + "01000000", // index 2, flags IFF_UP, change IFF_UP
            Convert.ToHexStringLower(message));
    }

    [Theory]
    [InlineData(
        "ip addr add 203.0.113.10/32 dev beacon-gw",
        "203.0.113.10",
        "2800000014000506f1a1086b00000000" + "0220000002000000" + "08000200cb00710a" + "08000100cb00710a")]
    [InlineData(
        "ip addr add 2001:db8:203::10/128 dev beacon-gw nodad",
        "2001:db8:203::10",
        "4000000014000506f1a1086b00000000" + "0a80020002000000"
        + "1400020020010db8020300000000000000000010" + "1400010020010db8020300000000000000000010")]
    public void NewAddress_matches_ip_addr_add(string label, string address, string expected)
    {
        var buffer = new byte[RtNetlinkMessages.MaxRequestSize];
        var message = RtNetlinkMessages.NewAddress(buffer, IpSequence, Index, IPAddress.Parse(address));

        Assert.True(expected == Convert.ToHexStringLower(message), label);
    }

    [Theory]
    [InlineData(
        "ip addr del 203.0.113.10/32 dev beacon-gw",
        "203.0.113.10",
        32,
        "2800000015000500f1a1086b00000000" + "0220000002000000" + "08000200cb00710a" + "08000100cb00710a")]
    [InlineData(
        "ip addr del 2001:db8:203::10/128 dev beacon-gw",
        "2001:db8:203::10",
        128,
        "4000000015000500f1a1086b00000000" + "0a80000002000000"
        + "1400020020010db8020300000000000000000010" + "1400010020010db8020300000000000000000010")]
    public void DeleteAddress_matches_ip_addr_del(string label, string address, byte prefixLength, string expected)
    {
        var buffer = new byte[RtNetlinkMessages.MaxRequestSize];
        var message = RtNetlinkMessages.DeleteAddress(buffer, IpSequence, Index, IPAddress.Parse(address), prefixLength);

        Assert.True(expected == Convert.ToHexStringLower(message), label);
    }

    [Fact]
    public void GetLinkByName_asks_for_one_interface_by_IFLA_IFNAME()
    {
        // As `ip link show dev beacon-gw`, without its IFLA_EXT_MASK (no VF or stats wanted).
        var buffer = new byte[RtNetlinkMessages.MaxRequestSize];
        var message = RtNetlinkMessages.GetLinkByName(buffer, IpSequence, "beacon-gw");

        Assert.Equal(
            "3000000012000100f1a1086b00000000" // 48 bytes, RTM_GETLINK, REQUEST
            + "00000000000000000000000000000000"
            + "0e000300626561636f6e2d6777000000",
            Convert.ToHexStringLower(message));
    }

    [Fact]
    public void GetAddresses_is_a_dump_of_both_families()
    {
        var buffer = new byte[RtNetlinkMessages.MaxRequestSize];
        var message = RtNetlinkMessages.GetAddresses(buffer, 7);

        Assert.Equal(
            "1800000016000103070000000000000000000000" + "00000000", // RTM_GETADDR, REQUEST|DUMP, ifaddrmsg AF_UNSPEC
            Convert.ToHexStringLower(message));
    }

    [Fact]
    public void A_message_larger_than_its_buffer_throws_rather_than_truncating()
    {
        var buffer = new byte[40];

        Assert.Throws<ArgumentException>(() => RtNetlinkMessages.NewAddress(buffer, 1, Index, IPAddress.Parse("2001:db8::1")).Length);
    }
}
