using System.Globalization;
using System.Text;
using System.Text.Json;
using Beacon.Agent.Status;
using Beacon.Bgp.Speaker;

namespace Beacon.Agent.Cli;

/// <summary>The tables <c>beacon peers</c> and <c>beacon routes</c> print.</summary>
internal static class StatusTables
{
    private const string None = "-";

    public static void WritePeers(TextWriter output, IReadOnlyList<PeerResource> peers, DateTimeOffset now)
    {
        // One advertised/received column per family any peer has, in order of first appearance.
        var families = peers.SelectMany(p => p.Families).Select(f => (f.Afi, f.Safi)).Distinct().ToList();

        var headers = new List<string> { "NAME", "PEER ADDRESS", "PEER ASN", "LOCAL ASN", "STATE", "UPTIME", "HOLD" };
        headers.AddRange(families.Select(f => $"{FamilyName(f.Afi, f.Safi)} ADV/RCV"));
        headers.Add("LAST ERROR");

        var rows = peers.Select(peer =>
        {
            var row = new List<string>
            {
                peer.Name,
                peer.PeerAddress,
                peer.PeerAsn.ToString(CultureInfo.InvariantCulture),
                peer.LocalAsn.ToString(CultureInfo.InvariantCulture),
                peer.State.ToString(),
                peer.State == SessionState.Established && peer.EstablishedTime is { } since ? FormatDuration(now - since) : None,
                $"{peer.HoldTime}s",
            };
            foreach (var (afi, safi) in families)
            {
                var family = peer.Families.FirstOrDefault(f => f.Afi == afi && f.Safi == safi);
                row.Add(family is null ? None : $"{family.Advertised}/{family.Received}");
            }

            row.Add(string.IsNullOrEmpty(peer.LastError) ? None : peer.LastError);
            return (IReadOnlyList<string>)row;
        });

        TableWriter.Write(output, headers, rows);
    }

    public static void WriteRoutes(TextWriter output, IReadOnlyList<RouteResource> routes)
    {
        string[] headers = ["PREFIX", "NEXT HOP", "AS PATH", "ORIGIN", "MED", "LOCAL PREF", "COMMUNITIES", "LARGE COMMUNITIES", "STALE"];
        var rows = routes.Select(route => (IReadOnlyList<string>)
        [
            route.Prefix,
            route.NextHop ?? None,
            FormatAsPath(route.AsPath),
            route.Origin ?? None,
            route.Med?.ToString(CultureInfo.InvariantCulture) ?? None,
            route.LocalPreference?.ToString(CultureInfo.InvariantCulture) ?? None,
            route.Communities.IsDefaultOrEmpty ? None : string.Join(',', route.Communities),
            route.LargeCommunities.IsDefaultOrEmpty ? None : string.Join(',', route.LargeCommunities),
            route.Stale ? "yes" : "no",
        ]);

        TableWriter.Write(output, headers, rows);
    }

    /// <summary>"65001 65002 {65003,65004}": AS_SETs in braces, as routers print them.</summary>
    public static string FormatAsPath(JsonElement asPath)
    {
        if (asPath.ValueKind != JsonValueKind.Array || asPath.GetArrayLength() == 0)
        {
            return None;
        }

        var text = new StringBuilder();
        foreach (var segment in asPath.EnumerateArray())
        {
            if (text.Length > 0)
            {
                text.Append(' ');
            }

            if (segment.ValueKind == JsonValueKind.Array)
            {
                text.Append('{').AppendJoin(',', segment.EnumerateArray().Select(a => a.GetRawText())).Append('}');
            }
            else
            {
                text.Append(segment.GetRawText());
            }
        }

        return text.ToString();
    }

    /// <summary>Largest two units, like kubectl's ages: 45s, 3m12s, 5h4m, 2d3h.</summary>
    public static string FormatDuration(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            duration = TimeSpan.Zero;
        }

        return duration switch
        {
            { TotalDays: >= 1 } => $"{(int)duration.TotalDays}d{duration.Hours}h",
            { TotalHours: >= 1 } => $"{duration.Hours}h{duration.Minutes}m",
            { TotalMinutes: >= 1 } => $"{duration.Minutes}m{duration.Seconds}s",
            _ => $"{duration.Seconds}s",
        };
    }

    private static string FamilyName(string afi, string safi) =>
        (safi == "unicast" ? afi : $"{afi}/{safi}").ToUpperInvariant();
}
