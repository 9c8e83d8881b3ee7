using Beacon.Cluster;
using Beacon.Cluster.Model.GatewayApi;
using Beacon.Gateway.Translation;
using k8s.Models;
using GatewayObject = Beacon.Cluster.Model.GatewayApi.Gateway;

namespace Beacon.Gateway.Tests.Translation;

public sealed class GatewayTranslatorTests
{
    [Fact]
    public void Supported_features_are_sorted_and_include_the_core_ones()
    {
        Assert.Equal(GatewayTranslator.SupportedFeatures.Order(StringComparer.Ordinal), GatewayTranslator.SupportedFeatures);
        Assert.Contains("Gateway", GatewayTranslator.SupportedFeatures);
        Assert.Contains("HTTPRoute", GatewayTranslator.SupportedFeatures);
        Assert.Contains("ReferenceGrant", GatewayTranslator.SupportedFeatures);
        Assert.DoesNotContain("SupportedVersion", GatewayTranslator.SupportedFeatures);
    }

    [Fact]
    public void An_empty_snapshot_gives_an_empty_translation()
    {
        var translation = GatewayTranslator.Translate(ClusterSnapshot.Empty);

        Assert.Empty(translation.Config.Binds);
        Assert.Empty(translation.Statuses);
        Assert.Empty(translation.Addresses);
    }

    [Fact]
    public void Null_entries_anywhere_are_reported_not_thrown_and_leave_other_objects_alone()
    {
        var builder = new ClusterSnapshot.Builder();
        builder.TryAdd(new GatewayClass { Metadata = new() { Name = "beacon" }, Spec = new() { ControllerName = GatewayTranslator.ControllerName } });
        builder.TryAdd(new GatewayClass { Metadata = new() { Name = "no-spec" }, Spec = null! });
        builder.TryAdd(new GatewayObject
        {
            Metadata = new() { Name = "gw", NamespaceProperty = "app" },
            Spec = new()
            {
                GatewayClassName = "beacon",
                Addresses = [null!, new() { Value = "192.0.2.1" }],
                Listeners =
                [
                    null!,
                    new() { Name = "http", Port = 80, Protocol = "HTTP" },
                    new() { Name = "odd", Port = 81, Protocol = "HTTP", AllowedRoutes = new() { Kinds = [null!] } },
                ],
            },
        });
        builder.TryAdd(new V1Service { Metadata = new() { Name = "web", NamespaceProperty = "app" }, Spec = new() { Ports = [null!, new() { Port = 80 }] } });
        builder.TryAdd(new V1EndpointSlice
        {
            Metadata = new() { Name = "web-1", NamespaceProperty = "app", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "web" } },
            AddressType = "IPv4",
            Ports = [null!, new() { Port = 8080 }],
            Endpoints = [null!, new() { Addresses = [null!, "10.0.0.1"] }],
        });
        builder.TryAdd(new ReferenceGrant { Metadata = new() { Name = "g", NamespaceProperty = "other" }, Spec = new() { From = [null!], To = [null!] } });
        builder.TryAdd(new HttpRoute
        {
            Metadata = new() { Name = "broken", NamespaceProperty = "app" },
            Spec = new()
            {
                ParentRefs = [null!, new() { Name = "gw" }],
                Hostnames = [null!],
                Rules =
                [
                    null!,
                    new()
                    {
                        Matches = [null!, new() { Headers = [null!] }],
                        Filters = [null!, new() { Type = "RequestHeaderModifier", RequestHeaderModifier = new() { Set = [null!], Remove = [null!] } }],
                        BackendRefs = [null!, new() { Name = "web", Namespace = "other", Port = 80 }],
                    },
                ],
            },
        });
        builder.TryAdd(new HttpRoute
        {
            Metadata = new() { Name = "fine", NamespaceProperty = "app" },
            Spec = new() { ParentRefs = [new() { Name = "gw" }], Rules = [new() { BackendRefs = [new() { Name = "web", Port = 80 }] }] },
        });

        var translation = GatewayTranslator.Translate(builder.Build(1, []));

        var broken = RouteStatus(translation, "broken");
        Assert.Equal(("False", "UnsupportedValue"), (broken.Conditions![0].Status, broken.Conditions[0].Reason));
        var fine = RouteStatus(translation, "fine");
        Assert.Equal(("True", "Accepted"), (fine.Conditions![0].Status, fine.Conditions[0].Reason));
        var entry = Assert.Single(Assert.Single(Assert.Single(translation.Config.Binds.Single(b => b.Port == 80).Listeners).VirtualHosts).Routes);
        Assert.Equal("app/fine", entry.Route);
        Assert.Equal(["10.0.0.1:8080"], translation.Config.Backends["app/web:80"].Endpoints.ToArray());
    }

    [Fact]
    public void Conditions_carry_the_generation_and_no_transition_time()
    {
        var builder = new ClusterSnapshot.Builder();
        builder.TryAdd(new GatewayClass { Metadata = new() { Name = "beacon", Generation = 7 }, Spec = new() { ControllerName = GatewayTranslator.ControllerName } });

        var status = Assert.IsType<GatewayClassStatus>(Assert.Single(GatewayTranslator.Translate(builder.Build(1, [])).Statuses).Status);

        var accepted = Assert.Single(status.Conditions!);
        Assert.Equal(7, accepted.ObservedGeneration);
        Assert.Equal(default, accepted.LastTransitionTime);
    }

    private static RouteParentStatus RouteStatus(GatewayTranslation translation, string name) =>
        Assert.Single(Assert.IsType<HttpRouteStatus>(translation.Statuses.Single(s => s.Kind == HttpRoute.KindName && s.Name == name).Status).Parents!);
}
