using System.Net;
using k8s;
using k8s.Models;

namespace Beacon.Kubernetes.Testing.Tests;

public sealed class ListTests
{
    private static async Task SeedAsync(k8s.Kubernetes client, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var labels = new Dictionary<string, string> { ["app"] = i % 2 == 0 ? "even" : "odd", ["index"] = i.ToString() };
            await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service($"svc-{i:D2}", labels: labels), "default");
        }
    }

    [Fact]
    public async Task List_carries_the_current_resource_version()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        await SeedAsync(client, 3);

        var list = await client.CoreV1.ListNamespacedServiceAsync("default");

        Assert.Equal(server.Store.ResourceVersion.ToString(), list.Metadata.ResourceVersion);
        Assert.Equal(["svc-00", "svc-01", "svc-02"], list.Items.Select(s => s.Metadata.Name));
        Assert.Null(list.Metadata.ContinueProperty);
    }

    [Fact]
    public async Task Pages_with_limit_and_continue_are_a_consistent_snapshot()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        await SeedAsync(client, 5);

        var first = await client.CoreV1.ListNamespacedServiceAsync("default", limit: 2);
        Assert.Equal(["svc-00", "svc-01"], first.Items.Select(s => s.Metadata.Name));
        Assert.Equal(3, first.Metadata.RemainingItemCount);
        Assert.NotNull(first.Metadata.ContinueProperty);

        // Changes after the first page do not show in later pages of the same list.
        await client.CoreV1.DeleteNamespacedServiceAsync("svc-03", "default");
        await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("svc-99"), "default");

        var second = await client.CoreV1.ListNamespacedServiceAsync("default", limit: 2, continueParameter: first.Metadata.ContinueProperty);
        Assert.Equal(["svc-02", "svc-03"], second.Items.Select(s => s.Metadata.Name));
        Assert.Equal(first.Metadata.ResourceVersion, second.Metadata.ResourceVersion);

        var third = await client.CoreV1.ListNamespacedServiceAsync("default", limit: 2, continueParameter: second.Metadata.ContinueProperty);
        Assert.Equal(["svc-04"], third.Items.Select(s => s.Metadata.Name));
        Assert.Null(third.Metadata.ContinueProperty);
    }

    [Fact]
    public async Task Continue_token_older_than_compaction_is_410_expired()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        await SeedAsync(client, 3);
        var first = await client.CoreV1.ListNamespacedServiceAsync("default", limit: 1);

        await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("later"), "default");
        server.Compact();

        var e = await Fixtures.FailsWith(HttpStatusCode.Gone, () => client.CoreV1.ListNamespacedServiceAsync("default", limit: 1, continueParameter: first.Metadata.ContinueProperty));
        Assert.Equal(("Expired", 410), (Fixtures.Status(e).Reason, Fixtures.Status(e).Code!.Value));
    }

    [Theory]
    [InlineData("app=even", new[] { "svc-00", "svc-02", "svc-04" })]
    [InlineData("app==odd", new[] { "svc-01", "svc-03" })]
    [InlineData("app!=even", new[] { "svc-01", "svc-03" })]
    [InlineData("index in (1,4)", new[] { "svc-01", "svc-04" })]
    [InlineData("app=even,index notin (0,2)", new[] { "svc-04" })]
    [InlineData("index", new[] { "svc-00", "svc-01", "svc-02", "svc-03", "svc-04" })]
    [InlineData("!index", new string[0])]
    public async Task Label_selectors_filter(string selector, string[] expected)
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        await SeedAsync(client, 5);

        var list = await client.CoreV1.ListServiceForAllNamespacesAsync(labelSelector: selector);

        Assert.Equal(expected, list.Items.Select(s => s.Metadata.Name));
    }

    [Fact]
    public async Task Field_selectors_filter_on_supported_fields_and_refuse_others()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        await SeedAsync(client, 3);
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "other" } });
        await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("svc-01", "other"), "other");

        var byName = await client.CoreV1.ListServiceForAllNamespacesAsync(fieldSelector: "metadata.name=svc-01");
        Assert.Equal(["default", "other"], byName.Items.Select(s => s.Metadata.NamespaceProperty));

        var byNamespace = await client.CoreV1.ListServiceForAllNamespacesAsync(fieldSelector: "metadata.namespace!=default");
        Assert.Equal(["other"], byNamespace.Items.Select(s => s.Metadata.NamespaceProperty));

        var e = await Fixtures.FailsWith(HttpStatusCode.BadRequest, () => client.CoreV1.ListServiceForAllNamespacesAsync(fieldSelector: "spec.type=LoadBalancer"));
        Assert.Contains("field label not supported", Fixtures.Status(e).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Field_selectors_pick_one_secret_by_name_in_a_namespace_or_across_namespaces()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        await Fixtures.CreateNamespaceAsync(client, "beacon-system");
        await client.CoreV1.CreateNamespacedSecretAsync(Fixtures.Secret("peer-auth", "beacon-system", "s3cret"), "beacon-system");
        await client.CoreV1.CreateNamespacedSecretAsync(Fixtures.Secret("other", "beacon-system", "other"), "beacon-system");
        await client.CoreV1.CreateNamespacedSecretAsync(Fixtures.Secret("peer-auth", "default", "elsewhere"), "default");

        var named = await client.CoreV1.ListNamespacedSecretAsync("beacon-system", fieldSelector: "metadata.name=peer-auth");
        var secret = Assert.Single(named.Items);
        Assert.Equal("beacon-system", secret.Metadata.NamespaceProperty);
        Assert.Equal("s3cret"u8.ToArray(), secret.Data["password"]);

        var none = await client.CoreV1.ListNamespacedSecretAsync("beacon-system", fieldSelector: "metadata.name=absent");
        Assert.Empty(none.Items);
        Assert.False(string.IsNullOrEmpty(none.Metadata.ResourceVersion));

        var both = await client.CoreV1.ListSecretForAllNamespacesAsync(fieldSelector: "metadata.name=peer-auth,metadata.namespace=default");
        Assert.Equal(["default/peer-auth"], both.Items.Select(s => $"{s.Metadata.NamespaceProperty}/{s.Metadata.Name}"));

        var byType = await client.CoreV1.ListNamespacedSecretAsync("beacon-system", fieldSelector: "type==Opaque");
        Assert.Equal(["other", "peer-auth"], byType.Items.Select(s => s.Metadata.Name));

        var e = await Fixtures.FailsWith(HttpStatusCode.BadRequest, () => client.CoreV1.ListNamespacedSecretAsync("beacon-system", fieldSelector: "data.password=s3cret"));
        Assert.Contains("field label not supported: data.password", Fixtures.Status(e).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Field_selectors_on_custom_resources_take_metadata_name_and_refuse_spec_fields()
    {
        await using var server = await TestApiServer.StartNewAsync(new TestApiServerOptions { Kinds = ResourceKinds.Beacon });
        using var client = Fixtures.Client(server);
        using var peers = new GenericClient(client, "beacon.dev", "v1alpha1", "bgppeerconfigs", disposeClient: false);
        await peers.CreateAsync(new CustomObject { Kind = "BGPPeerConfig", Metadata = new V1ObjectMeta { Name = "tor-a" } });
        await peers.CreateAsync(new CustomObject { Kind = "BGPPeerConfig", Metadata = new V1ObjectMeta { Name = "tor-b" } });

        var list = await client.CustomObjects.ListClusterCustomObjectAsync<CustomObjectList>(
            "beacon.dev", "v1alpha1", "bgppeerconfigs", fieldSelector: "metadata.name=tor-b");
        Assert.Equal(["tor-b"], list.Items.Select(p => p.Metadata.Name));

        var e = await Fixtures.FailsWith(HttpStatusCode.BadRequest, () => client.CustomObjects.ListClusterCustomObjectAsync<CustomObjectList>(
            "beacon.dev", "v1alpha1", "bgppeerconfigs", fieldSelector: "spec.ebgpMultihop=2"));
        Assert.Contains("field label not supported: spec.ebgpMultihop", Fixtures.Status(e).Message, StringComparison.Ordinal);
    }
}
