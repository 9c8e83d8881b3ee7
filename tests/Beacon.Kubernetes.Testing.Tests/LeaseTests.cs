using System.Net;
using k8s;
using k8s.Models;

namespace Beacon.Kubernetes.Testing.Tests;

public sealed class LeaseTests
{
    [Fact]
    public async Task Two_candidates_updating_the_same_lease_version_conflict()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var alice = Fixtures.Client(server);
        using var bob = Fixtures.Client(server);
        var now = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        var created = await alice.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "beacon-allocator" },
            Spec = new V1LeaseSpec { HolderIdentity = "alice", LeaseDurationSeconds = 15, AcquireTime = now, RenewTime = now },
        }, "kube-system");
        await Fixtures.FailsWith(HttpStatusCode.Conflict, () => bob.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease { Metadata = new V1ObjectMeta { Name = "beacon-allocator" } }, "kube-system"));

        var seenByAlice = await alice.CoordinationV1.ReadNamespacedLeaseAsync("beacon-allocator", "kube-system");
        var seenByBob = await bob.CoordinationV1.ReadNamespacedLeaseAsync("beacon-allocator", "kube-system");

        seenByAlice.Spec.RenewTime = now.AddSeconds(5);
        var renewed = await alice.CoordinationV1.ReplaceNamespacedLeaseAsync(seenByAlice, "beacon-allocator", "kube-system");
        Assert.NotEqual(created.Metadata.ResourceVersion, renewed.Metadata.ResourceVersion);
        Assert.Null(renewed.Metadata.Generation);

        seenByBob.Spec.HolderIdentity = "bob";
        var e = await Fixtures.FailsWith(HttpStatusCode.Conflict, () => bob.CoordinationV1.ReplaceNamespacedLeaseAsync(seenByBob, "beacon-allocator", "kube-system"));
        Assert.Equal("Conflict", Fixtures.Status(e).Reason);
        Assert.Equal("leases.coordination.k8s.io \"beacon-allocator\"", Fixtures.Status(e).Message.Split(": ")[0].Replace("Operation cannot be fulfilled on ", "", StringComparison.Ordinal));

        var holder = await bob.CoordinationV1.ReadNamespacedLeaseAsync("beacon-allocator", "kube-system");
        Assert.Equal("alice", holder.Spec.HolderIdentity);
    }
}
