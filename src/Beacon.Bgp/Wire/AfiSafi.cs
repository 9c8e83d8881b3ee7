using Beacon.Bgp.Speaker;

namespace Beacon.Bgp.Wire;

/// <summary>AFI and SAFI numbers (RFC 4760, IANA registries) and their mapping to <see cref="RouteFamily"/>.</summary>
public static class AfiSafi
{
    public const ushort Ipv4 = 1;
    public const ushort Ipv6 = 2;
    public const byte Unicast = 1;

    public static (ushort Afi, byte Safi) ToWire(RouteFamily family) => family switch
    {
        RouteFamily.Ipv4Unicast => (Ipv4, Unicast),
        RouteFamily.Ipv6Unicast => (Ipv6, Unicast),
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "unknown route family"),
    };

    /// <summary>The family for an AFI/SAFI pair, or null when Beacon does not support it.</summary>
    public static RouteFamily? FromWire(ushort afi, byte safi) => (afi, safi) switch
    {
        (Ipv4, Unicast) => RouteFamily.Ipv4Unicast,
        (Ipv6, Unicast) => RouteFamily.Ipv6Unicast,
        _ => null,
    };
}
