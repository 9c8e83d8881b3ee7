using Beacon.Agent.Allocation;
using Beacon.Cluster.Ipam;
using k8s.Models;

namespace Beacon.Agent.Tests.Allocation;

public sealed class StatusConditionsTests
{
    private static readonly DateTime Then = new(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
    private static readonly DateTime Now = new(2026, 6, 7, 8, 9, 10, DateTimeKind.Utc);

    private static V1Condition Current(string type, string status, string reason, string message, long? generation = 3) => new()
    {
        Type = type,
        Status = status,
        Reason = reason,
        Message = message,
        LastTransitionTime = Then,
        ObservedGeneration = generation,
    };

    [Fact]
    public void The_same_condition_is_no_change_and_keeps_its_transition_time()
    {
        var (conditions, changed) = StatusConditions.Merge(
            [Current("IPsExhausted", "False", "FreeAddresses", "IPv4: 2 of 3 free")],
            [new AllocationCondition("IPsExhausted", false, "FreeAddresses", "IPv4: 2 of 3 free")],
            3,
            Now);

        Assert.False(changed);
        Assert.Equal("2026-01-02T03:04:05Z", conditions[0]!["lastTransitionTime"]!.GetValue<string>());
    }

    [Fact]
    public void A_new_message_with_the_same_status_is_a_change_that_keeps_the_transition_time()
    {
        var (conditions, changed) = StatusConditions.Merge(
            [Current("IPsExhausted", "False", "FreeAddresses", "IPv4: 2 of 3 free")],
            [new AllocationCondition("IPsExhausted", false, "FreeAddresses", "IPv4: 1 of 3 free")],
            3,
            Now);

        Assert.True(changed);
        Assert.Equal("2026-01-02T03:04:05Z", conditions[0]!["lastTransitionTime"]!.GetValue<string>());
        Assert.Equal("IPv4: 1 of 3 free", conditions[0]!["message"]!.GetValue<string>());
    }

    [Fact]
    public void A_status_flip_sets_the_transition_time_to_now()
    {
        var (conditions, changed) = StatusConditions.Merge(
            [Current("IPsExhausted", "False", "FreeAddresses", "IPv4: 1 of 1 free")],
            [new AllocationCondition("IPsExhausted", true, "NoFreeAddresses", "no free IPv4 address")],
            3,
            Now);

        Assert.True(changed);
        Assert.Equal("2026-06-07T08:09:10Z", conditions[0]!["lastTransitionTime"]!.GetValue<string>());
        Assert.Equal("True", conditions[0]!["status"]!.GetValue<string>());
    }

    [Fact]
    public void A_new_generation_is_a_change_and_is_recorded()
    {
        var (conditions, changed) = StatusConditions.Merge(
            [Current("Conflict", "False", "NoConflict", "no block overlaps another pool", generation: 3)],
            [new AllocationCondition("Conflict", false, "NoConflict", "no block overlaps another pool")],
            4,
            Now);

        Assert.True(changed);
        Assert.Equal(4, conditions[0]!["observedGeneration"]!.GetValue<long>());
        Assert.Equal("2026-01-02T03:04:05Z", conditions[0]!["lastTransitionTime"]!.GetValue<string>());
    }

    [Fact]
    public void Conditions_of_other_types_are_kept()
    {
        var (conditions, changed) = StatusConditions.Merge(
            [Current("example.com/Other", "True", "Theirs", "set by someone else")],
            [new AllocationCondition(IpAllocator.AllocatedCondition, true, "Allocated", "203.0.113.10 from blue")],
            null,
            Now);

        Assert.True(changed);
        Assert.Equal(2, conditions.Count);
        Assert.Equal("example.com/Other", conditions[0]!["type"]!.GetValue<string>());
        Assert.Equal(IpAllocator.AllocatedCondition, conditions[1]!["type"]!.GetValue<string>());
        Assert.Null(conditions[1]!["observedGeneration"]);
    }
}
