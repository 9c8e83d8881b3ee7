using Beacon.Cluster;
using k8s.Models;

namespace Beacon.Cluster.Tests;

public sealed class LabelSelectorsTests
{
    private static readonly Dictionary<string, string> s_labels = new() { ["zone"] = "a", ["tier"] = "gold" };

    [Theory]
    [InlineData("In", "zone", "a,b", true)]
    [InlineData("In", "zone", "b", false)]
    [InlineData("In", "missing", "a", false)]
    [InlineData("NotIn", "zone", "b", true)]
    [InlineData("NotIn", "zone", "a", false)]
    [InlineData("NotIn", "missing", "a", true)]
    [InlineData("Exists", "tier", null, true)]
    [InlineData("Exists", "missing", null, false)]
    [InlineData("DoesNotExist", "missing", null, true)]
    [InlineData("DoesNotExist", "tier", null, false)]
    [InlineData("Near", "tier", null, false)]
    public void Match_expressions_follow_kubernetes_semantics(string op, string key, string? values, bool expected)
    {
        var selector = new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = key, OperatorProperty = op, Values = values?.Split(',') }] };

        Assert.Equal(expected, LabelSelectors.Matches(selector, s_labels));
    }

    [Fact]
    public void Match_labels_and_expressions_must_all_hold()
    {
        var selector = new V1LabelSelector
        {
            MatchLabels = new Dictionary<string, string> { ["zone"] = "a" },
            MatchExpressions = [new V1LabelSelectorRequirement { Key = "tier", OperatorProperty = "In", Values = ["silver"] }],
        };

        Assert.False(LabelSelectors.Matches(selector, s_labels));
    }

    [Fact]
    public void An_empty_selector_matches_everything_including_no_labels()
    {
        Assert.True(LabelSelectors.Matches(new V1LabelSelector(), null));
        Assert.False(LabelSelectors.Matches(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["zone"] = "a" } }, null));
    }
}
