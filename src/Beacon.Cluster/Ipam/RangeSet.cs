using System.Collections.Immutable;
using System.Numerics;

namespace Beacon.Cluster.Ipam;

/// <summary>
/// Disjoint, sorted ranges of one family (overlapping and adjacent input ranges merged).
/// Counting and searching cost as much as the ranges and the used addresses, never as much
/// as the addresses in the ranges: an IPv6 /64 is as cheap as a /30.
/// </summary>
internal sealed class RangeSet
{
    private readonly ImmutableArray<AddressRange> _ranges;

    public RangeSet(IpFamily family, IEnumerable<AddressRange> ranges)
    {
        Family = family;
        var merged = new List<AddressRange>();
        foreach (var range in ranges.Where(r => r.Family == family).OrderBy(r => r.First))
        {
            if (merged.Count > 0 && Touches(merged[^1], range))
            {
                var last = merged[^1];
                merged[^1] = last with { Last = UInt128.Max(last.Last, range.Last) };
            }
            else
            {
                merged.Add(range);
            }
        }

        _ranges = [.. merged];
        Count = _ranges.Aggregate(BigInteger.Zero, (sum, r) => sum + r.Count);
    }

    public IpFamily Family { get; }

    public ImmutableArray<AddressRange> Ranges => _ranges;

    public bool IsEmpty => _ranges.IsEmpty;

    public BigInteger Count { get; }

    public bool Contains(UInt128 address)
    {
        int lo = 0, hi = _ranges.Length - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) / 2);
            var range = _ranges[mid];
            if (address < range.First)
            {
                hi = mid - 1;
            }
            else if (address > range.Last)
            {
                lo = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>How many of <paramref name="used"/> fall in these ranges.</summary>
    public BigInteger CountUsed(SortedSet<UInt128> used) =>
        _ranges.Aggregate(BigInteger.Zero, (sum, r) => sum + used.GetViewBetween(r.First, r.Last).Count);

    /// <summary>
    /// The lowest address in these ranges, at or above <paramref name="from"/>, not in
    /// <paramref name="used"/>; walks only the used addresses, never the free ones.
    /// </summary>
    public bool TryFindFree(SortedSet<UInt128> used, out UInt128 free, UInt128 from = default)
    {
        foreach (var range in _ranges)
        {
            if (range.Last < from)
            {
                continue;
            }

            var candidate = UInt128.Max(range.First, from);
            var full = false;
            foreach (var taken in used.GetViewBetween(candidate, range.Last))
            {
                if (taken != candidate)
                {
                    break;
                }

                if (candidate == range.Last)
                {
                    full = true;
                    break;
                }

                candidate++;
            }

            if (!full)
            {
                free = candidate;
                return true;
            }
        }

        free = default;
        return false;
    }

    private static bool Touches(AddressRange before, AddressRange after) =>
        after.First <= before.Last || (before.Last != UInt128.MaxValue && after.First == before.Last + 1);
}
