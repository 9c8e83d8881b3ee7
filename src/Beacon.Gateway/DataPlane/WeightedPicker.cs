namespace Beacon.Gateway.DataPlane;

/// <summary>
/// Deterministic weighted choice: request n takes slot (n × stride) mod total, with the
/// stride coprime to the total, so every run of <c>total</c> requests gives each share exactly
/// its weight and the shares are interleaved rather than served in blocks.
/// </summary>
internal sealed class WeightedPicker
{
    private readonly long[] _upperBounds;
    private readonly long _total;
    private readonly long _stride;
    private long _counter = -1;

    private WeightedPicker(long[] upperBounds, long total, long stride)
    {
        _upperBounds = upperBounds;
        _total = total;
        _stride = stride;
    }

    /// <summary>Null when every weight is 0 (nothing can be picked).</summary>
    public static WeightedPicker? Create(ReadOnlySpan<int> weights)
    {
        var bounds = new long[weights.Length];
        long total = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            total += Math.Max(0, weights[i]);
            bounds[i] = total;
        }

        if (total == 0)
        {
            return null;
        }

        var stride = Math.Max(1, (long)(total * 0.6180339887498949));
        while (total > 1 && Gcd(stride, total) != 1)
        {
            stride++;
        }

        return new WeightedPicker(bounds, total, stride);
    }

    /// <summary>The index of the next share (never one with weight 0).</summary>
    public int Pick()
    {
        var n = Interlocked.Increment(ref _counter);
        var slot = (n % _total) * _stride % _total;
        var bounds = _upperBounds;
        for (var i = 0; i < bounds.Length; i++)
        {
            if (slot < bounds[i])
            {
                return i;
            }
        }

        return bounds.Length - 1;
    }

    private static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
