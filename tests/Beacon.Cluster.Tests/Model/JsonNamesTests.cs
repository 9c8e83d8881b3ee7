using Beacon.Cluster.Model;
using k8s;

namespace Beacon.Cluster.Tests.Model;

/// <summary>The API-server source will read the same classes through the client's JSON serializer.</summary>
public sealed class JsonNamesTests
{
    [Fact]
    public void Crd_objects_round_trip_through_the_client_json_serializer_with_crd_field_names()
    {
        const string json = """
            {"apiVersion":"beacon.dev/v1alpha1","kind":"BGPClusterConfig","metadata":{"name":"c"},
             "spec":{"localASN":64512,"routerID":"198.51.100.2","localPort":0,
                     "peers":[{"name":"r","peerAddress":"198.51.100.1","peerASN":64500,"peerConfigRef":{"name":"p"}}]}}
            """;

        var config = KubernetesJson.Deserialize<BgpClusterConfig>(json);

        Assert.Equal(64512, config.Spec.LocalASN);
        Assert.Equal("198.51.100.2", config.Spec.RouterID);
        Assert.Equal(64500, config.Spec.Peers![0].PeerASN);
        var written = KubernetesJson.Serialize(config);
        Assert.Contains("\"localASN\":64512", written);
        Assert.Contains("\"routerID\":\"198.51.100.2\"", written);
        Assert.Contains("\"peerConfigRef\":{\"name\":\"p\"}", written);
    }

    [Fact]
    public void Peer_config_fields_use_crd_names()
    {
        var written = KubernetesJson.Serialize(new BgpPeerConfig
        {
            Metadata = new() { Name = "p" },
            Spec = new()
            {
                Timers = new() { HoldTimeSeconds = 9 },
                GracefulRestart = new() { Enabled = true, RestartTimeSeconds = 120 },
                Families = [new() { Afi = "ipv4", Safi = "unicast" }],
            },
        });

        Assert.Contains("\"holdTimeSeconds\":9", written);
        Assert.Contains("\"gracefulRestart\":{\"enabled\":true,\"restartTimeSeconds\":120}", written);
        Assert.Contains("\"families\":[{\"afi\":\"ipv4\",\"safi\":\"unicast\"}]", written);
    }
}
