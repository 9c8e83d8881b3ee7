using System.Buffers;

namespace Beacon.Bgp.Tests.Wire;

/// <summary>Builds multi-segment sequences, as a PipeReader hands them out.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Of(byte[] data, int chunk)
    {
        if (data.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segments(data.AsMemory(0, Math.Min(chunk, data.Length)), 0);
        var last = first;
        for (var i = chunk; i < data.Length; i += chunk)
        {
            var next = new Segments(data.AsMemory(i, Math.Min(chunk, data.Length - i)), i);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
