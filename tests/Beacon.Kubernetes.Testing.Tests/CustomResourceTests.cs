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

public sealed class CustomResourceDefinitionTests
{
    private static V1CustomResourceDefinition Crd(string scope = "Cluster") => new()
    {
        Metadata = new V1ObjectMeta { Name = "httproutes.gateway.networking.k8s.io" },
        Spec = new V1CustomResourceDefinitionSpec
        {
            Group = "gateway.networking.k8s.io",
            Scope = scope,
            Names = new V1CustomResourceDefinitionNames { Plural = "httproutes", Singular = "httproute", Kind = "HTTPRoute", ListKind = "HTTPRouteList" },
            Versions =
            [
                new V1CustomResourceDefinitionVersion
                {
                    Name = "v1",
                    Served = true,
                    Storage = true,
                    Schema = new V1CustomResourceValidation { OpenAPIV3Schema = new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true } },
                    Subresources = new V1CustomResourceSubresources { Status = new object() },
                },
            ],
        },
    };

    [Fact]
    public async Task Creating_a_crd_serves_its_kind_and_reports_it_established()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);

        var created = await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(Crd("Namespaced"));
        Assert.Contains(created.Status.Conditions, c => c.Type == "Established" && c.Status == "True");

        using var routes = new GenericClient(client, "gateway.networking.k8s.io", "v1", "httproutes", disposeClient: false);
        await routes.CreateNamespacedAsync(new CustomObject { ApiVersion = "gateway.networking.k8s.io/v1", Kind = "HTTPRoute", Metadata = new V1ObjectMeta { Name = "r" }, Status = new JsonObject { ["x"] = 1 } }, "default");
        var route = await routes.ReadNamespacedAsync<CustomObject>("default", "r");
        Assert.Null(route.Status);

        var discovered = await client.CustomObjects.GetAPIResourcesAsync("gateway.networking.k8s.io", "v1");
        Assert.Contains(discovered.Resources, r => r.Name == "httproutes/status");

        await client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync(created.Metadata.Name);
        await Fixtures.FailsWith(HttpStatusCode.NotFound, () => routes.ReadNamespacedAsync<CustomObject>("default", "r"));
    }

    [Fact]
    public async Task A_crd_named_other_than_plural_dot_group_is_invalid()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        var crd = Crd();
        crd.Metadata.Name = "routes.example.com";

        var e = await Fixtures.FailsWith(HttpStatusCode.UnprocessableEntity, () => client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd));
        Assert.Equal("Invalid", Fixtures.Status(e).Reason);
    }
}

public sealed class StoreWaitTests
{
    [Fact]
    public async Task Wait_for_completes_on_the_write_that_satisfies_the_condition()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        var created = await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("web"), "default");
        var announced = server.Store.WaitForAsync<V1Service>("default", "web", s => s?.Status?.LoadBalancer?.Ingress is { Count: > 0 });
        var gone = server.Store.WaitForAsync<V1Service>("default", "web", s => s is null);
        Assert.False(announced.IsCompleted);

        created.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = "192.0.2.10" }] } };
        await client.CoreV1.ReplaceNamespacedServiceStatusAsync(created, "web", "default");
        var seen = await announced.WaitAsync(Fixtures.Patience);
        Assert.Equal("192.0.2.10", seen!.Status.LoadBalancer.Ingress[0].Ip);
        Assert.False(gone.IsCompleted);

        await client.CoreV1.DeleteNamespacedServiceAsync("web", "default");
        Assert.Null(await gone.WaitAsync(Fixtures.Patience));
    }
}
