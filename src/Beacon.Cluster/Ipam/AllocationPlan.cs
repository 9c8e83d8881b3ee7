using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Numerics;
using Beacon.Cluster.Model;

namespace Beacon.Cluster.Ipam;

/// <summary>
/// What the allocator should write: every managed Service's addresses and condition, every
/// pool's status, and the events to record. Lists are ordered (Services and pools by key,
/// events in the order they arose) so the same snapshot gives the same plan.
/// </summary>
public sealed record AllocationPlan(
    ImmutableArray<ServiceAllocation> Services,
    ImmutableArray<PoolStatusPlan> Pools,
    ImmutableArray<AllocationEvent> Events)
{
    /// <summary>Every Gateway of Beacon's class that asks for an assigned address, by key.</summary>
    public ImmutableArray<GatewayAllocation> Gateways { get; init; } = [];
}

/// <summary>
/// The assigned addresses a Gateway should have in <c>status.addresses</c> (type IPAddress),
/// besides the literals of its <c>spec.addresses</c>: one, or none when no pool could give one.
/// </summary>
public sealed record GatewayAllocation(string Namespace, string Name, ImmutableArray<IPAddress> Addresses);

/// <summary>
/// The addresses a LoadBalancer Service should have in <c>status.loadBalancer.ingress</c>
/// (one <c>ip</c> entry each, in <c>spec.ipFamilies</c> order), and its
/// <see cref="IpAllocator.AllocatedCondition"/> condition. Beacon writes <c>ip</c> entries
/// only: a <c>hostname</c> entry someone else put in a managed Service's status is not kept.
/// </summary>
/// <param name="Changed">True when <see cref="Addresses"/> differ from the ingress IPs the Service has now (order included).</param>
public sealed record ServiceAllocation(
    string Namespace,
    string Name,
    ImmutableArray<IPAddress> Addresses,
    bool Changed,
    AllocationCondition Condition);

/// <summary>
/// A condition to set. Pure planning has no clock: the writer fills in
/// <c>lastTransitionTime</c> (kept when the status did not change) and <c>observedGeneration</c>.
/// </summary>
public sealed record AllocationCondition(string Type, bool Status, string Reason, string Message)
{
    public string StatusText => Status ? "True" : "False";
}

/// <summary>Address counts of one family of a pool; <see cref="BigInteger"/> because an IPv6 block can hold 2^128.</summary>
public sealed record FamilyCounts(IpFamily Family, BigInteger Total, BigInteger Used)
{
    public BigInteger Available => Total - Used;

    public IpPoolCounts ToStatus() => new()
    {
        Family = Family.ToString(),
        Total = Total.ToString(CultureInfo.InvariantCulture),
        Used = Used.ToString(CultureInfo.InvariantCulture),
        Available = Available.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>The status a pool should have: counts per family (IPv4 first) and its conditions.</summary>
public sealed record PoolStatusPlan(string Name, ImmutableArray<FamilyCounts> Counts, ImmutableArray<AllocationCondition> Conditions);

/// <summary>An object an event is about.</summary>
public sealed record ObjectReference(string Kind, string? Namespace, string Name)
{
    public override string ToString() => Namespace is null ? $"{Kind} {Name}" : $"{Kind} {Namespace}/{Name}";
}

/// <summary>
/// An Event to record (<c>type</c> Normal or Warning). The plan is recomputed from every
/// snapshot, so a lasting problem yields the same event each time: the writer aggregates
/// repeats as Kubernetes' own event recorder does (same object, reason and message).
/// </summary>
/// <param name="Field">The field the event is about (<c>spec.loadBalancerIP</c>), empty when it is the whole object.</param>
public sealed record AllocationEvent(string Type, string Reason, ObjectReference Object, string Field, string Message)
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";

    public override string ToString() => $"{Type} {Reason}: {Object}: {Field}: {Message}";
}
