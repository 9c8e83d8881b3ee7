using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Beacon.Bgp.Speaker;

namespace Beacon.Bgp.Wire;

/// <summary>
/// Writes UPDATE messages (RFC 4271 §4.3, RFC 4760), packing as many prefixes into each
/// message as the negotiated maximum size allows.
/// </summary>
public static class UpdateWriter
{
    private const int LengthFieldsSize = 4;

    // MP_REACH_NLRI and MP_UNREACH_NLRI always use a 2-octet length so one layout fits any NLRI size.
    private const int MpAttributeHeaderSize = 4;
    private const int MaxPrefixSize = 17;

    /// <summary>
    /// Announces <paramref name="prefixes"/> with <paramref name="attributes"/>. IPv4 with an
    /// IPv4 next hop goes in the NLRI field with NEXT_HOP; IPv6, and IPv4 with an IPv6 next hop
    /// (RFC 8950, only for a peer that advertised Extended Next Hop), in MP_REACH_NLRI with the
    /// next hop inside it (global, plus link-local when given). Returns the number of messages written.
    /// </summary>
    public static int WriteAnnouncements(
        IBufferWriter<byte> output, RouteFamily family, PathAttributes attributes, ReadOnlySpan<IPNetwork> prefixes, in UpdateEncodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        CheckPrefixes(family, prefixes);
        if (prefixes.IsEmpty)
        {
            return 0;
        }

        ValidateNextHop(family, attributes);
        var (afi, safi) = AfiSafi.ToWire(family);
        var nlriField = attributes.NextHop!.AddressFamily == AddressFamily.InterNetwork;
        var fourOctetAs = options.FourOctetAs;
        var attributesSize = PathAttributeWriter.Measure(attributes, fourOctetAs, includeNextHop: nlriField);
        var nextHopSize = nlriField ? 0 : attributes.LinkLocalNextHop is null ? 16 : 32;
        var mpFixed = nlriField ? 0 : MpAttributeHeaderSize + 5 + nextHopSize;
        var fixedSize = BgpFraming.HeaderSize + LengthFieldsSize + attributesSize + mpFixed;
        var budget = options.MaxMessageSize - fixedSize;
        if (budget < MaxPrefixSize)
        {
            throw new ArgumentException($"path attributes of {attributesSize} octets leave no room for NLRI in a {options.MaxMessageSize}-octet message", nameof(attributes));
        }

        var messages = 0;
        while (!prefixes.IsEmpty)
        {
            var (count, nlriSize) = Fit(prefixes, Math.Min(budget, ushort.MaxValue - 5 - nextHopSize));
            var size = fixedSize + nlriSize;
            var message = output.GetSpan(size)[..size];
            BgpFraming.WriteHeader(message, size, MessageType.Update);
            var body = message[BgpFraming.HeaderSize..];
            BinaryPrimitives.WriteUInt16BigEndian(body, 0);
            BinaryPrimitives.WriteUInt16BigEndian(body[2..], (ushort)(mpFixed + attributesSize + (nlriField ? 0 : nlriSize)));
            var cursor = body[LengthFieldsSize..];
            if (!nlriField)
            {
                // RFC 7606 §5.1: MP_REACH_NLRI goes first so a receiver can always find the NLRI.
                cursor[0] = UnknownAttribute.OptionalFlag | UnknownAttribute.ExtendedLengthFlag;
                cursor[1] = AttributeType.MpReachNlri;
                BinaryPrimitives.WriteUInt16BigEndian(cursor[2..], (ushort)(5 + nextHopSize + nlriSize));
                BinaryPrimitives.WriteUInt16BigEndian(cursor[4..], afi);
                cursor[6] = safi;
                cursor[7] = (byte)nextHopSize;
                attributes.NextHop!.TryWriteBytes(cursor[8..], out _);
                attributes.LinkLocalNextHop?.TryWriteBytes(cursor[24..], out _);
                cursor[8 + nextHopSize] = 0;
                cursor = cursor[mpFixed..];
                cursor = cursor[WritePrefixes(cursor, prefixes[..count])..];
                PathAttributeWriter.Write(cursor, attributes, fourOctetAs, includeNextHop: false);
            }
            else
            {
                var written = PathAttributeWriter.Write(cursor, attributes, fourOctetAs, includeNextHop: true);
                WritePrefixes(cursor[written..], prefixes[..count]);
            }

            output.Advance(size);
            prefixes = prefixes[count..];
            messages++;
        }

        return messages;
    }

    /// <summary>Withdraws prefixes: IPv4 in the Withdrawn Routes field, IPv6 in MP_UNREACH_NLRI.</summary>
    public static int WriteWithdrawals(IBufferWriter<byte> output, RouteFamily family, ReadOnlySpan<IPNetwork> prefixes, in UpdateEncodeOptions options)
    {
        CheckPrefixes(family, prefixes);
        var ipv4 = family == RouteFamily.Ipv4Unicast;
        var mpFixed = ipv4 ? 0 : MpAttributeHeaderSize + 3;
        var fixedSize = BgpFraming.HeaderSize + LengthFieldsSize + mpFixed;
        var budget = Math.Min(options.MaxMessageSize - fixedSize, ushort.MaxValue - 3);
        var messages = 0;
        while (!prefixes.IsEmpty)
        {
            var (count, nlriSize) = Fit(prefixes, budget);
            var size = fixedSize + nlriSize;
            var message = output.GetSpan(size)[..size];
            BgpFraming.WriteHeader(message, size, MessageType.Update);
            var body = message[BgpFraming.HeaderSize..];
            if (ipv4)
            {
                BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)nlriSize);
                WritePrefixes(body[2..], prefixes[..count]);
                BinaryPrimitives.WriteUInt16BigEndian(body[(2 + nlriSize)..], 0);
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(body, 0);
                BinaryPrimitives.WriteUInt16BigEndian(body[2..], (ushort)(mpFixed + nlriSize));
                var attribute = body[LengthFieldsSize..];
                attribute[0] = UnknownAttribute.OptionalFlag | UnknownAttribute.ExtendedLengthFlag;
                attribute[1] = AttributeType.MpUnreachNlri;
                BinaryPrimitives.WriteUInt16BigEndian(attribute[2..], (ushort)(3 + nlriSize));
                BinaryPrimitives.WriteUInt16BigEndian(attribute[4..], AfiSafi.Ipv6);
                attribute[6] = AfiSafi.Unicast;
                WritePrefixes(attribute[7..], prefixes[..count]);
            }

            output.Advance(size);
            prefixes = prefixes[count..];
            messages++;
        }

        return messages;
    }

    /// <summary>
    /// RFC 4724 §2 End-of-RIB: an empty UPDATE for IPv4 unicast, an UPDATE with only an
    /// empty MP_UNREACH_NLRI for other families.
    /// </summary>
    public static void WriteEndOfRib(IBufferWriter<byte> output, RouteFamily family)
    {
        var ipv4 = family == RouteFamily.Ipv4Unicast;
        var size = BgpFraming.HeaderSize + LengthFieldsSize + (ipv4 ? 0 : 6);
        var message = output.GetSpan(size)[..size];
        message.Clear();
        BgpFraming.WriteHeader(message, size, MessageType.Update);
        if (!ipv4)
        {
            var (afi, safi) = AfiSafi.ToWire(family);
            var body = message[BgpFraming.HeaderSize..];
            body[3] = 6;
            body[4] = UnknownAttribute.OptionalFlag;
            body[5] = AttributeType.MpUnreachNlri;
            body[6] = 3;
            BinaryPrimitives.WriteUInt16BigEndian(body[7..], afi);
            body[9] = safi;
        }

        output.Advance(size);
    }

    private static (int Count, int Size) Fit(ReadOnlySpan<IPNetwork> prefixes, int budget)
    {
        var size = 0;
        var count = 0;
        while (count < prefixes.Length)
        {
            var next = Prefixes.EncodedLength(prefixes[count]);
            if (size + next > budget)
            {
                break;
            }

            size += next;
            count++;
        }

        return (count, size);
    }

    private static int WritePrefixes(Span<byte> destination, ReadOnlySpan<IPNetwork> prefixes)
    {
        var written = 0;
        foreach (var prefix in prefixes)
        {
            written += Prefixes.Write(destination[written..], prefix);
        }

        return written;
    }

    private static void CheckPrefixes(RouteFamily family, ReadOnlySpan<IPNetwork> prefixes)
    {
        var expected = family switch
        {
            RouteFamily.Ipv4Unicast => AddressFamily.InterNetwork,
            RouteFamily.Ipv6Unicast => AddressFamily.InterNetworkV6,
            _ => throw new ArgumentOutOfRangeException(nameof(family), family, "unknown route family"),
        };
        foreach (var prefix in prefixes)
        {
            if (prefix.BaseAddress.AddressFamily != expected)
            {
                throw new ArgumentException($"prefix {prefix} is not in family {family}", nameof(prefixes));
            }
        }
    }

    private static void ValidateNextHop(RouteFamily family, PathAttributes attributes)
    {
        // IPv4 NLRI may have an IPv6 next hop (RFC 8950); IPv6 NLRI never has an IPv4 one.
        var ok = attributes.NextHop?.AddressFamily switch
        {
            AddressFamily.InterNetwork => family == RouteFamily.Ipv4Unicast && attributes.LinkLocalNextHop is null,
            AddressFamily.InterNetworkV6 => attributes.LinkLocalNextHop?.AddressFamily is null or AddressFamily.InterNetworkV6,
            _ => false,
        };
        if (!ok)
        {
            throw new ArgumentException($"next hop {attributes.NextHop} does not suit family {family}", nameof(attributes));
        }
    }
}
