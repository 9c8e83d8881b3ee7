using Beacon.Agent.Announcements;
using Beacon.Cluster;
using Beacon.Cluster.Manifests;
using k8s;
using k8s.Models;

namespace Beacon.Agent.Tests.Announcements;

/// <summary>
/// What the golden files cannot show, since their input must load without source errors: a
/// Secret the source could not read is refused with the source's reason, not as "not found".
/// </summary>
public sealed class AuthSecretTests
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
          peers:
            - name: secured
              peerAddress: 198.51.100.1
              peerASN: 64500
              peerConfigRef:
                name: md5
        ---
        apiVersion: beacon.dev/v1alpha1
        kind: BGPPeerConfig
        metadata:
          name: md5
        spec:
          authSecretRef:
            name: tor-md5
            namespace: network-secrets
        """;

    [Fact]
    public void Secret_the_source_cannot_read_refuses_the_peer_with_the_source_s_reason()
    {
        var loaded = ManifestDirectorySource.LoadText(Manifests);
        var builder = new ClusterSnapshot.Builder();
        foreach (var obj in loaded.Nodes.Values.Cast<IKubernetesObject<V1ObjectMeta>>().Concat(loaded.ClusterConfigs.Values).Concat(loaded.PeerConfigs.Values))
        {
            builder.TryAdd(obj);
        }

        var snapshot = builder.Build(1, [new SourceError("Kubernetes API", "Secret network-secrets/tor-md5", null, "HTTP 403 Forbidden")]);

        var plan = AnnouncementPlanner.Plan(snapshot, "node1");

        Assert.Empty(plan.Peers);
        var refused = Assert.Single(plan.Refused);
        Assert.Equal("BGPPeerConfig md5: spec.authSecretRef: Secret network-secrets/tor-md5 cannot be read: HTTP 403 Forbidden", refused.Reason);
        var error = Assert.Single(plan.Diagnostics);
        Assert.Equal(("BGPPeerConfig md5", "spec.authSecretRef"), (error.Object, error.Field));
    }
}
