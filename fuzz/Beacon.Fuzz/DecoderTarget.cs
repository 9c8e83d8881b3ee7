using System.Buffers;
using Beacon.Bgp.Wire;

namespace Beacon.Fuzz;

/// <summary>
/// The message decoder: framing plus the decoder of every message type, under the decode
/// options a session can negotiate. Input layout: one flags byte, then the bytes.
/// </summary>
/// <remarks>
/// Flags: bit 0 four-octet AS (RFC 6793), bit 1 internal peer (LOCAL_PREF mandatory, RFC 7606 §3.d),
/// bit 2 extended message size (RFC 8654), bit 3 "raw body" (skip framing and hand the bytes to
/// every decoder as a body, so the fuzzer needs no valid header to reach them).
/// </remarks>
internal static class DecoderTarget
{
    public static void Run(ReadOnlySpan<byte> input) => _ = Explain(input);

    /// <summary>Runs the target and says what each decoder made of the input, for triage by hand.</summary>
    public static string Explain(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return "empty";
        }

        var flags = input[0];
        var options = new UpdateDecodeOptions(FourOctetAs: (flags & 1) != 0, InternalPeer: (flags & 2) != 0);
        var maxMessageSize = (flags & 4) != 0 ? BgpFraming.MaxExtendedMessageSize : BgpFraming.MaxMessageSize;
        var bytes = input[1..];
        var outcomes = new List<string>();
        var before = GC.GetAllocatedBytesForCurrentThread();
        if ((flags & 8) != 0)
        {
            foreach (var type in (ReadOnlySpan<MessageType>)[MessageType.Open, MessageType.Update, MessageType.Notification, MessageType.RouteRefresh])
            {
                outcomes.Add(Expect.OnlyProtocolErrors(bytes, type, options, (body, type, options) => outcomes.Add(Decode(type, body, options))));
            }
        }
        else
        {
            outcomes.Add(Expect.OnlyProtocolErrors(bytes, MessageType.Keepalive, options, (stream, _, options) =>
            {
                while (BgpFraming.TryReadMessage(stream, maxMessageSize, out var type, out var consumed))
                {
                    outcomes.Add(Decode(type, stream[BgpFraming.HeaderSize..consumed], options));
                    stream = stream[consumed..];
                }
            }));
        }

        Expect.BoundedAllocation(before, input.Length);
        return string.Join("; ", outcomes.Where(static o => o.Length > 0));
    }

    /// <summary>The body of the message <paramref name="write"/> produces.</summary>
    private static ReadOnlySpan<byte> Rewrite(Action<IBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenSpan[BgpFraming.HeaderSize..];
    }

    /// <summary>
    /// Decodes one body and touches what the session would read from the result. What was read
    /// must read the same after the codec writes it back (the speaker echoes OPEN capabilities
    /// and NOTIFICATION data in logs and status).
    /// </summary>
    internal static string Decode(MessageType type, ReadOnlySpan<byte> body, in UpdateDecodeOptions options)
    {
        switch (type)
        {
            case MessageType.Open:
                var open = OpenMessage.Read(body);
                _ = open.EffectiveAutonomousSystem;
                _ = open.FindCapability<FourOctetAsCapability>();
                _ = open.FindCapability<MultiprotocolCapability>();
                _ = open.ToString();
                Expect.True(OpenMessage.Read(Rewrite(open.Write)).Equals(open), "OPEN reads differently after writing it back");
                return $"OPEN with {open.Capabilities.Length} capabilities";

            case MessageType.Update:
                var update = UpdateMessage.Read(body, options);
                _ = update.ToString();
                foreach (var diagnostic in update.Diagnostics)
                {
                    _ = diagnostic.ToString();
                }

                // The multi-segment path a PipeReader hands over when a message straddles two reads.
                var sequence = Segments.Split(body);
                var again = UpdateMessage.Read(sequence, options);
                Expect.True(again.Announced.SequenceEqual(update.Announced) && again.Withdrawn.SequenceEqual(update.Withdrawn) && again.Action == update.Action,
                    "multi-segment UPDATE decode differs from the contiguous one");
                return $"UPDATE {update.Action} ({update.Diagnostics.Length} diagnostics, {update.Announced.Length} announced, {update.Withdrawn.Length} withdrawn)";

            case MessageType.Notification:
                var notification = NotificationMessage.Read(body);
                _ = notification.TryGetShutdownCommunication(out _);
                Expect.True(NotificationMessage.Read(Rewrite(notification.Write)).Equals(notification), "NOTIFICATION reads differently after writing it back");
                return notification.ToString();

            case MessageType.RouteRefresh:
                var refresh = RouteRefreshMessage.Read(body);
                Expect.True(RouteRefreshMessage.Read(Rewrite(refresh.Write)) == refresh, "ROUTE-REFRESH reads differently after writing it back");
                return $"ROUTE-REFRESH known subtype {refresh.IsKnownSubtype}";

            default:
                return "KEEPALIVE";
        }
    }
}

/// <summary>Splits a span into a two-segment sequence at its middle.</summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> Split(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 2)
        {
            return new ReadOnlySequence<byte>(bytes.ToArray());
        }

        var middle = bytes.Length / 2;
        var first = new Segment(bytes[..middle].ToArray(), 0);
        var last = first.Append(bytes[middle..].ToArray());
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
