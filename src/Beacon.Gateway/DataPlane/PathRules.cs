using Beacon.Gateway.Config;

namespace Beacon.Gateway.DataPlane;

/// <summary>Gateway API path matching and path modifiers (HTTPPathMatch, HTTPPathModifier).</summary>
internal static class PathRules
{
    /// <summary>
    /// The prefix as compared: a trailing <c>/</c> is ignored, so <c>/</c> becomes empty and
    /// matches every path.
    /// </summary>
    public static string NormalizePrefix(string prefix) => prefix.TrimEnd('/');

    /// <summary>Element-wise prefix match: <c>/abc</c> matches <c>/abc</c> and <c>/abc/x</c>, not <c>/abcd</c>.</summary>
    /// <param name="normalizedPrefix">From <see cref="NormalizePrefix"/>.</param>
    public static bool PrefixMatches(string path, string normalizedPrefix)
    {
        if (normalizedPrefix.Length == 0)
        {
            return true;
        }

        if (!path.StartsWith(normalizedPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        return path.Length == normalizedPrefix.Length || path[normalizedPrefix.Length] == '/';
    }

    /// <summary>
    /// ReplacePrefixMatch (the table in the HTTPPathModifier documentation): the matched prefix
    /// (its trailing <c>/</c> ignored) is replaced by <paramref name="replacement"/> (its trailing
    /// <c>/</c> ignored); an empty result is <c>/</c>.
    /// </summary>
    public static string ReplacePrefix(string path, string normalizedPrefix, string replacement)
    {
        var rest = PrefixMatches(path, normalizedPrefix) ? path.AsSpan(normalizedPrefix.Length) : path.AsSpan();
        var head = replacement.AsSpan().TrimEnd('/');
        if (head.Length == 0 && rest.Length == 0)
        {
            return "/";
        }

        return string.Concat(head, rest);
    }

    /// <summary>Applies a path modifier; <paramref name="normalizedPrefix"/> is the entry's PathPrefix (empty when it has none).</summary>
    public static string Modify(string path, PathModifierConfig modifier, string normalizedPrefix) =>
        modifier.Type == PathModifierTypes.ReplaceFullPath
            ? modifier.Value
            : ReplacePrefix(path, normalizedPrefix, modifier.Value);

    /// <summary>
    /// The Location of a RequestRedirect. Port rules (HTTPRequestRedirectFilter.port): unset port
    /// with a scheme set means the scheme's well-known port; both unset means the listener's
    /// port; 80 is omitted for http and 443 for https.
    /// </summary>
    /// <param name="requestHost">The request's host without port (IPv6 in brackets).</param>
    /// <param name="pathAndQuery">The (possibly modified) path; <paramref name="query"/> is appended as is.</param>
    public static string RedirectLocation(RedirectConfig redirect, string requestScheme, string requestHost, int listenerPort, string path, string? query)
    {
        var scheme = redirect.Scheme ?? requestScheme;
        var host = redirect.Hostname ?? requestHost;
        var port = redirect.Port ?? (redirect.Scheme is not null ? WellKnownPort(redirect.Scheme) : listenerPort);
        var omitPort = port == WellKnownPort(scheme);
        return omitPort
            ? string.Concat(scheme, "://", host, path, query)
            : string.Concat(scheme, "://", host, ":", port.ToString(System.Globalization.CultureInfo.InvariantCulture), path + query);
    }

    private static int WellKnownPort(string scheme) =>
        string.Equals(scheme, "https", StringComparison.OrdinalIgnoreCase) ? 443
        : string.Equals(scheme, "http", StringComparison.OrdinalIgnoreCase) ? 80
        : -1;

    /// <summary>
    /// The first value of query parameter <paramref name="name"/> (names compared case-sensitively,
    /// both sides unescaped), or null. <paramref name="query"/> may start with <c>?</c>.
    /// </summary>
    public static string? FirstQueryValue(ReadOnlySpan<char> query, string name)
    {
        if (query.Length > 0 && query[0] == '?')
        {
            query = query[1..];
        }

        while (query.Length > 0)
        {
            var amp = query.IndexOf('&');
            var pair = amp < 0 ? query : query[..amp];
            query = amp < 0 ? [] : query[(amp + 1)..];
            if (pair.Length == 0)
            {
                continue;
            }

            var eq = pair.IndexOf('=');
            var rawName = eq < 0 ? pair : pair[..eq];
            var rawValue = eq < 0 ? [] : pair[(eq + 1)..];
            if (!NameEquals(rawName, name))
            {
                continue;
            }

            return Unescape(rawValue);
        }

        return null;
    }

    private static bool NameEquals(ReadOnlySpan<char> raw, string name)
    {
        if (raw.IndexOfAny('%', '+') < 0)
        {
            return raw.SequenceEqual(name);
        }

        return string.Equals(Unescape(raw), name, StringComparison.Ordinal);
    }

    private static string Unescape(ReadOnlySpan<char> raw)
    {
        if (raw.IndexOfAny('%', '+') < 0)
        {
            return raw.ToString();
        }

        return Uri.UnescapeDataString(raw.ToString().Replace('+', ' '));
    }
}
