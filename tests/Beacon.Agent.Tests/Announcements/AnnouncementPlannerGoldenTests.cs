using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Beacon.Agent.Announcements;
using Beacon.Cluster.Manifests;

namespace Beacon.Agent.Tests.Announcements;

/// <summary>
/// <c>testdata/&lt;case&gt;/input.yaml</c> planned for node <c>node1</c> (or the name in
/// <c>node.txt</c>) must give <c>expected.json</c>. Set BEACON_UPDATE_GOLDEN=1 to rewrite
/// the expected files from the current output, then review the diff.
/// </summary>
public sealed class AnnouncementPlannerGoldenTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(TestDataDirectory()).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Plan_matches_golden_file(string name)
    {
        var dir = Path.Combine(TestDataDirectory(), name);
        var snapshot = ManifestDirectorySource.LoadText(File.ReadAllText(Path.Combine(dir, "input.yaml")), "input.yaml");
        Assert.Empty(snapshot.Errors);
        var nodeFile = Path.Combine(dir, "node.txt");
        var node = File.Exists(nodeFile) ? File.ReadAllText(nodeFile).Trim() : "node1";

        var actual = PlanJson.Serialize(AnnouncementPlanner.Plan(snapshot, node, ServedGateways(dir)));

        var expectedFile = Path.Combine(dir, "expected.json");
        if (Environment.GetEnvironmentVariable("BEACON_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(expectedFile, actual);
        }

        Assert.True(File.Exists(expectedFile), $"{expectedFile} is missing; run with BEACON_UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(expectedFile), actual);
    }

    /// <summary>
    /// The same inputs checked as the allocator does for the whole cluster: the <c>Accepted</c>
    /// condition of every configuration object must match <c>conditions.json</c>.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Configuration_conditions_match_golden_file(string name)
    {
        var dir = Path.Combine(TestDataDirectory(), name);
        var snapshot = ManifestDirectorySource.LoadText(File.ReadAllText(Path.Combine(dir, "input.yaml")), "input.yaml");

        var actual = PlanJson.Serialize(ConfigConditions.Plan(snapshot));

        var expectedFile = Path.Combine(dir, "conditions.json");
        if (Environment.GetEnvironmentVariable("BEACON_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(expectedFile, actual);
        }

        Assert.True(File.Exists(expectedFile), $"{expectedFile} is missing; run with BEACON_UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(expectedFile), actual);
    }

    [Fact]
    public void Plan_is_the_same_for_the_same_snapshot()
    {
        var dir = Path.Combine(TestDataDirectory(), "attribute-merge");
        var snapshot = ManifestDirectorySource.LoadText(File.ReadAllText(Path.Combine(dir, "input.yaml")));
        Assert.Equal(PlanJson.Serialize(AnnouncementPlanner.Plan(snapshot, "node1")), PlanJson.Serialize(AnnouncementPlanner.Plan(snapshot, "node1")));
    }

    /// <summary>The Gateways the node's proxy serves, from <c>gateways.json</c> when the case has one.</summary>
    private static IReadOnlyList<ServedGateway> ServedGateways(string dir)
    {
        var file = Path.Combine(dir, "gateways.json");
        if (!File.Exists(file))
        {
            return [];
        }

        using var json = JsonDocument.Parse(File.ReadAllText(file));
        return [.. json.RootElement.EnumerateArray().Select(g => new ServedGateway(
            g.GetProperty("name").GetString()!,
            g.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
            [.. g.GetProperty("addresses").EnumerateArray().Select(a => IPAddress.Parse(a.GetString()!))]))];
    }

    private static string TestDataDirectory([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "testdata");
}
