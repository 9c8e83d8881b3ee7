using Beacon.Agent.Gateway;
using Beacon.Agent.Tests.Allocation;
using Beacon.Cluster;
using Beacon.Cluster.Ipam;
using Beacon.Cluster.Model.GatewayApi;
using Beacon.Gateway.Translation;
using Beacon.Kubernetes.Testing;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using GatewayObject = Beacon.Cluster.Model.GatewayApi.Gateway;

namespace Beacon.Agent.Tests.Gateway;

/// <summary>The status writer against the in-process API server: through the allocator's leader, and on its own.</summary>
public sealed class GatewayStatusWriterTests
{
    private static readonly DateTime s_foreignTime = new(2025, 5, 5, 0, 0, 0, DateTimeKind.Utc);

    private static GatewayClass BeaconClass() => new()
    {
        Metadata = new() { Name = "beacon" },
        Spec = new() { ControllerName = GatewayTranslator.ControllerName },
    };

    private static V1Condition? Condition(IEnumerable<V1Condition>? conditions, string type) => conditions?.FirstOrDefault(c => c.Type == type);

    [Fact]
    public async Task The_leader_writes_statuses_with_an_assigned_address_keeps_foreign_ones_and_then_stops_writing()
    {
        await using var cluster = await AllocatorCluster.StartAsync(gatewayApi: true);
        var store = cluster.Server.Store;
        cluster.PutPool("blue", "203.0.113.10", "203.0.113.12");
        store.Put(BeaconClass());
        store.Put(new GatewayObject
        {
            Metadata = new() { Name = "web", NamespaceProperty = "default" },
            Spec = new() { GatewayClassName = "beacon", Listeners = [new Listener { Name = "http", Port = 80, Protocol = "HTTP" }] },
            Status = new()
            {
                Conditions = [new V1Condition { Type = "example.com/Audited", Status = "True", Reason = "Audited", Message = "by someone else", LastTransitionTime = s_foreignTime }],
            },
        });
        store.Put(new HttpRoute
        {
            Metadata = new() { Name = "app", NamespaceProperty = "default" },
            Spec = new() { ParentRefs = [new ParentReference { Name = "web" }, new ParentReference { Name = "theirs" }] },
            Status = new()
            {
                Parents = [new RouteParentStatus
                {
                    ParentRef = new ParentReference { Name = "theirs" },
                    ControllerName = "example.com/other",
                    Conditions = [new V1Condition { Type = "Accepted", Status = "True", Reason = "Accepted", Message = "", LastTransitionTime = s_foreignTime }],
                }],
            },
        });

        cluster.Start("node-a");

        var gateway = (await store.WaitForAsync<GatewayObject>(
            "default", "web", g => Condition(g?.Status?.Conditions, "Programmed")?.Status == "True").WaitAsync(AllocatorCluster.Patience))!;
        Assert.Equal([("IPAddress", "203.0.113.10")], gateway.Status!.Addresses!.Select(a => (a.Type, a.Value)));
        var foreign = Condition(gateway.Status.Conditions, "example.com/Audited")!;
        Assert.Equal(("True", s_foreignTime), (foreign.Status, foreign.LastTransitionTime));
        Assert.Equal("http", Assert.Single(gateway.Status.Listeners!).Name);

        var route = (await store.WaitForAsync<HttpRoute>(
            "default", "app", r => r?.Status?.Parents?.Count == 2).WaitAsync(AllocatorCluster.Patience))!;
        Assert.Equal(["example.com/other", GatewayTranslator.ControllerName], route.Status!.Parents!.Select(p => p.ControllerName));

        var gatewayClass = store.Get<GatewayClass>(null, "beacon")!;
        Assert.Equal("True", Condition(gatewayClass.Status?.Conditions, "Accepted")?.Status);
        Assert.NotEmpty(gatewayClass.Status!.SupportedFeatures!);

        await cluster.EventuallyAsync(() => cluster.Events("web").Any(e => e.Reason == "IPAllocated"));
        var allocated = Assert.Single(cluster.Events("web"), e => e.Reason == "IPAllocated");
        Assert.Equal((GatewayApiGroup.ApiVersionV1, "Gateway", gateway.Metadata.Uid), (allocated.InvolvedObject.ApiVersion, allocated.InvolvedObject.Kind, allocated.InvolvedObject.Uid));

        // Settled: the leader keeps seeing snapshots (its own writes among them) and writes no more.
        int Writes() => cluster.Server.Requests.Count(r => r.Method == "PUT" && r.Resource.EndsWith("/status", StringComparison.Ordinal) && r.StatusCode == 200);
        await cluster.WaitForLeaseReadsAsync(3);
        var writes = Writes();
        store.Put(cluster.Server.Store.Get<HttpRoute>("default", "app")!);
        await cluster.WaitForLeaseReadsAsync(5);
        Assert.Equal(writes, Writes());
    }

    [Fact]
    public async Task A_stale_object_gets_409_and_is_written_from_the_next_snapshot_once()
    {
        await using var server = await TestApiServer.StartNewAsync(new TestApiServerOptions { Kinds = ResourceKinds.GatewayApi });
        using var client = new k8s.Kubernetes(server.ClientConfiguration);
        var writer = new GatewayStatusWriter(client, NullLoggerFactory.Instance, new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero)));
        ClusterSnapshot Read()
        {
            var builder = new ClusterSnapshot.Builder();
            builder.TryAdd(server.Store.Get<GatewayClass>(null, "beacon")!);
            return builder.Build(1, []);
        }

        server.Store.Put(BeaconClass());
        var stale = Read();
        var changed = BeaconClass();
        changed.Spec.Description = "changed after the snapshot was taken";
        server.Store.Put(changed);

        Assert.Equal(0, await writer.WriteAsync(stale, IpAllocator.Plan(stale), CancellationToken.None));
        Assert.Contains(server.Requests, r => r.Resource == "gatewayclasses/status" && r.StatusCode == 409);
        Assert.Null(server.Store.Get<GatewayClass>(null, "beacon")!.Status);

        var fresh = Read();
        Assert.Equal(1, await writer.WriteAsync(fresh, IpAllocator.Plan(fresh), CancellationToken.None));
        var written = server.Store.Get<GatewayClass>(null, "beacon")!;
        Assert.Equal("True", Condition(written.Status?.Conditions, "Accepted")?.Status);

        var after = Read();
        Assert.Equal(0, await writer.WriteAsync(after, IpAllocator.Plan(after), CancellationToken.None));
    }
}
