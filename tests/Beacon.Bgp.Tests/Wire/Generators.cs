using System.Collections.Immutable;
using System.Net;
using Beacon.Bgp.Rib;
using Beacon.Bgp.Wire;
using CsCheck;

namespace Beacon.Bgp.Tests.Wire;

/// <summary>CsCheck generators of valid wire values.</summary>
internal static class Generators
{
    public static readonly Gen<IPNetwork> Ipv4Prefix =
        from address in Gen.UInt
        from length in Gen.Int[0, 32]
        select new IPNetwork(new IPAddress(Mask(BitConverter.GetBytes(address), length)[..4]), length);

    public static readonly Gen<IPNetwork> Ipv6Prefix =
        from address in Gen.Byte.Array[16]
        from length in Gen.Int[0, 128]
        select new IPNetwork(new IPAddress(Mask(address, length)), length);

    public static readonly Gen<IPAddress> Ipv4Host =
        from a in Gen.Byte[1, 223]
        from rest in Gen.Byte.Array[3]
        select new IPAddress([a, rest[0], rest[1], rest[2]]);

    public static readonly Gen<IPAddress> Ipv6Address = Gen.Byte.Array[16].Select(b => new IPAddress(b));

    private static readonly byte[] s_knownTypes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 25, 32];

    public static Gen<AsPathSegment> Segment(bool fourOctetAs) =>
        from type in Gen.OneOfConst(AsPathSegmentType.AsSequence, AsPathSegmentType.AsSequence, AsPathSegmentType.AsSet, AsPathSegmentType.ConfedSequence, AsPathSegmentType.ConfedSet)
        from asns in Gen.UInt.Array[1, 12]
        select new AsPathSegment(
            type,
            [.. asns.Select(a => fourOctetAs && type is AsPathSegmentType.AsSequence or AsPathSegmentType.AsSet ? a : a & 0xFFFF)]);

    private static Gen<T?> Maybe<T>(Gen<T> gen)
        where T : struct =>
        from has in Gen.Bool
        from value in gen
        select has ? value : (T?)null;

    /// <summary>
    /// Attributes as they come back from the wire. On a 2-octet session 4-octet ASes appear
    /// only in non-confederation segments (AS4_PATH cannot carry confederation segments) and
    /// there is no AGGREGATOR, whose 2-octet AS would make the receiver ignore AS4_PATH
    /// (RFC 6793 §4.2.3).
    /// </summary>
    public static Gen<PathAttributes> Attributes(bool ipv6, bool fourOctetAs) =>
        from origin in Gen.Enum<Origin>()
        from path in Segment(fourOctetAs).Array[0, 5]
        from nextHop in ipv6 ? Ipv6Address : Ipv4Host
        from linkLocal in Gen.Bool
        from med in Maybe(Gen.UInt)
        from localPref in Maybe(Gen.UInt)
        from atomic in Gen.Bool
        from aggregator in Maybe(Gen.UInt)
        from aggregatorAddress in Ipv4Host
        from communities in Gen.UInt.Array[0, 20]
        from extended in Gen.ULong.Array[0, 10]
        from large in Gen.Select(Gen.UInt, Gen.UInt, Gen.UInt, (a, b, c) => new LargeCommunity(a, b, c)).Array[0, 10]
        from unknownTypes in Gen.Byte.Where(t => Array.IndexOf(s_knownTypes, t) < 0).HashSet[0, 4]
        from unknownValues in Gen.Byte.Array[0, 300].Array[4]
        select new PathAttributes
        {
            Origin = origin,
            AsPath = [.. path],
            NextHop = nextHop,
            LinkLocalNextHop = ipv6 && linkLocal ? IPAddress.Parse("fe80::1") : null,
            Med = med,
            LocalPreference = localPref,
            AtomicAggregate = atomic,
            Aggregator = fourOctetAs && aggregator is { } asn ? new Aggregator(asn, aggregatorAddress) : null,
            Communities = [.. communities],
            ExtendedCommunities = [.. extended],
            LargeCommunities = [.. large],
            UnknownAttributes = [.. unknownTypes.Select((t, i) => new UnknownAttribute(0xE0, t, unknownValues[i]))],
        };

    public static readonly Gen<Capability> Capability = Gen.OneOf<Capability>(
        Gen.Select(Gen.UShort, Gen.Byte, (afi, safi) => (Capability)new MultiprotocolCapability(afi, safi)),
        Gen.Const<Capability>(RouteRefreshCapability.Instance),
        Gen.Const<Capability>(EnhancedRouteRefreshCapability.Instance),
        Gen.Const<Capability>(ExtendedMessageCapability.Instance),
        Gen.UInt.Select(asn => (Capability)new FourOctetAsCapability(asn)),
        from r in Gen.Bool
        from n in Gen.Bool
        from time in Gen.UShort[0, 4095]
        from families in Gen.Select(Gen.UShort, Gen.Byte, Gen.Bool, (a, s, f) => new GracefulRestartFamily(a, s, f)).Array[0, 8]
        select (Capability)new GracefulRestartCapability(r, n, time, [.. families]),
        Gen.Select(Gen.UShort, Gen.UShort, Gen.UShort, (a, s, n) => new ExtendedNextHopFamily(a, s, n)).Array[0, 8]
            .Select(families => (Capability)new ExtendedNextHopCapability([.. families])),
        from code in Gen.Byte.Where(c => c is not (1 or 2 or 5 or 6 or 64 or 65 or 70))
        from value in Gen.Byte.Array[0, 40]
        select (Capability)new UnknownCapability(code, value));

    public static readonly Gen<OpenMessage> Open =
        from myAs in Gen.UShort
        from hold in Gen.UShort.Where(h => h is not (1 or 2))
        from id in Gen.UInt[1, uint.MaxValue]
        from capabilities in Capability.Array[0, 30]
        select new OpenMessage(4, myAs, hold, id, [.. capabilities]);

    public static readonly Gen<NotificationMessage> Notification =
        from code in Gen.Byte[1, 7]
        from subcode in Gen.Byte
        from data in Gen.Byte.Array[0, 200]
        select new NotificationMessage((ErrorCode)code, subcode, data);

    public static readonly Gen<RouteRefreshMessage> RouteRefresh =
        from afi in Gen.UShort
        from subtype in Gen.Byte[0, 2]
        from safi in Gen.Byte
        select new RouteRefreshMessage(afi, subtype, safi);

    private static byte[] Mask(byte[] address, int length)
    {
        var masked = (byte[])address.Clone();
        for (var bit = length; bit < masked.Length * 8; bit++)
        {
            masked[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return masked;
    }
}
