using System.Runtime.CompilerServices;
using Beacon.Cluster.Manifests;
using Beacon.Gateway.Translation;

namespace Beacon.Gateway.Tests.Translation;

/// <summary>
/// <c>testdata/&lt;case&gt;/input.yaml</c> translated must give <c>expected-config.json</c> and
/// <c>expected-status.json</c>. Set BEACON_UPDATE_GOLDEN=1 to rewrite the expected files from
/// the current output, then review the diff.
/// </summary>
public sealed class GatewayTranslatorGoldenTests
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
    public void Config_matches_golden_file(string name)
    {
        var translation = Translate(name);

        Check(name, "expected-config.json", TranslationJson.Config(translation.Config));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Statuses_match_golden_file(string name)
    {
        var translation = Translate(name);

        Check(name, "expected-status.json", TranslationJson.Statuses(translation));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Translation_is_the_same_for_the_same_snapshot(string name)
    {
        Assert.Equal(TranslationJson.Config(Translate(name).Config), TranslationJson.Config(Translate(name).Config));
        Assert.Equal(TranslationJson.Statuses(Translate(name)), TranslationJson.Statuses(Translate(name)));
    }

    private static GatewayTranslation Translate(string name)
    {
        var snapshot = ManifestDirectorySource.LoadText(File.ReadAllText(Path.Combine(TestDataDirectory(), name, "input.yaml")), "input.yaml");
        Assert.Empty(snapshot.Errors);
        return GatewayTranslator.Translate(snapshot);
    }

    private static void Check(string name, string file, string actual)
    {
        var expectedFile = Path.Combine(TestDataDirectory(), name, file);
        if (Environment.GetEnvironmentVariable("BEACON_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(expectedFile, actual);
        }

        Assert.True(File.Exists(expectedFile), $"{expectedFile} is missing; run with BEACON_UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(expectedFile), actual);
    }

    private static string TestDataDirectory([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "testdata");
}
