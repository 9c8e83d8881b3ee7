using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Beacon.Kubernetes.Testing.Tests;

public sealed class CustomResourceTests
{
    [Fact]
    public async Task Cluster_scoped_custom_objects_round_trip_through_the_generic_client()
    {
        await using var server = await TestApiServer.StartNewAsync(new TestApiServerOptions { Kinds = ResourceKinds.Beacon });
        using var client = Fixtures.Client(server);
        using var configs = new GenericClient(client, "beacon.dev", "v1alpha1", "bgpclusterconfigs", disposeClient: false);

        var created = await configs.CreateAsync(new CustomObject
        {
            Metadata = new V1ObjectMeta { Name = "main" },
            Spec = new JsonObject { ["localASN"] = 64512 },
        });
        Assert.Null(created.Metadata.NamespaceProperty);

        var list = await configs.ListAsync<CustomObjectList>();
        var item = Assert.Single(list.Items);
        Assert.Equal("BGPClusterConfig", item.Kind);
        Assert.Equal(64512, item.Spec!["localASN"]!.GetValue<int>());

        created.Spec!["localASN"] = 64513;
        var replaced = await configs.ReplaceAsync(created, "main");
        Assert.Equal(2, replaced.Metadata.Generation);

        await configs.DeleteAsync<CustomObject>("main");
        await Fixtures.FailsWith(HttpStatusCode.NotFound, () => configs.ReadAsync<CustomObject>("main"));
    }

    [Fact]
    public async Task A_kind_registered_later_is_served()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        using var gateways = new GenericClient(client, "gateway.networking.k8s.io", "v1", "gateways", disposeClient: false);
        await Fixtures.FailsWith(HttpStatusCode.NotFound, () => gateways.ListNamespacedAsync<CustomObjectList>("default"));

        server.Register(ResourceKind.Custom("gateway.networking.k8s.io", "v1", "gateways", "Gateway", namespaced: true));

        await gateways.CreateNamespacedAsync(new CustomObject { ApiVersion = "gateway.networking.k8s.io/v1", Kind = "Gateway", Metadata = new V1ObjectMeta { Name = "gw" } }, "default");
        var read = await gateways.ReadNamespacedAsync<CustomObject>("default", "gw");
        Assert.Equal("default", read.Metadata.NamespaceProperty);
    }

    [Fact]
    public async Task Store_helpers_seed_and_inspect_objects_the_client_sees()
    {
        await using var server = await TestApiServer.StartNewAsync(new TestApiServerOptions { Kinds = ResourceKinds.Beacon });
        using var client = Fixtures.Client(server);
        var kind = server.Store.Find("beacon.dev", "bgpnodestates")!;

        server.Store.Put(kind, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "node-1" }, ["status"] = new JsonObject { ["peers"] = 2 } });
        server.Store.Put(new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = "node-1" } });

        using var states = new GenericClient(client, "beacon.dev", "v1alpha1", "bgpnodestates", disposeClient: false);
        var state = await states.ReadAsync<CustomObject>("node-1");
        Assert.Equal(2, state.Status!["peers"]!.GetValue<int>());
        Assert.Equal("node-1", (await client.CoreV1.ReadNodeAsync("node-1")).Metadata.Name);

        await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("web"), "default");
        Assert.Equal("web", server.Store.Get<V1Service>("default", "web")!.Metadata.Name);
        Assert.Single(server.Store.List<V1Service>());
    }
}
