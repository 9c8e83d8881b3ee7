using System.Text.RegularExpressions;
using Beacon.Bgp.Wire;

namespace Beacon.Fuzz;

/// <summary>
/// Writes the starting corpus for a target from the hex wire vectors in the test project
/// (<c>public const string Name = "..." + "...";</c> fields, as in FrrVectors.cs), each framed
/// message alone and all of them as one stream, under the flag combinations the target reads.
/// </summary>
internal static partial class Seeds
{
    public static int Write(string target, string vectorsFile, string directory)
    {
        var messages = Parse(File.ReadAllText(vectorsFile));
        if (messages.Count == 0)
        {
            Console.Error.WriteLine($"no hex vectors found in {vectorsFile}");
            return 1;
        }

        Directory.CreateDirectory(directory);
        var stream = messages.SelectMany(static m => m.Bytes).ToArray();
        var count = 0;
        void Emit(string name, ReadOnlySpan<byte> prefix, byte[] bytes)
        {
            File.WriteAllBytes(Path.Combine(directory, name), [.. prefix, .. bytes]);
            count++;
        }

        foreach (var (name, bytes) in messages)
        {
            if (target == "decoder")
            {
                Emit($"{name}-4oas", [0x01], bytes);
                Emit($"{name}-body", [0x09], bytes[BgpFraming.HeaderSize..]);
            }
            else
            {
                Emit($"{name}-chunks", [0x01, 6, 18, 60], bytes);
            }
        }

        if (target == "decoder")
        {
            Emit("stream-2oas", [0x00], stream);
            Emit("stream-4oas-ibgp", [0x03], stream);
        }
        else
        {
            Emit("stream-bytewise", [0x01, 0, 0, 0], stream);
            Emit("stream-2oas-ibgp", [0x02, 18, 1, 40], stream);
        }

        Console.WriteLine($"wrote {count} seeds to {directory}");
        return 0;
    }

    internal static List<(string Name, byte[] Bytes)> Parse(string source)
    {
        var result = new List<(string, byte[])>();
        foreach (Match field in ConstField().Matches(source))
        {
            var hex = string.Concat(Literal().Matches(field.Groups["value"].Value).Select(static m => m.Groups[1].Value));
            hex = NonHex().Replace(hex, string.Empty);
            if (hex.Length >= 2 * BgpFraming.HeaderSize && hex.Length % 2 == 0 && hex.StartsWith("ffffffffffffffffffffffffffffffff", StringComparison.OrdinalIgnoreCase))
            {
                result.Add((field.Groups["name"].Value, Convert.FromHexString(hex)));
            }
        }

        return result;
    }

    [GeneratedRegex(@"const\s+string\s+(?<name>\w+)\s*=(?<value>[^;]*);", RegexOptions.Singleline)]
    private static partial Regex ConstField();

    [GeneratedRegex("\"([^\"]*)\"")]
    private static partial Regex Literal();

    [GeneratedRegex("[^0-9a-fA-F]")]
    private static partial Regex NonHex();
}
