using System.Collections.Concurrent;

namespace Beacon.Gateway.DataPlane;

/// <summary>One backend endpoint: its health key and the forwarding prefix.</summary>
internal sealed class BackendEndpoint(string key)
{
    /// <summary><c>address:port</c> as in <see cref="Config.BackendConfig.Endpoints"/>.</summary>
    public string Key { get; } = key;

    public string DestinationPrefix { get; } = "http://" + key;
}

/// <summary>A compiled <see cref="Config.BackendConfig"/>: round robin over endpoints that are not ejected.</summary>
internal sealed class BackendTarget(string id, bool h2c, BackendEndpoint[] endpoints, EndpointHealth health)
{
    private int _next = -1;

    public string Id { get; } = id;

    public bool H2c { get; } = h2c;

    public BackendEndpoint[] Endpoints { get; } = endpoints;

    /// <summary>
    /// The next endpoint in round-robin order that is not ejected, skipping
    /// <paramref name="exclude"/>; when all are ejected, one anyway (a dead set of endpoints
    /// must still get a chance to come back). Null when there is nothing but <paramref name="exclude"/>.
    /// </summary>
    public BackendEndpoint? Pick(BackendEndpoint? exclude = null)
    {
        var endpoints = Endpoints;
        var count = endpoints.Length;
        if (count == 0)
        {
            return null;
        }

        var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)count);
        for (var i = 0; i < count; i++)
        {
            var candidate = endpoints[(start + i) % count];
            if (!ReferenceEquals(candidate, exclude) && !health.IsEjected(candidate.Key))
            {
                return candidate;
            }
        }

        for (var i = 0; i < count; i++)
        {
            var candidate = endpoints[(start + i) % count];
            if (!ReferenceEquals(candidate, exclude))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>
/// Passive health: endpoints that refused a connection are ejected for a while. Keyed by
/// <c>address:port</c> so ejections survive config swaps.
/// </summary>
internal sealed class EndpointHealth(TimeProvider time, TimeSpan ejectionTime)
{
    private readonly ConcurrentDictionary<string, long> _ejectedUntil = new(StringComparer.Ordinal);
    private int _count;

    public bool IsEjected(string key)
    {
        if (Volatile.Read(ref _count) == 0 || !_ejectedUntil.TryGetValue(key, out var until))
        {
            return false;
        }

        if (time.GetTimestamp() < until)
        {
            return true;
        }

        if (_ejectedUntil.TryRemove(new KeyValuePair<string, long>(key, until)))
        {
            Interlocked.Decrement(ref _count);
        }

        return false;
    }

    public void Eject(string key)
    {
        var until = time.GetTimestamp() + (long)(ejectionTime.TotalSeconds * time.TimestampFrequency);
        _ejectedUntil.AddOrUpdate(
            key,
            static (_, state) => { Interlocked.Increment(ref state.Self._count); return state.Until; },
            static (_, _, state) => state.Until,
            (Self: this, Until: until));
    }
}
