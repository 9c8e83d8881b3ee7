using System.Collections.Immutable;
using System.Net;

namespace Beacon.Bgp.Rib;

/// <summary>A large community (RFC 8092): global administrator and two local data parts.</summary>
public readonly record struct LargeCommunity(uint GlobalAdministrator, uint LocalData1, uint LocalData2)
{
    public override string ToString() => $"{GlobalAdministrator}:{LocalData1}:{LocalData2}";
}

/// <summary>
/// The attributes the agent asks for on a route it originates. The speaker adds the
/// mandatory ones (ORIGIN IGP, AS_PATH, NEXT_HOP = the session's local address).
/// </summary>
public sealed record RouteAttributes
{
    public static RouteAttributes Default { get; } = new();

    /// <summary>RFC 1997 communities as 32-bit values (high 16 bits AS, low 16 bits value).</summary>
    public ImmutableArray<uint> Communities { get; init; } = [];

    public ImmutableArray<LargeCommunity> LargeCommunities { get; init; } = [];

    /// <summary>LOCAL_PREF, sent to internal peers only (RFC 4271 §5.1.5).</summary>
    public uint? LocalPreference { get; init; }

    public uint? Med { get; init; }

    /// <summary>How many extra times the local AS is prepended.</summary>
    public int AsPathPrependCount { get; init; }

    public bool Equals(RouteAttributes? other) =>
        other is not null
        && Communities.AsSpan().SequenceEqual(other.Communities.AsSpan())
        && LargeCommunities.AsSpan().SequenceEqual(other.LargeCommunities.AsSpan())
        && LocalPreference == other.LocalPreference
        && Med == other.Med
        && AsPathPrependCount == other.AsPathPrependCount;

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var c in Communities)
        {
            hash.Add(c);
        }

        foreach (var c in LargeCommunities)
        {
            hash.Add(c);
        }

        hash.Add(LocalPreference);
        hash.Add(Med);
        hash.Add(AsPathPrependCount);
        return hash.ToHashCode();
    }
}

/// <summary>A route the local node originates towards one peer.</summary>
public sealed record AdvertisedRoute(IPNetwork Prefix, RouteAttributes Attributes);
