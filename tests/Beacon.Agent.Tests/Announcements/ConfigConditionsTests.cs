using Beacon.Agent.Announcements;
using Beacon.Cluster;
using Beacon.Cluster.Model;
using k8s.Models;

namespace Beacon.Agent.Tests.Announcements;

/// <summary>What the golden cases cannot hold: objects a manifest directory refuses to load, and many nodes.</summary>
public sealed class ConfigConditionsTests
{
    [Fact]
    public void An_invalid_object_is_not_accepted_and_the_condition_names_the_field()
    {
        var builder = new ClusterSnapshot.Builder();
        builder.TryAdd(new BgpAdvertisement
        {
            Metadata = new V1ObjectMeta { Name = "broken", Generation = 3 },
            Spec = new BgpAdvertisementSpec { Advertisements = [new BgpAdvertisementEntry { Type = "Gateway" }] },
        });

        var condition = Assert.Single(ConfigConditions.Plan(builder.Build(1, [])));

        Assert.Equal("bgpadvertisements", condition.Plural);
        Assert.False(condition.Accepted.Status);
        Assert.Equal("Invalid", condition.Accepted.Reason);
        Assert.StartsWith("spec.advertisements[0].type: ", condition.Accepted.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_conflict_on_many_nodes_lists_ten_and_counts_the_rest()
    {
        var builder = new ClusterSnapshot.Builder();
        for (var i = 0; i < 12; i++)
        {
            builder.TryAdd(new V1Node { Metadata = new V1ObjectMeta { Name = $"node{i:D2}" } });
        }

        builder.TryAdd(new BgpClusterConfig { Metadata = new V1ObjectMeta { Name = "a" }, Spec = new BgpClusterConfigSpec { LocalASN = 64512, RouterID = "192.0.2.1" } });
        builder.TryAdd(new BgpClusterConfig { Metadata = new V1ObjectMeta { Name = "b" }, Spec = new BgpClusterConfigSpec { LocalASN = 64513, RouterID = "192.0.2.1" } });

        var conditions = ConfigConditions.Plan(builder.Build(1, []));

        Assert.Equal(2, conditions.Length);
        foreach (var condition in conditions)
        {
            Assert.Equal(("False", "Conflicted"), (condition.Accepted.StatusText, condition.Accepted.Reason));
            Assert.Contains("node 'node00'", condition.Accepted.Message, StringComparison.Ordinal);
            Assert.Contains("node 'node09'", condition.Accepted.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("node 'node10'", condition.Accepted.Message, StringComparison.Ordinal);
            Assert.EndsWith(" (and 2 more)", condition.Accepted.Message, StringComparison.Ordinal);
        }
    }
}
