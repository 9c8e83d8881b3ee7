using System.IO.Pipelines;
using System.Net;
using Beacon.Bgp.Session;
using Beacon.Bgp.Transport;
using Beacon.Bgp.Wire;

namespace Beacon.Fuzz;

/// <summary>
/// The session's read path: the bytes go into the in-memory pipe a <see cref="PeerConnection"/>
/// reads, in small chunks, so messages straddle reads the way TCP segments split them.
/// Input layout: one flags byte, three chunk-size bytes, then the byte stream.
/// </summary>
/// <remarks>
/// Flags: bit 0 local four-octet AS, bit 1 internal peer. Chunk sizes cycle through
/// 1 + (byte % 61) for the three size bytes. The reader must end with exactly one
/// ConnectionClosed or ProtocolError (whose NOTIFICATION must be writable), without any
/// other exception, within <see cref="Deadline"/>.
/// </remarks>
internal static class ReadPathTarget
{
    public const int PrefixLength = 4;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly IPEndPoint Local = new(IPAddress.Parse("192.0.2.1"), 179);
    private static readonly IPEndPoint Remote = new(IPAddress.Parse("192.0.2.2"), 40000);

    public static void Run(ReadOnlySpan<byte> input) => _ = Explain(input);

    /// <summary>Runs the target and says what the reader posted, for triage by hand.</summary>
    public static string Explain(ReadOnlySpan<byte> input)
    {
        if (input.Length < PrefixLength)
        {
            return "too short for the prefix";
        }

        var flags = input[0];
        var chunkSizes = new[] { 1 + (input[1] % 61), 1 + (input[2] % 61), 1 + (input[3] % 61) };
        return RunAsync(input[PrefixLength..].ToArray(), chunkSizes, (flags & 1) != 0, (flags & 2) != 0).GetAwaiter().GetResult();
    }

    private static async Task<string> RunAsync(byte[] stream, int[] chunkSizes, bool fourOctetAs, bool internalPeer)
    {
        // The reader runs inline in the writer's flush, so each chunk is framed and decoded before
        // the next is written: the same input takes the same path every time (AFL++ stability).
        var toReader = new Pipe(new PipeOptions(
            readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 0, useSynchronizationContext: false));
        var fromWriter = new Pipe(new PipeOptions(useSynchronizationContext: false));
        var transport = new TransportConnection(
            new DuplexPipe(toReader.Reader, fromWriter.Writer), Local, Remote, locallyInitiated: false, static () => ValueTask.CompletedTask);
        var sink = new RecordingSink();
        var connection = new PeerConnection(transport, sink, fourOctetAs, internalPeer);
        connection.Start();

        var offset = 0;
        for (var i = 0; offset < stream.Length; i++)
        {
            var size = Math.Min(chunkSizes[i % chunkSizes.Length], stream.Length - offset);
            await toReader.Writer.WriteAsync(stream.AsMemory(offset, size));
            offset += size;
        }

        await toReader.Writer.CompleteAsync();
        connection.Close();
        try
        {
            // A fault of the read loop (any exception but the ones it handles) surfaces here.
            await connection.WaitClosedAsync().WaitAsync(Deadline);
        }
        catch (TimeoutException)
        {
            throw new FuzzInvariantException($"the read path did not finish within {Deadline}");
        }

        return sink.Check();
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    private sealed class RecordingSink : ISessionInputSink
    {
        private readonly List<SessionInput> _inputs = [];

        public void Post(SessionInput input)
        {
            lock (_inputs)
            {
                _inputs.Add(input);
            }
        }

        public string Check()
        {
            lock (_inputs)
            {
                var ends = _inputs.Where(static i => i is SessionInput.ConnectionClosed or SessionInput.ProtocolError).ToList();
                Expect.True(ends.Count == 1, $"the reader posted {ends.Count} end-of-connection inputs, expected 1");
                Expect.True(_inputs[^1] is SessionInput.ConnectionClosed or SessionInput.ProtocolError, "the reader posted a message after the end of the connection");
                var messages = string.Join(' ', _inputs.Take(_inputs.Count - 1).Select(static i => i.GetType().Name.Replace("Received", "", StringComparison.Ordinal)));
                if (ends[0] is SessionInput.ProtocolError error)
                {
                    Expect.NotificationIsWritable(error.Error);
                    return $"[{messages}] then NOTIFICATION {(byte)error.Error.Code}/{error.Error.Subcode}: {error.Error.Message}";
                }

                return $"[{messages}] then connection closed";
            }
        }
    }
}
