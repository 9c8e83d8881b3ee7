using System.Net;
using System.Net.Sockets;
using System.Numerics;
using Beacon.Cluster.Model;
using Beacon.Cluster.Validation;

namespace Beacon.Cluster.Ipam;

/// <summary>
/// The inclusive range <see cref="First"/>..<see cref="Last"/> of one family, with addresses
/// as 128-bit numbers (IPv4 in the low 32 bits) so that arithmetic never materialises a block.
/// </summary>
internal readonly record struct AddressRange(IpFamily Family, UInt128 First, UInt128 Last)
{
    /// <summary>Up to 2^128 for <c>::/0</c>, which does not fit a UInt128.</summary>
    public BigInteger Count => (BigInteger)(Last - First) + 1;

    public bool Contains(IpFamily family, UInt128 address) => family == Family && address >= First && address <= Last;

    public bool Overlaps(AddressRange other) => other.Family == Family && other.First <= Last && First <= other.Last;

    public override string ToString() => First == Last
        ? $"{IpAddresses.ToAddress(Family, First)}"
        : $"{IpAddresses.ToAddress(Family, First)}-{IpAddresses.ToAddress(Family, Last)}";

    /// <summary>
    /// Reads a pool block. <paramref name="full"/> is every address the block names (what
    /// overlaps between pools are judged on); <paramref name="usable"/> is what may be handed out.
    /// </summary>
    /// <remarks>
    /// Without <c>allowFirstLastIPs</c> a CIDR block keeps back, for IPv4 shorter than /31,
    /// the network and broadcast addresses (which hosts on that subnet would treat
    /// specially), and for IPv6 shorter than /127 the first address only, the Subnet-Router
    /// anycast address (RFC 4291 §2.6.1; IPv6 has no broadcast, so the last address is an
    /// ordinary one). /31 and /127 are point-to-point (RFC 3021, RFC 6164) and /32, /128 name a
    /// single host: all their addresses are usable, as in Cilium. A start/stop range names
    /// its addresses explicitly and keeps none back.
    /// </remarks>
    public static bool TryParse(IpBlock block, bool allowFirstLast, out AddressRange full, out AddressRange usable)
    {
        full = default;
        usable = default;
        if (block.Cidr is { } cidr)
        {
            if (!ObjectValidator.TryParseCidr(cidr, out var network))
            {
                return false;
            }

            var family = IpAddresses.FamilyOf(network.BaseAddress);
            var hostBits = IpAddresses.BitsOf(family) - network.PrefixLength;
            var first = IpAddresses.ToNumber(network.BaseAddress);
            var last = first | (hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1);
            full = new(family, first, last);
            usable = full;
            if (!allowFirstLast)
            {
                if (family == IpFamily.IPv4 && hostBits > 1)
                {
                    usable = new(family, first + 1, last - 1);
                }
                else if (family == IpFamily.IPv6 && hostBits > 1)
                {
                    usable = new(family, first + 1, last);
                }
            }

            return true;
        }

        if (!ObjectValidator.TryParseIp(block.Start, out var start)
            || !ObjectValidator.TryParseIp(block.Stop, out var stop)
            || start.AddressFamily != stop.AddressFamily)
        {
            return false;
        }

        var rangeFamily = IpAddresses.FamilyOf(start);
        var (from, to) = (IpAddresses.ToNumber(start), IpAddresses.ToNumber(stop));
        if (from > to)
        {
            return false;
        }

        full = new(rangeFamily, from, to);
        usable = full;
        return true;
    }
}

internal static class IpAddresses
{
    public static IpFamily FamilyOf(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? IpFamily.IPv6 : IpFamily.IPv4;

    public static int BitsOf(IpFamily family) => family == IpFamily.IPv4 ? 32 : 128;

    public static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        UInt128 value = 0;
        foreach (var b in bytes[..written])
        {
            value = (value << 8) | b;
        }

        return value;
    }

    public static IPAddress ToAddress(IpFamily family, UInt128 value)
    {
        var length = family == IpFamily.IPv4 ? 4 : 16;
        var bytes = new byte[length];
        for (var i = length - 1; i >= 0; i--)
        {
            bytes[i] = (byte)(value & 0xFF);
            value >>= 8;
        }

        return new IPAddress(bytes);
    }
}
