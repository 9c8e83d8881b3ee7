using System.Text.Json;
using Beacon.Agent.Cli;

namespace Beacon.Agent.Tests.Cli;

public sealed class StatusTablesTests
{
    [Theory]
    [InlineData(0, "0s")]
    [InlineData(59, "59s")]
    [InlineData(61, "1m1s")]
    [InlineData(3600, "1h0m")]
    [InlineData(90061, "1d1h")]
    [InlineData(-5, "0s")]
    public void Durations_show_their_two_largest_units(int seconds, string expected) =>
        Assert.Equal(expected, StatusTables.FormatDuration(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData("[]", "-")]
    [InlineData("[65001]", "65001")]
    [InlineData("[65001,65002,[1,2,3]]", "65001 65002 {1,2,3}")]
    [InlineData("[[1,2],65001]", "{1,2} 65001")]
    public void As_paths_show_sets_in_braces(string json, string expected)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Equal(expected, StatusTables.FormatAsPath(document.RootElement));
    }
}
