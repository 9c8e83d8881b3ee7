using Beacon.Cluster.Manifests;
using Beacon.Cluster.Model.GatewayApi;
using k8s;

namespace Beacon.Cluster.Tests.Model;

public sealed class GatewayApiModelTests
{
    private const string Manifest = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: shop
          labels: {team: web}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata:
          name: beacon
        spec:
          controllerName: beacon.dev/gateway-controller
          description: Beacon
        status:
          supportedFeatures: [{name: Gateway}, {name: HTTPRoute}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: web
          namespace: shop
        spec:
          gatewayClassName: beacon
          addresses: [{type: IPAddress, value: 192.0.2.10}]
          infrastructure:
            labels: {a: b}
            parametersRef: {group: example.com, kind: Params, name: p}
          listeners:
            - name: http
              port: 80
              protocol: HTTP
              hostname: "*.example.com"
              allowedRoutes:
                namespaces:
                  from: Selector
                  selector: {matchLabels: {team: web}}
                kinds: [{kind: HTTPRoute}]
            - name: https
              port: 443
              protocol: HTTPS
              tls:
                mode: Terminate
                certificateRefs: [{name: cert}]
                options: {example.com/x: y}
        status:
          addresses: [{type: IPAddress, value: 192.0.2.11}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: store
          namespace: shop
        spec:
          parentRefs: [{name: web, sectionName: http, port: 80}]
          hostnames: [store.example.com]
          rules:
            - name: main
              matches:
                - path: {type: PathPrefix, value: /cart}
                  headers: [{name: x-a, value: b}]
                  queryParams: [{type: RegularExpression, name: q, value: "^a"}]
                  method: GET
              filters:
                - type: RequestMirror
                  requestMirror:
                    backendRef: {name: shadow, port: 8080}
                    fraction: {numerator: 1, denominator: 4}
                - type: CORS
                  cors: {allowOrigins: ["https://a.example.com"], allowCredentials: true, maxAge: 10}
                - type: ExtensionRef
                  extensionRef: {group: example.com, kind: Ext, name: e}
              backendRefs:
                - name: cart
                  port: 8080
                  weight: 3
                  filters:
                    - type: RequestHeaderModifier
                      requestHeaderModifier: {set: [{name: x-b, value: c}], remove: [x-c]}
              timeouts: {request: 10s, backendRequest: 1s}
            - filters:
                - type: RequestRedirect
                  requestRedirect: {scheme: https, port: 443, statusCode: 301, path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}
        ---
        apiVersion: gateway.networking.k8s.io/v1beta1
        kind: ReferenceGrant
        metadata:
          name: from-shop
          namespace: backends
        spec:
          from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop}]
          to: [{group: "", kind: Service, name: cart}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: ReferenceGrant
        metadata:
          name: v1-form
          namespace: backends
        spec:
          from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: other}]
          to: [{group: "", kind: Service}]
        """;

    [Fact]
    public void A_manifest_with_every_gateway_api_kind_loads_into_the_snapshot()
    {
        var file = ManifestFile.Parse("gw.yaml", Manifest);

        Assert.Empty(file.Errors);
        var builder = new ClusterSnapshot.Builder();
        Assert.All(file.Objects, obj => Assert.True(builder.TryAdd(obj)));
        var snapshot = builder.Build(1, []);

        Assert.Equal(["shop"], snapshot.Namespaces.Keys);
        Assert.Equal("beacon.dev/gateway-controller", snapshot.GatewayClasses["beacon"].Spec.ControllerName);
        Assert.Equal(["Gateway", "HTTPRoute"], snapshot.GatewayClasses["beacon"].Status!.SupportedFeatures!.Select(f => f.Name));

        var gateway = snapshot.Gateways["shop/web"];
        Assert.Equal("192.0.2.10", gateway.Spec.Addresses![0].Value);
        Assert.Equal("192.0.2.11", gateway.Status!.Addresses![0].Value);
        Assert.Equal("p", gateway.Spec.Infrastructure!.ParametersRef!.Name);
        Assert.Equal("web", gateway.Spec.Listeners![0].AllowedRoutes!.Namespaces!.Selector!.MatchLabels["team"]);
        Assert.Equal("y", gateway.Spec.Listeners[1].Tls!.Options!["example.com/x"]);

        var route = snapshot.HttpRoutes["shop/store"];
        Assert.Equal(("web", "http", 80), (route.Spec.ParentRefs![0].Name, route.Spec.ParentRefs[0].SectionName, route.Spec.ParentRefs[0].Port!.Value));
        var rule = route.Spec.Rules![0];
        Assert.Equal("main", rule.Name);
        Assert.Equal("GET", rule.Matches![0].Method);
        Assert.Equal(4, rule.Filters![0].RequestMirror!.Fraction!.Denominator);
        Assert.True(rule.Filters[1].Cors!.AllowCredentials);
        Assert.Equal("Ext", rule.Filters[2].ExtensionRef!.Kind);
        Assert.Equal("x-b", rule.BackendRefs![0].Filters![0].RequestHeaderModifier!.Set![0].Name);
        Assert.Equal(("10s", "1s"), (rule.Timeouts!.Request, rule.Timeouts.BackendRequest));
        Assert.Equal("/new", route.Spec.Rules[1].Filters![0].RequestRedirect!.Path!.ReplacePrefixMatch);

        Assert.Equal(["backends/from-shop", "backends/v1-form"], snapshot.ReferenceGrants.Keys);
        Assert.Equal("Service", snapshot.ReferenceGrants["backends/from-shop"].Spec.To![0].Kind);
    }

    [Fact]
    public void Route_status_round_trips_through_the_client_json_serializer()
    {
        var route = new HttpRoute
        {
            Metadata = new() { Name = "r", NamespaceProperty = "n" },
            Status = new()
            {
                Parents = [new() { ParentRef = new() { Name = "gw", SectionName = "http" }, ControllerName = "beacon.dev/gateway-controller" }],
            },
        };

        var written = KubernetesJson.Serialize(route);

        Assert.Contains("\"apiVersion\":\"gateway.networking.k8s.io/v1\"", written);
        Assert.Contains("\"kind\":\"HTTPRoute\"", written);
        Assert.Contains("\"parentRef\":{\"name\":\"gw\",\"sectionName\":\"http\"}", written);
        Assert.Equal("gw", KubernetesJson.Deserialize<HttpRoute>(written).Status!.Parents![0].ParentRef!.Name);
    }
}
