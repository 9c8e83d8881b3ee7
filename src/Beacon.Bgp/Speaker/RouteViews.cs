using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Beacon.Bgp.Rib;
using Beacon.Bgp.Wire;

namespace Beacon.Bgp.Speaker;

/// <summary>Turns wire attributes into the status endpoint's route shape (DESIGN.md, GET /api/v1/routes).</summary>
internal static class RouteViews
{
    public static RouteView Create(IPNetwork prefix, PathAttributes attributes, bool stale = false) => new()
    {
        Prefix = prefix.ToString(),
        Afi = AdjRibOut.FamilyOf(prefix) == RouteFamily.Ipv4Unicast ? "ipv4" : "ipv6",
        NextHop = attributes.NextHop?.ToString(),
        Origin = attributes.Origin switch
        {
            Origin.Igp => "igp",
            Origin.Egp => "egp",
            _ => "incomplete",
        },
        AsPath = FlattenAsPath(attributes.AsPath),
        Med = attributes.Med,
        LocalPreference = attributes.LocalPreference,
        Communities = [.. attributes.Communities.Select(FormatCommunity)],
        LargeCommunities = [.. attributes.LargeCommunities.Select(c => c.ToString())],
        ExtendedCommunities = [.. attributes.ExtendedCommunities.Select(FormatExtendedCommunity)],
        UnknownAttributes = [.. attributes.UnknownAttributes.Select(u => new UnknownAttributeView(u.Type, u.Flags, u.Partial))],
        Stale = stale,
    };

    /// <summary>AS_SEQUENCE members inline, each AS_SET (or confederation segment) as a nested array.</summary>
    public static ImmutableArray<object> FlattenAsPath(ImmutableArray<AsPathSegment> segments)
    {
        var path = ImmutableArray.CreateBuilder<object>();
        foreach (var segment in segments)
        {
            if (segment.Type == AsPathSegmentType.AsSequence)
            {
                foreach (var asn in segment.Asns)
                {
                    path.Add(asn);
                }
            }
            else
            {
                path.Add(segment.Asns.ToArray());
            }
        }

        return path.ToImmutable();
    }

    public static string FormatCommunity(uint community) => $"{community >> 16}:{community & 0xFFFF}";

    /// <summary>RFC 4360 §3/§4: route target and route origin in their usual text form, anything else as hex.</summary>
    public static string FormatExtendedCommunity(ulong community)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, community);
        var type = bytes[0] & 0x3F;
        var subtype = bytes[1];
        var name = subtype switch
        {
            0x02 => "rt",
            0x03 => "soo",
            _ => null,
        };
        if (name is not null)
        {
            switch (type)
            {
                case 0x00:
                    return $"{name}:{BinaryPrimitives.ReadUInt16BigEndian(bytes[2..])}:{BinaryPrimitives.ReadUInt32BigEndian(bytes[4..])}";
                case 0x01:
                    return $"{name}:{new IPAddress(bytes.Slice(2, 4))}:{BinaryPrimitives.ReadUInt16BigEndian(bytes[6..])}";
                case 0x02:
                    return $"{name}:{BinaryPrimitives.ReadUInt32BigEndian(bytes[2..])}:{BinaryPrimitives.ReadUInt16BigEndian(bytes[6..])}";
            }
        }

        return "0x" + community.ToString("x16", CultureInfo.InvariantCulture);
    }
}
