using System.Collections.Immutable;
using System.Net;
using Beacon.Bgp.Rib;

namespace Beacon.Bgp.Wire;

/// <summary>ORIGIN values (RFC 4271 §4.3 type code 1).</summary>
public enum Origin : byte
{
    Igp = 0,
    Egp = 1,
    Incomplete = 2,
}

/// <summary>AS_PATH segment types (RFC 4271 §4.3, RFC 5065 §3).</summary>
public enum AsPathSegmentType : byte
{
    AsSet = 1,
    AsSequence = 2,
    ConfedSequence = 3,
    ConfedSet = 4,
}

/// <summary>One AS_PATH segment; ASNs are always held as 4-octet values.</summary>
public readonly record struct AsPathSegment(AsPathSegmentType Type, ImmutableArray<uint> Asns)
{
    public bool Equals(AsPathSegment other) => Type == other.Type && Asns.AsSpan().SequenceEqual(other.Asns.AsSpan());

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Type);
        foreach (var asn in Asns.AsSpan())
        {
            hash.Add(asn);
        }

        return hash.ToHashCode();
    }

    /// <summary>Contribution to the path length used by route selection and RFC 6793 §4.2.3.</summary>
    public int PathLength => Type switch
    {
        AsPathSegmentType.AsSequence => Asns.Length,
        AsPathSegmentType.AsSet => 1,
        _ => 0,
    };

    public static AsPathSegment Sequence(params uint[] asns) => new(AsPathSegmentType.AsSequence, [.. asns]);

    public override string ToString() => Type switch
    {
        AsPathSegmentType.AsSequence => string.Join(' ', Asns),
        AsPathSegmentType.AsSet => "{" + string.Join(',', Asns) + "}",
        AsPathSegmentType.ConfedSequence => "(" + string.Join(' ', Asns) + ")",
        _ => "[" + string.Join(',', Asns) + "]",
    };
}

/// <summary>AGGREGATOR (RFC 4271 §5.1.7), with the AS as 4 octets.</summary>
public sealed record Aggregator(uint Asn, IPAddress Address);

/// <summary>A path attribute Beacon does not interpret (RFC 4271 §5).</summary>
public readonly record struct UnknownAttribute(byte Flags, byte Type, ReadOnlyMemory<byte> Value)
{
    public const byte OptionalFlag = 0x80;
    public const byte TransitiveFlag = 0x40;
    public const byte PartialFlag = 0x20;
    public const byte ExtendedLengthFlag = 0x10;

    public bool Optional => (Flags & OptionalFlag) != 0;

    public bool Transitive => (Flags & TransitiveFlag) != 0;

    public bool Partial => (Flags & PartialFlag) != 0;

    public bool Equals(UnknownAttribute other) => Flags == other.Flags && Type == other.Type && Value.Span.SequenceEqual(other.Value.Span);

    public override int GetHashCode() => HashCode.Combine(Flags, Type, Value.Length);
}

/// <summary>The path attributes of an UPDATE, immutable and compared by value.</summary>
public sealed record PathAttributes
{
    public Origin Origin { get; init; }

    public ImmutableArray<AsPathSegment> AsPath { get; init; } = [];

    /// <summary>The IPv4 NEXT_HOP attribute, or the global next hop of MP_REACH_NLRI.</summary>
    public IPAddress? NextHop { get; init; }

    /// <summary>The IPv6 link-local next hop of a 32-octet MP_REACH_NLRI next hop (RFC 2545 §3).</summary>
    public IPAddress? LinkLocalNextHop { get; init; }

    public uint? Med { get; init; }

    public uint? LocalPreference { get; init; }

    public bool AtomicAggregate { get; init; }

    public Aggregator? Aggregator { get; init; }

    /// <summary>RFC 1997 communities.</summary>
    public ImmutableArray<uint> Communities { get; init; } = [];

    /// <summary>RFC 4360 extended communities, each 8 octets as a big-endian integer.</summary>
    public ImmutableArray<ulong> ExtendedCommunities { get; init; } = [];

    /// <summary>RFC 8092 large communities.</summary>
    public ImmutableArray<LargeCommunity> LargeCommunities { get; init; } = [];

    /// <summary>Unrecognised optional transitive attributes, to pass on (Partial set, RFC 4271 §5).</summary>
    public ImmutableArray<UnknownAttribute> UnknownAttributes { get; init; } = [];

    /// <summary>Number of ASes counted as RFC 4271 §9.1.2.2 a) counts them.</summary>
    public int AsPathLength
    {
        get
        {
            var length = 0;
            foreach (var segment in AsPath)
            {
                length += segment.PathLength;
            }

            return length;
        }
    }

    public bool Equals(PathAttributes? other) =>
        other is not null
        && Origin == other.Origin
        && AsPath.AsSpan().SequenceEqual(other.AsPath.AsSpan())
        && Equals(NextHop, other.NextHop)
        && Equals(LinkLocalNextHop, other.LinkLocalNextHop)
        && Med == other.Med
        && LocalPreference == other.LocalPreference
        && AtomicAggregate == other.AtomicAggregate
        && Equals(Aggregator, other.Aggregator)
        && Communities.AsSpan().SequenceEqual(other.Communities.AsSpan())
        && ExtendedCommunities.AsSpan().SequenceEqual(other.ExtendedCommunities.AsSpan())
        && LargeCommunities.AsSpan().SequenceEqual(other.LargeCommunities.AsSpan())
        && UnknownAttributes.AsSpan().SequenceEqual(other.UnknownAttributes.AsSpan());

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Origin);
        foreach (var segment in AsPath.AsSpan())
        {
            hash.Add(segment);
        }

        hash.Add(NextHop);
        hash.Add(Med);
        hash.Add(LocalPreference);
        hash.Add(AtomicAggregate);
        foreach (var c in Communities.AsSpan())
        {
            hash.Add(c);
        }

        foreach (var c in LargeCommunities.AsSpan())
        {
            hash.Add(c);
        }

        hash.Add(ExtendedCommunities.Length);
        hash.Add(UnknownAttributes.Length);
        return hash.ToHashCode();
    }
}
