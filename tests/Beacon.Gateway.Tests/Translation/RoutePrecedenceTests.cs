using System.Collections.Immutable;
using Beacon.Gateway.Config;
using Beacon.Gateway.Translation;

namespace Beacon.Gateway.Tests.Translation;

public sealed class RoutePrecedenceTests
{
    private static readonly DateTime s_old = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime s_new = new(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void An_exact_route_hostname_beats_a_wildcard_and_a_longer_one_a_shorter()
    {
        var exact = Entry(hostExact: true, hostLength: 11, path: Prefix("/"));
        var longWildcard = Entry(hostExact: false, hostLength: 15, path: Exact("/x"));
        var shortWildcard = Entry(hostExact: false, hostLength: 13, path: Exact("/x"));

        AssertOrder(exact, longWildcard, shortWildcard);
    }

    [Fact]
    public void Exact_path_then_longest_regular_expression_then_longest_prefix()
    {
        AssertOrder(Entry(path: Exact("/a")), Entry(path: Regex("/a/[0-9]+")), Entry(path: Regex("/.*")), Entry(path: Prefix("/abc")), Entry(path: Prefix("/a")));
    }

    [Fact]
    public void Method_then_header_count_then_query_count()
    {
        var method = Entry(method: "GET");
        var twoHeaders = Entry(headers: 2);
        var oneHeaderTwoQueries = Entry(headers: 1, queries: 2);
        var oneHeader = Entry(headers: 1);
        var plain = Entry();

        AssertOrder(method, twoHeaders, oneHeaderTwoQueries, oneHeader, plain);
    }

    [Fact]
    public void Ties_go_to_the_oldest_route_then_namespace_and_name_then_rule_then_match()
    {
        var oldest = Entry(created: s_old, route: "z/z");
        var first = Entry(created: s_new, route: "a/b");
        var second = Entry(created: s_new, route: "a/c", rule: 0, match: 1);
        var third = Entry(created: s_new, route: "a/c", rule: 1, match: 0);
        var fourth = Entry(created: s_new, route: "a/c", rule: 1, match: 1);

        AssertOrder(oldest, first, second, third, fourth);
    }

    [Fact]
    public void Host_specificity_comes_before_the_path()
    {
        AssertOrder(Entry(hostExact: true, hostLength: 5, path: Prefix("/")), Entry(hostExact: false, hostLength: 0, path: Exact("/a/very/long/path")));
    }

    private static void AssertOrder(params RankedEntry[] expected)
    {
        var shuffled = expected.Reverse().ToList();

        Assert.Equal(expected, shuffled.Order(RoutePrecedence.Instance));
        for (var i = 0; i + 1 < expected.Length; i++)
        {
            Assert.True(RoutePrecedence.Instance.Compare(expected[i], expected[i + 1]) < 0);
            Assert.True(RoutePrecedence.Instance.Compare(expected[i + 1], expected[i]) > 0);
        }
    }

    private static PathMatchConfig Exact(string value) => new(MatchTypes.Exact, value);

    private static PathMatchConfig Prefix(string value) => new(MatchTypes.PathPrefix, value);

    private static PathMatchConfig Regex(string value) => new(MatchTypes.RegularExpression, value);

    private static RankedEntry Entry(
        bool hostExact = false, int hostLength = 0, PathMatchConfig? path = null, string? method = null, int headers = 0, int queries = 0,
        DateTime? created = null, string route = "ns/route", int rule = 0, int match = 0)
    {
        var matchConfig = new MatchConfig(
            path ?? Prefix("/"),
            [.. Enumerable.Range(0, headers).Select(i => new ValueMatchConfig(MatchTypes.Exact, $"h{i}", "v"))],
            [.. Enumerable.Range(0, queries).Select(i => new ValueMatchConfig(MatchTypes.Exact, $"q{i}", "v"))],
            method);
        return new(hostExact, hostLength, matchConfig, created ?? s_old, route, rule, match);
    }
}
