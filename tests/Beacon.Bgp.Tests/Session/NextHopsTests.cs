using System.Net;
using Beacon.Bgp.Session;

namespace Beacon.Bgp.Tests.Session;

public sealed class NextHopsTests
{
    private static readonly IPAddress NodeV4 = IPAddress.Parse("198.51.100.2");
    private static readonly IPAddress NodeV6 = IPAddress.Parse("2001:db8:100::2");
    private static readonly IPAddress NodeLinkLocal = IPAddress.Parse("fe80::2");
    private static readonly IPAddress RouterV4 = IPAddress.Parse("198.51.100.1");
    private static readonly IPAddress RouterV6 = IPAddress.Parse("2001:db8:100::1");

    /// <summary>lo, then eth0 with the peering addresses (link-local listed first, as Linux does), then another NIC.</summary>
    private static readonly IReadOnlyList<InterfaceAddress>[] Interfaces =
    [
        [new(IPAddress.Loopback, 8), new(IPAddress.IPv6Loopback, 128)],
        [new(IPAddress.Parse("fe80::2%2"), 64), new(NodeV4, 24), new(NodeV6, 64)],
        [new(IPAddress.Parse("192.0.2.10"), 24), new(IPAddress.Parse("2001:db8:2::10"), 64), new(IPAddress.Parse("fe80::99%3"), 64)],
    ];

    [Fact]
    public void Ipv4_session_to_an_on_link_peer_takes_the_interfaces_global_and_link_local_ipv6()
    {
        var hops = NextHops.Choose(NodeV4, RouterV4, singleHop: true, Interfaces);

        Assert.Equal(new NextHops(NodeV4, NodeV6, NodeLinkLocal), hops);
        Assert.Equal(0, hops.V6LinkLocal!.ScopeId);
    }

    [Fact]
    public void Ipv6_session_to_an_on_link_peer_takes_the_interfaces_ipv4()
    {
        Assert.Equal(new NextHops(NodeV4, NodeV6, NodeLinkLocal), NextHops.Choose(NodeV6, RouterV6, singleHop: true, Interfaces));
    }

    [Fact]
    public void Ipv4_mapped_local_address_counts_as_ipv4()
    {
        Assert.Equal(new NextHops(NodeV4, NodeV6, NodeLinkLocal), NextHops.Choose(NodeV4.MapToIPv6(), RouterV4.MapToIPv6(), singleHop: true, Interfaces));
    }

    [Fact]
    public void Multihop_peer_gets_no_link_local()
    {
        Assert.Equal(new NextHops(NodeV4, NodeV6, null), NextHops.Choose(NodeV4, RouterV4, singleHop: false, Interfaces));
    }

    [Fact]
    public void Peer_outside_the_interfaces_subnets_gets_no_link_local()
    {
        Assert.Equal(new NextHops(NodeV4, NodeV6, null), NextHops.Choose(NodeV4, IPAddress.Parse("203.0.113.1"), singleHop: true, Interfaces));
    }

    [Fact]
    public void Local_address_on_another_interface_uses_that_interfaces_addresses()
    {
        var local = IPAddress.Parse("192.0.2.10");

        var hops = NextHops.Choose(local, IPAddress.Parse("192.0.2.1"), singleHop: true, Interfaces);

        Assert.Equal(new NextHops(local, IPAddress.Parse("2001:db8:2::10"), IPAddress.Parse("fe80::99")), hops);
    }

    [Fact]
    public void Interface_without_the_other_family_leaves_it_empty()
    {
        IReadOnlyList<InterfaceAddress>[] v6Only = [[new(NodeV6, 64), new(IPAddress.Parse("fe80::2%2"), 64)]];

        Assert.Equal(new NextHops(null, NodeV6, NodeLinkLocal), NextHops.Choose(NodeV6, RouterV6, singleHop: true, v6Only));
    }

    [Fact]
    public void Address_on_no_known_interface_is_its_own_family_only()
    {
        Assert.Equal(new NextHops(null, NodeV6, null), NextHops.Choose(NodeV6, RouterV6, singleHop: true, []));
        Assert.Equal(new NextHops(NodeV4, null, null), NextHops.Choose(NodeV4, RouterV4, singleHop: true, []));
    }

    [Fact]
    public void Link_local_session_address_is_no_global_next_hop()
    {
        IReadOnlyList<InterfaceAddress>[] linkLocalOnly = [[new(IPAddress.Parse("fe80::2%2"), 64)]];

        Assert.Equal(new NextHops(null, null, null), NextHops.Choose(IPAddress.Parse("fe80::2%2"), IPAddress.Parse("fe80::1%2"), singleHop: true, linkLocalOnly));
    }
}
