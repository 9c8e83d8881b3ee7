using Beacon.Gateway.Config;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Beacon.Gateway.DataPlane;

/// <summary>
/// A compiled HTTPHeaderFilter: names de-duplicated case-insensitively (first entry wins).
/// Add joins with a comma into one field value, so the receiver sees <c>a,b</c>.
/// </summary>
internal sealed class HeaderModifier
{
    private readonly (string Name, string Value)[] _set;
    private readonly (string Name, string Value)[] _add;
    private readonly string[] _remove;

    public HeaderModifier(HeaderModifierConfig config)
    {
        _set = Unique(config.Set);
        _add = Unique(config.Add);
        _remove = [.. config.Remove.Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    public void Apply(HttpRequestMessage request)
    {
        foreach (var (name, value) in _set)
        {
            Remove(request, name);
            Add(request, name, value);
        }

        foreach (var (name, value) in _add)
        {
            var existing = Get(request, name);
            Remove(request, name);
            Add(request, name, existing is null ? value : existing + "," + value);
        }

        foreach (var name in _remove)
        {
            Remove(request, name);
        }
    }

    public void Apply(IHeaderDictionary headers)
    {
        foreach (var (name, value) in _set)
        {
            headers[name] = value;
        }

        foreach (var (name, value) in _add)
        {
            var existing = headers[name];
            headers[name] = existing.Count == 0 ? value : string.Concat(existing.ToString(), ",", value);
        }

        foreach (var name in _remove)
        {
            headers.Remove(name);
        }
    }

    private static (string Name, string Value)[] Unique(IEnumerable<HeaderValueConfig> values)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var result = new List<(string, string)>();
        foreach (var value in values)
        {
            if (seen.Add(value.Name))
            {
                result.Add((value.Name, value.Value));
            }
        }

        return [.. result];
    }

    // HttpRequestMessage keeps these on its Content and throws when they are used on Headers.
    private static readonly HashSet<string> ContentHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Allow", "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Length",
        "Content-Location", "Content-MD5", "Content-Range", "Content-Type", "Expires", "Last-Modified",
    };

    private static System.Net.Http.Headers.HttpHeaders? Collection(HttpRequestMessage request, string name) =>
        ContentHeaders.Contains(name) ? request.Content?.Headers : request.Headers;

    private static string? Get(HttpRequestMessage request, string name)
    {
        if (Collection(request, name) is { } headers && headers.NonValidated.TryGetValues(name, out var values))
        {
            return values.Count == 1 ? values.ToString() : string.Join(',', values);
        }

        return null;
    }

    private static void Remove(HttpRequestMessage request, string name) => Collection(request, name)?.Remove(name);

    private static void Add(HttpRequestMessage request, string name, string value) =>
        Collection(request, name)?.TryAddWithoutValidation(name, value);
}

/// <summary>Applies <see cref="StringValues"/> helpers without LINQ.</summary>
internal static class HeaderValues
{
    /// <summary>Repeated headers compared as their comma-joined value (HTTPHeaderMatch).</summary>
    public static string? Joined(StringValues values) =>
        values.Count switch
        {
            0 => null,
            1 => values[0],
            _ => string.Join(',', values.ToArray()),
        };
}
