using System.Net;
using System.Net.Sockets;

namespace Beacon.Agent.LocalAddresses;

/// <summary>
/// What to change on the managed interface so that the node's local addresses include the
/// desired set: pure, from a dump of every address of the node.
/// </summary>
/// <param name="ToAdd">Desired addresses local nowhere: added to the managed interface as /32 or /128.</param>
/// <param name="ToRemove">Global addresses on the managed interface that are no longer desired, with their prefix length.</param>
/// <param name="AlreadyLocal">Desired addresses that another interface holds (e.g. put on <c>lo</c> by the operator): left alone.</param>
/// <param name="Unchanged">Desired addresses the managed interface already holds.</param>
/// <param name="Rejected">Desired addresses that cannot serve as a Gateway address, with the reason.</param>
internal sealed record LocalAddressPlan(
    IReadOnlyList<IPAddress> ToAdd,
    IReadOnlyList<(IPAddress Address, byte PrefixLength)> ToRemove,
    IReadOnlyList<IPAddress> AlreadyLocal,
    IReadOnlyList<IPAddress> Unchanged,
    IReadOnlyList<LocalAddressError> Rejected)
{
    public bool IsEmpty => ToAdd.Count == 0 && ToRemove.Count == 0;

    public static LocalAddressPlan Compute(IEnumerable<IPAddress> desired, IEnumerable<AddressMessage> current, int managedInterfaceIndex)
    {
        var managed = new Dictionary<IPAddress, byte>();
        var elsewhere = new HashSet<IPAddress>();
        foreach (var entry in current)
        {
            // Link-local and host-scoped addresses on the managed interface are the kernel's
            // (IPv6 gives every interface that is up an fe80::/64 address), not Beacon's.
            if (entry.InterfaceIndex == managedInterfaceIndex)
            {
                if (entry.Scope == RtNetlink.RtScopeUniverse)
                {
                    managed.TryAdd(entry.Address, entry.PrefixLength);
                }
            }
            else
            {
                elsewhere.Add(entry.Address);
            }
        }

        var wanted = new HashSet<IPAddress>();
        var toAdd = new List<IPAddress>();
        var alreadyLocal = new List<IPAddress>();
        var unchanged = new List<IPAddress>();
        var rejected = new List<LocalAddressError>();
        foreach (var raw in desired)
        {
            var address = raw.IsIPv4MappedToIPv6 ? raw.MapToIPv4() : raw;
            if (RejectionReason(address) is { } reason)
            {
                rejected.Add(new LocalAddressError(address, $"{address} cannot be a Gateway address: {reason}"));
                continue;
            }

            if (!wanted.Add(address))
            {
                continue;
            }

            if (managed.ContainsKey(address))
            {
                unchanged.Add(address);
            }
            else if (elsewhere.Contains(address))
            {
                alreadyLocal.Add(address);
            }
            else
            {
                toAdd.Add(address);
            }
        }

        var toRemove = managed
            .Where(pair => !wanted.Contains(pair.Key))
            .Select(pair => (pair.Key, pair.Value))
            .OrderBy(pair => pair.Key, AddressOrder.Instance)
            .ToList();
        toAdd.Sort(AddressOrder.Instance);
        alreadyLocal.Sort(AddressOrder.Instance);
        unchanged.Sort(AddressOrder.Instance);
        return new LocalAddressPlan(toAdd, toRemove, alreadyLocal, unchanged, rejected);
    }

    private static string? RejectionReason(IPAddress address)
    {
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return "not an IP address";
        }

        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return "the unspecified address";
        }

        if (IPAddress.IsLoopback(address))
        {
            return "a loopback address";
        }

        if (address.Equals(IPAddress.Broadcast))
        {
            return "the broadcast address";
        }

        if (address.IsIPv6LinkLocal || address.IsIPv6Multicast || (address.AddressFamily == AddressFamily.InterNetwork && address.GetAddressBytes()[0] >= 224))
        {
            return "a link-local, multicast or reserved address";
        }

        return null;
    }
}

/// <summary>IPv4 before IPv6, then by bytes: a stable order for logs and results.</summary>
internal sealed class AddressOrder : IComparer<IPAddress>
{
    public static readonly AddressOrder Instance = new();

    public int Compare(IPAddress? x, IPAddress? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var family = x.AddressFamily.CompareTo(y.AddressFamily);
        if (family != 0)
        {
            return family;
        }

        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        x.TryWriteBytes(a, out var aLength);
        y.TryWriteBytes(b, out var bLength);
        return a[..aLength].SequenceCompareTo(b[..bLength]);
    }
}
