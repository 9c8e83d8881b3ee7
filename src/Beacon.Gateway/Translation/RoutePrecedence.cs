using Beacon.Gateway.Config;

namespace Beacon.Gateway.Translation;

/// <summary>One route entry as ordered inside a virtual host.</summary>
/// <param name="HostExact">The route hostname that matched the virtual host is exact (not a wildcard or any host).</param>
/// <param name="HostLength">Characters of that hostname (0 for any host).</param>
internal sealed record RankedEntry(
    bool HostExact,
    int HostLength,
    MatchConfig Match,
    DateTime Created,
    string Route,
    int RuleIndex,
    int MatchIndex);

/// <summary>
/// The Gateway API precedence (HTTPRoute CRD, <c>spec.hostnames</c> and <c>rules[].matches</c>):
/// the longest matching non-wildcard hostname, the longest matching hostname, an Exact path,
/// (Beacon: RegularExpression paths, longest expression first — their precedence is
/// implementation-specific; after Exact and before every PathPrefix, as Envoy Gateway orders
/// them, so a regex route is not shadowed by a <c>PathPrefix /</c> catch-all), the longest
/// PathPrefix, a method match, most header matches, most query matches, the
/// oldest route, <c>namespace/name</c>, rule order, match order.
/// </summary>
internal sealed class RoutePrecedence : IComparer<RankedEntry>
{
    public static RoutePrecedence Instance { get; } = new();

    public int Compare(RankedEntry? x, RankedEntry? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? 1 : -1;
        }

        int c;
        if ((c = y.HostExact.CompareTo(x.HostExact)) != 0
            || (c = y.HostLength.CompareTo(x.HostLength)) != 0
            || (c = PathRank(x.Match.Path).CompareTo(PathRank(y.Match.Path))) != 0
            || (c = PrefixLength(y.Match.Path).CompareTo(PrefixLength(x.Match.Path))) != 0
            || (c = (y.Match.Method is not null).CompareTo(x.Match.Method is not null)) != 0
            || (c = y.Match.Headers.Length.CompareTo(x.Match.Headers.Length)) != 0
            || (c = y.Match.QueryParams.Length.CompareTo(x.Match.QueryParams.Length)) != 0
            || (c = x.Created.CompareTo(y.Created)) != 0
            || (c = string.CompareOrdinal(x.Route, y.Route)) != 0
            || (c = x.RuleIndex.CompareTo(y.RuleIndex)) != 0)
        {
            return c;
        }

        return x.MatchIndex.CompareTo(y.MatchIndex);
    }

    private static int PathRank(PathMatchConfig path) => path.Type switch
    {
        MatchTypes.Exact => 0,
        MatchTypes.RegularExpression => 1,
        _ => 2,
    };

    private static int PrefixLength(PathMatchConfig path) => path.Type == MatchTypes.Exact ? 0 : path.Value.Length;
}
