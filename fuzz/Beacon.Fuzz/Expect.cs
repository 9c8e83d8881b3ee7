using System.Buffers;
using Beacon.Bgp.Wire;

namespace Beacon.Fuzz;

/// <summary>
/// The invariants every target checks. A violation throws <see cref="FuzzInvariantException"/>,
/// which AFL++ records as a crash and the CI pass reports with its input.
/// </summary>
internal static class Expect
{
    /// <summary>Generous on purpose: catches work that grows faster than the input (quadratic copies), not constant factors.</summary>
    private const long AllocationBudgetBase = 1 << 20;
    private const long AllocationBudgetPerByte = 2048;

    public delegate void SpanAction(ReadOnlySpan<byte> bytes, MessageType type, UpdateDecodeOptions options);

    /// <summary>
    /// Runs <paramref name="action"/>; the only exception allowed out of a decoder is
    /// <see cref="BgpProtocolException"/>, and its NOTIFICATION must be writable (RFC 4271 §6).
    /// Returns "NOTIFICATION code/subcode: message" for that error, or an empty string.
    /// </summary>
    public static string OnlyProtocolErrors(ReadOnlySpan<byte> bytes, MessageType type, UpdateDecodeOptions options, SpanAction action)
    {
        try
        {
            action(bytes, type, options);
            return string.Empty;
        }
        catch (BgpProtocolException ex)
        {
            NotificationIsWritable(ex);
            return $"NOTIFICATION {(byte)ex.Code}/{ex.Subcode}: {ex.Message}";
        }
    }

    public static void NotificationIsWritable(BgpProtocolException error)
    {
        var notification = error.ToNotification();
        var output = new ArrayBufferWriter<byte>(notification.Size);
        notification.Write(output);
        True(output.WrittenCount == notification.Size, "NOTIFICATION size disagrees with what was written");
    }

    public static void BoundedAllocation(long allocatedBefore, int inputLength)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        var budget = AllocationBudgetBase + (AllocationBudgetPerByte * inputLength);
        True(allocated <= budget, $"allocated {allocated} bytes for a {inputLength}-byte input (budget {budget})");
    }

    public static void True(bool condition, string message)
    {
        if (!condition)
        {
            throw new FuzzInvariantException(message);
        }
    }
}

internal sealed class FuzzInvariantException : Exception
{
    public FuzzInvariantException()
    {
    }

    public FuzzInvariantException(string message)
        : base(message)
    {
    }

    public FuzzInvariantException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
