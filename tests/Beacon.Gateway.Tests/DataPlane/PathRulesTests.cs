using Beacon.Gateway.Config;
using Beacon.Gateway.DataPlane;

namespace Beacon.Gateway.Tests.DataPlane;

public sealed class PathRulesTests
{
    [Theory]
    [InlineData("/abc", "/abc", true)]
    [InlineData("/abc/x", "/abc", true)]
    [InlineData("/abcd", "/abc", false)]
    [InlineData("/abc", "/abc/", true)]
    [InlineData("/abc/", "/abc/", true)]
    [InlineData("/ab", "/abc", false)]
    [InlineData("/anything", "/", true)]
    [InlineData("/", "/", true)]
    [InlineData("/ABC", "/abc", false)]
    public void Prefix_matches_whole_path_elements(string path, string prefix, bool expected) =>
        Assert.Equal(expected, PathRules.PrefixMatches(path, PathRules.NormalizePrefix(prefix)));

    // The ReplacePrefixMatch table of the Gateway API HTTPPathModifier documentation, row by row.
    [Theory]
    [InlineData("/foo/bar", "/foo", "/xyz", "/xyz/bar")]
    [InlineData("/foo/bar", "/foo", "/xyz/", "/xyz/bar")]
    [InlineData("/foo/bar", "/foo/", "/xyz", "/xyz/bar")]
    [InlineData("/foo/bar", "/foo/", "/xyz/", "/xyz/bar")]
    [InlineData("/foo", "/foo", "/xyz", "/xyz")]
    [InlineData("/foo/", "/foo", "/xyz", "/xyz/")]
    [InlineData("/foo/bar", "/foo", "", "/bar")]
    [InlineData("/foo/", "/foo", "", "/")]
    [InlineData("/foo", "/foo", "", "/")]
    [InlineData("/foo/", "/foo", "/", "/")]
    [InlineData("/foo", "/foo", "/", "/")]
    [InlineData("/prefix/one/two", "/prefix", "/", "/one/two")]
    [InlineData("/x/y", "/", "/v2", "/v2/x/y")]
    public void Replace_prefix_follows_the_gateway_api_table(string path, string prefix, string replacement, string expected) =>
        Assert.Equal(expected, PathRules.ReplacePrefix(path, PathRules.NormalizePrefix(prefix), replacement));

    [Fact]
    public void Replace_full_path_ignores_the_prefix() =>
        Assert.Equal("/one", PathRules.Modify("/full/one/two", new PathModifierConfig(PathModifierTypes.ReplaceFullPath, "/one"), "/full"));

    [Theory]
    // Conformance HTTPRouteRedirectPortAndScheme: listener port 80 and 8080, scheme and port unset or set.
    [InlineData(null, null, 80, "http", "http://example.org/p")]
    [InlineData(null, null, 8080, "http", "http://example.org:8080/p")]
    [InlineData("https", null, 8080, "http", "https://example.org/p")]
    [InlineData("http", null, 443, "https", "http://example.org/p")]
    [InlineData(null, 8443, 80, "http", "http://example.org:8443/p")]
    [InlineData("https", 8443, 80, "http", "https://example.org:8443/p")]
    [InlineData(null, 443, 80, "http", "http://example.org:443/p")]
    [InlineData(null, 80, 8080, "http", "http://example.org/p")]
    [InlineData(null, null, 443, "https", "https://example.org/p")]
    public void Redirect_location_port_rules(string? scheme, int? port, int listenerPort, string requestScheme, string expected) =>
        Assert.Equal(expected, PathRules.RedirectLocation(new RedirectConfig(scheme, null, port, null, 302), requestScheme, "example.org", listenerPort, "/p", null));

    [Fact]
    public void Redirect_location_keeps_the_query_and_replaces_the_host() =>
        Assert.Equal(
            "http://other.example:8080/p?a=1",
            PathRules.RedirectLocation(new RedirectConfig(null, "other.example", null, null, 301), "http", "example.org", 8080, "/p", "?a=1"));

    [Theory]
    [InlineData("?a=1&b=2", "b", "2")]
    [InlineData("?a=1&a=2", "a", "1")]
    [InlineData("a=x%20y", "a", "x y")]
    [InlineData("?A=1", "a", null)]
    [InlineData("?flag", "flag", "")]
    [InlineData("", "a", null)]
    [InlineData("?b%31=v", "b1", "v")]
    public void First_query_value_is_case_sensitive_and_unescaped(string query, string name, string? expected) =>
        Assert.Equal(expected, PathRules.FirstQueryValue(query, name));
}

public sealed class WeightedPickerTests
{
    [Fact]
    public void Every_cycle_of_total_requests_gives_each_share_exactly_its_weight()
    {
        var picker = WeightedPicker.Create([30, 70, 0])!;
        var counts = new int[3];
        for (var i = 0; i < 1000; i++)
        {
            counts[picker.Pick()]++;
        }

        Assert.Equal([300, 700, 0], counts);
    }

    [Fact]
    public void Picks_are_deterministic_and_interleaved()
    {
        var first = WeightedPicker.Create([1, 1])!;
        var second = WeightedPicker.Create([1, 1])!;
        var a = Enumerable.Range(0, 10).Select(_ => first.Pick()).ToArray();
        var b = Enumerable.Range(0, 10).Select(_ => second.Pick()).ToArray();
        Assert.Equal(a, b);
        Assert.Equal(5, a.Count(x => x == 0));

        // 50/50 is not served in blocks of 50.
        var half = WeightedPicker.Create([50, 50])!;
        var firstTen = Enumerable.Range(0, 10).Select(_ => half.Pick()).ToArray();
        Assert.Contains(0, firstTen);
        Assert.Contains(1, firstTen);
    }

    [Fact]
    public void All_weights_zero_cannot_pick() => Assert.Null(WeightedPicker.Create([0, 0]));

    [Fact]
    public void A_single_share_is_always_picked()
    {
        var picker = WeightedPicker.Create([0, 5])!;
        Assert.All(Enumerable.Range(0, 20), _ => Assert.Equal(1, picker.Pick()));
    }
}

public sealed class MirrorSamplerTests
{
    [Theory]
    [InlineData(1, 2, 100, 50)]
    [InlineData(1, 3, 99, 33)]
    [InlineData(35, 100, 500, 175)]
    [InlineData(0, 100, 50, 0)]
    [InlineData(100, 100, 50, 50)]
    public void Sampler_sends_exactly_the_fraction(int numerator, int denominator, int requests, int expected)
    {
        var mirror = new MirrorTarget(null, numerator, denominator, []);
        var sent = Enumerable.Range(0, requests).Count(_ => mirror.Sample());
        Assert.Equal(expected, sent);
    }
}
