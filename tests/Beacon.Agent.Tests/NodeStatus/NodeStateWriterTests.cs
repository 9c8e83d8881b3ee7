using Beacon.Agent.NodeStatus;
using Beacon.Agent.Tests.Status;
using Beacon.Bgp.Speaker;
using Beacon.Cluster.Model;
using Beacon.Kubernetes.Testing;
using k8s.Models;

namespace Beacon.Agent.Tests.NodeStatus;

public sealed class NodeStateWriterTests
{
    [Fact]
    public async Task Creates_the_state_named_after_the_node_owned_by_it_with_every_peer()
    {
        await using var fixture = await NodeStateWriterFixture.StartAsync();
        var node = fixture.Server.Store.Put(new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = NodeStateWriterFixture.NodeName } });

        await fixture.RunAsync();

        var state = fixture.Stored();
        Assert.NotNull(state);
        var owner = Assert.Single(state.Metadata.OwnerReferences);
        Assert.Equal(("v1", "Node", NodeStateWriterFixture.NodeName, node.Metadata.Uid), (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid));
        var peers = state.Status!.Peers!;
        Assert.Equal(["tor-a", "tor-b"], peers.Select(p => p.Name));
        var torA = peers[0];
        Assert.Equal("198.51.100.1", torA.PeerAddress);
        Assert.Equal((65000L, 65001L), (torA.PeerASN, torA.LocalASN));
        Assert.Equal("Established", torA.State);
        Assert.Equal(FakeSpeakerStatus.EstablishedAt.UtcDateTime, torA.EstablishedTime);
        Assert.Equal((90, 30), (torA.HoldTimeSeconds, torA.KeepaliveTimeSeconds));
        Assert.Equal(["multiprotocol", "four-octet-as"], torA.Capabilities!);
        Assert.Equal(
            [("ipv4", "unicast", 3L, 1L), ("ipv6", "unicast", 2L, 0L)],
            torA.Families!.Select(f => (f.Afi, f.Safi, f.Advertised, f.Received)));
        Assert.Null(torA.LastError);
        var torB = peers[1];
        Assert.Equal(("Active", 4200000000L, "connection refused"), (torB.State, torB.PeerASN, torB.LastError));
        Assert.Null(torB.EstablishedTime);
        var ready = Assert.Single(state.Status.Conditions!);
        Assert.Equal(("Ready", "False", "PeersNotEstablished"), (ready.Type, ready.Status, ready.Reason));
        Assert.Equal("1 of 2 peers Established; not Established: tor-b (Active: connection refused)", ready.Message);
        Assert.Equal(fixture.Time.GetUtcNow().UtcDateTime, ready.LastTransitionTime);
    }

    [Fact]
    public async Task Without_a_readable_node_the_state_is_created_without_an_owner()
    {
        await using var fixture = await NodeStateWriterFixture.StartAsync();

        await fixture.RunAsync();

        var state = fixture.Stored();
        Assert.NotNull(state);
        Assert.Null(state.Metadata.OwnerReferences);
        Assert.Equal(2, state.Status!.Peers!.Count);
    }

    [Fact]
    public async Task Status_follows_the_speaker()
    {
        await using var fixture = await NodeStateWriterFixture.StartAsync();
        await fixture.RunAsync();
        var firstTransition = fixture.Stored()!.Status!.Conditions![0].LastTransitionTime;
        var establishedAt = fixture.Time.GetUtcNow();

        fixture.SetPeer(fixture.Peer("tor-b") with
        {
            State = SessionState.Established,
            EstablishedTime = establishedAt,
            HoldTime = 9,
            KeepaliveTime = 3,
            PeerCapabilities = ["4-octet-as", "route-refresh"],
            Families = [new FamilyStatus("ipv6", "unicast", 4, 7)],
            LastError = null,
        });
        fixture.SetPeer(fixture.Peer("tor-a") with { Families = [new FamilyStatus("ipv4", "unicast", 5, 1), new FamilyStatus("ipv6", "unicast", 2, 0)] });
        await fixture.TickAsync();

        var status = fixture.Stored()!.Status!;
        var torB = status.Peers!.Single(p => p.Name == "tor-b");
        Assert.Equal(("Established", establishedAt.UtcDateTime, 9, 3, (string?)null), (torB.State, torB.EstablishedTime, torB.HoldTimeSeconds, torB.KeepaliveTimeSeconds, torB.LastError));
        Assert.Equal(["4-octet-as", "route-refresh"], torB.Capabilities!);
        Assert.Equal([(4L, 7L)], torB.Families!.Select(f => (f.Advertised, f.Received)));
        Assert.Equal(5L, status.Peers!.Single(p => p.Name == "tor-a").Families![0].Advertised);
        var ready = status.Conditions![0];
        Assert.Equal(("True", "AllPeersEstablished", "2 of 2 peers Established"), (ready.Status, ready.Reason, ready.Message));
        Assert.NotEqual(firstTransition, ready.LastTransitionTime);

        fixture.SetPeer(fixture.Peer("tor-a") with { State = SessionState.Idle, LastError = "NOTIFICATION 4/0 (HoldTimerExpired)" });
        await fixture.TickAsync();

        status = fixture.Stored()!.Status!;
        var torA = status.Peers!.Single(p => p.Name == "tor-a");
        Assert.Equal(("Idle", "NOTIFICATION 4/0 (HoldTimerExpired)"), (torA.State, torA.LastError));
        Assert.Equal(("False", "1 of 2 peers Established; not Established: tor-a (Idle: NOTIFICATION 4/0 (HoldTimerExpired))"), (status.Conditions![0].Status, status.Conditions[0].Message));
    }

    [Fact]
    public async Task Changes_within_an_interval_make_one_write_and_keepalives_make_none()
    {
        await using var fixture = await NodeStateWriterFixture.StartAsync();
        await fixture.RunAsync();
        fixture.Server.ClearRequests();

        for (var advertised = 10; advertised < 20; advertised++)
        {
            fixture.SetPeer(fixture.Peer("tor-a") with { Families = [new FamilyStatus("ipv4", "unicast", advertised, 1)] });
        }

        await fixture.TickAsync();

        Assert.Single(fixture.StatusWrites());
        Assert.Equal(19L, fixture.Stored()!.Status!.Peers![0].Families![0].Advertised);

        fixture.Server.ClearRequests();
        for (var i = 0; i < 5; i++)
        {
            var torA = fixture.Peer("tor-a");
            fixture.SetPeer(torA with { MessagesSent = torA.MessagesSent + 1, MessagesReceived = torA.MessagesReceived + 1 });
            await fixture.TickAsync();
        }

        Assert.Empty(fixture.Server.Requests);
    }

    [Fact]
    public async Task A_conflict_is_resolved_by_reading_again_and_keeps_the_other_writers_change()
    {
        await using var fixture = await NodeStateWriterFixture.StartAsync();
        await fixture.RunAsync();
        // Another client changes the object, so the writer's resourceVersion is stale.
        var state = fixture.Stored()!;
        state.Metadata.Labels = new Dictionary<string, string> { ["team"] = "network" };
        fixture.Server.Store.Put(state);
        fixture.Server.ClearRequests();

        fixture.SetPeer(fixture.Peer("tor-b") with { LastError = "connection timed out" });
        await fixture.TickAsync();

        var writes = fixture.StatusWrites();
        Assert.Equal([409, 200], writes.Select(w => w.StatusCode));
        var stored = fixture.Stored()!;
        Assert.Equal("network", stored.Metadata.Labels["team"]);
        Assert.Equal("connection timed out", stored.Status!.Peers!.Single(p => p.Name == "tor-b").LastError);
    }

    [Fact]
    public async Task A_deleted_state_is_created_again()
    {
        await using var fixture = await NodeStateWriterFixture.StartAsync();
        await fixture.RunAsync();
        fixture.Server.Store.Delete(fixture.Server.Store.KindOf<BgpNodeState>(), null, NodeStateWriterFixture.NodeName);

        fixture.SetPeer(fixture.Peer("tor-b") with { State = SessionState.Connect });
        await fixture.TickAsync();

        Assert.Equal("Connect", fixture.Stored()!.Status!.Peers!.Single(p => p.Name == "tor-b").State);
    }

    [Fact]
    public async Task While_the_api_server_is_away_the_writer_retries_and_converges_when_it_returns()
    {
        await using var fixture = await NodeStateWriterFixture.StartAsync();
        await fixture.RunAsync();
        await fixture.Server.StopAsync();

        fixture.SetPeer(fixture.Peer("tor-b") with { State = SessionState.Established, EstablishedTime = fixture.Time.GetUtcNow(), LastError = null });
        await fixture.TickAsync();
        await fixture.TickAsync(NodeStateWriter.Interval * 2);
        fixture.SetPeer(fixture.Peer("tor-a") with { Families = [new FamilyStatus("ipv4", "unicast", 42, 1)] });
        await fixture.TickAsync(NodeStateWriter.Interval * 4);
        Assert.Equal("Active", fixture.Stored()!.Status!.Peers![1].State);

        await fixture.Server.StartAsync(fixture.Timeout);
        var converged = fixture.Server.Store.WaitForAsync<BgpNodeState>(
            null,
            NodeStateWriterFixture.NodeName,
            s => s?.Status?.Conditions?[0].Status == "True",
            fixture.Timeout);
        await fixture.TickAsync(NodeStateWriter.MaxBackoff);

        var status = (await converged)!.Status!;
        Assert.Equal(["Established", "Established"], status.Peers!.Select(p => p.State));
        Assert.Equal(42L, status.Peers![0].Families![0].Advertised);
    }

    [Fact]
    public async Task Failed_writes_are_retried_with_the_state_of_the_moment()
    {
        await using var fixture = await NodeStateWriterFixture.StartAsync();
        await fixture.RunAsync();
        fixture.Server.FailNext("update", "bgpnodestates/status", count: 1, statusCode: 500);

        fixture.SetPeer(fixture.Peer("tor-b") with { State = SessionState.OpenSent });
        await fixture.TickAsync();
        Assert.Equal("Active", fixture.Stored()!.Status!.Peers![1].State);

        fixture.SetPeer(fixture.Peer("tor-b") with { State = SessionState.OpenConfirm });
        await fixture.TickAsync();

        Assert.Equal("OpenConfirm", fixture.Stored()!.Status!.Peers![1].State);
    }

    [Fact]
    public async Task After_a_restart_an_unchanged_status_is_not_written_and_ready_keeps_its_transition_time()
    {
        await using var fixture = await NodeStateWriterFixture.StartAsync();
        await fixture.RunAsync();
        var transition = fixture.Stored()!.Status!.Conditions![0].LastTransitionTime;
        fixture.Server.ClearRequests();

        await fixture.RestartAsync();
        await fixture.TickAsync(TimeSpan.FromMinutes(1));

        Assert.Empty(fixture.StatusWrites());
        fixture.SetPeer(fixture.Peer("tor-b") with { LastError = "connection reset" });
        await fixture.TickAsync();
        var ready = fixture.Stored()!.Status!.Conditions![0];
        Assert.Equal(("False", transition), (ready.Status, ready.LastTransitionTime));
        Assert.Contains("connection reset", ready.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_status_overwritten_by_someone_else_is_put_back_at_the_next_resync()
    {
        await using var fixture = await NodeStateWriterFixture.StartAsync();
        await fixture.RunAsync();
        var state = fixture.Stored()!;
        state.Status = new BgpNodeStateStatus { Peers = [] };
        fixture.Server.Store.Put(state);

        await fixture.TickAsync();
        Assert.Empty(fixture.Stored()!.Status!.Peers!);

        await fixture.TickAsync(NodeStateWriter.ResyncInterval);

        Assert.Equal(["tor-a", "tor-b"], fixture.Stored()!.Status!.Peers!.Select(p => p.Name));
    }

    [Fact]
    public void A_node_without_peers_is_ready()
    {
        var now = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

        var status = NodeStateWriter.Project([], previousReady: null, now);

        Assert.Empty(status.Peers!);
        var ready = Assert.Single(status.Conditions!);
        Assert.Equal(("Ready", "True", "NoPeers", now.UtcDateTime), (ready.Type, ready.Status, ready.Reason, ready.LastTransitionTime));
    }
}
