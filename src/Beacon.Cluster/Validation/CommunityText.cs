using System.Globalization;

namespace Beacon.Cluster.Validation;

/// <summary>Text forms of BGP communities as written in BGPAdvertisement attributes.</summary>
public static class CommunityText
{
    /// <summary>Well-known communities by their conventional names.</summary>
    public static IReadOnlyDictionary<string, uint> WellKnown { get; } = new Dictionary<string, uint>(StringComparer.Ordinal)
    {
        ["no-export"] = 0xFFFFFF01, // RFC 1997
        ["no-advertise"] = 0xFFFFFF02, // RFC 1997
        ["no-export-subconfed"] = 0xFFFFFF03, // RFC 1997
        ["no-peer"] = 0xFFFFFF04, // RFC 3765
        ["blackhole"] = 0xFFFF029A, // RFC 7999
    };

    /// <summary><c>a:b</c> with two 16-bit numbers (RFC 1997), or a well-known name.</summary>
    public static bool TryParseStandard(string? text, out uint value)
    {
        value = 0;
        if (text is null)
        {
            return false;
        }

        if (WellKnown.TryGetValue(text, out value))
        {
            return true;
        }

        var parts = text.Split(':');
        if (parts.Length != 2
            || !ushort.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var high)
            || !ushort.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var low))
        {
            return false;
        }

        value = ((uint)high << 16) | low;
        return true;
    }

    /// <summary><c>a:b:c</c> with three 32-bit numbers (RFC 8092).</summary>
    public static bool TryParseLarge(string? text, out uint global, out uint local1, out uint local2)
    {
        global = local1 = local2 = 0;
        var parts = text?.Split(':');
        return parts is { Length: 3 }
            && uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out global)
            && uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out local1)
            && uint.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out local2);
    }
}
