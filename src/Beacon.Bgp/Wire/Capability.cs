using System.Buffers.Binary;
using System.Collections.Immutable;

namespace Beacon.Bgp.Wire;

/// <summary>A capability advertised in OPEN (RFC 5492 §4).</summary>
public abstract record Capability(byte Code)
{
    public const byte MultiprotocolCode = 1;
    public const byte RouteRefreshCode = 2;
    public const byte ExtendedNextHopCode = 5;
    public const byte ExtendedMessageCode = 6;
    public const byte GracefulRestartCode = 64;
    public const byte FourOctetAsCode = 65;
    public const byte EnhancedRouteRefreshCode = 70;

    /// <summary>Length of the capability value (without code and length octets).</summary>
    public abstract int ValueLength { get; }

    internal abstract void WriteValue(Span<byte> destination);

    /// <summary>Parses one capability value; a known capability with a wrong length is an OPEN error.</summary>
    internal static Capability Read(byte code, ReadOnlySpan<byte> value)
    {
        switch (code)
        {
            case MultiprotocolCode when value.Length == 4:
                // RFC 4760 §8: AFI, reserved, SAFI.
                return new MultiprotocolCapability(BinaryPrimitives.ReadUInt16BigEndian(value), value[3]);
            case RouteRefreshCode when value.IsEmpty:
                return RouteRefreshCapability.Instance;
            case EnhancedRouteRefreshCode when value.IsEmpty:
                return EnhancedRouteRefreshCapability.Instance;
            case ExtendedMessageCode when value.IsEmpty:
                return ExtendedMessageCapability.Instance;
            case FourOctetAsCode when value.Length == 4:
                return new FourOctetAsCapability(BinaryPrimitives.ReadUInt32BigEndian(value));
            case GracefulRestartCode when value.Length >= 2 && (value.Length - 2) % 4 == 0:
                return GracefulRestartCapability.ReadValue(value);
            case ExtendedNextHopCode when value.Length % 6 == 0:
                return ExtendedNextHopCapability.ReadValue(value);
            case MultiprotocolCode or RouteRefreshCode or ExtendedNextHopCode or EnhancedRouteRefreshCode or ExtendedMessageCode or FourOctetAsCode or GracefulRestartCode:
                throw new BgpProtocolException(ErrorCode.OpenMessage, OpenErrorSubcode.Unspecific, $"capability {code} has invalid length {value.Length}");
            default:
                return new UnknownCapability(code, value.ToArray());
        }
    }
}

/// <summary>RFC 4760 §8.</summary>
public sealed record MultiprotocolCapability(ushort Afi, byte Safi) : Capability(MultiprotocolCode)
{
    public override int ValueLength => 4;

    internal override void WriteValue(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, Afi);
        destination[2] = 0;
        destination[3] = Safi;
    }
}

/// <summary>RFC 2918 §2.</summary>
public sealed record RouteRefreshCapability() : Capability(RouteRefreshCode)
{
    public static RouteRefreshCapability Instance { get; } = new();

    public override int ValueLength => 0;

    internal override void WriteValue(Span<byte> destination)
    {
    }
}

/// <summary>RFC 7313 §2.</summary>
public sealed record EnhancedRouteRefreshCapability() : Capability(EnhancedRouteRefreshCode)
{
    public static EnhancedRouteRefreshCapability Instance { get; } = new();

    public override int ValueLength => 0;

    internal override void WriteValue(Span<byte> destination)
    {
    }
}

/// <summary>RFC 8654 §3.</summary>
public sealed record ExtendedMessageCapability() : Capability(ExtendedMessageCode)
{
    public static ExtendedMessageCapability Instance { get; } = new();

    public override int ValueLength => 0;

    internal override void WriteValue(Span<byte> destination)
    {
    }
}

/// <summary>RFC 6793 §3.</summary>
public sealed record FourOctetAsCapability(uint Asn) : Capability(FourOctetAsCode)
{
    public override int ValueLength => 4;

    internal override void WriteValue(Span<byte> destination) => BinaryPrimitives.WriteUInt32BigEndian(destination, Asn);
}

/// <summary>One family of the Graceful Restart capability (RFC 4724 §3).</summary>
public readonly record struct GracefulRestartFamily(ushort Afi, byte Safi, bool ForwardingStatePreserved);

/// <summary>
/// RFC 4724 §3 (with the N bit of RFC 8538).
/// <code>
/// +--------------------------------------------------+
/// | Restart Flags (4 bits: R, N, 0, 0)               |
/// | Restart Time in seconds (12 bits)                |
/// +--------------------------------------------------+
/// | AFI (16 bits) | SAFI (8 bits) | Flags (F bit)    |  repeated
/// +--------------------------------------------------+
/// </code>
/// </summary>
public sealed record GracefulRestartCapability(bool RestartState, bool Notification, ushort RestartTimeSeconds, ImmutableArray<GracefulRestartFamily> Families)
    : Capability(GracefulRestartCode)
{
    public const ushort MaxRestartTimeSeconds = 0x0FFF;

    public override int ValueLength => 2 + (4 * Families.Length);

    public bool Equals(GracefulRestartCapability? other) =>
        other is not null
        && RestartState == other.RestartState
        && Notification == other.Notification
        && RestartTimeSeconds == other.RestartTimeSeconds
        && Families.AsSpan().SequenceEqual(other.Families.AsSpan());

    public override int GetHashCode() => HashCode.Combine(RestartState, Notification, RestartTimeSeconds, Families.Length);

    internal static GracefulRestartCapability ReadValue(ReadOnlySpan<byte> value)
    {
        var head = BinaryPrimitives.ReadUInt16BigEndian(value);
        var families = new GracefulRestartFamily[(value.Length - 2) / 4];
        for (var i = 0; i < families.Length; i++)
        {
            var f = value.Slice(2 + (4 * i), 4);
            families[i] = new GracefulRestartFamily(BinaryPrimitives.ReadUInt16BigEndian(f), f[2], (f[3] & 0x80) != 0);
        }

        return new GracefulRestartCapability(
            (head & 0x8000) != 0, (head & 0x4000) != 0, (ushort)(head & MaxRestartTimeSeconds), ImmutableArray.Create(families));
    }

    internal override void WriteValue(Span<byte> destination)
    {
        var head = (ushort)((RestartState ? 0x8000 : 0) | (Notification ? 0x4000 : 0) | (RestartTimeSeconds & MaxRestartTimeSeconds));
        BinaryPrimitives.WriteUInt16BigEndian(destination, head);
        for (var i = 0; i < Families.Length; i++)
        {
            var f = destination.Slice(2 + (4 * i), 4);
            BinaryPrimitives.WriteUInt16BigEndian(f, Families[i].Afi);
            f[2] = Families[i].Safi;
            f[3] = Families[i].ForwardingStatePreserved ? (byte)0x80 : (byte)0;
        }
    }
}

/// <summary>One tuple of the Extended Next Hop Encoding capability: NLRI of (AFI, SAFI) may carry a next hop of <paramref name="NextHopAfi"/>.</summary>
public readonly record struct ExtendedNextHopFamily(ushort Afi, ushort Safi, ushort NextHopAfi)
{
    /// <summary>IPv4 unicast NLRI with an IPv6 next hop, the one tuple Beacon advertises.</summary>
    public static ExtendedNextHopFamily Ipv4UnicastOverIpv6 { get; } = new(AfiSafi.Ipv4, AfiSafi.Unicast, AfiSafi.Ipv6);
}

/// <summary>
/// RFC 8950 §3: the sender of this capability accepts the listed NLRI with next hops of
/// the listed AFI. Each direction is negotiated on its own.
/// <code>
/// +-----------------------------------------------------+
/// | NLRI AFI (2) | NLRI SAFI (2) | Nexthop AFI (2)      |  repeated
/// +-----------------------------------------------------+
/// </code>
/// </summary>
public sealed record ExtendedNextHopCapability(ImmutableArray<ExtendedNextHopFamily> Families) : Capability(ExtendedNextHopCode)
{
    public override int ValueLength => 6 * Families.Length;

    public bool Allows(ExtendedNextHopFamily family) => Families.Contains(family);

    public bool Equals(ExtendedNextHopCapability? other) =>
        other is not null && Families.AsSpan().SequenceEqual(other.Families.AsSpan());

    public override int GetHashCode() => HashCode.Combine(Code, Families.Length);

    internal static ExtendedNextHopCapability ReadValue(ReadOnlySpan<byte> value)
    {
        var families = new ExtendedNextHopFamily[value.Length / 6];
        for (var i = 0; i < families.Length; i++)
        {
            var f = value.Slice(6 * i, 6);
            families[i] = new ExtendedNextHopFamily(
                BinaryPrimitives.ReadUInt16BigEndian(f), BinaryPrimitives.ReadUInt16BigEndian(f[2..]), BinaryPrimitives.ReadUInt16BigEndian(f[4..]));
        }

        return new ExtendedNextHopCapability(ImmutableArray.Create(families));
    }

    internal override void WriteValue(Span<byte> destination)
    {
        for (var i = 0; i < Families.Length; i++)
        {
            var f = destination.Slice(6 * i, 6);
            BinaryPrimitives.WriteUInt16BigEndian(f, Families[i].Afi);
            BinaryPrimitives.WriteUInt16BigEndian(f[2..], Families[i].Safi);
            BinaryPrimitives.WriteUInt16BigEndian(f[4..], Families[i].NextHopAfi);
        }
    }
}

/// <summary>A capability Beacon does not interpret, kept byte for byte.</summary>
public sealed record UnknownCapability(byte Code, ReadOnlyMemory<byte> Value) : Capability(Code)
{
    public override int ValueLength => Value.Length;

    public bool Equals(UnknownCapability? other) =>
        other is not null && Code == other.Code && Value.Span.SequenceEqual(other.Value.Span);

    public override int GetHashCode() => HashCode.Combine(Code, Value.Length);

    internal override void WriteValue(Span<byte> destination) => Value.Span.CopyTo(destination);
}
