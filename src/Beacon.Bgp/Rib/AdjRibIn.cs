using System.Net;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Wire;

namespace Beacon.Bgp.Rib;

/// <summary>
/// The Adj-RIB-In of one peer (RFC 4271 §3.2): the routes the peer announced, unprocessed.
/// Beacon installs nothing in the kernel; it keeps and counts them for status. Owned by
/// the session's event loop.
/// </summary>
internal sealed class AdjRibIn
{
    private readonly Dictionary<IPNetwork, PathAttributes> _routes = [];
    private readonly HashSet<IPNetwork> _stale = [];
    private int _ipv4Count;
    private int _staleIpv4Count;

    public int Count(RouteFamily family) => family == RouteFamily.Ipv4Unicast ? _ipv4Count : _routes.Count - _ipv4Count;

    public int TotalCount => _routes.Count;

    public IEnumerable<KeyValuePair<IPNetwork, PathAttributes>> Routes => _routes;

    /// <summary>
    /// Routes kept from a previous session of a restarting peer (RFC 4724 §4.2), or from before
    /// the peer's Beginning-of-RIB-Refresh (RFC 7313 §4), and not yet re-announced.
    /// </summary>
    public int StaleCount(RouteFamily family) => family == RouteFamily.Ipv4Unicast ? _staleIpv4Count : _stale.Count - _staleIpv4Count;

    public bool HasStale => _stale.Count > 0;

    public bool IsStale(IPNetwork prefix) => _stale.Contains(prefix);

    /// <summary>
    /// RFC 4724 §4.2, the session with a restarting peer was lost: the routes of <paramref name="kept"/>
    /// become stale, the others go. Routes still stale from an earlier restart are deleted
    /// ("consecutive restarts"). Returns how many routes were kept.
    /// </summary>
    public int MarkStale(IReadOnlySet<RouteFamily> kept)
    {
        foreach (var prefix in _routes.Keys.ToList())
        {
            if (_stale.Contains(prefix) || !kept.Contains(AdjRibOut.FamilyOf(prefix)))
            {
                Remove(prefix);
            }
            else if (_stale.Add(prefix) && AdjRibOut.FamilyOf(prefix) == RouteFamily.Ipv4Unicast)
            {
                _staleIpv4Count++;
            }
        }

        return _stale.Count;
    }

    /// <summary>Marks every route of <paramref name="family"/> stale (RFC 7313 §4: on BoRR); announcing a route again freshens it.</summary>
    public void MarkStale(RouteFamily family)
    {
        foreach (var prefix in _routes.Keys)
        {
            if (AdjRibOut.FamilyOf(prefix) == family && _stale.Add(prefix) && family == RouteFamily.Ipv4Unicast)
            {
                _staleIpv4Count++;
            }
        }
    }

    /// <summary>Deletes the stale routes of <paramref name="family"/> (End-of-RIB, End-of-RIB-Refresh or a timer); returns how many.</summary>
    public int SweepStale(RouteFamily family)
    {
        var swept = _stale.Where(p => AdjRibOut.FamilyOf(p) == family).ToList();
        foreach (var prefix in swept)
        {
            Remove(prefix);
        }

        return swept.Count;
    }

    /// <summary>Applies one UPDATE: withdrawals first, then announcements (RFC 4271 §9).</summary>
    public void Apply(UpdateMessage update)
    {
        foreach (var prefix in update.Withdrawn)
        {
            Remove(prefix);
        }

        if (update.Attributes is not { } attributes)
        {
            return;
        }

        foreach (var prefix in update.Announced)
        {
            // Re-announced by the restarted peer: current again (RFC 4724 §4.2).
            Unstale(prefix);
            if (_routes.TryAdd(prefix, attributes))
            {
                if (AdjRibOut.FamilyOf(prefix) == RouteFamily.Ipv4Unicast)
                {
                    _ipv4Count++;
                }
            }
            else
            {
                _routes[prefix] = attributes;
            }
        }
    }

    public void Clear()
    {
        _routes.Clear();
        _stale.Clear();
        _ipv4Count = 0;
        _staleIpv4Count = 0;
    }

    private void Unstale(IPNetwork prefix)
    {
        if (_stale.Remove(prefix) && AdjRibOut.FamilyOf(prefix) == RouteFamily.Ipv4Unicast)
        {
            _staleIpv4Count--;
        }
    }

    private void Remove(IPNetwork prefix)
    {
        Unstale(prefix);
        if (_routes.Remove(prefix) && AdjRibOut.FamilyOf(prefix) == RouteFamily.Ipv4Unicast)
        {
            _ipv4Count--;
        }
    }
}
