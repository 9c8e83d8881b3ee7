using System.Net;

namespace Beacon.Echo;

/// <summary>How an <see cref="EchoServer"/> listens and what it reports about itself.</summary>
public sealed class EchoServerOptions
{
    /// <summary>Endpoints to listen on; port 0 picks a free port (see <see cref="EchoServer.Endpoints"/>).</summary>
    public IList<IPEndPoint> Listen { get; init; } = [];

    /// <summary>Reported as <c>service</c> and <c>pod</c> in the echo JSON.</summary>
    public string Name { get; init; } = "echo";

    /// <summary>Reported as <c>namespace</c> in the echo JSON.</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>
    /// Serve HTTP/2 with prior knowledge (h2c) instead of HTTP/1.1. Kestrel cannot offer both on
    /// a cleartext endpoint, so an h2c listener speaks HTTP/2 only.
    /// </summary>
    public bool H2c { get; init; }

    /// <summary>
    /// When set, every path (except <c>/__echo/stats</c>) answers this many bytes of fixed body
    /// instead of JSON; <c>/__echo/bench</c> always does, with <see cref="DefaultBenchBodyBytes"/>
    /// when this is not set.
    /// </summary>
    public int? BodyBytes { get; init; }

    /// <summary>
    /// Where to write one line per request, <c>Echoing back request made to &lt;path&gt; to client (&lt;address&gt;)</c>
    /// (the line the conformance mirror tests look for); null writes nothing.
    /// </summary>
    public TextWriter? RequestLog { get; init; }

    public const int DefaultBenchBodyBytes = 13;
}
