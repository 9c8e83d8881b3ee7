using System.Text.RegularExpressions;
using Beacon.Fuzz;

namespace Beacon.Bgp.Tests.Wire;

/// <summary>
/// Inputs kept from AFL++ runs (docs/fuzzing.md): every crash it finds, once fixed, and corpus
/// entries that reached deep error paths. Each file is named for its target:
/// <c>decoder-*.bin</c> or <c>read-path-*.bin</c>, in the raw layout the target reads;
/// a name with <c>-error-CODE-SUBCODE</c> (decoder) or <c>-notification-CODE-SUBCODE</c> (read path)
/// must also fail with that protocol error, and <c>-update-ACTION</c> must read an UPDATE with that
/// RFC 7606 action.
/// </summary>
public sealed partial class FuzzVectorTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Wire", "FuzzVectors");

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Folder, "*.bin").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Kept_input_passes_its_target(string name)
    {
        var input = File.ReadAllBytes(Path.Combine(Folder, name));
        Assert.Matches("^(decoder|read-path)-", name);
        var outcome = name.StartsWith("read-path-", StringComparison.Ordinal) ? ReadPathTarget.Explain(input) : DecoderTarget.Explain(input);
        if (ExpectedError().Match(name) is { Success: true } error)
        {
            Assert.Contains($"NOTIFICATION {error.Groups["code"].Value}/{error.Groups["subcode"].Value}:", outcome, StringComparison.Ordinal);
        }
        else if (ExpectedUpdateAction().Match(name) is { Success: true } update)
        {
            Assert.Contains($"UPDATE {update.Groups["action"].Value}", outcome, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>A protocol error the input must end in: NOTIFICATION code and subcode.</summary>
    [GeneratedRegex(@"-(notification|error)-(?<code>\d+)-(?<subcode>\d+)")]
    private static partial Regex ExpectedError();

    /// <summary>The RFC 7606 action an UPDATE of the input must be read with.</summary>
    [GeneratedRegex(@"-update-(?<action>[a-z]+)")]
    private static partial Regex ExpectedUpdateAction();
}
