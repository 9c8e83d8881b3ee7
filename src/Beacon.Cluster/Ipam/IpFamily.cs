namespace Beacon.Cluster.Ipam;

/// <summary>An address family as Kubernetes names it in <c>spec.ipFamilies</c>.</summary>
public enum IpFamily
{
    IPv4,
    IPv6,
}
