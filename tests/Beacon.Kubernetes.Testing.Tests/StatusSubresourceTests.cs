using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Beacon.Kubernetes.Testing.Tests;

public sealed class StatusSubresourceTests
{
    private const string Group = "beacon.dev";
    private const string Version = "v1alpha1";
    private const string Plural = "loadbalancerippools";

    private static CustomObject Pool(string name, string cidr) => new()
    {
        Kind = "LoadBalancerIPPool",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new JsonObject { ["blocks"] = new JsonArray(new JsonObject { ["cidr"] = cidr }) },
        Status = new JsonObject { ["used"] = 99 },
    };

    [Fact]
    public async Task Create_drops_status_and_starts_generation_at_one()
    {
        await using var server = await TestApiServer.StartNewAsync(new TestApiServerOptions { Kinds = ResourceKinds.Beacon });
        using var client = Fixtures.Client(server);
        using var pools = new GenericClient(client, Group, Version, Plural, disposeClient: false);

        var created = await pools.CreateAsync(Pool("p", "192.0.2.0/24"));

        Assert.Null(created.Status);
        Assert.Equal(1, created.Metadata.Generation);
    }

    [Fact]
    public async Task Status_writes_change_only_status_and_never_the_generation()
    {
        await using var server = await TestApiServer.StartNewAsync(new TestApiServerOptions { Kinds = ResourceKinds.Beacon });
        using var client = Fixtures.Client(server);
        using var pools = new GenericClient(client, Group, Version, Plural, disposeClient: false);
        var created = await pools.CreateAsync(Pool("p", "192.0.2.0/24"));

        created.Status = new JsonObject { ["used"] = 1 };
        created.Spec!["disabled"] = true;
        created.Metadata.Labels = new Dictionary<string, string> { ["sneaky"] = "yes" };
        var afterStatus = KubernetesJson.Deserialize<CustomObject>(KubernetesJson.Serialize(
            await client.CustomObjects.ReplaceClusterCustomObjectStatusAsync(created, Group, Version, Plural, "p")));

        Assert.Equal(1, afterStatus.Status!["used"]!.GetValue<int>());
        Assert.False(afterStatus.Spec!.ContainsKey("disabled"));
        Assert.Null(afterStatus.Metadata.Labels);
        Assert.Equal(1, afterStatus.Metadata.Generation);

        await client.CustomObjects.PatchClusterCustomObjectStatusAsync(
            new V1Patch("{\"status\":{\"available\":254}}", V1Patch.PatchType.MergePatch), Group, Version, Plural, "p");
        var patched = await pools.ReadAsync<CustomObject>("p");
        Assert.Equal(254, patched.Status!["available"]!.GetValue<int>());
        Assert.Equal(1, patched.Status!["used"]!.GetValue<int>());
        Assert.Equal(1, patched.Metadata.Generation);
    }

    [Fact]
    public async Task Main_resource_writes_ignore_status_and_bump_generation_on_spec_changes_only()
    {
        await using var server = await TestApiServer.StartNewAsync(new TestApiServerOptions { Kinds = ResourceKinds.Beacon });
        using var client = Fixtures.Client(server);
        using var pools = new GenericClient(client, Group, Version, Plural, disposeClient: false);
        await pools.CreateAsync(Pool("p", "192.0.2.0/24"));
        await client.CustomObjects.PatchClusterCustomObjectStatusAsync(
            new V1Patch("{\"status\":{\"used\":3}}", V1Patch.PatchType.MergePatch), Group, Version, Plural, "p");

        var current = await pools.ReadAsync<CustomObject>("p");
        current.Status = new JsonObject { ["used"] = 100 };
        current.Metadata.Labels = new Dictionary<string, string> { ["team"] = "net" };
        var labelled = await pools.ReplaceAsync(current, "p");
        Assert.Equal(3, labelled.Status!["used"]!.GetValue<int>());
        Assert.Equal("net", labelled.Metadata.Labels["team"]);
        Assert.Equal(1, labelled.Metadata.Generation);

        var respecced = await pools.PatchAsync<CustomObject>(new V1Patch("{\"spec\":{\"disabled\":true},\"status\":{\"used\":0}}", V1Patch.PatchType.MergePatch), "p");
        Assert.Equal(2, respecced.Metadata.Generation);
        Assert.Equal(3, respecced.Status!["used"]!.GetValue<int>());
    }

    [Fact]
    public async Task Service_status_is_written_through_the_subresource()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        var created = await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("web"), "default");

        created.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = "192.0.2.10" }] } };
        var ignored = await client.CoreV1.ReplaceNamespacedServiceAsync(created, "web", "default");
        Assert.Null(ignored.Status?.LoadBalancer?.Ingress);

        ignored.Status = created.Status;
        var written = await client.CoreV1.ReplaceNamespacedServiceStatusAsync(ignored, "web", "default");
        Assert.Equal("192.0.2.10", written.Status.LoadBalancer.Ingress[0].Ip);

        var stale = Fixtures.Status(await Fixtures.FailsWith(HttpStatusCode.Conflict, () => client.CoreV1.ReplaceNamespacedServiceStatusAsync(ignored, "web", "default")));
        Assert.Equal("Conflict", stale.Reason);
    }

    [Fact]
    public async Task Strategic_merge_patch_is_refused_for_custom_resources()
    {
        await using var server = await TestApiServer.StartNewAsync(new TestApiServerOptions { Kinds = ResourceKinds.Beacon });
        using var client = Fixtures.Client(server);
        using var pools = new GenericClient(client, Group, Version, Plural, disposeClient: false);
        await pools.CreateAsync(Pool("p", "192.0.2.0/24"));

        await Fixtures.FailsWith(HttpStatusCode.UnsupportedMediaType, () => pools.PatchAsync<CustomObject>(
            new V1Patch("{\"spec\":{\"disabled\":true}}", V1Patch.PatchType.StrategicMergePatch), "p"));
    }
}
