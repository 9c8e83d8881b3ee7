using System.Buffers;
using System.Buffers.Binary;

namespace Beacon.Bgp.Wire;

/// <summary>
/// ROUTE-REFRESH (RFC 2918 §3) with the RFC 7313 §3 subtype in the formerly reserved octet.
/// </summary>
/// <remarks>
/// <code>
///  0       7      15      23      31
/// +-------+-------+-------+-------+
/// |      AFI      | Subtyp| SAFI  |
/// +-------+-------+-------+-------+
/// </code>
/// </remarks>
public readonly record struct RouteRefreshMessage(ushort Afi, byte Subtype, byte Safi)
{
    public const byte NormalRequest = 0;
    public const byte BeginningOfRouteRefresh = 1;
    public const byte EndOfRouteRefresh = 2;

    public const int BodySize = 4;
    public const int Size = BgpFraming.HeaderSize + BodySize;

    /// <summary>False when the subtype is not one RFC 7313 defines; such messages MUST be ignored (RFC 7313 §5).</summary>
    public bool IsKnownSubtype => Subtype <= EndOfRouteRefresh;

    /// <summary>Reads a body that may span several buffer segments.</summary>
    public static RouteRefreshMessage Read(in ReadOnlySequence<byte> body) => BgpFraming.ReadBody(body, Read);

    public static RouteRefreshMessage Read(ReadOnlySpan<byte> body)
    {
        // RFC 7313 §5: a BoRR/EoRR whose body is not 4 octets is an error carrying the whole
        // message; a subtype 0 request may carry ORF entries (RFC 5291), which are ignored here.
        var subtype = body.Length >= 3 ? body[2] : (byte)0;
        if (body.Length < BodySize || (body.Length != BodySize && subtype is BeginningOfRouteRefresh or EndOfRouteRefresh))
        {
            var whole = new byte[BgpFraming.HeaderSize + body.Length];
            BgpFraming.WriteHeader(whole, whole.Length, MessageType.RouteRefresh);
            body.CopyTo(whole.AsSpan(BgpFraming.HeaderSize));
            throw new BgpProtocolException(
                ErrorCode.RouteRefresh, RouteRefreshErrorSubcode.InvalidMessageLength, whole, "ROUTE-REFRESH message has an invalid length");
        }

        return new RouteRefreshMessage(BinaryPrimitives.ReadUInt16BigEndian(body), subtype, body[3]);
    }

    public void Write(Span<byte> destination)
    {
        BgpFraming.WriteHeader(destination, Size, MessageType.RouteRefresh);
        var body = destination[BgpFraming.HeaderSize..];
        BinaryPrimitives.WriteUInt16BigEndian(body, Afi);
        body[2] = Subtype;
        body[3] = Safi;
    }

    public void Write(IBufferWriter<byte> output)
    {
        Write(output.GetSpan(Size));
        output.Advance(Size);
    }
}
