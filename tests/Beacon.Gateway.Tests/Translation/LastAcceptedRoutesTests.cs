using Beacon.Cluster;
using Beacon.Cluster.Manifests;
using Beacon.Cluster.Model.GatewayApi;
using Beacon.Gateway.Translation;

namespace Beacon.Gateway.Tests.Translation;

public sealed class LastAcceptedRoutesTests
{
    private const string Infrastructure = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: beacon, generation: 1}
        spec: {controllerName: beacon.dev/gateway-controller}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: default, generation: 1}
        spec:
          gatewayClassName: beacon
          addresses: [{type: IPAddress, value: 192.0.2.10}]
          listeners: [{name: http, port: 80, protocol: HTTP}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: default}
        spec: {ports: [{name: http, port: 80}]}
        ---
        """;

    [Fact]
    public void An_invalid_update_keeps_the_last_accepted_version_served_and_reports_the_new_one()
    {
        var routes = new LastAcceptedRoutes();
        routes.Translate(Snapshot(Route(1, "{type: PathPrefix, value: /shop}")));

        var translation = routes.Translate(Snapshot(Route(2, "{type: RegularExpression, value: '/shop(['}")));

        Assert.Equal("default/shop", Assert.Single(routes.ServedFromEarlierGeneration));
        var entry = Assert.Single(translation.Config.Binds.Single().Listeners.Single().VirtualHosts.Single().Routes);
        Assert.Equal("/shop", entry.Match.Path.Value);
        var accepted = RouteAccepted(translation);
        Assert.Equal("False", accepted.Status);
        Assert.Equal("UnsupportedValue", accepted.Reason);
        Assert.Equal(2, accepted.ObservedGeneration);
        Assert.EndsWith("generation 1, the last accepted one, is still served", accepted.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fixed_route_serves_its_new_version_and_a_deleted_one_is_gone()
    {
        var routes = new LastAcceptedRoutes();
        routes.Translate(Snapshot(Route(1, "{type: PathPrefix, value: /shop}")));
        routes.Translate(Snapshot(Route(2, "{type: RegularExpression, value: '/shop(['}")));

        var fixedRoute = routes.Translate(Snapshot(Route(3, "{type: PathPrefix, value: /store}")));
        var deleted = routes.Translate(Snapshot(string.Empty));

        Assert.Empty(routes.ServedFromEarlierGeneration);
        Assert.Equal("/store", fixedRoute.Config.Binds.Single().Listeners.Single().VirtualHosts.Single().Routes.Single().Match.Path.Value);
        Assert.Empty(deleted.Config.Binds.Single().Listeners.Single().VirtualHosts);
    }

    [Fact]
    public void A_route_that_was_never_accepted_or_moves_to_a_missing_parent_is_not_kept()
    {
        var routes = new LastAcceptedRoutes();
        var invalidFromTheStart = routes.Translate(Snapshot(Route(1, "{type: RegularExpression, value: '/shop(['}")));
        Assert.Empty(invalidFromTheStart.Config.Binds.Single().Listeners.Single().VirtualHosts);

        routes.Translate(Snapshot(Route(2, "{type: PathPrefix, value: /shop}")));
        var moved = routes.Translate(Snapshot(Route(3, "{type: PathPrefix, value: /shop}", sectionName: "nope")));

        Assert.Empty(routes.ServedFromEarlierGeneration);
        Assert.Empty(moved.Config.Binds.Single().Listeners.Single().VirtualHosts);
        Assert.Equal("NoMatchingParent", RouteAccepted(moved).Reason);
    }

    private static k8s.Models.V1Condition RouteAccepted(GatewayTranslation translation) =>
        ((HttpRouteStatus)translation.Statuses.Single(s => s.Kind == HttpRoute.KindName).Status)
            .Parents!.Single().Conditions!.Single(c => c.Type == "Accepted");

    private static ClusterSnapshot Snapshot(string route)
    {
        var snapshot = ManifestDirectorySource.LoadText(Infrastructure + "\n" + route, "input.yaml");
        Assert.Empty(snapshot.Errors);
        return snapshot;
    }

    private static string Route(int generation, string path, string? sectionName = null) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: shop, namespace: default, generation: {{generation}}}
        spec:
          parentRefs: [{name: gw{{(sectionName is null ? string.Empty : $", sectionName: {sectionName}")}}}]
          rules:
            - matches: [{path: {{path}}}]
              backendRefs: [{name: web, port: 80}]
        """;
}
