using System.Net;
using System.Net.Sockets;
using Beacon.Bgp.Speaker;

namespace Beacon.Bgp.Rib;

/// <summary>Prefixes of one family that leave in UPDATEs sharing one attribute set, or withdrawals (null attributes).</summary>
internal sealed record RibOutGroup(RouteFamily Family, RouteAttributes? Attributes, List<IPNetwork> Prefixes);

/// <summary>
/// The Adj-RIB-Out of one peer (RFC 4271 §3.2): what the agent wants the peer to hold,
/// what the peer has been sent, and the prefixes whose state differs. Changes coalesce:
/// a prefix changed twice before it is sent leaves once, in its final state. Owned by
/// the session's event loop; not thread-safe.
/// </summary>
internal sealed class AdjRibOut
{
    private Dictionary<IPNetwork, RouteAttributes> _desired = [];
    private readonly Dictionary<IPNetwork, RouteAttributes> _sent = [];
    private readonly Queue<IPNetwork> _pendingOrder = new();
    private readonly HashSet<IPNetwork> _pending = [];

    // Kept with _sent: status reads the counts after every session input, so they must not cost a scan.
    private int _sentIpv4;

    public bool HasPending => _pending.Count > 0;

    public int DesiredCount => _desired.Count;

    public int SentCount(RouteFamily family) =>
        family == RouteFamily.Ipv4Unicast ? _sentIpv4 : _sent.Count - _sentIpv4;

    public IEnumerable<KeyValuePair<IPNetwork, RouteAttributes>> Sent => _sent;

    /// <summary>Replaces the desired table and queues every prefix whose state at the peer must change.</summary>
    public void SetDesired(IEnumerable<AdvertisedRoute> routes)
    {
        var desired = new Dictionary<IPNetwork, RouteAttributes>();
        foreach (var route in routes)
        {
            desired[route.Prefix] = route.Attributes;
        }

        foreach (var (prefix, attributes) in desired)
        {
            if (!_sent.TryGetValue(prefix, out var sent) || !sent.Equals(attributes))
            {
                MarkPending(prefix);
            }
        }

        foreach (var prefix in _sent.Keys)
        {
            if (!desired.ContainsKey(prefix))
            {
                MarkPending(prefix);
            }
        }

        _desired = desired;
    }

    /// <summary>The session went down: the peer holds nothing; the whole table is pending again.</summary>
    public void Reset()
    {
        _sent.Clear();
        _sentIpv4 = 0;
        _pending.Clear();
        _pendingOrder.Clear();
        foreach (var prefix in _desired.Keys)
        {
            MarkPending(prefix);
        }
    }

    /// <summary>RFC 2918 route refresh: re-send every desired prefix of the family.</summary>
    public void Refresh(RouteFamily family)
    {
        foreach (var prefix in _desired.Keys)
        {
            if (FamilyOf(prefix) == family)
            {
                RemoveSent(prefix);
                MarkPending(prefix);
            }
        }
    }

    /// <summary>
    /// Takes up to <paramref name="maxPrefixes"/> pending prefixes, grouped by family and
    /// attributes, and records them as sent. Prefixes of families the session has not
    /// negotiated are dropped from the pending set without being sent.
    /// </summary>
    public List<RibOutGroup> TakeBatch(int maxPrefixes, IReadOnlySet<RouteFamily> negotiated)
    {
        var groups = new Dictionary<(RouteFamily, RouteAttributes?), RibOutGroup>();
        var result = new List<RibOutGroup>();
        var taken = 0;
        while (taken < maxPrefixes && _pendingOrder.TryDequeue(out var prefix))
        {
            if (!_pending.Remove(prefix))
            {
                continue;
            }

            var family = FamilyOf(prefix);
            if (!negotiated.Contains(family))
            {
                continue;
            }

            _desired.TryGetValue(prefix, out var attributes);
            if (attributes is null && !_sent.ContainsKey(prefix))
            {
                continue;
            }

            var key = (family, attributes);
            if (!groups.TryGetValue(key, out var group))
            {
                group = new RibOutGroup(family, attributes, []);
                groups.Add(key, group);
                result.Add(group);
            }

            group.Prefixes.Add(prefix);
            if (attributes is null)
            {
                RemoveSent(prefix);
            }
            else if (_sent.TryAdd(prefix, attributes))
            {
                _sentIpv4 += family == RouteFamily.Ipv4Unicast ? 1 : 0;
            }
            else
            {
                _sent[prefix] = attributes;
            }

            taken++;
        }

        return result;
    }

    public static RouteFamily FamilyOf(IPNetwork prefix) =>
        prefix.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6 ? RouteFamily.Ipv6Unicast : RouteFamily.Ipv4Unicast;

    private void RemoveSent(IPNetwork prefix)
    {
        if (_sent.Remove(prefix) && FamilyOf(prefix) == RouteFamily.Ipv4Unicast)
        {
            _sentIpv4--;
        }
    }

    private void MarkPending(IPNetwork prefix)
    {
        if (_pending.Add(prefix))
        {
            _pendingOrder.Enqueue(prefix);
        }
    }
}
