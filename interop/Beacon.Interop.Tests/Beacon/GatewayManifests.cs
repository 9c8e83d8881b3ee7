namespace Beacon.Interop.Tests.Beacon;

/// <summary>
/// Gateway API objects (v1) and the backend Service they route to, for the Gateway interop
/// tests; everything lives in namespace <c>default</c>.
/// </summary>
public static class GatewayManifests
{
    public const string ClassName = "beacon";
    public const string ControllerName = "beacon.dev/gateway-controller";

    /// <summary>The label the tests' BGPAdvertisement selects Gateways (and marker Services) by.</summary>
    public const string Label = "beacon-test: gateway";

    public static string GatewayClass() => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata:
          name: {ClassName}
          generation: 1
        spec:
          controllerName: {ControllerName}
        """;

    /// <summary>A Gateway labelled <see cref="Label"/> with spec.addresses <paramref name="addresses"/> and one HTTP listener on <paramref name="port"/>.</summary>
    public static string Gateway(string name, int port, params string[] addresses) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: {name}
          namespace: default
          generation: 1
          labels:
            {Label}
        spec:
          gatewayClassName: {ClassName}
          addresses:
        {string.Join('\n', addresses.Select(a => $"    - type: IPAddress\n      value: \"{a}\""))}
          listeners:
            - name: http
              port: {port}
              protocol: HTTP
        """;

    /// <summary>An HTTPRoute attaching to <paramref name="gateway"/> that sends everything to <paramref name="service"/> port 80.</summary>
    public static string HttpRoute(string name, string gateway, string service) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: {name}
          namespace: default
          generation: 1
        spec:
          parentRefs:
            - name: {gateway}
          rules:
            - matches:
                - path:
                    type: PathPrefix
                    value: /
              backendRefs:
                - name: {service}
                  port: 80
        """;

    /// <summary>A ClusterIP Service (port 80 → <paramref name="targetPort"/>) and its EndpointSlice with ready <paramref name="endpoints"/>.</summary>
    public static string[] Backend(string name, int targetPort, params string[] endpoints) =>
    [
        $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: default
        spec:
          selector:
            app: {name}
          ports:
            - name: http
              port: 80
              targetPort: {targetPort}
        """,
        $"""
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: {name}-1
          namespace: default
          labels:
            kubernetes.io/service-name: {name}
        addressType: IPv4
        ports:
          - name: http
            port: {targetPort}
            protocol: TCP
        endpoints:
        {string.Join('\n', endpoints.Select(e => $"  - addresses: [{e}]\n    conditions: {{ready: true}}"))}
        """,
    ];
}
