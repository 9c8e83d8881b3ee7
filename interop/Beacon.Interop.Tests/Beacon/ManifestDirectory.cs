using System.Text;

namespace Beacon.Interop.Tests.Beacon;

/// <summary>
/// The manifest directory a test hands to <c>beacon run --manifests</c>. Every write is
/// atomic (a temp file in the same directory, then a rename), so the agent never reads a
/// half-written file. Temp names start with a dot, which the agent skips.
/// </summary>
public sealed class ManifestDirectory(string path)
{
    public string Path { get; } = path;

    public void Write(string fileName, params string[] documents)
    {
        var target = System.IO.Path.Combine(Path, fileName);
        var temp = System.IO.Path.Combine(Path, $".{fileName}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temp, Join(documents));
        File.Move(temp, target, overwrite: true);
    }

    public void Delete(string fileName) => File.Delete(System.IO.Path.Combine(Path, fileName));

    private static string Join(IEnumerable<string> documents)
    {
        var text = new StringBuilder();
        foreach (var document in documents)
        {
            if (text.Length > 0)
            {
                text.AppendLine("---");
            }

            text.Append(document.TrimEnd()).AppendLine();
        }

        return text.ToString();
    }
}
