using System.Text.Json.Nodes;
using Beacon.Agent.Gateway;
using Beacon.Cluster;
using Beacon.Cluster.Ipam;
using Beacon.Cluster.Model.GatewayApi;
using Beacon.Gateway.Translation;
using k8s;
using k8s.Models;
using GatewayObject = Beacon.Cluster.Model.GatewayApi.Gateway;

namespace Beacon.Agent.Tests.Gateway;

public sealed class GatewayStatusMergeTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    private static string[] Types(JsonObject status) =>
        [.. status["conditions"]!.AsArray().Select(c => c!["type"]!.GetValue<string>())];

    [Fact]
    public void The_allocator_and_the_translator_name_the_same_controller()
    {
        Assert.Equal(GatewayTranslator.ControllerName, IpAllocator.GatewayControllerName);
    }

    [Fact]
    public void Foreign_conditions_are_kept_and_ours_keep_their_time_until_they_flip()
    {
        var current = Json("""
            {"conditions":[
              {"type":"Accepted","status":"True","reason":"Accepted","message":"old","lastTransitionTime":"2026-01-01T00:00:00Z","observedGeneration":1},
              {"type":"Programmed","status":"False","reason":"AddressNotAssigned","message":"none","lastTransitionTime":"2026-01-02T00:00:00Z","observedGeneration":1},
              {"type":"example.com/Audited","status":"True","reason":"Audited","message":"by someone else","lastTransitionTime":"2025-05-05T00:00:00Z"}],
             "listeners":[], "somethingElse": 3}
            """);
        var desired = Json("""
            {"conditions":[
              {"type":"Accepted","status":"True","reason":"Accepted","message":"Gateway is accepted","observedGeneration":2},
              {"type":"Programmed","status":"True","reason":"Programmed","message":"Gateway is programmed","observedGeneration":2}],
             "listeners":[{"name":"http","attachedRoutes":1,"conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"","observedGeneration":2}]}]}
            """);

        var merged = GatewayStatusMerge.Merge(GatewayObject.KindName, desired, current, s_now);

        Assert.Equal(["Accepted", "Programmed", "example.com/Audited"], Types(merged));
        var conditions = merged["conditions"]!.AsArray();
        Assert.Equal("2026-01-01T00:00:00Z", conditions[0]!["lastTransitionTime"]!.GetValue<string>());
        Assert.Equal("Gateway is accepted", conditions[0]!["message"]!.GetValue<string>());
        Assert.Equal("2026-11-26T12:00:00Z", conditions[1]!["lastTransitionTime"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(current["conditions"]![2], conditions[2]));
        Assert.Equal("2026-11-26T12:00:00Z", merged["listeners"]![0]!["conditions"]![0]!["lastTransitionTime"]!.GetValue<string>());
        Assert.Equal(3, merged["somethingElse"]!.GetValue<int>());
        Assert.Null(merged["addresses"]);

        // Merging into the result changes nothing: a write never causes another.
        Assert.True(JsonNode.DeepEquals(merged, GatewayStatusMerge.Merge(GatewayObject.KindName, desired, merged, s_now.AddHours(1))));
    }

    [Fact]
    public void Route_parents_of_other_controllers_are_kept_and_ours_replaced_or_removed()
    {
        var current = Json("""
            {"parents":[
              {"parentRef":{"name":"old-gw"},"controllerName":"beacon.dev/gateway-controller","conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"","lastTransitionTime":"2026-01-01T00:00:00Z"}]},
              {"parentRef":{"name":"theirs"},"controllerName":"example.com/other","conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"","lastTransitionTime":"2025-01-01T00:00:00Z"}]},
              {"parentRef":{"name":"web"},"controllerName":"beacon.dev/gateway-controller","conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"","lastTransitionTime":"2026-02-02T00:00:00Z"}]}]}
            """);
        var desired = Json("""
            {"parents":[
              {"parentRef":{"name":"web"},"controllerName":"beacon.dev/gateway-controller","conditions":[
                {"type":"Accepted","status":"True","reason":"Accepted","message":"Route is accepted"},
                {"type":"ResolvedRefs","status":"False","reason":"BackendNotFound","message":"no such Service"}]}]}
            """);

        var merged = GatewayStatusMerge.Merge(HttpRoute.KindName, desired, current, s_now);

        var parents = merged["parents"]!.AsArray();
        Assert.Equal(["theirs", "web"], parents.Select(p => p!["parentRef"]!["name"]!.GetValue<string>()));
        Assert.True(JsonNode.DeepEquals(current["parents"]![1], parents[0]));
        var web = parents[1]!["conditions"]!.AsArray();
        Assert.Equal("2026-02-02T00:00:00Z", web[0]!["lastTransitionTime"]!.GetValue<string>());
        Assert.Equal("2026-11-26T12:00:00Z", web[1]!["lastTransitionTime"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(merged, GatewayStatusMerge.Merge(HttpRoute.KindName, desired, merged, s_now.AddHours(1))));
    }

    [Fact]
    public void Gateway_class_supported_features_are_ours()
    {
        var current = Json("""{"supportedFeatures":[{"name":"Stale"}],"conditions":[]}""");
        var desired = Json("""{"supportedFeatures":[{"name":"Gateway"},{"name":"HTTPRoute"}],"conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"Handled by Beacon"}]}""");

        var merged = GatewayStatusMerge.Merge(GatewayClass.KindName, desired, current, s_now);

        Assert.Equal(["Gateway", "HTTPRoute"], merged["supportedFeatures"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()));
        Assert.Equal(["Accepted"], Types(merged));
    }

    private static GatewayObject Gateway(string[]? spec, string[]? status, long generation = 1) => new()
    {
        Metadata = new() { Name = "web", NamespaceProperty = "default", Generation = generation, ResourceVersion = "7" },
        Spec = new()
        {
            GatewayClassName = "beacon",
            Addresses = spec?.Select(a => new GatewayAddress { Value = a }).ToList(),
            Listeners = [new Listener { Name = "http", Port = 80, Protocol = "HTTP" }],
        },
        Status = status is null ? null : new() { Addresses = [.. status.Select(a => new GatewayAddress { Type = "IPAddress", Value = a })] },
    };

    private static ClusterSnapshot Snapshot(params IKubernetesObject<V1ObjectMeta>[] objects)
    {
        var builder = new ClusterSnapshot.Builder();
        builder.TryAdd(new GatewayClass { Metadata = new() { Name = "beacon", Generation = 1 }, Spec = new() { ControllerName = GatewayTranslator.ControllerName } });
        foreach (var obj in objects)
        {
            builder.TryAdd(obj);
        }

        return builder.Build(1, []);
    }

    [Fact]
    public void The_assigned_address_is_written_and_once_written_nothing_more_is()
    {
        var pool = new Cluster.Model.LoadBalancerIpPool { Metadata = new() { Name = "pool" }, Spec = new() { Blocks = [new() { Start = "203.0.113.10", Stop = "203.0.113.10" }] } };
        var snapshot = Snapshot(pool, Gateway(spec: null, status: null));

        var updates = GatewayStatusWriter.Plan(snapshot, IpAllocator.Plan(snapshot), s_now);

        var gateway = Assert.Single(updates, u => u.Kind == GatewayObject.KindName);
        Assert.Equal("""[{"type":"IPAddress","value":"203.0.113.10"}]""", gateway.Status["addresses"]!.ToJsonString());
        Assert.Contains(updates, u => u.Kind == GatewayClass.KindName);

        // The API hands the written statuses back in the next snapshot: the translator then
        // finds the address (Programmed flips), and after that write there is nothing to do.
        var next = Apply(snapshot, updates);
        var second = GatewayStatusWriter.Plan(next, IpAllocator.Plan(next), s_now.AddSeconds(1));
        var programmed = Assert.Single(second).Status["conditions"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == "Programmed")!;
        Assert.Equal("True", programmed["status"]!.GetValue<string>());
        Assert.Equal("2026-11-26T12:00:01Z", programmed["lastTransitionTime"]!.GetValue<string>());

        var settled = Apply(next, second);
        Assert.Empty(GatewayStatusWriter.Plan(settled, IpAllocator.Plan(settled), s_now.AddSeconds(2)));
    }

    [Fact]
    public void An_assigned_address_stays_in_status_while_the_gateway_is_not_accepted()
    {
        var pool = new Cluster.Model.LoadBalancerIpPool { Metadata = new() { Name = "pool" }, Spec = new() { Blocks = [new() { Start = "203.0.113.10", Stop = "203.0.113.10" }] } };
        var broken = Gateway(spec: null, status: ["203.0.113.10"]);
        broken.Spec.Listeners = [];
        var snapshot = Snapshot(pool, broken);

        var update = Assert.Single(GatewayStatusWriter.Plan(snapshot, IpAllocator.Plan(snapshot), s_now), u => u.Kind == GatewayObject.KindName);

        Assert.Equal("203.0.113.10", update.Status["addresses"]![0]!["value"]!.GetValue<string>());
        var accepted = update.Status["conditions"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == "Accepted")!;
        Assert.Equal("False", accepted["status"]!.GetValue<string>());
    }

    [Fact]
    public void Our_parent_entries_are_removed_from_a_route_that_no_longer_names_our_gateways()
    {
        var route = new HttpRoute
        {
            Metadata = new() { Name = "app", NamespaceProperty = "default", ResourceVersion = "3" },
            Spec = new() { ParentRefs = [new ParentReference { Name = "theirs" }] },
            Status = new()
            {
                Parents =
                [
                    new RouteParentStatus { ParentRef = new ParentReference { Name = "web" }, ControllerName = GatewayTranslator.ControllerName, Conditions = [] },
                    new RouteParentStatus { ParentRef = new ParentReference { Name = "theirs" }, ControllerName = "example.com/other", Conditions = [] },
                ],
            },
        };
        var snapshot = Snapshot(route);

        var update = Assert.Single(GatewayStatusWriter.Plan(snapshot, IpAllocator.Plan(snapshot), s_now), u => u.Kind == HttpRoute.KindName);

        Assert.Equal("example.com/other", Assert.Single(update.Status["parents"]!.AsArray())!["controllerName"]!.GetValue<string>());
    }

    /// <summary>The snapshot the API would hand back after the writes: each object with its written status.</summary>
    private static ClusterSnapshot Apply(ClusterSnapshot snapshot, IEnumerable<GatewayStatusWriter.StatusUpdate> updates)
    {
        var written = updates.ToDictionary(u => $"{u.Kind} {ClusterSnapshot.KeyOf(u.Object)}", StringComparer.Ordinal);
        var builder = new ClusterSnapshot.Builder();
        foreach (var obj in snapshot.GatewayClasses.Values.Cast<IKubernetesObject<V1ObjectMeta>>()
            .Concat(snapshot.Gateways.Values).Concat(snapshot.HttpRoutes.Values).Concat(snapshot.IpPools.Values))
        {
            if (written.TryGetValue($"{obj.Kind} {ClusterSnapshot.KeyOf(obj)}", out var update))
            {
                var json = JsonNode.Parse(KubernetesJson.Serialize(obj))!.AsObject();
                json["status"] = update.Status.DeepClone();
                builder.TryAdd(obj switch
                {
                    GatewayClass => KubernetesJson.Deserialize<GatewayClass>(json.ToJsonString()),
                    GatewayObject => KubernetesJson.Deserialize<GatewayObject>(json.ToJsonString()),
                    _ => (IKubernetesObject<V1ObjectMeta>)KubernetesJson.Deserialize<HttpRoute>(json.ToJsonString()),
                });
            }
            else
            {
                builder.TryAdd(obj);
            }
        }

        return builder.Build(snapshot.Version + 1, []);
    }
}
