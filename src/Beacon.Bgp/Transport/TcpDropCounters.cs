using System.Collections.Immutable;
using System.Globalization;

namespace Beacon.Bgp.Transport;

/// <summary>
/// The kernel's counts of TCP segments dropped silently for a bad or missing MD5 signature
/// (RFC 2385) or a TTL below the GTSM minimum (RFC 5082): the TcpExt lines of
/// <c>/proc/net/netstat</c>. They are per network namespace, not per peer.
/// </summary>
internal sealed record TcpDropCounters(ImmutableDictionary<string, long> Values)
{
    public const string DefaultPath = "/proc/net/netstat";

    /// <summary>The counters a timed-out connection is explained by, with what each one means.</summary>
    internal static readonly ImmutableArray<(string Name, string What, string Advice)> Explained =
    [
        ("TCPMD5Failure", "TCP MD5 signature mismatch", "check the password"),
        ("TCPMD5NotFound", "TCP segments without the expected MD5 signature", "the peer has no password set"),
        ("TCPMD5Unexpected", "TCP MD5 signed segments where none were expected", "the peer has a password, this side none"),
        ("TCPMinTTLDrop", "TCP segments below the GTSM minimum TTL", "check that the peer has GTSM (ttl-security) on"),
    ];

    /// <summary>Reads the counters from <paramref name="path"/>; null where the file is missing or unreadable.</summary>
    public static TcpDropCounters? Read(string path = DefaultPath)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// /proc/net/netstat holds pairs of lines per group: <c>TcpExt: Name1 Name2 …</c> then
    /// <c>TcpExt: 1 2 …</c>.
    /// </summary>
    public static TcpDropCounters Parse(string text)
    {
        var values = ImmutableDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i + 1 < lines.Length; i++)
        {
            if (!lines[i].StartsWith("TcpExt:", StringComparison.Ordinal) || !lines[i + 1].StartsWith("TcpExt:", StringComparison.Ordinal))
            {
                continue;
            }

            var names = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var numbers = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (var j = 1; j < Math.Min(names.Length, numbers.Length); j++)
            {
                if (long.TryParse(numbers[j], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
                {
                    values[names[j]] = value;
                }
            }

            break;
        }

        return new TcpDropCounters(values.ToImmutable());
    }

    /// <summary>
    /// What went up between <paramref name="before"/> and <paramref name="after"/>, as
    /// "what counted by the kernel (Name +N): advice" phrases; empty if nothing did or either
    /// reading is missing.
    /// </summary>
    public static ImmutableArray<string> Explain(TcpDropCounters? before, TcpDropCounters? after)
    {
        if (before is null || after is null)
        {
            return [];
        }

        var reasons = ImmutableArray.CreateBuilder<string>();
        foreach (var (name, what, advice) in Explained)
        {
            if (after.Values.TryGetValue(name, out var now) && before.Values.TryGetValue(name, out var then) && now > then)
            {
                reasons.Add($"{what} counted by the kernel ({name} +{now - then}): {advice}");
            }
        }

        return reasons.ToImmutable();
    }
}
