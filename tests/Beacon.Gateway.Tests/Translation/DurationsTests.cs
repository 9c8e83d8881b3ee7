using Beacon.Gateway.Translation;

namespace Beacon.Gateway.Tests.Translation;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("0s", 0)]
    [InlineData("500ms", 500)]
    [InlineData("10s", 10_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1h2m3s4ms", 3_723_004)]
    [InlineData("99999ms", 99_999)]
    public void Gep_2257_durations_parse(string text, long milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("1.5s")]
    [InlineData("-1s")]
    [InlineData("1d")]
    [InlineData("100000s")]
    [InlineData("1h1m1s1ms1h")]
    [InlineData("10 s")]
    [InlineData(null)]
    public void Other_forms_are_refused(string? text)
    {
        Assert.False(Durations.TryParse(text, out _));
    }
}
