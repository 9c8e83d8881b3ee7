using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Beacon.Interop.Tests.Lab;

/// <summary>One <c>neighbor</c> of an FRR <c>router bgp</c> block.</summary>
/// <param name="RemoteAs">An AS number, or <c>external</c> / <c>internal</c>.</param>
public sealed record FrrNeighborConfig(IPAddress Address, string RemoteAs)
{
    public FrrNeighborConfig(IPAddress address, uint remoteAs)
        : this(address, remoteAs.ToString())
    {
    }

    /// <summary>Families to activate; by default the family of <see cref="Address"/>.</summary>
    public IReadOnlyList<AddressFamily>? Families { get; init; }

    public bool Passive { get; init; }

    /// <summary>Overrides the router-wide timers for this neighbor.</summary>
    public (int Keepalive, int Hold)? Timers { get; init; }

    /// <summary>Extra <c>neighbor ADDRESS …</c> lines, without the prefix (e.g. <c>password s3cret</c>).</summary>
    public IReadOnlyList<string> ExtraLines { get; init; } = [];

    /// <summary>TCP MD5 password (RFC 2385): <c>neighbor X password</c>.</summary>
    public string? Password { get; init; }

    /// <summary>GTSM (RFC 5082): <c>neighbor X ttl-security hops N</c>.</summary>
    public int? TtlSecurityHops { get; init; }

    internal IReadOnlyList<AddressFamily> EffectiveFamilies => Families ?? [Address.AddressFamily];
}

/// <summary>An FRR bgpd configuration, rendered to the text bgpd reads with <c>-f</c>.</summary>
public sealed record FrrConfig(uint Asn, IPAddress RouterId)
{
    public IReadOnlyList<FrrNeighborConfig> Neighbors { get; init; } = [];

    /// <summary>
    /// The router of <paramref name="lab"/> as AS <paramref name="asn"/>, with an IPv4 and an
    /// IPv6 neighbor (each activated for its own family) for every node of the lab.
    /// </summary>
    public static FrrConfig ForLab(NetworkLab lab, uint asn, string remoteAs = "external") =>
        new(asn, lab.Router.IPv4)
        {
            Neighbors = [.. lab.Nodes.SelectMany(n => new[] { new FrrNeighborConfig(n.IPv4, remoteAs), new FrrNeighborConfig(n.IPv6, remoteAs) })],
        };

    public int KeepaliveSeconds { get; init; } = 3;

    public int HoldTimeSeconds { get; init; } = 9;

    /// <summary>More than 1 turns on ECMP (<c>maximum-paths</c>, plus <c>bgp bestpath as-path multipath-relax</c>).</summary>
    public int MaximumPaths { get; init; } = 1;

    /// <summary>Prefixes FRR originates with <c>network</c> statements (either family).</summary>
    public IReadOnlyList<string> Networks { get; init; } = [];

    /// <summary>
    /// Run zebra next to bgpd (IPv6 and next hops part of issue 4). bgpd learns interfaces only
    /// from zebra, and FRR 8.4 without them withdraws every MP_REACH_NLRI whose next hop carries
    /// a link-local address (RFC 2545 §3): "sent a v6 LL next-hop and there's no peer interface
    /// information". With zebra, bgpd also resolves next hops (NHT) against the namespace's routes.
    /// </summary>
    public bool Zebra { get; init; }

    /// <summary>
    /// With <see cref="Zebra"/>, bgpd hands its best paths to zebra, which installs them in the
    /// router namespace's kernel table (bgpd runs without <c>-n</c>), so traffic from the
    /// router follows the routes learned over BGP.
    /// </summary>
    public bool InstallRoutes { get; init; }

    /// <summary>Extra lines inside <c>router bgp</c>, before the address families.</summary>
    public IReadOnlyList<string> ExtraRouterLines { get; init; } = [];

    public string Render()
    {
        var text = new StringBuilder();
        text.AppendLine("frr defaults traditional");
        text.AppendLine("hostname frr");
        text.AppendLine("log stdout informational");
        text.AppendLine("!");
        text.AppendLine($"router bgp {Asn}");
        text.AppendLine($" bgp router-id {RouterId}");
        text.AppendLine(" no bgp ebgp-requires-policy");
        text.AppendLine(" no bgp default ipv4-unicast");
        text.AppendLine(" no bgp network import-check");
        text.AppendLine($" timers bgp {KeepaliveSeconds} {HoldTimeSeconds}");
        if (MaximumPaths > 1)
        {
            text.AppendLine(" bgp bestpath as-path multipath-relax");
        }

        foreach (var neighbor in Neighbors)
        {
            text.AppendLine($" neighbor {neighbor.Address} remote-as {neighbor.RemoteAs}");
            text.AppendLine($" neighbor {neighbor.Address} timers connect 1");
            if (neighbor.Passive)
            {
                text.AppendLine($" neighbor {neighbor.Address} passive");
            }

            if (neighbor.Timers is { } timers)
            {
                text.AppendLine($" neighbor {neighbor.Address} timers {timers.Keepalive} {timers.Hold}");
            }

            if (neighbor.Password is { } password)
            {
                text.AppendLine($" neighbor {neighbor.Address} password {password}");
            }

            if (neighbor.TtlSecurityHops is { } hops)
            {
                text.AppendLine($" neighbor {neighbor.Address} ttl-security hops {hops}");
            }

            foreach (var line in neighbor.ExtraLines)
            {
                text.AppendLine($" neighbor {neighbor.Address} {line}");
            }
        }

        foreach (var line in ExtraRouterLines)
        {
            text.AppendLine($" {line}");
        }

        foreach (var (family, name) in new[] { (AddressFamily.InterNetwork, "ipv4"), (AddressFamily.InterNetworkV6, "ipv6") })
        {
            text.AppendLine(" !");
            text.AppendLine($" address-family {name} unicast");
            foreach (var network in Networks.Where(n => IPNetwork.Parse(n).BaseAddress.AddressFamily == family))
            {
                text.AppendLine($"  network {network}");
            }

            foreach (var neighbor in Neighbors.Where(n => n.EffectiveFamilies.Contains(family)))
            {
                text.AppendLine($"  neighbor {neighbor.Address} activate");
            }

            if (MaximumPaths > 1)
            {
                text.AppendLine($"  maximum-paths {MaximumPaths}");
                text.AppendLine($"  maximum-paths ibgp {MaximumPaths}");
            }

            text.AppendLine(" exit-address-family");
        }

        text.AppendLine("exit");
        text.AppendLine("!");
        return text.ToString();
    }
}
