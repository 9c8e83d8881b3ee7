using System.Buffers.Binary;
using System.Collections.Immutable;

namespace Beacon.Bgp.Wire;

/// <summary>
/// Encodes <see cref="PathAttributes"/> other than MP_REACH/MP_UNREACH, in ascending type
/// order (RFC 4271 §5), applying RFC 6793 §4.2.2 when the session is 2-octet.
/// </summary>
internal static class PathAttributeWriter
{
    private const byte WellKnown = UnknownAttribute.TransitiveFlag;
    private const byte OptionalNonTransitive = UnknownAttribute.OptionalFlag;
    private const byte OptionalTransitive = UnknownAttribute.OptionalFlag | UnknownAttribute.TransitiveFlag;
    private const int MaxSegmentLength = 255;

    public static int Measure(PathAttributes a, bool fourOctetAs, bool includeNextHop)
    {
        var asnSize = fourOctetAs ? 4 : 2;
        var size = Attribute(1);
        size += Attribute(AsPathSize(a.AsPath, asnSize, includeConfederation: true));
        if (includeNextHop)
        {
            size += Attribute(4);
        }

        if (a.Med is not null)
        {
            size += Attribute(4);
        }

        if (a.LocalPreference is not null)
        {
            size += Attribute(4);
        }

        if (a.AtomicAggregate)
        {
            size += Attribute(0);
        }

        if (a.Aggregator is not null)
        {
            size += Attribute(asnSize + 4);
        }

        if (!a.Communities.IsDefaultOrEmpty)
        {
            size += Attribute(4 * a.Communities.Length);
        }

        if (!a.ExtendedCommunities.IsDefaultOrEmpty)
        {
            size += Attribute(8 * a.ExtendedCommunities.Length);
        }

        if (!fourOctetAs && NeedsAs4Path(a.AsPath))
        {
            size += Attribute(AsPathSize(a.AsPath, 4, includeConfederation: false));
        }

        if (!fourOctetAs && a.Aggregator?.Asn > ushort.MaxValue)
        {
            size += Attribute(8);
        }

        if (!a.LargeCommunities.IsDefaultOrEmpty)
        {
            size += Attribute(12 * a.LargeCommunities.Length);
        }

        foreach (var u in a.UnknownAttributes.AsSpan())
        {
            size += Attribute(u.Value.Length);
        }

        return size;
    }

    public static int Write(Span<byte> destination, PathAttributes a, bool fourOctetAs, bool includeNextHop)
    {
        var asnSize = fourOctetAs ? 4 : 2;
        var w = 0;

        var value = Header(destination, ref w, WellKnown, AttributeType.Origin, 1);
        value[0] = (byte)a.Origin;

        value = Header(destination, ref w, WellKnown, AttributeType.AsPath, AsPathSize(a.AsPath, asnSize, includeConfederation: true));
        WriteAsPath(value, a.AsPath, asnSize, includeConfederation: true);

        if (includeNextHop)
        {
            value = Header(destination, ref w, WellKnown, AttributeType.NextHop, 4);
            a.NextHop!.TryWriteBytes(value, out _);
        }

        if (a.Med is { } med)
        {
            BinaryPrimitives.WriteUInt32BigEndian(Header(destination, ref w, OptionalNonTransitive, AttributeType.MultiExitDisc, 4), med);
        }

        if (a.LocalPreference is { } localPref)
        {
            BinaryPrimitives.WriteUInt32BigEndian(Header(destination, ref w, WellKnown, AttributeType.LocalPref, 4), localPref);
        }

        if (a.AtomicAggregate)
        {
            Header(destination, ref w, WellKnown, AttributeType.AtomicAggregate, 0);
        }

        if (a.Aggregator is { } aggregator)
        {
            value = Header(destination, ref w, OptionalTransitive, AttributeType.Aggregator, asnSize + 4);
            WriteAsn(value, aggregator.Asn, asnSize);
            aggregator.Address.TryWriteBytes(value[asnSize..], out _);
        }

        if (!a.Communities.IsDefaultOrEmpty)
        {
            value = Header(destination, ref w, OptionalTransitive, AttributeType.Communities, 4 * a.Communities.Length);
            for (var i = 0; i < a.Communities.Length; i++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(value[(4 * i)..], a.Communities[i]);
            }
        }

        if (!a.ExtendedCommunities.IsDefaultOrEmpty)
        {
            value = Header(destination, ref w, OptionalTransitive, AttributeType.ExtendedCommunities, 8 * a.ExtendedCommunities.Length);
            for (var i = 0; i < a.ExtendedCommunities.Length; i++)
            {
                BinaryPrimitives.WriteUInt64BigEndian(value[(8 * i)..], a.ExtendedCommunities[i]);
            }
        }

        if (!fourOctetAs && NeedsAs4Path(a.AsPath))
        {
            // RFC 6793 §4.2.2: AS4_PATH carries the real path, without confederation segments.
            value = Header(destination, ref w, OptionalTransitive, AttributeType.As4Path, AsPathSize(a.AsPath, 4, includeConfederation: false));
            WriteAsPath(value, a.AsPath, 4, includeConfederation: false);
        }

        if (!fourOctetAs && a.Aggregator is { Asn: > ushort.MaxValue } as4Aggregator)
        {
            value = Header(destination, ref w, OptionalTransitive, AttributeType.As4Aggregator, 8);
            BinaryPrimitives.WriteUInt32BigEndian(value, as4Aggregator.Asn);
            as4Aggregator.Address.TryWriteBytes(value[4..], out _);
        }

        if (!a.LargeCommunities.IsDefaultOrEmpty)
        {
            value = Header(destination, ref w, OptionalTransitive, AttributeType.LargeCommunities, 12 * a.LargeCommunities.Length);
            for (var i = 0; i < a.LargeCommunities.Length; i++)
            {
                var c = value.Slice(12 * i, 12);
                BinaryPrimitives.WriteUInt32BigEndian(c, a.LargeCommunities[i].GlobalAdministrator);
                BinaryPrimitives.WriteUInt32BigEndian(c[4..], a.LargeCommunities[i].LocalData1);
                BinaryPrimitives.WriteUInt32BigEndian(c[8..], a.LargeCommunities[i].LocalData2);
            }
        }

        foreach (var u in a.UnknownAttributes.AsSpan())
        {
            u.Value.Span.CopyTo(Header(destination, ref w, (byte)(u.Flags & ~UnknownAttribute.ExtendedLengthFlag), u.Type, u.Value.Length));
        }

        return w;
    }

    private static int Attribute(int valueLength) => (valueLength > byte.MaxValue ? 4 : 3) + valueLength;

    private static Span<byte> Header(Span<byte> destination, ref int position, byte flags, byte type, int length)
    {
        var at = destination[position..];
        if (length > byte.MaxValue)
        {
            at[0] = (byte)(flags | UnknownAttribute.ExtendedLengthFlag);
            at[1] = type;
            BinaryPrimitives.WriteUInt16BigEndian(at[2..], checked((ushort)length));
            position += 4 + length;
            return at.Slice(4, length);
        }

        at[0] = flags;
        at[1] = type;
        at[2] = (byte)length;
        position += 3 + length;
        return at.Slice(3, length);
    }

    private static bool NeedsAs4Path(ImmutableArray<AsPathSegment> path)
    {
        foreach (var segment in path.AsSpan())
        {
            foreach (var asn in segment.Asns.AsSpan())
            {
                if (asn > ushort.MaxValue)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool Skip(AsPathSegment segment, bool includeConfederation) =>
        !includeConfederation && segment.Type is AsPathSegmentType.ConfedSequence or AsPathSegmentType.ConfedSet;

    private static int AsPathSize(ImmutableArray<AsPathSegment> path, int asnSize, bool includeConfederation)
    {
        var size = 0;
        foreach (var segment in path.AsSpan())
        {
            if (Skip(segment, includeConfederation) || segment.Asns.IsDefaultOrEmpty)
            {
                continue;
            }

            var chunks = (segment.Asns.Length + MaxSegmentLength - 1) / MaxSegmentLength;
            size += (2 * chunks) + (asnSize * segment.Asns.Length);
        }

        return size;
    }

    private static void WriteAsPath(Span<byte> destination, ImmutableArray<AsPathSegment> path, int asnSize, bool includeConfederation)
    {
        foreach (var segment in path.AsSpan())
        {
            if (Skip(segment, includeConfederation) || segment.Asns.IsDefaultOrEmpty)
            {
                continue;
            }

            // A segment holds at most 255 ASes (RFC 4271 §4.3); longer ones are split.
            var asns = segment.Asns.AsSpan();
            while (!asns.IsEmpty)
            {
                var chunk = asns[..Math.Min(asns.Length, MaxSegmentLength)];
                destination[0] = (byte)segment.Type;
                destination[1] = (byte)chunk.Length;
                for (var i = 0; i < chunk.Length; i++)
                {
                    WriteAsn(destination[(2 + (i * asnSize))..], chunk[i], asnSize);
                }

                destination = destination[(2 + (chunk.Length * asnSize))..];
                asns = asns[chunk.Length..];
            }
        }
    }

    private static void WriteAsn(Span<byte> destination, uint asn, int asnSize)
    {
        if (asnSize == 4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, asn);
        }
        else
        {
            // RFC 6793 §4.2.2: an AS that does not fit 2 octets is AS_TRANS on the wire.
            BinaryPrimitives.WriteUInt16BigEndian(destination, asn > ushort.MaxValue ? OpenMessage.AsTrans : (ushort)asn);
        }
    }
}
