namespace Beacon.Agent.Cli;

/// <summary>Left-aligned columns separated by at least two spaces, like kubectl's tables.</summary>
internal static class TableWriter
{
    private const int Gap = 2;

    public static void Write(TextWriter output, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { headers };
        all.AddRange(rows);

        var widths = new int[headers.Count];
        foreach (var row in all)
        {
            for (var i = 0; i < widths.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        foreach (var row in all)
        {
            var line = new System.Text.StringBuilder();
            for (var i = 0; i < widths.Length; i++)
            {
                line.Append(row[i]);
                if (i < widths.Length - 1)
                {
                    line.Append(' ', widths[i] - row[i].Length + Gap);
                }
            }

            output.WriteLine(line.ToString().TrimEnd());
        }
    }
}
