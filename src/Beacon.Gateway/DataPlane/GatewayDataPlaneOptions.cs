namespace Beacon.Gateway.DataPlane;

/// <summary>Tuning of the data plane; the defaults suit production.</summary>
public sealed record GatewayDataPlaneOptions
{
    /// <summary>How long an endpoint that refused a connection is skipped (passive health).</summary>
    public TimeSpan EjectionTime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Connect timeout to a backend endpoint; expiry counts as a connect failure.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Idle timeout of a forwarded exchange (YARP ActivityTimeout; also idle WebSockets).</summary>
    public TimeSpan ActivityTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>How long a removed bind lets in-flight requests finish before aborting them.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bodies up to this size are copied to mirrors; larger requests are not mirrored.</summary>
    public int MirrorBodyLimit { get; init; } = 64 * 1024;

    /// <summary>Mirror requests in flight at most; more are dropped, never queued.</summary>
    public int MirrorMaxConcurrency { get; init; } = 256;

    public TimeSpan MirrorTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Match timeout of route regexes (a timeout counts as no match).</summary>
    public TimeSpan RegexMatchTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan PooledConnectionIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>Whether a bind is serving, or why it is not.</summary>
/// <param name="Serving">True when the socket is listening with this config.</param>
/// <param name="Error">Why the bind failed (address in use, address not local, protocol not supported), else null.</param>
public sealed record BindState(bool Serving, string? Error);

/// <summary>A route entry that failed to compile (e.g. an invalid regex).</summary>
/// <param name="KeptPrevious">True when the last good version of the entry keeps serving, false when the entry is left out.</param>
public sealed record RouteEntryError(string Route, int RuleIndex, int MatchIndex, string Message, bool KeptPrevious);
