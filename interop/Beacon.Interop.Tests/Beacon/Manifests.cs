using System.Text;

namespace Beacon.Interop.Tests.Beacon;

/// <summary>One endpoint of an EndpointSlice; <c>Ready</c> null leaves the condition out.</summary>
public sealed record Endpoint(string Address, string NodeName, bool? Ready = true);

/// <summary>
/// YAML documents in the shapes of DESIGN.md's CRDs and of the Kubernetes objects the
/// agent reads (examples/quickstart/ is the model).
/// </summary>
public static class Manifests
{
    public const string AdvertiseLabel = "advertise";
    public const string AdvertiseValue = "bgp";

    /// <summary>A BGPClusterConfig selecting nodes labelled <c>beacon.dev/bgp=true</c>, with one peer per entry.</summary>
    public static string ClusterConfig(uint localAsn, params (string Name, string Address, uint Asn)[] peers)
    {
        var text = new StringBuilder($"""
            apiVersion: beacon.dev/v1alpha1
            kind: BGPClusterConfig
            metadata:
              name: default
            spec:
              nodeSelector:
                matchLabels:
                  beacon.dev/bgp: "true"
              localASN: {localAsn}
              peers:

            """);
        foreach (var (name, address, asn) in peers)
        {
            text.Append($"""
                    - name: {name}
                      peerAddress: {address}
                      peerASN: {asn}
                      peerConfigRef:
                        name: fast

                """);
        }

        return text.ToString();
    }

    /// <summary>A BGPPeerConfig "fast": hold 9, keepalive 3, connect retry 2; IPv4 and IPv6 unicast selecting <c>advertise=bgp</c>.</summary>
    public static string PeerConfig() => $"""
        apiVersion: beacon.dev/v1alpha1
        kind: BGPPeerConfig
        metadata:
          name: fast
        spec:
          timers:
            holdTimeSeconds: 9
            keepaliveTimeSeconds: 3
            connectRetryTimeSeconds: 2
          families:
            - afi: ipv4
              safi: unicast
              advertisements:
                matchLabels:
                  {AdvertiseLabel}: {AdvertiseValue}
            - afi: ipv6
              safi: unicast
              advertisements:
                matchLabels:
                  {AdvertiseLabel}: {AdvertiseValue}
        """;

    /// <summary>A BGPAdvertisement of LoadBalancer IPs; <paramref name="attributes"/> is the YAML body of <c>attributes:</c>, already indented by 8.</summary>
    public static string ServiceAdvertisement(string name, string? attributes = null, string? selector = null) => $"""
        apiVersion: beacon.dev/v1alpha1
        kind: BGPAdvertisement
        metadata:
          name: {name}
          labels:
            {AdvertiseLabel}: {AdvertiseValue}
        spec:
          advertisements:
            - type: Service
              service:
                addresses: [LoadBalancerIP]
        {(selector is null ? string.Empty : $"      selector:\n        matchLabels:\n          {selector}\n")}{(attributes is null ? string.Empty : "      attributes:\n" + attributes)}
        """;

    public static string PodCidrAdvertisement(string name = "pod-cidrs", string? attributes = null) => $"""
        apiVersion: beacon.dev/v1alpha1
        kind: BGPAdvertisement
        metadata:
          name: {name}
          labels:
            {AdvertiseLabel}: {AdvertiseValue}
        spec:
          advertisements:
            - type: PodCIDR
        {(attributes is null ? string.Empty : "      attributes:\n" + attributes)}
        """;

    public static string Node(string name, string internalIp, params string[] podCidrs) => $"""
        apiVersion: v1
        kind: Node
        metadata:
          name: {name}
          labels:
            kubernetes.io/hostname: {name}
            beacon.dev/bgp: "true"
        spec:
          podCIDRs: [{string.Join(", ", podCidrs)}]
        status:
          addresses:
            - type: InternalIP
              address: {internalIp}
            - type: Hostname
              address: {name}
        """;

    /// <summary>A LoadBalancer Service with <paramref name="ingress"/> in status.loadBalancer.</summary>
    public static string Service(string name, string policy, params string[] ingress) => LabelledService(name, policy, null, ingress);

    /// <summary>As <see cref="Service"/>, with one <c>key: value</c> label when <paramref name="label"/> is set.</summary>
    public static string LabelledService(string name, string policy, string? label, params string[] ingress) => $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: default
          labels:
            app: {name}
            {label ?? "beacon-test: plain"}
        spec:
          type: LoadBalancer
          externalTrafficPolicy: {policy}
          selector:
            app: {name}
          ports:
            - port: 80
              targetPort: 8080
        status:
          loadBalancer:
            ingress: [{string.Join(", ", ingress.Select(ip => $"{{ip: {ip}}}"))}]
        """;

    public static string EndpointSlice(string name, string service, params Endpoint[] endpoints)
    {
        var text = new StringBuilder($"""
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: {name}
              namespace: default
              labels:
                kubernetes.io/service-name: {service}
            addressType: IPv4
            ports:
              - port: 8080
                protocol: TCP
            endpoints:{(endpoints.Length == 0 ? " []" : string.Empty)}

            """);
        foreach (var endpoint in endpoints)
        {
            text.Append($"""
                  - addresses: [{endpoint.Address}]
                    nodeName: {endpoint.NodeName}

                """);
            if (endpoint.Ready is { } ready)
            {
                text.Append($"""
                        conditions:
                          ready: {(ready ? "true" : "false")}

                    """);
            }
        }

        return text.ToString();
    }
}
