namespace Beacon.Cluster;

/// <summary>
/// A problem a source found in its input, in force until the input changes: which file (or
/// API resource), which object (<c>Kind namespace/name</c>), which field (<c>spec.peers[0].peerAddress</c>).
/// </summary>
public sealed record SourceError(string Source, string? Object, string? Field, string Message)
{
    public override string ToString()
    {
        var where = Source;
        if (Object is not null)
        {
            where += $": {Object}";
        }

        if (Field is not null)
        {
            where += $": {Field}";
        }

        return $"{where}: {Message}";
    }
}
