using Beacon.Cluster.Ipam;
using Beacon.Cluster.Model;
using Beacon.Cluster.Model.GatewayApi;
using k8s.Models;

namespace Beacon.Cluster.Tests.Ipam;

/// <summary>Gateways of Beacon's class in the LB-IPAM plan: one address space with Services.</summary>
public sealed class GatewayAllocationTests
{
    private static readonly DateTime s_t0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static LoadBalancerIpPool Pool(string name, string start, string stop, Dictionary<string, string>? selector = null, DateTime? created = null) => new()
    {
        Metadata = new() { Name = name, CreationTimestamp = created ?? s_t0 },
        Spec = new()
        {
            Blocks = [new() { Start = start, Stop = stop }],
            ServiceSelector = selector is null ? null : new V1LabelSelector { MatchLabels = selector },
        },
    };

    private static GatewayClass Class(string name, string controller) => new()
    {
        Metadata = new() { Name = name },
        Spec = new() { ControllerName = controller },
    };

    private static Gateway Gateway(
        string name,
        string className = "beacon",
        string[]? spec = null,
        string[]? status = null,
        Dictionary<string, string>? labels = null,
        int age = 0) => new()
        {
            Metadata = new() { Name = name, NamespaceProperty = "default", Labels = labels, CreationTimestamp = s_t0.AddMinutes(age) },
            Spec = new()
            {
                GatewayClassName = className,
                Addresses = spec?.Select(a => new GatewayAddress { Type = GatewayAddressTypes.IPAddress, Value = a }).ToList(),
                Listeners = [new Listener { Name = "http", Port = 80, Protocol = "HTTP" }],
            },
            Status = status is null ? null : new() { Addresses = [.. status.Select(a => new GatewayAddress { Type = GatewayAddressTypes.IPAddress, Value = a })] },
        };

    private static V1Service Service(string name, string? ip = null, int age = 0) => new()
    {
        Metadata = new() { Name = name, NamespaceProperty = "default", CreationTimestamp = s_t0.AddMinutes(age) },
        Spec = new() { Type = "LoadBalancer" },
        Status = ip is null ? null : new() { LoadBalancer = new() { Ingress = [new() { Ip = ip }] } },
    };

    private static AllocationPlan Plan(params k8s.IKubernetesObject<V1ObjectMeta>[] objects)
    {
        var builder = new ClusterSnapshot.Builder();
        builder.TryAdd(Class("beacon", IpAllocator.GatewayControllerName));
        builder.TryAdd(Class("other", "example.com/other"));
        foreach (var obj in objects)
        {
            builder.TryAdd(obj);
        }

        return IpAllocator.Plan(builder.Build(1, []));
    }

    private static string[] Addresses(AllocationPlan plan, string gateway) =>
        [.. plan.Gateways.Single(g => g.Name == gateway).Addresses.Select(a => a.ToString())];

    [Fact]
    public void A_gateway_without_spec_addresses_gets_the_lowest_free_address_after_the_services()
    {
        var plan = Plan(Pool("pool", "203.0.113.10", "203.0.113.20"), Service("svc", age: 5), Gateway("web", age: 0));

        Assert.Equal(["203.0.113.10"], plan.Services.Single().Addresses.Select(a => a.ToString()));
        Assert.Equal(["203.0.113.11"], Addresses(plan, "web"));
        Assert.Contains(plan.Events, e => e.Reason == "IPAllocated" && e.Object.Kind == "Gateway" && e.Message == "203.0.113.11 from LoadBalancerIPPool pool");
        Assert.Equal(2, Assert.Single(Assert.Single(plan.Pools).Counts).Used);
    }

    [Fact]
    public void The_address_in_status_is_kept_so_a_new_leader_plans_the_same()
    {
        var plan = Plan(Pool("pool", "203.0.113.10", "203.0.113.20"), Gateway("web", status: ["203.0.113.15"]), Service("svc"));

        Assert.Equal(["203.0.113.15"], Addresses(plan, "web"));
        Assert.Equal(["203.0.113.10"], plan.Services.Single().Addresses.Select(a => a.ToString()));
        Assert.DoesNotContain(plan.Events, e => e.Reason == "IPAllocated" && e.Object.Kind == "Gateway");
    }

    [Fact]
    public void A_service_and_a_gateway_never_share_an_address()
    {
        // Both claim .15 in their status: the Service (visited first) keeps it, the Gateway is
        // renumbered, and the release says why.
        var plan = Plan(Pool("pool", "203.0.113.15", "203.0.113.16"), Service("svc", "203.0.113.15"), Gateway("web", status: ["203.0.113.15"]));

        Assert.Equal(["203.0.113.15"], plan.Services.Single().Addresses.Select(a => a.ToString()));
        Assert.Equal(["203.0.113.16"], Addresses(plan, "web"));
        Assert.Contains(plan.Events, e => e.Reason == "IPReleased" && e.Object.Kind == "Gateway" && e.Message == "203.0.113.15 is held by the older Service default/svc");
    }

    [Fact]
    public void Spec_addresses_inside_a_pool_are_reserved_for_the_gateway()
    {
        var plan = Plan(
            Pool("pool", "203.0.113.10", "203.0.113.11"),
            Service("holder", "203.0.113.10"),
            Service("new", age: 1),
            Gateway("static", spec: ["203.0.113.10"]));

        // The Service loses the address the Gateway names, and nobody gets it instead.
        var holder = plan.Services.Single(s => s.Name == "holder");
        Assert.Equal(["203.0.113.11"], holder.Addresses.Select(a => a.ToString()));
        Assert.Empty(plan.Services.Single(s => s.Name == "new").Addresses);
        Assert.Contains(plan.Events, e => e.Reason == "IPReleased" && e.Message == "203.0.113.10 is reserved by Gateway default/static in its spec.addresses");

        // A Gateway with addresses of its own asks for none.
        Assert.DoesNotContain(plan.Gateways, g => g.Name == "static");
    }

    [Fact]
    public void Pools_select_gateways_by_their_labels()
    {
        var plan = Plan(
            Pool("a-public", "203.0.113.10", "203.0.113.10", new() { ["exposure"] = "public" }),
            Pool("b-internal", "198.51.100.10", "198.51.100.10", new() { ["exposure"] = "internal" }),
            Gateway("internal", labels: new() { ["exposure"] = "internal" }),
            Gateway("unlabelled"));

        Assert.Equal(["198.51.100.10"], Addresses(plan, "internal"));
        Assert.Empty(Addresses(plan, "unlabelled"));
        Assert.Contains(plan.Events, e => e.Reason == "AllocationFailed" && e.Object.Name == "unlabelled" && e.Field == "metadata.labels");
    }

    [Fact]
    public void Gateways_of_other_classes_take_no_part()
    {
        var plan = Plan(Pool("pool", "203.0.113.10", "203.0.113.20"), Gateway("theirs", className: "other", status: ["203.0.113.10"]), Service("svc"));

        Assert.Empty(plan.Gateways);
        Assert.Equal(["203.0.113.10"], plan.Services.Single().Addresses.Select(a => a.ToString()));
    }

    [Fact]
    public void A_gateway_outside_every_pool_in_status_is_renumbered_and_an_address_from_a_deleted_pool_released()
    {
        var plan = Plan(Pool("pool", "2001:db8::10", "2001:db8::10"), Gateway("web", status: ["192.0.2.1"]));

        Assert.Equal(["2001:db8::10"], Addresses(plan, "web"));
        Assert.Contains(plan.Events, e => e.Reason == "IPReleased" && e.Field == "status.addresses[0].value");
    }

    [Fact]
    public void An_exhausted_pool_leaves_the_youngest_gateway_without_an_address()
    {
        var plan = Plan(Pool("pool", "203.0.113.10", "203.0.113.10"), Gateway("old", age: 0), Gateway("young", age: 1));

        Assert.Equal(["203.0.113.10"], Addresses(plan, "old"));
        Assert.Empty(Addresses(plan, "young"));
        Assert.Contains(plan.Events, e => e.Reason == "AllocationFailed" && e.Object.Name == "young");
    }
}
