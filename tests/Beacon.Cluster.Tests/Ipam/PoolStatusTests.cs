using System.Numerics;
using Beacon.Cluster.Ipam;
using Beacon.Cluster.Model;
using k8s;

namespace Beacon.Cluster.Tests.Ipam;

public sealed class PoolStatusTests
{
    [Fact]
    public void Counts_beyond_64_bits_are_written_as_decimal_strings()
    {
        var pool = new LoadBalancerIpPool
        {
            Metadata = new() { Name = "v6" },
            Status = new() { Counts = [new FamilyCounts(IpFamily.IPv6, BigInteger.One << 64, 3).ToStatus()] },
        };

        var written = KubernetesJson.Serialize(pool);

        Assert.Contains("\"counts\":[{\"family\":\"IPv6\",\"total\":\"18446744073709551616\",\"used\":\"3\",\"available\":\"18446744073709551613\"}]", written);
        var read = KubernetesJson.Deserialize<LoadBalancerIpPool>(written);
        Assert.Equal("18446744073709551613", read.Status!.Counts![0].Available);
    }

    [Fact]
    public void Services_of_other_classes_and_types_are_not_managed()
    {
        Assert.True(IpAllocator.IsManaged(new() { Spec = new() { Type = "LoadBalancer" } }));
        Assert.True(IpAllocator.IsManaged(new() { Spec = new() { Type = "LoadBalancer", LoadBalancerClass = "beacon.dev/bgp" } }));
        Assert.False(IpAllocator.IsManaged(new() { Spec = new() { Type = "LoadBalancer", LoadBalancerClass = "example.com/other" } }));
        Assert.False(IpAllocator.IsManaged(new() { Spec = new() { Type = "NodePort" } }));
    }

    [Fact]
    public void An_empty_snapshot_plans_nothing()
    {
        var plan = IpAllocator.Plan(ClusterSnapshot.Empty);

        Assert.Empty(plan.Services);
        Assert.Empty(plan.Pools);
        Assert.Empty(plan.Events);
    }
}
