using System.Text.Json.Nodes;
using Beacon.Gateway.Status;

namespace Beacon.Gateway.Tests;

public sealed class ConditionTimesTests
{
    private static readonly DateTimeOffset Earlier = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void New_conditions_get_the_current_time()
    {
        var status = Parse("""{"conditions":[{"type":"Accepted","status":"True"}]}""");

        ConditionTimes.Stamp(status, null, Now);

        Assert.Equal("2026-01-02T03:04:05Z", status["conditions"]![0]!["lastTransitionTime"]!.GetValue<string>());
    }

    [Fact]
    public void Unchanged_status_keeps_its_time_and_a_flip_gets_a_new_one()
    {
        var previous = ConditionTimes.Stamp(Parse("""{"conditions":[{"type":"Accepted","status":"True"},{"type":"Programmed","status":"True"}]}"""), null, Earlier);
        var current = Parse("""{"conditions":[{"type":"Accepted","status":"True","reason":"Other"},{"type":"Programmed","status":"False"}]}""");

        ConditionTimes.Stamp(current, previous, Now);

        Assert.Equal("2026-01-01T00:00:00Z", current["conditions"]![0]!["lastTransitionTime"]!.GetValue<string>());
        Assert.Equal("2026-01-02T03:04:05Z", current["conditions"]![1]!["lastTransitionTime"]!.GetValue<string>());
    }

    [Fact]
    public void Listener_and_parent_conditions_are_matched_by_name_and_parent_ref_not_position()
    {
        var previous = ConditionTimes.Stamp(Parse("""
            {"listeners":[{"name":"a","conditions":[{"type":"Accepted","status":"True"}]}],
             "parents":[{"parentRef":{"name":"gw"},"conditions":[{"type":"Accepted","status":"True"}]}]}
            """), null, Earlier);
        var current = Parse("""
            {"listeners":[{"name":"b","conditions":[{"type":"Accepted","status":"True"}]},{"name":"a","conditions":[{"type":"Accepted","status":"True"}]}],
             "parents":[{"parentRef":{"name":"other"},"conditions":[{"type":"Accepted","status":"True"}]},{"parentRef":{"name":"gw"},"conditions":[{"type":"Accepted","status":"True"}]}]}
            """);

        ConditionTimes.Stamp(current, previous, Now);

        Assert.Equal("2026-01-02T03:04:05Z", current["listeners"]![0]!["conditions"]![0]!["lastTransitionTime"]!.GetValue<string>());
        Assert.Equal("2026-01-01T00:00:00Z", current["listeners"]![1]!["conditions"]![0]!["lastTransitionTime"]!.GetValue<string>());
        Assert.Equal("2026-01-02T03:04:05Z", current["parents"]![0]!["conditions"]![0]!["lastTransitionTime"]!.GetValue<string>());
        Assert.Equal("2026-01-01T00:00:00Z", current["parents"]![1]!["conditions"]![0]!["lastTransitionTime"]!.GetValue<string>());
    }

    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();
}
