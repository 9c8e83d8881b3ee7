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
    private int _ipv4Count;

    public int Count(RouteFamily family) => family == RouteFamily.Ipv4Unicast ? _ipv4Count : _routes.Count - _ipv4Count;

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
        }

        if (update.Attributes is not { } attributes)
        {
            return;
        }

        foreach (var prefix in update.Announced)
        {
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
        _ipv4Count = 0;
    }
}
