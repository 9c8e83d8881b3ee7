using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Beacon.Agent.Cli;

internal static class AddressParsing
{
    /// <summary>
    /// Parses <c>A.B.C.D:PORT</c> or <c>[IPv6]:PORT</c>. Stricter than <see cref="IPEndPoint.TryParse(string, out IPEndPoint?)"/>,
    /// which takes a bare address as port 0 and an unbracketed IPv6 address with a trailing group as a port.
    /// </summary>
    public static bool TryParseListenAddress(string text, [NotNullWhen(true)] out IPEndPoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        string host;
        string port;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0)
            {
                error = $"'{text}' is not ADDRESS:PORT: an IPv6 address is written [ADDRESS]:PORT";
                return false;
            }

            host = text[1..close];
            port = text[(close + 2)..];
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon < 0)
            {
                error = $"'{text}' is not ADDRESS:PORT: the port is missing";
                return false;
            }

            host = text[..colon];
            port = text[(colon + 1)..];
            if (host.Contains(':', StringComparison.Ordinal))
            {
                error = $"'{text}' is not ADDRESS:PORT: an IPv6 address is written [ADDRESS]:PORT";
                return false;
            }
        }

        if (!IPAddress.TryParse(host, out var address)
            || (text.StartsWith('[') != (address.AddressFamily == AddressFamily.InterNetworkV6)))
        {
            error = $"'{text}' is not ADDRESS:PORT: '{host}' is not an IP address";
            return false;
        }

        if (!ushort.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var portNumber))
        {
            error = $"'{text}' is not ADDRESS:PORT: '{port}' is not a port number (0-65535)";
            return false;
        }

        endpoint = new IPEndPoint(address, portNumber);
        error = null;
        return true;
    }

    /// <summary>An absolute http(s) URL, normalised to end with '/' so relative API paths append to it.</summary>
    public static bool TryParseServer(string text, [NotNullWhen(true)] out Uri? server, [NotNullWhen(false)] out string? error)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            server = null;
            error = $"'{text}' is not an http:// or https:// URL";
            return false;
        }

        server = uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
        error = null;
        return true;
    }
}
