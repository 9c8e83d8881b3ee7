using System.Collections.Concurrent;

namespace Beacon.Agent.Status;

/// <summary>Answers GET /readyz: ready when no reason to be unready is left.</summary>
public interface IReadiness
{
    IReadOnlyList<string> GetNotReadyReasons();
}

/// <summary>
/// Readiness as a set of named blockers: each component blocks under its own key until it is
/// ready (e.g. "source" until the first snapshot is loaded) and clears the key then.
/// </summary>
public sealed class ReadinessTracker : IReadiness
{
    private readonly ConcurrentDictionary<string, string> _blockers = new(StringComparer.Ordinal);

    public void Block(string key, string reason) => _blockers[key] = reason;

    public void Clear(string key) => _blockers.TryRemove(key, out _);

    public IReadOnlyList<string> GetNotReadyReasons() =>
        _blockers.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => $"{b.Key}: {b.Value}").ToArray();
}
