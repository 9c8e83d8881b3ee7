using SharpFuzz;

namespace Beacon.Fuzz;

/// <summary>
/// Entry point for AFL++ (through SharpFuzz) and for replaying inputs by hand.
/// <c>Beacon.Fuzz decoder|read-path</c> runs under afl-fuzz; <c>Beacon.Fuzz decoder|read-path FILE...</c>
/// runs the target once per file and prints the exception of any that fails; <c>seeds</c> writes a
/// starting corpus from hex test vectors.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args is ["seeds", var name, var vectors, var directory] && Target(name) is not null)
        {
            return Seeds.Write(name, vectors, directory);
        }

        if (args.Length == 0 || Target(args[0]) is not { } target)
        {
            Console.Error.WriteLine("usage: Beacon.Fuzz decoder|read-path [FILE...]");
            Console.Error.WriteLine("       Beacon.Fuzz seeds decoder|read-path VECTORS.cs DIRECTORY");
            return 2;
        }

        if (args.Length == 1)
        {
            Fuzzer.OutOfProcess.Run(stream =>
            {
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                target(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            });
            return 0;
        }

        var failed = 0;
        foreach (var file in args[1..])
        {
            try
            {
                var input = File.ReadAllBytes(file);
                Console.WriteLine($"ok     {file}: {(args[0] == "read-path" ? ReadPathTarget.Explain(input) : DecoderTarget.Explain(input))}");
            }
            catch (Exception ex)
            {
                failed++;
                Console.WriteLine($"FAILED {file}: {ex}");
            }
        }

        return failed == 0 ? 0 : 1;
    }

    private delegate void SpanTarget(ReadOnlySpan<byte> input);

    private static SpanTarget? Target(string name) => name switch
    {
        "decoder" => DecoderTarget.Run,
        "read-path" => ReadPathTarget.Run,
        _ => null,
    };
}
