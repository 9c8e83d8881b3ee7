using System.Runtime.CompilerServices;
using Beacon.Agent.Status;
using Beacon.Bgp.Speaker;
using Beacon.Cluster;
using Beacon.Cluster.Manifests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using RouteDirection = Beacon.Bgp.Speaker.RouteDirection;

namespace Beacon.Agent.Tests;

public sealed class NodeAgentTests
{
    private const string Manifests = """
        apiVersion: v1
        kind: Node
        metadata:
          name: node1
        status:
          addresses:
            - type: InternalIP
              address: 198.51.100.2
        ---
        apiVersion: beacon.dev/v1alpha1
        kind: BGPClusterConfig
        metadata:
          name: default
        spec:
          localASN: 64512
          localPort: 0
          peers:
            - name: secured
              peerAddress: 198.51.100.1
              peerASN: 64500
              peerConfigRef:
                name: md5
            - name: dangling
              peerAddress: 198.51.100.3
              peerASN: 64501
              peerConfigRef:
                name: absent
        ---
        apiVersion: beacon.dev/v1alpha1
        kind: BGPPeerConfig
        metadata:
          name: md5
        spec:
          authSecretRef:
            name: bgp-auth
            namespace: beacon-system
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: bgp-auth
          namespace: beacon-system
        stringData:
          passwd: s3cret
        """;

    private sealed class OneSnapshot(ClusterSnapshot snapshot) : IClusterSource
    {
        public async IAsyncEnumerable<ClusterSnapshot> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            yield return snapshot;
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }

    [Fact]
    public async Task Peers_the_plan_refuses_are_listed_idle_with_the_reason()
    {
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var readiness = new ReadinessTracker();
        var context = new AgentContext(
            new RunOptions { NodeName = "node1" },
            NullLoggerFactory.Instance,
            meters.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            TimeProvider.System,
            readiness);
        await using var agent = new NodeAgent(context, new OneSnapshot(ManifestDirectorySource.LoadText(Manifests)));
        using var stop = new CancellationTokenSource();
        var run = agent.RunAsync(stop.Token);

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (agent.Speaker.GetPeers().Count < 2)
        {
            await Task.Delay(10, deadline.Token);
        }

        var peers = agent.Speaker.GetPeers();
        Assert.Equal(["dangling", "secured"], peers.Select(p => p.Name));
        Assert.All(peers, p => Assert.Equal(SessionState.Idle, p.State));
        Assert.Equal("not run: BGPClusterConfig default: spec.peers[1].peerConfigRef.name: BGPPeerConfig 'absent' not found", peers[0].LastError);
        Assert.Equal("not run: BGPPeerConfig md5: spec.authSecretRef: Secret beacon-system/bgp-auth: data.password is missing or empty", peers[1].LastError);
        Assert.Equal((uint)64500, peers[1].PeerAsn);
        Assert.Empty((await agent.Speaker.GetRoutesAsync("secured", RouteDirection.Advertised))!);
        Assert.Null(await agent.Speaker.GetRoutesAsync("nobody", RouteDirection.Advertised));
        Assert.Empty(readiness.GetNotReadyReasons());

        await stop.CancelAsync();
        await run;
    }
}
