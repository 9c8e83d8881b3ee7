using Beacon.Agent.Announcements;
using Beacon.Cluster.Ipam;
using Beacon.Cluster.Model;
using k8s;
using k8s.Models;
using static Beacon.Agent.Tests.Allocation.AllocatorCluster;

namespace Beacon.Agent.Tests.Allocation;

public sealed class AllocatorControllerTests
{
    [Fact]
    public async Task A_Service_created_through_the_API_gets_an_address_from_the_pool_and_the_pool_counts_it()
    {
        await using var cluster = await AllocatorCluster.StartAsync();
        cluster.PutPool("blue", "203.0.113.10", "203.0.113.12");
        cluster.Start("node-a");

        await cluster.CreateServiceAsync("web");

        var web = await cluster.WaitForAddressAsync("web");
        Assert.Equal(["203.0.113.10"], Ingress(web));
        var allocated = await cluster.WaitForServiceAsync("web", s => Condition(s.Status?.Conditions, IpAllocator.AllocatedCondition) is not null);
        var condition = Condition(allocated.Status.Conditions, IpAllocator.AllocatedCondition)!;
        Assert.Equal("True", condition.Status);
        Assert.Equal("Allocated", condition.Reason);

        var pool = await cluster.WaitForPoolAsync("blue", p => p.Status?.Counts is { Count: > 0 } counts && counts[0].Used == "1");
        var counts = Assert.Single(pool.Status!.Counts!);
        Assert.Equal(("IPv4", "3", "1", "2"), (counts.Family, counts.Total, counts.Used, counts.Available));
        var exhausted = Condition(pool.Status.Conditions, IpAllocator.ExhaustedCondition)!;
        Assert.Equal("False", exhausted.Status);
        Assert.Equal(pool.Metadata.Generation, exhausted.ObservedGeneration);

        await cluster.EventuallyAsync(() => cluster.Events("web").Any(e => e.Reason == "IPAllocated"));
        var e = Assert.Single(cluster.Events("web"), e => e.Reason == "IPAllocated");
        Assert.Equal("Normal", e.Type);
        Assert.Equal(web.Metadata.Uid, e.InvolvedObject.Uid);
        Assert.Contains("203.0.113.10", e.Message, StringComparison.Ordinal);

        // Settled: the leader's own writes come back as snapshots that need no further write.
        await cluster.WaitForLeaseReadsAsync(5);
        Assert.Single(cluster.Server.Requests, r => r.Resource == "services/status" && r.StatusCode == 200);
        Assert.Single(cluster.Events("web"));
    }

    [Fact]
    public async Task A_requested_address_in_the_pool_is_honoured()
    {
        await using var cluster = await AllocatorCluster.StartAsync();
        cluster.PutPool("blue", "203.0.113.10", "203.0.113.12");
        cluster.Start("node-a");

        await cluster.CreateServiceAsync("web", annotations: new Dictionary<string, string> { [IpAllocator.RequestAnnotation] = "203.0.113.12" });

        var web = await cluster.WaitForAddressAsync("web");
        Assert.Equal(["203.0.113.12"], Ingress(web));
    }

    [Fact]
    public async Task A_requested_address_outside_every_pool_is_refused_with_an_Event_and_a_condition()
    {
        await using var cluster = await AllocatorCluster.StartAsync();
        cluster.PutPool("blue", "203.0.113.10", "203.0.113.12");
        cluster.Start("node-a");

        await cluster.CreateServiceAsync("web", annotations: new Dictionary<string, string> { [IpAllocator.RequestAnnotation] = "198.51.100.7" });

        var web = await cluster.WaitForServiceAsync("web", s => Condition(s.Status?.Conditions, IpAllocator.AllocatedCondition) is not null);
        Assert.Empty(Ingress(web));
        var condition = Condition(web.Status.Conditions, IpAllocator.AllocatedCondition)!;
        Assert.Equal(("False", "AllocationFailed"), (condition.Status, condition.Reason));
        Assert.Contains("198.51.100.7", condition.Message, StringComparison.Ordinal);
        await cluster.EventuallyAsync(() => cluster.Events("web").Any(e => e.Reason == "AllocationFailed"));
        var e = Assert.Single(cluster.Events("web"));
        Assert.Equal("Warning", e.Type);
        Assert.Contains("198.51.100.7", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_exhausted_pool_is_reported_by_an_Event_on_the_Service_and_a_pool_condition()
    {
        await using var cluster = await AllocatorCluster.StartAsync();
        cluster.PutPool("tiny", "203.0.113.10", "203.0.113.10");
        cluster.Start("node-a");

        await cluster.CreateServiceAsync("first");
        await cluster.WaitForAddressAsync("first");
        await cluster.CreateServiceAsync("second");

        var second = await cluster.WaitForServiceAsync("second", s => Condition(s.Status?.Conditions, IpAllocator.AllocatedCondition)?.Reason == "PoolExhausted");
        Assert.Empty(Ingress(second));
        var pool = await cluster.WaitForPoolAsync("tiny", p => Condition(p.Status?.Conditions, IpAllocator.ExhaustedCondition)?.Status == "True");
        Assert.Equal("NoFreeAddresses", Condition(pool.Status!.Conditions, IpAllocator.ExhaustedCondition)!.Reason);
        await cluster.EventuallyAsync(() => cluster.Events("second").Any(e => e.Reason == "PoolExhausted"));
        Assert.Equal("Warning", Assert.Single(cluster.Events("second"), e => e.Reason == "PoolExhausted").Type);
    }

    [Fact]
    public async Task A_lasting_problem_is_one_Event_whose_count_grows_when_it_comes_back()
    {
        await using var cluster = await AllocatorCluster.StartAsync();
        cluster.PutPool("tiny", "203.0.113.10", "203.0.113.10");
        cluster.Start("node-a");
        await cluster.CreateServiceAsync("first");
        await cluster.WaitForAddressAsync("first");
        await cluster.CreateServiceAsync("second");
        await cluster.WaitForServiceAsync("second", s => Condition(s.Status?.Conditions, IpAllocator.AllocatedCondition)?.Reason == "PoolExhausted");

        // Every change makes a snapshot that plans the same warning again.
        for (var i = 0; i < 5; i++)
        {
            var second = await cluster.Client.CoreV1.ReadNamespacedServiceAsync("second", "default");
            second.Metadata.Labels = new Dictionary<string, string> { ["touch"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            await cluster.Client.CoreV1.ReplaceNamespacedServiceAsync(second, "second", "default");
        }

        // A second pool ends the problem (observable: the Service gets its address) ...
        cluster.PutPool("spare", "203.0.113.20", "203.0.113.20");
        await cluster.WaitForAddressAsync("second");
        var exhausted = Assert.Single(cluster.Events("second"), e => e.Reason == "PoolExhausted");
        Assert.Equal(1, exhausted.Count);

        // ... and deleting it brings the same problem back: the same Event, counted.
        Assert.True(cluster.Server.Store.Delete(cluster.Server.Store.KindOf<Beacon.Cluster.Model.LoadBalancerIpPool>(), null, "spare"));
        await cluster.WaitForServiceAsync("second", s => Ingress(s).Count == 0);
        await cluster.EventuallyAsync(() => cluster.Events("second").Any(e => e.Reason == "PoolExhausted" && e.Count == 2));
        Assert.Single(cluster.Events("second"), e => e.Reason == "PoolExhausted");
    }

    [Fact]
    public async Task Only_the_leader_writes()
    {
        await using var cluster = await AllocatorCluster.StartAsync();
        cluster.PutPool("blue", "203.0.113.10", "203.0.113.12");

        // Another agent holds the Lease. The elector judges expiry by its own clock from when
        // it first saw the record, with its own lease duration: an hour here, so this agent
        // stays a follower for the whole test however slow the machine is.
        var now = DateTime.UtcNow;
        cluster.Server.Store.Put(new V1Lease
        {
            ApiVersion = "coordination.k8s.io/v1",
            Kind = "Lease",
            Metadata = new V1ObjectMeta { Name = Beacon.Agent.Allocation.AllocatorOptions.LeaseName, NamespaceProperty = Namespace },
            Spec = new V1LeaseSpec { HolderIdentity = "node-gone", LeaseDurationSeconds = 15, AcquireTime = now, RenewTime = now },
        });
        var follower = cluster.Start("node-b", leaseDuration: TimeSpan.FromHours(1));
        await cluster.CreateServiceAsync("web");

        // The follower keeps reading the Lease; after a few rounds it has seen the Service too.
        await cluster.WaitForLeaseReadsAsync(5);
        Assert.False(follower.Controller.IsLeading);
        Assert.DoesNotContain(cluster.Server.Requests, r => r.Verb is "patch" or "update" && r.Resource is "services/status" or "services");
        Assert.Empty(cluster.Events("web"));

        // The Lease goes away: the candidate creates it and allocates.
        Assert.True(cluster.Server.Store.Delete(cluster.Server.Store.KindOf<V1Lease>(), Namespace, Beacon.Agent.Allocation.AllocatorOptions.LeaseName));
        await cluster.WaitForLeaderAsync("node-b");
        Assert.Equal(["203.0.113.10"], Ingress(await cluster.WaitForAddressAsync("web")));
    }

    [Fact]
    public async Task Stopping_the_leader_hands_allocation_to_the_other_agent_without_renumbering()
    {
        await using var cluster = await AllocatorCluster.StartAsync();
        cluster.PutPool("blue", "203.0.113.10", "203.0.113.19");
        var alice = cluster.Start("node-a");
        await cluster.WaitForLeaderAsync("node-a");
        var bob = cluster.Start("node-b");

        // Name order is the reverse of age (and creation times may tie to the second), so an
        // allocator that renumbered from scratch could swap them.
        await cluster.CreateServiceAsync("zeta");
        Assert.Equal(["203.0.113.10"], Ingress(await cluster.WaitForAddressAsync("zeta")));
        await cluster.CreateServiceAsync("alpha");
        Assert.Equal(["203.0.113.11"], Ingress(await cluster.WaitForAddressAsync("alpha")));
        await cluster.EventuallyAsync(() => cluster.Events("alpha").Count > 0);
        Assert.All(cluster.Server.Store.List<Corev1Event>(), e => Assert.Equal("node-a", e.ReportingInstance));
        Assert.False(bob.Controller.IsLeading);

        await alice.StopAsync();
        await cluster.WaitForLeaderAsync("node-b");
        await cluster.CreateServiceAsync("beta");

        Assert.Equal(["203.0.113.12"], Ingress(await cluster.WaitForAddressAsync("beta")));
        Assert.Equal(["203.0.113.10"], Ingress(cluster.Server.Store.Get<V1Service>("default", "zeta")!));
        Assert.Equal(["203.0.113.11"], Ingress(cluster.Server.Store.Get<V1Service>("default", "alpha")!));
        Assert.True(bob.Controller.IsLeading);
        Assert.Equal(1, cluster.Lease!.Spec.LeaseTransitions);
        await cluster.EventuallyAsync(() => cluster.Events("beta").Count > 0);
        Assert.All(cluster.Events("beta"), e => Assert.Equal("node-b", e.ReportingInstance));
    }

    [Fact]
    public async Task A_conflicting_write_is_retried_from_the_next_snapshot()
    {
        await using var cluster = await AllocatorCluster.StartAsync();
        cluster.PutPool("blue", "203.0.113.10", "203.0.113.12");
        cluster.Start("node-a");
        await cluster.WaitForLeaderAsync("node-a");
        cluster.Server.FailNext("patch", "services/status", 1, 409);

        await cluster.CreateServiceAsync("web");

        Assert.Equal(["203.0.113.10"], Ingress(await cluster.WaitForAddressAsync("web")));
        Assert.Contains(cluster.Server.Requests, r => r.Resource == "services/status" && r.StatusCode == 409);
    }

    [Fact]
    public async Task A_leader_that_loses_the_Lease_stops_writing()
    {
        await using var cluster = await AllocatorCluster.StartAsync();
        cluster.PutPool("blue", "203.0.113.10", "203.0.113.12");
        // A lease duration of an hour: once node-a has seen another holder it will not take
        // the Lease back for the rest of the test; a renewal that fails ends its term within the renew deadline.
        var alice = cluster.Start("node-a", leaseDuration: TimeSpan.FromHours(1));
        await cluster.WaitForLeaderAsync("node-a");
        await cluster.CreateServiceAsync("first");
        await cluster.WaitForAddressAsync("first");

        // Another holder takes the Lease over (as after a partition that outlasted the lease).
        var lease = cluster.Lease!;
        lease.Spec.HolderIdentity = "node-other";
        lease.Spec.RenewTime = DateTime.UtcNow;
        cluster.Server.Store.Put(lease);
        await cluster.EventuallyAsync(() => !alice.Controller.IsLeading);
        cluster.Server.ClearRequests();

        await cluster.CreateServiceAsync("second");
        await cluster.WaitForLeaseReadsAsync(5);

        Assert.DoesNotContain(cluster.Server.Requests, r => r.Resource == "services/status");
        Assert.Empty(Ingress(cluster.Server.Store.Get<V1Service>("default", "second")!));
        Assert.Empty(cluster.Events("second"));
    }

    [Fact]
    public async Task Overlapping_pools_put_a_Conflict_condition_and_an_Event_on_the_younger_pool()
    {
        await using var cluster = await AllocatorCluster.StartAsync();
        cluster.PutPool("a-first", "203.0.113.10", "203.0.113.19");
        cluster.PutPool("b-second", "203.0.113.15", "203.0.113.25");
        cluster.Start("node-a");

        var second = await cluster.WaitForPoolAsync("b-second", p => Condition(p.Status?.Conditions, IpAllocator.ConflictCondition)?.Status == "True");
        Assert.Contains("a-first", Condition(second.Status!.Conditions, IpAllocator.ConflictCondition)!.Message, StringComparison.Ordinal);
        var first = await cluster.WaitForPoolAsync("a-first", p => Condition(p.Status?.Conditions, IpAllocator.ConflictCondition) is not null);
        Assert.Equal("False", Condition(first.Status!.Conditions, IpAllocator.ConflictCondition)!.Status);

        await cluster.EventuallyAsync(() => cluster.Events("b-second").Count > 0);
        var e = Assert.Single(cluster.Events("b-second"));
        Assert.Equal(("Warning", "IPConflict", "LoadBalancerIPPool", "default"), (e.Type, e.Reason, e.InvolvedObject.Kind, e.Metadata.NamespaceProperty));
        Assert.Equal(second.Metadata.Uid, e.InvolvedObject.Uid);
        Assert.Empty(cluster.Events("a-first"));
    }

    [Fact]
    public async Task A_cluster_config_naming_a_missing_peer_config_is_not_accepted_until_it_exists()
    {
        await using var cluster = await AllocatorCluster.StartAsync();
        cluster.Server.Store.Put(new V1Node
        {
            Metadata = new V1ObjectMeta { Name = "node-a" },
            Status = new V1NodeStatus { Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "198.51.100.2" }] },
        });
        cluster.Server.Store.Put(new BgpClusterConfig
        {
            Metadata = new V1ObjectMeta { Name = "edge" },
            Spec = new BgpClusterConfigSpec
            {
                LocalASN = 64512,
                Peers = [new BgpPeer { Name = "tor", PeerAddress = "198.51.100.1", PeerASN = 64513, PeerConfigRef = new PeerConfigReference { Name = "tor-timers" } }],
            },
        });
        cluster.Start("node-a");

        var refused = await WaitForConfigAsync(cluster, "edge", c => c?.Status == "False");
        var condition = Condition(refused.Status!.Conditions, ConfigConditions.Type)!;
        Assert.Equal("PeerConfigNotFound", condition.Reason);
        Assert.Equal("spec.peers[0].peerConfigRef.name: BGPPeerConfig 'tor-timers' not found; peer 'tor' is not run", condition.Message);
        Assert.Equal(refused.Metadata.Generation, condition.ObservedGeneration);

        cluster.Server.Store.Put(new BgpPeerConfig { Metadata = new V1ObjectMeta { Name = "tor-timers" } });

        var accepted = await WaitForConfigAsync(cluster, "edge", c => c?.Status == "True");
        Assert.Equal("Accepted", Condition(accepted.Status!.Conditions, ConfigConditions.Type)!.Reason);
        var peerConfig = await cluster.Server.Store.WaitForAsync<BgpPeerConfig>(
            null, "tor-timers", p => Condition(p?.Status?.Conditions, ConfigConditions.Type) is not null).WaitAsync(Patience);
        Assert.Equal("True", Condition(peerConfig!.Status!.Conditions, ConfigConditions.Type)!.Status);
    }

    private static async Task<BgpClusterConfig> WaitForConfigAsync(AllocatorCluster cluster, string name, Func<V1Condition?, bool> accepted) =>
        (await cluster.Server.Store.WaitForAsync<BgpClusterConfig>(
            null, name, c => c is not null && accepted(Condition(c.Status?.Conditions, ConfigConditions.Type))).WaitAsync(Patience))!;
}
