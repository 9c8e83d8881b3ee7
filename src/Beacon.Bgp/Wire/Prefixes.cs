using System.Collections.Immutable;
using System.Net;

namespace Beacon.Bgp.Wire;

/// <summary>The (length, prefix) NLRI encoding of RFC 4271 §4.3 and RFC 4760 §5.</summary>
internal static class Prefixes
{
    /// <summary>Reads a whole NLRI field; a syntax error is a session reset with 3/10 (RFC 4271 §6.3, RFC 7606 §5.3).</summary>
    public static void Read(ReadOnlySpan<byte> field, bool ipv6, ImmutableArray<IPNetwork>.Builder into)
    {
        var maxLength = ipv6 ? 128 : 32;
        Span<byte> address = stackalloc byte[16];
        while (!field.IsEmpty)
        {
            int length = field[0];
            var octets = (length + 7) >> 3;
            if (length > maxLength || field.Length - 1 < octets)
            {
                throw new BgpProtocolException(
                    ErrorCode.UpdateMessage, UpdateErrorSubcode.InvalidNetworkField, $"invalid prefix of length {length} in NLRI");
            }

            address.Clear();
            field.Slice(1, octets).CopyTo(address);

            // Trailing bits are irrelevant (RFC 4271 §4.3); clear them so the network is canonical.
            if ((length & 7) != 0)
            {
                address[octets - 1] &= (byte)(0xFF << (8 - (length & 7)));
            }

            into.Add(new IPNetwork(new IPAddress(ipv6 ? address : address[..4]), length));
            field = field[(1 + octets)..];
        }
    }

    public static int EncodedLength(IPNetwork prefix) => 1 + ((prefix.PrefixLength + 7) >> 3);

    public static int Write(Span<byte> destination, IPNetwork prefix)
    {
        Span<byte> address = stackalloc byte[16];
        prefix.BaseAddress.TryWriteBytes(address, out _);
        var octets = (prefix.PrefixLength + 7) >> 3;
        destination[0] = (byte)prefix.PrefixLength;
        address[..octets].CopyTo(destination[1..]);
        return 1 + octets;
    }
}
