using System.Net;
using Beacon.Bgp.Rib;
using Beacon.Bgp.Speaker;

namespace Beacon.Bgp.Tests.Rib;

public sealed class AdjRibOutTests
{
    private static readonly HashSet<RouteFamily> Both = [RouteFamily.Ipv4Unicast, RouteFamily.Ipv6Unicast];
    private static readonly RouteAttributes Plain = RouteAttributes.Default;
    private static readonly RouteAttributes Tagged = new() { Communities = [(64512u << 16) | 100] };

    private static AdvertisedRoute Route(string prefix, RouteAttributes? attributes = null) =>
        new(IPNetwork.Parse(prefix), attributes ?? Plain);

    private static string Render(List<RibOutGroup> groups) => string.Join(" | ", groups.Select(g =>
        $"{g.Family} {(g.Attributes is null ? "withdraw" : g.Attributes == Plain ? "plain" : "tagged")}: {string.Join(",", g.Prefixes)}"));

    [Fact]
    public void Initial_table_is_grouped_by_family_and_attributes()
    {
        var rib = new AdjRibOut();
        rib.SetDesired([Route("203.0.113.10/32"), Route("2001:db8:203::10/128"), Route("203.0.113.11/32", Tagged), Route("192.0.2.0/26")]);

        var batch = rib.TakeBatch(100, Both);

        Assert.Equal(
            "Ipv4Unicast plain: 203.0.113.10/32,192.0.2.0/26 | Ipv6Unicast plain: 2001:db8:203::10/128 | Ipv4Unicast tagged: 203.0.113.11/32",
            Render(batch));
        Assert.False(rib.HasPending);
        Assert.Equal(3, rib.SentCount(RouteFamily.Ipv4Unicast));
    }

    [Fact]
    public void Only_differences_are_sent_and_removed_prefixes_are_withdrawn()
    {
        var rib = new AdjRibOut();
        rib.SetDesired([Route("203.0.113.10/32"), Route("203.0.113.11/32")]);
        rib.TakeBatch(100, Both);

        rib.SetDesired([Route("203.0.113.10/32"), Route("203.0.113.12/32"), Route("203.0.113.11/32", Tagged)]);

        Assert.Equal(
            "Ipv4Unicast plain: 203.0.113.12/32 | Ipv4Unicast tagged: 203.0.113.11/32",
            Render(rib.TakeBatch(100, Both)));

        rib.SetDesired([Route("203.0.113.12/32")]);
        Assert.Equal("Ipv4Unicast withdraw: 203.0.113.10/32,203.0.113.11/32", Render(rib.TakeBatch(100, Both)));
    }

    [Fact]
    public void Changes_coalesce_before_they_are_sent()
    {
        var rib = new AdjRibOut();
        rib.SetDesired([Route("203.0.113.10/32")]);
        rib.SetDesired([]);

        // Never sent, now not desired: nothing to say to the peer.
        Assert.Empty(rib.TakeBatch(100, Both));

        rib.SetDesired([Route("203.0.113.10/32")]);
        rib.SetDesired([Route("203.0.113.10/32", Tagged)]);
        Assert.Equal("Ipv4Unicast tagged: 203.0.113.10/32", Render(rib.TakeBatch(100, Both)));
    }

    [Fact]
    public void Batches_respect_the_limit_and_drain_in_order()
    {
        var rib = new AdjRibOut();
        rib.SetDesired(Enumerable.Range(1, 10).Select(i => Route($"203.0.113.{i}/32")));

        var first = rib.TakeBatch(4, Both);
        Assert.Equal("Ipv4Unicast plain: 203.0.113.1/32,203.0.113.2/32,203.0.113.3/32,203.0.113.4/32", Render(first));
        Assert.True(rib.HasPending);
        Assert.Equal(4, rib.TakeBatch(4, Both).Sum(g => g.Prefixes.Count));
        Assert.Equal(2, rib.TakeBatch(4, Both).Sum(g => g.Prefixes.Count));
        Assert.False(rib.HasPending);
    }

    [Fact]
    public void Reset_and_refresh_resend_the_table()
    {
        var rib = new AdjRibOut();
        rib.SetDesired([Route("203.0.113.10/32"), Route("2001:db8:203::10/128")]);
        rib.TakeBatch(100, Both);

        rib.Refresh(RouteFamily.Ipv6Unicast);
        Assert.Equal("Ipv6Unicast plain: 2001:db8:203::10/128", Render(rib.TakeBatch(100, Both)));

        rib.Reset();
        Assert.Equal(0, rib.SentCount(RouteFamily.Ipv4Unicast));
        Assert.Equal(2, rib.TakeBatch(100, Both).Sum(g => g.Prefixes.Count));
    }

    [Fact]
    public void Families_not_negotiated_are_not_sent()
    {
        var rib = new AdjRibOut();
        rib.SetDesired([Route("203.0.113.10/32"), Route("2001:db8:203::10/128")]);

        var batch = rib.TakeBatch(100, new HashSet<RouteFamily> { RouteFamily.Ipv4Unicast });

        Assert.Equal("Ipv4Unicast plain: 203.0.113.10/32", Render(batch));
        Assert.Equal(0, rib.SentCount(RouteFamily.Ipv6Unicast));
    }
}
