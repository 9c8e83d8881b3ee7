using System.Net;
using System.Text;
using k8s;
using k8s.Models;

namespace Beacon.Kubernetes.Testing.Tests;

public sealed class CrudTests
{
    [Fact]
    public async Task Create_sets_server_metadata_and_get_returns_it()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);

        var created = await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("web"), "default");

        Assert.Equal("default", created.Metadata.NamespaceProperty);
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.Equal(server.Store.ResourceVersion.ToString(), created.Metadata.ResourceVersion);
        Assert.Equal("Service", created.Kind);
        Assert.Equal("v1", created.ApiVersion);

        var read = await client.CoreV1.ReadNamespacedServiceAsync("web", "default");
        Assert.Equal(created.Metadata.Uid, read.Metadata.Uid);
        Assert.Equal(created.Metadata.ResourceVersion, read.Metadata.ResourceVersion);
        Assert.Equal(80, read.Spec.Ports[0].Port);
    }

    [Fact]
    public async Task Resource_version_is_global_across_kinds()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);

        var service = await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("a"), "default");
        var node = await client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "n1" } });
        var map = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, "default");

        var versions = new[] { service, (IMetadata<V1ObjectMeta>)node, map }.Select(o => long.Parse(o.Metadata.ResourceVersion)).ToList();
        Assert.Equal([versions[0], versions[0] + 1, versions[0] + 2], versions);
    }

    [Fact]
    public async Task Errors_are_status_objects_with_reason_and_code()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);

        var missing = Fixtures.Status(await Fixtures.FailsWith(HttpStatusCode.NotFound, () => client.CoreV1.ReadNamespacedServiceAsync("nope", "default")));
        Assert.Equal(("NotFound", 404, "services \"nope\" not found"), (missing.Reason, missing.Code!.Value, missing.Message));
        Assert.Equal("nope", missing.Details.Name);

        await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("web"), "default");
        var exists = Fixtures.Status(await Fixtures.FailsWith(HttpStatusCode.Conflict, () => client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("web"), "default")));
        Assert.Equal(("AlreadyExists", 409), (exists.Reason, exists.Code!.Value));

        var invalid = Fixtures.Status(await Fixtures.FailsWith(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("Not_Valid"), "default")));
        Assert.Equal("Invalid", invalid.Reason);
        Assert.Equal("metadata.name", Assert.Single(invalid.Details.Causes).Field);

        var noNamespace = Fixtures.Status(await Fixtures.FailsWith(HttpStatusCode.NotFound, () => client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("web", "elsewhere"), "elsewhere")));
        Assert.Equal("namespaces \"elsewhere\" not found", noNamespace.Message);

        var mismatch = Fixtures.Status(await Fixtures.FailsWith(HttpStatusCode.BadRequest, () => client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("x", "kube-system"), "default")));
        Assert.Equal("BadRequest", mismatch.Reason);
    }

    [Fact]
    public async Task Namespace_defaults_from_the_url_and_generate_name_makes_a_name()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "beacon-system" } });

        var service = Fixtures.Service("web", ns: null!);
        var created = await client.CoreV1.CreateNamespacedServiceAsync(service, "beacon-system");
        Assert.Equal("beacon-system", created.Metadata.NamespaceProperty);

        var generated = await client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { GenerateName = "cfg-" } }, "beacon-system");
        Assert.StartsWith("cfg-", generated.Metadata.Name, StringComparison.Ordinal);
        Assert.True(generated.Metadata.Name.Length > 4);
    }

    [Fact]
    public async Task Update_replaces_the_object_and_a_stale_resource_version_is_409_conflict()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        var created = await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("web"), "default");

        created.Spec.Ports[0].Port = 8080;
        var updated = await client.CoreV1.ReplaceNamespacedServiceAsync(created, "web", "default");
        Assert.Equal(8080, updated.Spec.Ports[0].Port);
        Assert.True(long.Parse(updated.Metadata.ResourceVersion) > long.Parse(created.Metadata.ResourceVersion));
        Assert.Equal(created.Metadata.Uid, updated.Metadata.Uid);

        created.Spec.Ports[0].Port = 9090;
        var conflict = Fixtures.Status(await Fixtures.FailsWith(HttpStatusCode.Conflict, () => client.CoreV1.ReplaceNamespacedServiceAsync(created, "web", "default")));
        Assert.Equal("Conflict", conflict.Reason);
        Assert.Contains("the object has been modified", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(8080, (await client.CoreV1.ReadNamespacedServiceAsync("web", "default")).Spec.Ports[0].Port);

        await Fixtures.FailsWith(HttpStatusCode.NotFound, () => client.CoreV1.ReplaceNamespacedServiceAsync(Fixtures.Service("ghost"), "ghost", "default"));
    }

    [Fact]
    public async Task An_update_that_changes_nothing_keeps_the_resource_version()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        var created = await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("web"), "default");

        var same = await client.CoreV1.ReplaceNamespacedServiceAsync(created, "web", "default");

        Assert.Equal(created.Metadata.ResourceVersion, same.Metadata.ResourceVersion);
        Assert.Equal(long.Parse(created.Metadata.ResourceVersion), server.Store.ResourceVersion);
    }

    [Fact]
    public async Task Merge_patch_and_json_patch_apply()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        var created = await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("web", labels: new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" }), "default");

        var merged = await client.CoreV1.PatchNamespacedServiceAsync(
            new V1Patch("{\"metadata\":{\"labels\":{\"tier\":null,\"team\":\"net\"}},\"spec\":{\"loadBalancerClass\":\"beacon.dev/bgp\"}}", V1Patch.PatchType.MergePatch),
            "web", "default");
        Assert.Equal(new Dictionary<string, string> { ["app"] = "web", ["team"] = "net" }, merged.Metadata.Labels);
        Assert.Equal("beacon.dev/bgp", merged.Spec.LoadBalancerClass);

        var jsonPatched = await client.CoreV1.PatchNamespacedServiceAsync(
            new V1Patch("[{\"op\":\"replace\",\"path\":\"/spec/ports/0/port\",\"value\":443},{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{\"beacon.dev/ip\":\"192.0.2.10\"}},{\"op\":\"remove\",\"path\":\"/metadata/labels/team\"}]", V1Patch.PatchType.JsonPatch),
            "web", "default");
        Assert.Equal(443, jsonPatched.Spec.Ports[0].Port);
        Assert.Equal("192.0.2.10", jsonPatched.Metadata.Annotations["beacon.dev/ip"]);
        Assert.False(jsonPatched.Metadata.Labels.ContainsKey("team"));

        var strategic = await client.CoreV1.PatchNamespacedServiceAsync(
            new V1Patch("{\"spec\":{\"externalTrafficPolicy\":\"Local\"}}", V1Patch.PatchType.StrategicMergePatch), "web", "default");
        Assert.Equal("Local", strategic.Spec.ExternalTrafficPolicy);

        var failedTest = Fixtures.Status(await Fixtures.FailsWith(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.PatchNamespacedServiceAsync(
            new V1Patch("[{\"op\":\"test\",\"path\":\"/spec/ports/0/port\",\"value\":1}]", V1Patch.PatchType.JsonPatch), "web", "default")));
        Assert.Equal("Invalid", failedTest.Reason);

        var stale = $"{{\"metadata\":{{\"resourceVersion\":\"{created.Metadata.ResourceVersion}\"}},\"spec\":{{\"externalTrafficPolicy\":\"Cluster\"}}}}";
        await Fixtures.FailsWith(HttpStatusCode.Conflict, () => client.CoreV1.PatchNamespacedServiceAsync(new V1Patch(stale, V1Patch.PatchType.MergePatch), "web", "default"));
    }

    [Fact]
    public async Task Delete_removes_and_honours_preconditions()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        var created = await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("web"), "default");
        await client.CoreV1.PatchNamespacedServiceAsync(new V1Patch("{\"metadata\":{\"labels\":{\"x\":\"y\"}}}", V1Patch.PatchType.MergePatch), "web", "default");

        var conflict = Fixtures.Status(await Fixtures.FailsWith(HttpStatusCode.Conflict, () => client.CoreV1.DeleteNamespacedServiceAsync(
            "web", "default", new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = created.Metadata.ResourceVersion } })));
        Assert.Equal("Conflict", conflict.Reason);

        await client.CoreV1.DeleteNamespacedServiceAsync("web", "default");
        await Fixtures.FailsWith(HttpStatusCode.NotFound, () => client.CoreV1.ReadNamespacedServiceAsync("web", "default"));
        await Fixtures.FailsWith(HttpStatusCode.NotFound, () => client.CoreV1.DeleteNamespacedServiceAsync("web", "default"));
    }

    [Fact]
    public async Task Finalizers_hold_a_deleted_object_until_removed()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        await client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "held", Finalizers = ["beacon.dev/cleanup"] } }, "default");

        await client.CoreV1.DeleteNamespacedConfigMapAsync("held", "default");
        var terminating = await client.CoreV1.ReadNamespacedConfigMapAsync("held", "default");
        Assert.NotNull(terminating.Metadata.DeletionTimestamp);

        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"metadata\":{\"finalizers\":null}}", V1Patch.PatchType.MergePatch), "held", "default");
        await Fixtures.FailsWith(HttpStatusCode.NotFound, () => client.CoreV1.ReadNamespacedConfigMapAsync("held", "default"));
    }

    [Fact]
    public async Task Secret_string_data_is_stored_as_data()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);

        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "md5" },
            StringData = new Dictionary<string, string> { ["password"] = "s3cret" },
        }, "default");

        var secret = await client.CoreV1.ReadNamespacedSecretAsync("md5", "default");
        Assert.Equal("s3cret", Encoding.UTF8.GetString(secret.Data["password"]));
        Assert.Null(secret.StringData);
    }

    [Fact]
    public async Task Delete_collection_deletes_matching_objects()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);
        foreach (var (name, app) in new[] { ("a", "x"), ("b", "x"), ("c", "y") })
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = app } } }, "default");
        }

        await client.CoreV1.DeleteCollectionNamespacedConfigMapAsync("default", labelSelector: "app=x");

        var left = await client.CoreV1.ListNamespacedConfigMapAsync("default");
        Assert.Equal(["c"], left.Items.Select(i => i.Metadata.Name));
    }

    [Fact]
    public async Task Events_can_be_created()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);

        var created = await client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "web.1" },
            InvolvedObject = new V1ObjectReference { Kind = "Service", Name = "web", NamespaceProperty = "default" },
            Reason = "IPAllocated",
            Type = "Normal",
            Message = "allocated 192.0.2.10",
        }, "default");
        Assert.Equal("IPAllocated", created.Reason);

        var events = await client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=web,reason=IPAllocated");
        Assert.Single(events.Items);
    }
}

public sealed class DefaultingTests
{
    [Fact]
    public async Task Services_get_cluster_ips_families_and_node_ports_like_a_dual_stack_cluster()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var client = Fixtures.Client(server);

        var single = await client.CoreV1.CreateNamespacedServiceAsync(Fixtures.Service("v4"), "default");
        var dual = Fixtures.Service("dual");
        dual.Spec.IpFamilyPolicy = "PreferDualStack";
        dual = await client.CoreV1.CreateNamespacedServiceAsync(dual, "default");

        Assert.Equal(["IPv4"], single.Spec.IpFamilies);
        Assert.Equal("SingleStack", single.Spec.IpFamilyPolicy);
        Assert.StartsWith("10.96.", single.Spec.ClusterIP, StringComparison.Ordinal);
        Assert.Equal("Cluster", single.Spec.ExternalTrafficPolicy);
        Assert.True(single.Spec.Ports[0].NodePort >= 30000);
        Assert.Equal(["IPv4", "IPv6"], dual.Spec.IpFamilies);
        Assert.Equal(2, dual.Spec.ClusterIPs.Count);
        Assert.NotEqual(single.Spec.ClusterIP, dual.Spec.ClusterIP);

        // An update that leaves out the allocated fields keeps them.
        var fresh = Fixtures.Service("v4");
        fresh.Metadata.ResourceVersion = single.Metadata.ResourceVersion;
        fresh.Spec.Ports[0].NodePort = single.Spec.Ports[0].NodePort;
        var updated = await client.CoreV1.ReplaceNamespacedServiceAsync(fresh, "v4", "default");
        Assert.Equal(single.Spec.ClusterIP, updated.Spec.ClusterIP);
        Assert.Equal(["IPv4"], updated.Spec.IpFamilies);
    }
}
