using System.Numerics;
using Beacon.Cluster.Ipam;
using Beacon.Cluster.Model;
using k8s;

namespace Beacon.Cluster.Tests.Ipam;

public sealed class IpAllocatorTests
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

    [Fact]
    public void Many_new_services_get_consecutive_addresses_from_a_64_bit_block()
    {
        var builder = new ClusterSnapshot.Builder();
        builder.TryAdd(new LoadBalancerIpPool
        {
            Metadata = new() { Name = "big" },
            Spec = new() { Blocks = [new() { Cidr = "2001:db8:1::/64" }, new() { Start = "2001:db8:2::", Stop = "2001:db8:2::ffff" }] },
        });
        for (var i = 0; i < 3000; i++)
        {
            builder.TryAdd(new k8s.Models.V1Service
            {
                Metadata = new() { Name = $"s{i:D5}", NamespaceProperty = "default" },
                Spec = new() { Type = "LoadBalancer", IpFamilies = ["IPv6"] },
            });
        }

        var plan = IpAllocator.Plan(builder.Build(1, []));

        var addresses = plan.Services.Select(s => Assert.Single(s.Addresses)).ToList();
        Assert.Equal(System.Net.IPAddress.Parse("2001:db8:1::1"), addresses[0]);
        Assert.Equal(System.Net.IPAddress.Parse("2001:db8:1::bb8"), addresses[^1]);
        Assert.Equal(3000, addresses.Distinct().Count());
        var counts = Assert.Single(Assert.Single(plan.Pools).Counts);
        Assert.Equal((BigInteger.One << 64) - 1 + 0x10000, counts.Total);
        Assert.Equal(3000, counts.Used);
    }
}
