using System.Net;
using System.Net.NetworkInformation;
using Sockets = System.Net.Sockets;

namespace Beacon.Bgp.Session;

/// <summary>One address of a network interface with its prefix length.</summary>
internal readonly record struct InterfaceAddress(IPAddress Address, int PrefixLength)
{
    public bool Contains(IPAddress address) =>
        address.AddressFamily == Address.AddressFamily && new IPNetwork(Mask(Address, PrefixLength), PrefixLength).Contains(address);

    private static IPAddress Mask(IPAddress address, int length)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(length - (8 * i), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        return new IPAddress(bytes);
    }
}

/// <summary>
/// The next hops one session puts in its routes: next hop self (DESIGN.md). The session's
/// local address serves its own family; the other family takes an address of that family on
/// the same interface. <see cref="V6LinkLocal"/> is set only for an on-link peer (RFC 2545 §3).
/// </summary>
internal sealed record NextHops(IPAddress? V4, IPAddress? V6, IPAddress? V6LinkLocal)
{
    public static NextHops None { get; } = new(null, null, null);

    /// <summary>
    /// Chooses next hops for a session from <paramref name="local"/> to <paramref name="peer"/>.
    /// </summary>
    /// <param name="local">The session's local address (<c>transport.localAddress</c> when configured).</param>
    /// <param name="singleHop">The peer is a direct neighbor (TTL 1 eBGP or iBGP), not a multihop one.</param>
    /// <param name="interfaces">The addresses of each interface of the node.</param>
    public static NextHops Choose(IPAddress local, IPAddress peer, bool singleHop, IEnumerable<IReadOnlyList<InterfaceAddress>> interfaces)
    {
        local = Unmap(local);
        peer = Unmap(peer);
        var v4 = local.AddressFamily == Sockets.AddressFamily.InterNetwork ? local : null;
        var v6 = local.AddressFamily == Sockets.AddressFamily.InterNetworkV6 && !local.IsIPv6LinkLocal ? local : null;
        IPAddress? linkLocal = null;
        foreach (var addresses in interfaces)
        {
            if (!addresses.Any(a => a.Address.Equals(local)))
            {
                continue;
            }

            v4 ??= addresses.Select(a => a.Address).FirstOrDefault(a => a.AddressFamily == Sockets.AddressFamily.InterNetwork);
            v6 ??= addresses.Select(a => a.Address).FirstOrDefault(IsGlobalV6);

            // RFC 2545 §3: the link-local goes with the global only when the peer shares a
            // subnet with us on this interface; a multihop peer could not reach it.
            var onLink = singleHop && addresses.Any(a => !a.Address.IsIPv6LinkLocal && a.Contains(peer));
            if (v6 is not null && onLink)
            {
                linkLocal = addresses.Select(a => a.Address).FirstOrDefault(a => a.IsIPv6LinkLocal);
                if (linkLocal is not null)
                {
                    linkLocal = new IPAddress(linkLocal.GetAddressBytes());
                }
            }

            break;
        }

        return new NextHops(v4, v6, linkLocal);
    }

    /// <summary>The interfaces of this machine; empty when the OS will not tell.</summary>
    public static IReadOnlyList<IReadOnlyList<InterfaceAddress>> LocalInterfaces()
    {
        try
        {
            return [.. NetworkInterface.GetAllNetworkInterfaces().Select(nic =>
                (IReadOnlyList<InterfaceAddress>)[.. nic.GetIPProperties().UnicastAddresses.Select(a => new InterfaceAddress(a.Address, a.PrefixLength))])];
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }

    private static bool IsGlobalV6(IPAddress address) =>
        address.AddressFamily == Sockets.AddressFamily.InterNetworkV6 && !address.IsIPv6LinkLocal && !address.IsIPv4MappedToIPv6;

    private static IPAddress Unmap(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
