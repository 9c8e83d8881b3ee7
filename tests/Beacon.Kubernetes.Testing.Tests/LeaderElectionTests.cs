using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;

namespace Beacon.Kubernetes.Testing.Tests;

/// <summary>The client's own LeaderElector over a LeaseLock: the protocol Beacon's allocator election rides on.</summary>
public sealed class LeaderElectionTests
{
    private static LeaderElector Elector(k8s.Kubernetes client, string identity) =>
        new(new LeaderElectionConfig(new LeaseLock(client, "kube-system", "beacon-allocator", identity))
        {
            LeaseDuration = TimeSpan.FromSeconds(1),
            RenewDeadline = TimeSpan.FromMilliseconds(800),
            RetryPeriod = TimeSpan.FromMilliseconds(100),
        });

    // A cancelled elector may end either way; only that it ends matters here.
    private static Task Stopped(Task run) =>
        run.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).WaitAsync(Fixtures.Patience);

    [Fact]
    public async Task Leadership_passes_to_the_other_candidate_when_the_leader_stops()
    {
        await using var server = await TestApiServer.StartNewAsync();
        using var aliceClient = Fixtures.Client(server);
        using var bobClient = Fixtures.Client(server);
        using var alice = Elector(aliceClient, "alice");
        using var bob = Elector(bobClient, "bob");
        var aliceLeads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bobLeads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        alice.OnStartedLeading += () => aliceLeads.TrySetResult();
        bob.OnStartedLeading += () => bobLeads.TrySetResult();
        using var stopAlice = new CancellationTokenSource();
        using var stopBob = new CancellationTokenSource();

        var aliceRun = alice.RunUntilLeadershipLostAsync(stopAlice.Token);
        await aliceLeads.Task.WaitAsync(Fixtures.Patience);
        var bobRun = bob.RunUntilLeadershipLostAsync(stopBob.Token);
        Assert.Equal("alice", server.Store.Get<V1Lease>("kube-system", "beacon-allocator")!.Spec.HolderIdentity);

        await stopAlice.CancelAsync();
        await Stopped(aliceRun);
        await bobLeads.Task.WaitAsync(Fixtures.Patience);

        var lease = server.Store.Get<V1Lease>("kube-system", "beacon-allocator")!;
        Assert.Equal("bob", lease.Spec.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);
        Assert.Contains(server.Requests, r => r.Verb == "update" && r.Resource == "leases" && r.StatusCode == 200);
        await stopBob.CancelAsync();
        await Stopped(bobRun);
    }
}
