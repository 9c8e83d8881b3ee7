using System.Net;
using System.Text.RegularExpressions;

namespace Beacon.Gateway.Translation;

/// <summary>
/// Gateway API hostname rules: <c>*.suffix</c> is a suffix match over one or more labels,
/// <c>*</c> (internal only) stands for "any host", and a route's effective hostnames on a
/// listener are the intersection of both.
/// </summary>
/// <param name="Effective">The hostname served (a virtual host).</param>
/// <param name="Route">The route's hostname it comes from, or <c>*</c> for a route without hostnames.</param>
internal sealed record HostMatch(string Effective, string Route);

internal static partial class Hostnames
{
    public const string Any = "*";

    /// <summary>The CRD pattern of Hostname (RFC 1123 labels, optional leading <c>*.</c>); IP literals are not hostnames.</summary>
    public static bool IsValid(string? hostname, bool allowWildcard) =>
        hostname is { Length: > 0 and <= 253 }
        && HostnamePattern().IsMatch(hostname)
        && (allowWildcard || !hostname.StartsWith("*.", StringComparison.Ordinal))
        && !IPAddress.TryParse(hostname, out _);

    public static bool IsWildcard(string hostname) => hostname.StartsWith("*.", StringComparison.Ordinal);

    public static int LabelCount(string hostname) => hostname == Any ? 0 : hostname.Count(c => c == '.') + 1;

    /// <summary>
    /// True when every host <paramref name="specific"/> stands for is also matched by
    /// <paramref name="general"/> (<c>a.example.com</c> and <c>*.a.example.com</c> are covered by
    /// <c>*.example.com</c>; everything is covered by <c>*</c>).
    /// </summary>
    public static bool Covers(string general, string specific)
    {
        if (general == Any || general == specific)
        {
            return true;
        }

        if (!IsWildcard(general) || specific == Any)
        {
            return false;
        }

        // "*.example.com" covers hosts ending in ".example.com" with at least one more label
        // (the wildcard "*.a.example.com" too; "*.example.com" itself was handled above).
        var suffix = general[1..];
        return specific.Length > suffix.Length && specific.EndsWith(suffix, StringComparison.Ordinal);
    }

    /// <summary>
    /// The hostnames a route serves on a listener: the route's hostnames that the listener's
    /// matches, narrowed to the listener's where the route's is the wider wildcard. A route
    /// without hostnames takes the listener's (or any host). Empty: no intersection.
    /// <see cref="HostMatch.Route"/> keeps the route's own hostname (<see cref="Any"/> when it
    /// has none): route precedence is by the route's hostname, not the narrowed one.
    /// </summary>
    public static IReadOnlyList<HostMatch> Intersect(string? listenerHostname, IReadOnlyList<string> routeHostnames)
    {
        if (routeHostnames.Count == 0)
        {
            return [new(listenerHostname ?? Any, Any)];
        }

        var result = new List<HostMatch>();
        foreach (var route in routeHostnames)
        {
            string? effective;
            if (listenerHostname is null || Covers(listenerHostname, route))
            {
                effective = route;
            }
            else if (Covers(route, listenerHostname))
            {
                effective = listenerHostname;
            }
            else
            {
                effective = null;
            }

            if (effective is not null && !result.Any(m => m.Effective == effective))
            {
                result.Add(new(effective, route));
            }
        }

        return result;
    }

    /// <summary>
    /// Listener and virtual host order: exact hostnames first, then wildcards with more labels
    /// before fewer, then any host; ordinal within a rank so the order is stable.
    /// </summary>
    public static int CompareSpecificity(string? x, string? y)
    {
        var rank = Rank(x).CompareTo(Rank(y));
        if (rank != 0)
        {
            return rank;
        }

        var labels = LabelCount(y ?? Any).CompareTo(LabelCount(x ?? Any));
        return labels != 0 ? labels : string.CompareOrdinal(x, y);
    }

    private static int Rank(string? hostname) => hostname is null || hostname == Any ? 2 : IsWildcard(hostname) ? 1 : 0;

    [GeneratedRegex(@"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex HostnamePattern();
}
