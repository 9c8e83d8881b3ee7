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

    public int Count(RouteFamily family) => family == RouteFamily.Ipv4Unicast ? _ipv4Count : _routes.Count - _ipv4Count;

    public int TotalCount => _routes.Count;

    public IEnumerable<KeyValuePair<IPNetwork, PathAttributes>> Routes => _routes;

    /// <summary>Applies one UPDATE: withdrawals first, then announcements (RFC 4271 §9).</summary>
    public void Apply(UpdateMessage update)
    {
        foreach (var prefix in update.Withdrawn)
        {
            if (_routes.Remove(prefix) && AdjRibOut.FamilyOf(prefix) == RouteFamily.Ipv4Unicast)
            {
                _ipv4Count--;
            }

            _stale.Remove(prefix);
        }

        if (update.Attributes is not { } attributes)
        {
            return;
        }

        foreach (var prefix in update.Announced)
        {
            _stale.Remove(prefix);
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

    public bool IsStale(IPNetwork prefix) => _stale.Contains(prefix);

    /// <summary>Marks every route of <paramref name="family"/> stale (RFC 7313 §4: on BoRR); announcing a route again freshens it.</summary>
    public void MarkStale(RouteFamily family)
    {
        foreach (var prefix in _routes.Keys)
        {
            if (AdjRibOut.FamilyOf(prefix) == family)
            {
                _stale.Add(prefix);
            }
        }
    }

    /// <summary>Removes the routes of <paramref name="family"/> still stale (RFC 7313 §4: on EoRR); returns how many.</summary>
    public int SweepStale(RouteFamily family)
    {
        var swept = 0;
        foreach (var prefix in _stale.Where(p => AdjRibOut.FamilyOf(p) == family).ToList())
        {
            _stale.Remove(prefix);
            if (_routes.Remove(prefix))
            {
                swept++;
                if (family == RouteFamily.Ipv4Unicast)
                {
                    _ipv4Count--;
                }
            }
        }

        return swept;
    }

    public void Clear()
    {
        _stale.Clear();
        _routes.Clear();
        _ipv4Count = 0;
    }
}
