using Beacon.Cluster.Manifests;
using Beacon.Cluster.Validation;

namespace Beacon.Cluster.Tests.Validation;

public sealed class ObjectValidatorTests
{
    private const string ClusterConfig = """
        apiVersion: beacon.dev/v1alpha1
        kind: BGPClusterConfig
        metadata:
          name: c
        spec:

        """;

    private const string PeerConfig = """
        apiVersion: beacon.dev/v1alpha1
        kind: BGPPeerConfig
        metadata:
          name: p
        spec:

        """;

    private const string Advertisement = """
        apiVersion: beacon.dev/v1alpha1
        kind: BGPAdvertisement
        metadata:
          name: a
        spec:
          advertisements:
            - type: Service
              service:
                addresses: [LoadBalancerIP]

        """;

    private const string Pool = """
        apiVersion: beacon.dev/v1alpha1
        kind: LoadBalancerIPPool
        metadata:
          name: pool
        spec:
          blocks:

        """;

    private const string Peer = "  localASN: 64512\n  peers:\n    - name: r\n      peerAddress: 198.51.100.1\n";

    public static TheoryData<string, string, string> Invalid() => new()
    {
        // BGPClusterConfig
        { ClusterConfig + "  peers: []\n", "spec.localASN", "required" },
        { ClusterConfig + "  localASN: 0\n", "spec.localASN", "0 is not an AS number (1..4294967295)" },
        { ClusterConfig + "  localASN: 4294967296\n", "spec.localASN", "4294967296 is not an AS number (1..4294967295)" },
        { ClusterConfig + "  localASN: 1\n  localPort: 70000\n", "spec.localPort", "70000 is not a port (0..65535; 0 = do not listen)" },
        { ClusterConfig + "  localASN: 1\n  routerID: 2001:db8::1\n", "spec.routerID", "'2001:db8::1' is not an IPv4 address" },
        { ClusterConfig + "  localASN: 1\n  routerID: 0.0.0.0\n", "spec.routerID", "must not be 0.0.0.0 (RFC 6286)" },
        { ClusterConfig + "  localASN: 1\n  nodeSelector:\n    matchExpressions:\n      - key: a\n        operator: Near\n", "spec.nodeSelector.matchExpressions[0].operator", "'Near' is not In, NotIn, Exists or DoesNotExist" },
        { ClusterConfig + "  localASN: 1\n  nodeSelector:\n    matchExpressions:\n      - key: a\n        operator: In\n", "spec.nodeSelector.matchExpressions[0].values", "required with operator In" },
        { ClusterConfig + "  localASN: 1\n  nodeSelector:\n    matchExpressions:\n      - key: a\n        operator: Exists\n        values: [x]\n", "spec.nodeSelector.matchExpressions[0].values", "must be empty with operator Exists" },
        { ClusterConfig + "  localASN: 1\n  nodeSelector:\n    matchExpressions:\n      - operator: Exists\n", "spec.nodeSelector.matchExpressions[0].key", "required" },
        { ClusterConfig + "  localASN: 1\n  peers:\n    - peerAddress: 198.51.100.1\n", "spec.peers[0].name", "required" },
        { ClusterConfig + Peer + "    - name: r\n      peerAddress: 198.51.100.3\n", "spec.peers[1].name", "duplicate peer name 'r'" },
        { ClusterConfig + Peer + "    - name: s\n      peerAddress: 198.51.100.1\n", "spec.peers[1].peerAddress", "duplicate peer address 198.51.100.1" },
        { ClusterConfig + "  localASN: 1\n  peers:\n    - name: r\n", "spec.peers[0].peerAddress", "required" },
        { ClusterConfig + "  localASN: 1\n  peers:\n    - name: r\n      peerAddress: router.example\n", "spec.peers[0].peerAddress", "'router.example' is not an IP address" },
        { ClusterConfig + "  localASN: 1\n  peers:\n    - name: r\n      peerAddress: 10.1\n", "spec.peers[0].peerAddress", "'10.1' is not an IP address" },
        { ClusterConfig + Peer + "      peerASN: -1\n", "spec.peers[0].peerASN", "-1 is not an AS number (0..4294967295; 0 = any)" },
        { ClusterConfig + Peer + "      peerConfigRef: {}\n", "spec.peers[0].peerConfigRef.name", "required" },

        // BGPPeerConfig
        { PeerConfig + "  transport:\n    peerPort: 0\n", "spec.transport.peerPort", "0 is not a port (1..65535)" },
        { PeerConfig + "  transport:\n    localAddress: eth0\n", "spec.transport.localAddress", "'eth0' is not an IP address" },
        { PeerConfig + "  timers:\n    holdTimeSeconds: 2\n    keepaliveTimeSeconds: 1\n", "spec.timers.holdTimeSeconds", "2 must be 0 or 3..65535" },
        { PeerConfig + "  timers:\n    holdTimeSeconds: 70000\n", "spec.timers.holdTimeSeconds", "70000 must be 0 or 3..65535" },
        { PeerConfig + "  timers:\n    holdTimeSeconds: 9\n    keepaliveTimeSeconds: 9\n", "spec.timers.keepaliveTimeSeconds", "9 must be at least 1 and less than holdTimeSeconds (9)" },
        { PeerConfig + "  timers:\n    holdTimeSeconds: 0\n    keepaliveTimeSeconds: 3\n", "spec.timers.keepaliveTimeSeconds", "must be 0 or absent when holdTimeSeconds is 0 (no keepalives are sent)" },
        { PeerConfig + "  timers:\n    connectRetryTimeSeconds: 0\n", "spec.timers.connectRetryTimeSeconds", "0 must be 1..65535" },
        { PeerConfig + "  authSecretRef:\n    namespace: kube-system\n", "spec.authSecretRef.name", "required" },
        { PeerConfig + "  authSecretRef:\n    name: s\n", "spec.authSecretRef.namespace", "required (BGPPeerConfig is cluster-scoped)" },
        { PeerConfig + "  ebgpMultihop: 0\n", "spec.ebgpMultihop", "0 is not a TTL (1..255)" },
        { PeerConfig + "  ttlSecurity: true\n  ebgpMultihop: 2\n", "spec.ttlSecurity", "cannot be combined with ebgpMultihop 2: GTSM (RFC 5082) sends TTL 255 and accepts only directly connected peers" },
        { PeerConfig + "  gracefulRestart:\n    restartTimeSeconds: 4096\n", "spec.gracefulRestart.restartTimeSeconds", "4096 must be 1..4095" },
        { PeerConfig + "  bfdProfileRef: ''\n", "spec.bfdProfileRef", "must not be empty" },
        { PeerConfig + "  maxPrefixes: 0\n", "spec.maxPrefixes", "0 must be 1..4294967295" },
        { PeerConfig + "  families:\n    - afi: ipv5\n      safi: unicast\n", "spec.families[0].afi", "'ipv5' is not ipv4 or ipv6" },
        { PeerConfig + "  families:\n    - safi: unicast\n", "spec.families[0].afi", "required (ipv4 or ipv6)" },
        { PeerConfig + "  families:\n    - afi: ipv4\n      safi: multicast\n", "spec.families[0].safi", "'multicast' is not supported (unicast)" },
        { PeerConfig + "  families:\n    - afi: ipv4\n", "spec.families[0].safi", "required (unicast)" },
        { PeerConfig + "  families:\n    - afi: ipv4\n      safi: unicast\n    - afi: ipv4\n      safi: unicast\n", "spec.families[1]", "duplicate family ipv4/unicast" },
        { PeerConfig + "  families:\n    - afi: ipv4\n      safi: unicast\n      advertisements:\n        matchExpressions:\n          - key: a\n            operator: NotIn\n", "spec.families[0].advertisements.matchExpressions[0].values", "required with operator NotIn" },

        // BGPAdvertisement
        { "apiVersion: beacon.dev/v1alpha1\nkind: BGPAdvertisement\nmetadata:\n  name: a\nspec: {}\n", "spec.advertisements", "at least one advertisement is required" },
        { Advertisement + "    - service:\n        addresses: [ClusterIP]\n", "spec.advertisements[1].type", "required (Service or PodCIDR)" },
        { Advertisement + "    - type: Pod\n", "spec.advertisements[1].type", "'Pod' is not Service or PodCIDR" },
        { Advertisement + "    - type: Service\n", "spec.advertisements[1].service.addresses", "required for type Service (LoadBalancerIP, ExternalIP, ClusterIP)" },
        { Advertisement + "    - type: PodCIDR\n      service:\n        addresses: [ClusterIP]\n", "spec.advertisements[1].service", "only allowed with type Service" },
        { Advertisement + "    - type: Service\n      service:\n        addresses: [NodeIP]\n", "spec.advertisements[1].service.addresses[0]", "'NodeIP' is not LoadBalancerIP, ExternalIP or ClusterIP" },
        { Advertisement + "    - type: Service\n      service:\n        addresses: [ClusterIP, ClusterIP]\n", "spec.advertisements[1].service.addresses[1]", "duplicate 'ClusterIP'" },
        { Advertisement + "        aggregationLengthIPv4: 33\n", "spec.advertisements[0].service.aggregationLengthIPv4", "33 must be 0..32" },
        { Advertisement + "        aggregationLengthIPv6: 129\n", "spec.advertisements[0].service.aggregationLengthIPv6", "129 must be 0..128" },
        { Advertisement + "      selector:\n        matchExpressions:\n          - key: a\n            operator: DoesNotExist\n            values: [b]\n", "spec.advertisements[0].selector.matchExpressions[0].values", "must be empty with operator DoesNotExist" },
        { Advertisement + "      attributes:\n        communities:\n          standard: ['65536:1']\n", "spec.advertisements[0].attributes.communities.standard[0]", "'65536:1' is not a community (a:b with 0..65535 each, or no-export, no-advertise, no-export-subconfed, no-peer, blackhole)" },
        { Advertisement + "      attributes:\n        communities:\n          standard: ['1:2:3']\n", "spec.advertisements[0].attributes.communities.standard[0]", "'1:2:3' is not a community (a:b with 0..65535 each, or no-export, no-advertise, no-export-subconfed, no-peer, blackhole)" },
        { Advertisement + "      attributes:\n        communities:\n          large: ['1:2']\n", "spec.advertisements[0].attributes.communities.large[0]", "'1:2' is not a large community (a:b:c with 0..4294967295 each)" },
        { Advertisement + "      attributes:\n        communities:\n          large: ['4294967296:0:0']\n", "spec.advertisements[0].attributes.communities.large[0]", "'4294967296:0:0' is not a large community (a:b:c with 0..4294967295 each)" },
        { Advertisement + "      attributes:\n        communities:\n          wellKnown: [no-export, '1:1']\n", "spec.advertisements[0].attributes.communities.wellKnown[1]", "'1:1' is not a well-known community (no-export, no-advertise, no-export-subconfed, no-peer, blackhole)" },
        { Advertisement + "      attributes:\n        localPreference: -1\n", "spec.advertisements[0].attributes.localPreference", "-1 must be 0..4294967295" },
        { Advertisement + "      attributes:\n        med: 4294967296\n", "spec.advertisements[0].attributes.med", "4294967296 must be 0..4294967295" },
        { Advertisement + "      attributes:\n        asPathPrepend:\n          count: 256\n", "spec.advertisements[0].attributes.asPathPrepend.count", "256 must be 0..255" },

        // LoadBalancerIPPool
        { "apiVersion: beacon.dev/v1alpha1\nkind: LoadBalancerIPPool\nmetadata:\n  name: pool\nspec: {}\n", "spec.blocks", "at least one block is required" },
        { Pool + "    - cidr: 203.0.113.1/24\n", "spec.blocks[0].cidr", "'203.0.113.1/24' is not a CIDR (address bits past the prefix must be zero)" },
        { Pool + "    - cidr: 203.0.113.0/24\n      start: 203.0.113.1\n", "spec.blocks[0]", "either cidr or start/stop, not both" },
        { Pool + "    - start: 203.0.113.1\n", "spec.blocks[0]", "cidr or both start and stop are required" },
        { Pool + "    - start: x\n      stop: 203.0.113.9\n", "spec.blocks[0].start", "'x' is not an IP address" },
        { Pool + "    - start: 203.0.113.1\n      stop: y\n", "spec.blocks[0].stop", "'y' is not an IP address" },
        { Pool + "    - start: 203.0.113.1\n      stop: 2001:db8::1\n", "spec.blocks[0].stop", "start and stop must be of the same address family" },
        { Pool + "    - start: 203.0.113.9\n      stop: 203.0.113.1\n", "spec.blocks[0].stop", "203.0.113.1 is before start 203.0.113.9" },
        { Pool + "    - cidr: 203.0.113.0/24\n  serviceSelector:\n    matchExpressions:\n      - key: a\n        operator: Is\n", "spec.serviceSelector.matchExpressions[0].operator", "'Is' is not In, NotIn, Exists or DoesNotExist" },

        // Metadata
        { "apiVersion: beacon.dev/v1alpha1\nkind: BGPPeerConfig\nmetadata: {}\nspec: {}\n", "metadata.name", "required" },
        { "apiVersion: beacon.dev/v1alpha1\nkind: BGPPeerConfig\nmetadata:\n  name: p\n  namespace: x\nspec: {}\n", "metadata.namespace", "BGPPeerConfig is cluster-scoped and takes no namespace" },
        { "apiVersion: v1\nkind: Node\nmetadata:\n  name: n\n  namespace: x\n", "metadata.namespace", "Node is cluster-scoped and takes no namespace" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Reports_the_invalid_field(string yaml, string field, string message)
    {
        var file = ManifestFile.Parse("a.yaml", yaml);

        Assert.Empty(file.Ignored);
        Assert.Equal(new FieldErrorView(field, message), Assert.Single(file.Errors, e => e.Field == field) is { } e ? new FieldErrorView(e.Field!, e.Message) : null);
        Assert.Single(file.Errors);
    }

    [Theory]
    [InlineData(ClusterConfig + "  localASN: 4294967295\n  localPort: 0\n  routerID: 198.51.100.2\n  peers:\n    - name: r\n      peerAddress: 2001:db8:100::1\n      peerASN: 0\n")]
    [InlineData(PeerConfig + "  timers:\n    holdTimeSeconds: 0\n")]
    [InlineData(PeerConfig + "  ttlSecurity: true\n  ebgpMultihop: 1\n")]
    [InlineData(PeerConfig + "  timers:\n    holdTimeSeconds: 3\n")]
    [InlineData(PeerConfig + "  timers:\n    holdTimeSeconds: 3\n    keepaliveTimeSeconds: 1\n    connectRetryTimeSeconds: 1\n  transport:\n    peerPort: 1179\n    localAddress: 2001:db8:100::2\n    passive: true\n  ebgpMultihop: 255\n  ttlSecurity: false\n  authSecretRef:\n    name: s\n    namespace: n\n  gracefulRestart:\n    enabled: true\n    restartTimeSeconds: 4095\n  bfdProfileRef: fast\n  maxPrefixes: 1\n  families:\n    - afi: ipv6\n      safi: unicast\n      advertisements: {}\n")]
    [InlineData(Advertisement + "        aggregationLengthIPv4: 0\n        aggregationLengthIPv6: 128\n      attributes:\n        communities:\n          standard: ['0:0', '65535:65535', no-export, no-advertise, no-export-subconfed, no-peer, blackhole]\n          large: ['4294967295:0:4294967295']\n          wellKnown: [blackhole]\n        localPreference: 4294967295\n        med: 0\n        asPathPrepend:\n          count: 255\n    - type: PodCIDR\n      selector:\n        matchLabels:\n          a: b\n")]
    [InlineData(Pool + "    - cidr: 2001:db8:203::/64\n    - start: 203.0.113.1\n      stop: 203.0.113.1\n")]
    public void Accepts_values_at_the_edges_of_their_ranges(string yaml)
    {
        Assert.Empty(ManifestFile.Parse("a.yaml", yaml).Errors);
    }

    [Theory]
    [InlineData("64512:100", 0xFC000064u)]
    [InlineData("no-export", 0xFFFFFF01u)]
    [InlineData("no-advertise", 0xFFFFFF02u)]
    [InlineData("no-export-subconfed", 0xFFFFFF03u)]
    [InlineData("no-peer", 0xFFFFFF04u)]
    [InlineData("blackhole", 0xFFFF029Au)]
    public void Standard_communities_parse_to_their_32_bit_values(string text, uint expected)
    {
        Assert.True(CommunityText.TryParseStandard(text, out var value));
        Assert.Equal(expected, value);
    }

    private sealed record FieldErrorView(string Field, string Message);
}
