using System.Net;
using System.Numerics;
using Beacon.Cluster.Ipam;
using Beacon.Cluster.Model;

namespace Beacon.Cluster.Tests.Ipam;

public sealed class RangeSetTests
{
    [Theory]
    [InlineData("192.0.2.0/24", false, "192.0.2.1", "192.0.2.254", "254")]
    [InlineData("192.0.2.0/24", true, "192.0.2.0", "192.0.2.255", "256")]
    [InlineData("192.0.2.0/30", false, "192.0.2.1", "192.0.2.2", "2")]
    [InlineData("192.0.2.0/31", false, "192.0.2.0", "192.0.2.1", "2")]
    [InlineData("192.0.2.7/32", false, "192.0.2.7", "192.0.2.7", "1")]
    [InlineData("2001:db8::/64", false, "2001:db8::1", "2001:db8::ffff:ffff:ffff:ffff", "18446744073709551615")]
    [InlineData("2001:db8::/64", true, "2001:db8::", "2001:db8::ffff:ffff:ffff:ffff", "18446744073709551616")]
    [InlineData("2001:db8::/127", false, "2001:db8::", "2001:db8::1", "2")]
    [InlineData("::/0", true, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "340282366920938463463374607431768211456")]
    public void Cidr_blocks_keep_back_first_and_last_unless_allowed(string cidr, bool allow, string first, string last, string count)
    {
        Assert.True(AddressRange.TryParse(new IpBlock { Cidr = cidr }, allow, out _, out var usable));

        Assert.Equal(IPAddress.Parse(first), IpAddresses.ToAddress(usable.Family, usable.First));
        Assert.Equal(IPAddress.Parse(last), IpAddresses.ToAddress(usable.Family, usable.Last));
        Assert.Equal(BigInteger.Parse(count, System.Globalization.CultureInfo.InvariantCulture), usable.Count);
    }

    [Fact]
    public void Range_blocks_keep_every_address()
    {
        Assert.True(AddressRange.TryParse(new IpBlock { Start = "198.51.100.0", Stop = "198.51.100.255" }, allowFirstLast: false, out var full, out var usable));

        Assert.Equal(full, usable);
        Assert.Equal(256, usable.Count);
    }

    [Theory]
    [InlineData("192.0.2.1/24")]
    [InlineData("2001:db8::1/64")]
    public void Blocks_with_host_bits_do_not_parse(string cidr) =>
        Assert.False(AddressRange.TryParse(new IpBlock { Cidr = cidr }, false, out _, out _));

    [Fact]
    public void Reversed_range_does_not_parse() =>
        Assert.False(AddressRange.TryParse(new IpBlock { Start = "192.0.2.9", Stop = "192.0.2.1" }, false, out _, out _));

    [Fact]
    public void Overlapping_and_adjacent_ranges_merge_and_count_once()
    {
        var set = V4(("192.0.2.10", "192.0.2.19"), ("192.0.2.15", "192.0.2.24"), ("192.0.2.25", "192.0.2.29"), ("192.0.2.40", "192.0.2.40"));

        Assert.Equal(2, set.Ranges.Length);
        Assert.Equal(21, set.Count);
        Assert.True(set.Contains(N("192.0.2.29")));
        Assert.True(set.Contains(N("192.0.2.40")));
        Assert.False(set.Contains(N("192.0.2.30")));
        Assert.False(set.Contains(N("192.0.2.9")));
    }

    [Fact]
    public void Next_free_address_skips_used_ones_and_crosses_into_the_next_block()
    {
        var set = V4(("192.0.2.1", "192.0.2.3"), ("198.51.100.5", "198.51.100.6"));
        SortedSet<UInt128> used = [N("192.0.2.1"), N("192.0.2.2"), N("192.0.2.3"), N("198.51.100.5")];

        Assert.True(set.TryFindFree(used, out var free));
        Assert.Equal(N("198.51.100.6"), free);
        Assert.Equal(4, set.CountUsed(used));
    }

    [Fact]
    public void Next_free_address_fills_a_hole_first()
    {
        var set = V4(("192.0.2.1", "192.0.2.9"));
        SortedSet<UInt128> used = [N("192.0.2.1"), N("192.0.2.3"), N("192.0.2.0"), N("203.0.113.1")];

        Assert.True(set.TryFindFree(used, out var free));
        Assert.Equal(N("192.0.2.2"), free);
        Assert.Equal(2, set.CountUsed(used));
    }

    [Fact]
    public void Search_can_start_above_the_first_address()
    {
        var set = V4(("192.0.2.1", "192.0.2.3"), ("198.51.100.5", "198.51.100.9"));
        SortedSet<UInt128> used = [N("198.51.100.6")];

        Assert.True(set.TryFindFree(used, out var free, from: N("192.0.2.200")));
        Assert.Equal(N("198.51.100.5"), free);
        Assert.True(set.TryFindFree(used, out free, from: N("198.51.100.6")));
        Assert.Equal(N("198.51.100.7"), free);
        Assert.False(set.TryFindFree(used, out _, from: N("198.51.100.10")));
    }

    [Fact]
    public void Full_ranges_have_no_free_address()
    {
        var set = V4(("192.0.2.1", "192.0.2.2"));
        SortedSet<UInt128> used = [N("192.0.2.1"), N("192.0.2.2")];

        Assert.False(set.TryFindFree(used, out _));
    }

    [Fact]
    public void A_range_ending_at_the_top_of_the_address_space_does_not_wrap()
    {
        var top = UInt128.MaxValue;
        var set = new RangeSet(IpFamily.IPv6, [new AddressRange(IpFamily.IPv6, top - 1, top)]);

        Assert.True(set.TryFindFree([top - 1], out var free));
        Assert.Equal(top, free);
        Assert.False(set.TryFindFree([top - 1, top], out _));
    }

    [Fact]
    public void A_64_bit_block_with_used_addresses_is_searched_without_enumerating_it()
    {
        Assert.True(AddressRange.TryParse(new IpBlock { Cidr = "2001:db8::/64" }, false, out _, out var usable));
        var set = new RangeSet(IpFamily.IPv6, [usable]);
        var first = N("2001:db8::1");
        var used = new SortedSet<UInt128>(Enumerable.Range(0, 1000).Select(i => first + (UInt128)i));

        Assert.True(set.TryFindFree(used, out var free));
        Assert.Equal(IPAddress.Parse("2001:db8::3e9"), IpAddresses.ToAddress(IpFamily.IPv6, free));
        Assert.Equal(1000, set.CountUsed(used));
        Assert.Equal((BigInteger.One << 64) - 1, set.Count);
    }

    [Fact]
    public void Ranges_of_the_other_family_are_left_out()
    {
        var set = new RangeSet(IpFamily.IPv4, [new AddressRange(IpFamily.IPv6, 1, 10), new AddressRange(IpFamily.IPv4, 1, 2)]);

        Assert.Equal(2, set.Count);
    }

    private static UInt128 N(string address) => IpAddresses.ToNumber(IPAddress.Parse(address));

    private static RangeSet V4(params (string First, string Last)[] ranges) =>
        new(IpFamily.IPv4, ranges.Select(r => new AddressRange(IpFamily.IPv4, N(r.First), N(r.Last))));
}
