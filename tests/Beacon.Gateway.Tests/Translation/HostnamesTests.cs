using Beacon.Gateway.Translation;

namespace Beacon.Gateway.Tests.Translation;

public sealed class HostnamesTests
{
    [Theory]
    [InlineData(null, "foo.example.com", "foo.example.com")]
    [InlineData(null, "*.example.com", "*.example.com")]
    [InlineData("foo.example.com", "foo.example.com", "foo.example.com")]
    [InlineData("foo.example.com", "*.example.com", "foo.example.com")]
    [InlineData("*.example.com", "foo.example.com", "foo.example.com")]
    [InlineData("*.example.com", "foo.bar.example.com", "foo.bar.example.com")]
    [InlineData("*.example.com", "*.example.com", "*.example.com")]
    [InlineData("*.example.com", "*.bar.example.com", "*.bar.example.com")]
    [InlineData("*.example.com", "*.com", "*.example.com")]
    public void Intersection_is_the_narrower_hostname(string? listener, string route, string expected)
    {
        var match = Assert.Single(Hostnames.Intersect(listener, [route]));

        Assert.Equal(expected, match.Effective);
        Assert.Equal(route, match.Route);
    }

    [Theory]
    [InlineData("foo.example.com", "bar.example.com")]
    [InlineData("foo.example.com", "*.foo.example.com")]
    [InlineData("*.example.com", "example.com")]
    [InlineData("*.example.com", "test.example.net")]
    [InlineData("*.example.com", "*.example.net")]
    [InlineData("foo.example.com", "*.bar.example.com")]
    public void Hostnames_that_do_not_intersect_give_nothing(string listener, string route)
    {
        Assert.Empty(Hostnames.Intersect(listener, [route]));
    }

    [Fact]
    public void A_route_without_hostnames_takes_the_listener_hostname_or_any_host()
    {
        Assert.Equal([new HostMatch("foo.example.com", Hostnames.Any)], Hostnames.Intersect("foo.example.com", []));
        Assert.Equal([new HostMatch(Hostnames.Any, Hostnames.Any)], Hostnames.Intersect(null, []));
    }

    [Fact]
    public void Only_the_route_hostnames_inside_the_listener_hostname_remain()
    {
        var matches = Hostnames.Intersect("*.example.com", ["a.example.com", "example.com", "a.example.net", "*.com", "a.example.com"]);

        Assert.Equal(["a.example.com", "*.example.com"], matches.Select(m => m.Effective));
    }

    [Theory]
    [InlineData("*", "anything.example.com", true)]
    [InlineData("*.example.com", "a.example.com", true)]
    [InlineData("*.example.com", "a.b.example.com", true)]
    [InlineData("*.example.com", "*.b.example.com", true)]
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("*.example.com", "aexample.com", false)]
    [InlineData("a.example.com", "a.example.com", true)]
    [InlineData("a.example.com", "*.example.com", false)]
    [InlineData("*.example.com", "*", false)]
    public void Covers_is_a_suffix_match_over_whole_labels(string general, string specific, bool expected)
    {
        Assert.Equal(expected, Hostnames.Covers(general, specific));
    }

    [Fact]
    public void Specificity_orders_exact_then_wildcards_by_label_count_then_any_host()
    {
        string?[] hostnames = [null, "*.com", "b.example.com", "*.a.example.com", "*.example.com", "a.example.com"];

        var ordered = hostnames.Order(Comparer<string?>.Create(Hostnames.CompareSpecificity)).ToList();

        Assert.Equal(["a.example.com", "b.example.com", "*.a.example.com", "*.example.com", "*.com", null], ordered);
    }

    [Theory]
    [InlineData("foo.example.com", false, true)]
    [InlineData("*.example.com", true, true)]
    [InlineData("*.example.com", false, false)]
    [InlineData("Foo.example.com", true, false)]
    [InlineData("192.0.2.1", true, false)]
    [InlineData("foo..com", true, false)]
    [InlineData("-foo.com", true, false)]
    [InlineData("", true, false)]
    public void Validity_follows_the_crd_pattern(string hostname, bool allowWildcard, bool expected)
    {
        Assert.Equal(expected, Hostnames.IsValid(hostname, allowWildcard));
    }
}
