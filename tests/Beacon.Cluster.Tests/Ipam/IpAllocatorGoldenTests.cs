using System.Runtime.CompilerServices;
using Beacon.Cluster.Ipam;
using Beacon.Cluster.Manifests;

namespace Beacon.Cluster.Tests.Ipam;

/// <summary>
/// <c>testdata/&lt;case&gt;/input.yaml</c> must plan to <c>expected.json</c>. Set
/// BEACON_UPDATE_GOLDEN=1 to rewrite the expected files from the current output, then review
/// the diff. Every case is also planned a second time from a snapshot whose Service status
/// holds the first plan's addresses: that plan must change nothing (a restart renumbers nothing).
/// </summary>
public sealed class IpAllocatorGoldenTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(TestDataDirectory()).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Plan_matches_golden_file(string name)
    {
        var snapshot = Load(name);

        var actual = AllocationPlanJson.Serialize(IpAllocator.Plan(snapshot));

        var expectedFile = Path.Combine(TestDataDirectory(), name, "expected.json");
        if (Environment.GetEnvironmentVariable("BEACON_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(expectedFile, actual);
        }

        Assert.True(File.Exists(expectedFile), $"{expectedFile} is missing; run with BEACON_UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(expectedFile), actual);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Plan_is_the_same_for_the_same_snapshot(string name)
    {
        var snapshot = Load(name);
        Assert.Equal(AllocationPlanJson.Serialize(IpAllocator.Plan(snapshot)), AllocationPlanJson.Serialize(IpAllocator.Plan(snapshot)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Writing_the_plan_back_is_a_fixed_point(string name)
    {
        var snapshot = Load(name);
        var first = IpAllocator.Plan(snapshot);
        foreach (var allocation in first.Services)
        {
            var service = snapshot.Services[$"{allocation.Namespace}/{allocation.Name}"];
            service.Status ??= new();
            service.Status.LoadBalancer = new() { Ingress = [.. allocation.Addresses.Select(a => new k8s.Models.V1LoadBalancerIngress { Ip = a.ToString() })] };
        }

        var second = IpAllocator.Plan(snapshot);

        Assert.All(second.Services, s => Assert.False(s.Changed, $"{s.Namespace}/{s.Name} changed"));
        Assert.Equal(first.Services.Select(s => s.Addresses), second.Services.Select(s => s.Addresses));
        Assert.DoesNotContain(second.Events, e => e.Reason is "IPReleased" or "IPAllocated");
    }

    private static ClusterSnapshot Load(string name)
    {
        var snapshot = ManifestDirectorySource.LoadText(File.ReadAllText(Path.Combine(TestDataDirectory(), name, "input.yaml")), "input.yaml");
        Assert.Empty(snapshot.Errors);
        return snapshot;
    }

    private static string TestDataDirectory([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "testdata");
}
