using System.Net;
using Beacon.Agent.LocalAddresses;

namespace Beacon.Agent.Tests.LocalAddresses;

public sealed class LocalAddressPlanTests
{
    private const int Lo = 1;
    private const int Eth0 = 2;
    private const int BeaconGw = 3;

    private static readonly AddressMessage[] Node =
    [
        new(Lo, IPAddress.Loopback, 8, 254),
        new(Lo, IPAddress.IPv6Loopback, 128, 254),
        new(Eth0, IPAddress.Parse("198.51.100.2"), 24, 0),
        new(Eth0, IPAddress.Parse("2001:db8:100::2"), 64, 0),
    ];

    [Fact]
    public void Desired_addresses_local_nowhere_are_added()
    {
        var plan = LocalAddressPlan.Compute(Addresses("2001:db8:203::10", "203.0.113.10"), Node, BeaconGw);

        Assert.Equal(Addresses("203.0.113.10", "2001:db8:203::10"), plan.ToAdd);
        Assert.Empty(plan.ToRemove);
        Assert.Empty(plan.AlreadyLocal);
        Assert.Empty(plan.Unchanged);
        Assert.Empty(plan.Rejected);
    }

    [Fact]
    public void Addresses_on_the_managed_interface_that_are_no_longer_desired_are_removed_with_their_prefix_length()
    {
        AddressMessage[] current =
        [
            .. Node,
            new(BeaconGw, IPAddress.Parse("203.0.113.10"), 32, 0),
            new(BeaconGw, IPAddress.Parse("203.0.113.11"), 32, 0),
            new(BeaconGw, IPAddress.Parse("2001:db8:203::11"), 128, 0),
            new(BeaconGw, IPAddress.Parse("192.0.2.7"), 24, 0),
        ];

        var plan = LocalAddressPlan.Compute(Addresses("203.0.113.10"), current, BeaconGw);

        Assert.Empty(plan.ToAdd);
        Assert.Equal(Addresses("203.0.113.10"), plan.Unchanged);
        Assert.Equal(
            [(IPAddress.Parse("192.0.2.7"), (byte)24), (IPAddress.Parse("203.0.113.11"), (byte)32), (IPAddress.Parse("2001:db8:203::11"), (byte)128)],
            plan.ToRemove);
    }

    [Fact]
    public void An_address_another_interface_holds_is_already_local_and_not_added()
    {
        AddressMessage[] current = [.. Node, new(Lo, IPAddress.Parse("203.0.113.20"), 32, 0)];

        var plan = LocalAddressPlan.Compute(Addresses("203.0.113.20", "198.51.100.2", "203.0.113.10"), current, BeaconGw);

        Assert.Equal(Addresses("203.0.113.10"), plan.ToAdd);
        Assert.Equal(Addresses("198.51.100.2", "203.0.113.20"), plan.AlreadyLocal);
    }

    [Fact]
    public void A_desired_address_on_both_the_managed_and_another_interface_stays_where_it_is()
    {
        AddressMessage[] current = [.. Node, new(Lo, IPAddress.Parse("203.0.113.10"), 32, 0), new(BeaconGw, IPAddress.Parse("203.0.113.10"), 32, 0)];

        var plan = LocalAddressPlan.Compute(Addresses("203.0.113.10"), current, BeaconGw);

        Assert.True(plan.IsEmpty);
        Assert.Equal(Addresses("203.0.113.10"), plan.Unchanged);
    }

    [Fact]
    public void The_kernel_link_local_address_of_the_managed_interface_is_never_removed()
    {
        AddressMessage[] current = [.. Node, new(BeaconGw, IPAddress.Parse("fe80::d4e2:afff:fe9f:88ab"), 64, 253)];

        var plan = LocalAddressPlan.Compute([], current, BeaconGw);

        Assert.True(plan.IsEmpty);
    }

    [Fact]
    public void Clearing_removes_every_global_address_of_the_managed_interface_only()
    {
        AddressMessage[] current = [.. Node, new(BeaconGw, IPAddress.Parse("203.0.113.10"), 32, 0)];

        var plan = LocalAddressPlan.Compute([], current, BeaconGw);

        Assert.Equal([(IPAddress.Parse("203.0.113.10"), (byte)32)], plan.ToRemove);
    }

    [Fact]
    public void Duplicates_and_IPv4_mapped_forms_count_once()
    {
        var plan = LocalAddressPlan.Compute(Addresses("203.0.113.10", "::ffff:203.0.113.10", "203.0.113.10"), Node, BeaconGw);

        Assert.Equal(Addresses("203.0.113.10"), plan.ToAdd);
    }

    [Theory]
    [InlineData("0.0.0.0", "the unspecified address")]
    [InlineData("::", "the unspecified address")]
    [InlineData("127.0.0.1", "a loopback address")]
    [InlineData("::1", "a loopback address")]
    [InlineData("255.255.255.255", "the broadcast address")]
    [InlineData("224.0.0.5", "a link-local, multicast or reserved address")]
    [InlineData("fe80::1", "a link-local, multicast or reserved address")]
    [InlineData("ff02::1", "a link-local, multicast or reserved address")]
    public void Addresses_that_cannot_be_served_are_rejected_with_the_reason(string address, string reason)
    {
        var plan = LocalAddressPlan.Compute(Addresses(address, "203.0.113.10"), Node, BeaconGw);

        var rejected = Assert.Single(plan.Rejected);
        Assert.Equal(IPAddress.Parse(address), rejected.Address);
        Assert.Equal($"{address} cannot be a Gateway address: {reason}", rejected.Message);
        Assert.Equal(Addresses("203.0.113.10"), plan.ToAdd);
    }

    private static IPAddress[] Addresses(params string[] addresses) => [.. addresses.Select(IPAddress.Parse)];
}
