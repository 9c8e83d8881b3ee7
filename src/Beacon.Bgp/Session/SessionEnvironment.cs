using Beacon.Bgp.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Beacon.Bgp.Session;

/// <summary>What sessions share and tests replace: the clock, the transport, logging, and the jitter source.</summary>
public sealed class SessionEnvironment
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public IBgpConnector Connector { get; init; } = new SocketConnector();

    public ILoggerFactory Loggers { get; init; } = NullLoggerFactory.Instance;

    /// <summary>
    /// RFC 4271 §10: a factor in [0.75, 1.0] applied to the ConnectRetry and Keepalive timers
    /// so that peers restarted together do not retry in lockstep. Tests pin it.
    /// </summary>
    public Func<double> Jitter { get; init; } = static () => 0.75 + (Random.Shared.NextDouble() * 0.25);

    /// <summary>Message and error counters; null in tests that do not look at them.</summary>
    public Beacon.Bgp.Speaker.BgpMetrics? Metrics { get; init; }

    /// <summary>UPDATE messages are built in batches of this many prefixes between checks of the write queue.</summary>
    public int BatchPrefixes { get; init; } = 4096;

    /// <summary>Peers this speaker (process) has had a session with: graceful restart's R bit (RFC 4724 §3).</summary>
    internal RestartRecord Restarts { get; } = new();
}
