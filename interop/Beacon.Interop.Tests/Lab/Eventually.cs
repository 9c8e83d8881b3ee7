namespace Beacon.Interop.Tests.Lab;

/// <summary>
/// Polls an external daemon until a condition holds or a deadline passes. This waits for
/// another process to converge; it is not a timing assertion.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan _pollInterval = TimeSpan.FromMilliseconds(250);

    public static async Task<T> UntilAsync<T>(
        string description,
        Func<Task<T>> probe,
        Func<T, bool> condition,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        T last;
        Exception? lastError = null;
        while (true)
        {
            try
            {
                last = await probe();
                if (condition(last))
                {
                    return last;
                }
            }
            catch (LabException e)
            {
                last = default!;
                lastError = e;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException(
                    $"timed out after {timeout ?? DefaultTimeout} waiting for {description}; last value: {Describe(last)}"
                    + (lastError is null ? string.Empty : $"; last error: {lastError.Message}"));
            }

            await Task.Delay(_pollInterval, cancellationToken);
        }
    }

    private static string Describe<T>(T value) => value switch
    {
        null => "(none)",
        System.Collections.IEnumerable items and not string =>
            "[" + string.Join(", ", items.Cast<object?>().Select(i => i?.ToString())) + "]",
        _ => value.ToString() ?? "(null)",
    };
}
