using Beacon.Gateway.Config;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Beacon.Gateway.DataPlane;

/// <summary>
/// A compiled HTTPCORSFilter. With credentials allowed, <c>*</c> is never sent: the origin,
/// method and headers of the request are echoed instead (Fetch standard, CORS protocol).
/// </summary>
internal sealed class CorsPolicy
{
    private readonly bool _anyOrigin;
    private readonly string[] _exactOrigins;
    private readonly (string Prefix, string Suffix)[] _wildcardOrigins;
    private readonly bool _credentials;
    private readonly bool _anyMethod;
    private readonly string? _methods;
    private readonly bool _anyHeader;
    private readonly string? _headers;
    private readonly bool _anyExpose;
    private readonly string? _expose;
    private readonly string _maxAge;

    public CorsPolicy(CorsConfig config)
    {
        var exact = new List<string>();
        var wildcard = new List<(string, string)>();
        foreach (var origin in config.AllowOrigins)
        {
            if (origin == "*")
            {
                _anyOrigin = true;
            }
            else if (origin.IndexOf('*') is var star and >= 0)
            {
                wildcard.Add((origin[..star], origin[(star + 1)..]));
            }
            else
            {
                exact.Add(origin);
            }
        }

        _exactOrigins = [.. exact];
        _wildcardOrigins = [.. wildcard];
        _credentials = config.AllowCredentials;
        (_anyMethod, _methods) = List(config.AllowMethods);
        (_anyHeader, _headers) = List(config.AllowHeaders);
        (_anyExpose, _expose) = List(config.ExposeHeaders);
        _maxAge = config.MaxAgeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public static bool IsPreflight(HttpRequest request) =>
        HttpMethods.IsOptions(request.Method) &&
        request.Headers.ContainsKey(HeaderNames.Origin) &&
        request.Headers.ContainsKey(HeaderNames.AccessControlRequestMethod);

    /// <summary>Answers a preflight directly: 200, with the Allow-* headers when the origin is allowed.</summary>
    public void WritePreflight(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        var origin = request.Headers.Origin.ToString();
        if (!OriginAllowed(origin))
        {
            return;
        }

        var headers = response.Headers;
        WriteOrigin(headers, origin);
        headers.AccessControlAllowMethods = _anyMethod
            ? (_credentials ? request.Headers.AccessControlRequestMethod.ToString() : "*")
            : _methods;
        var requested = request.Headers.AccessControlRequestHeaders;
        if (_anyHeader)
        {
            if (requested.Count > 0)
            {
                headers.AccessControlAllowHeaders = _credentials ? requested.ToString() : "*";
            }
        }
        else if (_headers is not null)
        {
            headers.AccessControlAllowHeaders = _headers;
        }

        headers.AccessControlMaxAge = _maxAge;
        response.ContentLength = 0;
    }

    /// <summary>Adds the CORS response headers of an actual (non-preflight) request whose origin is allowed.</summary>
    public void ApplyToResponse(HttpContext context)
    {
        var origin = context.Request.Headers.Origin;
        if (origin.Count == 0)
        {
            return;
        }

        var value = origin.ToString();
        if (!OriginAllowed(value))
        {
            return;
        }

        var headers = context.Response.Headers;
        WriteOrigin(headers, value);
        if (_anyExpose)
        {
            if (!_credentials)
            {
                headers.AccessControlExposeHeaders = "*";
            }
        }
        else if (_expose is not null)
        {
            headers.AccessControlExposeHeaders = _expose;
        }
    }

    private void WriteOrigin(IHeaderDictionary headers, string origin)
    {
        if (_anyOrigin && !_credentials)
        {
            headers.AccessControlAllowOrigin = "*";
        }
        else
        {
            headers.AccessControlAllowOrigin = origin;
            headers.Append(HeaderNames.Vary, HeaderNames.Origin);
        }

        if (_credentials)
        {
            headers.AccessControlAllowCredentials = "true";
        }
    }

    private bool OriginAllowed(string origin)
    {
        if (_anyOrigin)
        {
            return true;
        }

        foreach (var exact in _exactOrigins)
        {
            if (string.Equals(exact, origin, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        foreach (var (prefix, suffix) in _wildcardOrigins)
        {
            if (origin.Length > prefix.Length + suffix.Length &&
                origin.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) &&
                origin.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static (bool Any, string? Joined) List(IReadOnlyList<string> values)
    {
        foreach (var value in values)
        {
            if (value == "*")
            {
                return (true, null);
            }
        }

        return (false, values.Count == 0 ? null : string.Join(", ", values));
    }
}
