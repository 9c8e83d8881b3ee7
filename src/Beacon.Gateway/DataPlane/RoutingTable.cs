using System.Collections.Frozen;
using System.Text.RegularExpressions;
using Beacon.Gateway.Config;
using Microsoft.AspNetCore.Http;

namespace Beacon.Gateway.DataPlane;

/// <summary>A compiled header or query-parameter match.</summary>
internal sealed class ValueMatcher(string name, string? exact, Regex? regex)
{
    public string Name { get; } = name;

    public bool Matches(string? value)
    {
        if (value is null)
        {
            return false;
        }

        if (regex is null)
        {
            return string.Equals(value, exact, StringComparison.Ordinal);
        }

        return RouteEntry.IsFullMatch(regex, value);
    }
}

/// <summary>One compiled route entry (one HTTPRoute match and its action).</summary>
internal sealed class RouteEntry
{
    public required string Key { get; init; }

    public required string PathType { get; init; }

    /// <summary>Exact path, or the normalized PathPrefix.</summary>
    public required string PathValue { get; init; }

    public Regex? PathRegex { get; init; }

    public required ValueMatcher[] Headers { get; init; }

    public required ValueMatcher[] QueryParams { get; init; }

    public string? Method { get; init; }

    public required RouteAction Action { get; init; }

    public bool Matches(HttpRequest request, string path)
    {
        switch (PathType)
        {
            case MatchTypes.Exact:
                if (!string.Equals(path, PathValue, StringComparison.Ordinal))
                {
                    return false;
                }

                break;
            case MatchTypes.PathPrefix:
                if (!PathRules.PrefixMatches(path, PathValue))
                {
                    return false;
                }

                break;
            default:
                if (PathRegex is null || !IsFullMatch(PathRegex, path))
                {
                    return false;
                }

                break;
        }

        if (Method is not null && !string.Equals(request.Method, Method, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var header in Headers)
        {
            if (!header.Matches(HeaderValues.Joined(request.Headers[header.Name])))
            {
                return false;
            }
        }

        if (QueryParams.Length > 0)
        {
            var query = request.QueryString.Value;
            foreach (var parameter in QueryParams)
            {
                if (!parameter.Matches(PathRules.FirstQueryValue(query, parameter.Name)))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>The regex is compiled anchored (\A(?:…)\z); a match timeout counts as no match.</summary>
    public static bool IsFullMatch(Regex regex, string value)
    {
        try
        {
            return regex.IsMatch(value);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}

/// <summary>The virtual hosts of a listener: exact hosts, then the longest wildcard suffix, then <c>*</c>.</summary>
internal sealed class VirtualHostTable(
    FrozenDictionary<string, RouteEntry[]> exact,
    (string Suffix, RouteEntry[] Routes)[] wildcards,
    RouteEntry[]? any)
{
    public RouteEntry[]? Find(string host)
    {
        if (exact.TryGetValue(host, out var routes))
        {
            return routes;
        }

        foreach (var (suffix, wildcardRoutes) in wildcards)
        {
            if (host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return wildcardRoutes;
            }
        }

        return any;
    }
}

/// <summary>A Gateway listener as served on a bind.</summary>
internal sealed class ListenerTable(string? hostname, VirtualHostTable hosts)
{
    public VirtualHostTable Hosts { get; } = hosts;

    public bool Matches(string host) => HostMatches(hostname, host);

    /// <summary>Null or <c>*</c> matches any host; <c>*.a.b</c> matches one or more labels before <c>.a.b</c>.</summary>
    public static bool HostMatches(string? pattern, string host)
    {
        if (pattern is null || pattern == "*")
        {
            return true;
        }

        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            var suffix = pattern.AsSpan(1);
            return host.Length > suffix.Length && host.AsSpan().EndsWith(suffix, StringComparison.OrdinalIgnoreCase);
        }

        return string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>The immutable routing table of one bind, swapped as a whole.</summary>
internal sealed class BindTable(int port, ListenerTable[] listeners)
{
    public int Port { get; } = port;

    /// <summary>Listener isolation: only the first listener whose hostname matches serves the request.</summary>
    public RouteEntry? Match(HttpRequest request, string host, string path)
    {
        foreach (var listener in listeners)
        {
            if (!listener.Matches(host))
            {
                continue;
            }

            var routes = listener.Hosts.Find(host);
            if (routes is null)
            {
                return null;
            }

            foreach (var route in routes)
            {
                if (route.Matches(request, path))
                {
                    return route;
                }
            }

            return null;
        }

        return null;
    }
}
