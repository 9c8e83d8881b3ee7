using k8s;

namespace Beacon.Kubernetes.Testing.Tests;

public sealed class DiscoveryTests
{
    [Fact]
    public async Task Version_and_core_group_are_discoverable()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);

        var version = await client.Version.GetCodeAsync();
        Assert.Equal("1", version.Major);

        var core = await client.Core.GetAPIVersionsAsync();
        Assert.Equal(["v1"], core.Versions);

        var resources = await client.CoreV1.GetAPIResourcesAsync();
        Assert.Equal("v1", resources.GroupVersion);
        var services = Assert.Single(resources.Resources, r => r.Name == "services");
        Assert.True(services.Namespaced);
        Assert.Equal("Service", services.Kind);
        Assert.Contains("watch", services.Verbs);
        var status = Assert.Single(resources.Resources, r => r.Name == "services/status");
        Assert.Equal(["get", "patch", "update"], status.Verbs);
        Assert.False(Assert.Single(resources.Resources, r => r.Name == "nodes").Namespaced);
        Assert.DoesNotContain(resources.Resources, r => r.Name == "secrets/status");
    }

    [Fact]
    public async Task Groups_list_registered_custom_resources()
    {
        await using var server = await TestApiServer.StartNewAsync(new TestApiServerOptions { Kinds = ResourceKinds.Beacon });
        using var client = Fixtures.Client(server);

        var groups = await client.Apis.GetAPIVersionsAsync();
        Assert.Contains(groups.Groups, g => g.Name == "coordination.k8s.io" && g.PreferredVersion.GroupVersion == "coordination.k8s.io/v1");
        Assert.Contains(groups.Groups, g => g.Name == "discovery.k8s.io");
        var beacon = Assert.Single(groups.Groups, g => g.Name == "beacon.dev");
        Assert.Equal("v1alpha1", beacon.PreferredVersion.Version);

        var leases = await client.CoordinationV1.GetAPIResourcesAsync();
        Assert.Contains(leases.Resources, r => r.Name == "leases" && r.Kind == "Lease" && r.Namespaced);

        var beaconResources = await client.CustomObjects.GetAPIResourcesAsync("beacon.dev", "v1alpha1");
        var pools = Assert.Single(beaconResources.Resources, r => r.Name == "loadbalancerippools");
        Assert.Equal("LoadBalancerIPPool", pools.Kind);
        Assert.False(pools.Namespaced);
        Assert.Contains(beaconResources.Resources, r => r.Name == "loadbalancerippools/status");
    }

    [Fact]
    public async Task Unknown_path_is_404_status()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);

        var e = await Fixtures.FailsWith(System.Net.HttpStatusCode.NotFound, () => new GenericClient(client, "example.com", "v1", "widgets", disposeClient: false).ReadAsync<CustomObject>("w"));
        Assert.Equal("NotFound", Fixtures.Status(e).Reason);
    }
}
