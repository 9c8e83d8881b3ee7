using System.Text.Json;

namespace Beacon.Agent.Status;

/// <summary>
/// The status Beacon would write to one object, served in manifest mode at GET /api/v1/status
/// (DESIGN.md, Interfaces).
/// </summary>
public sealed record ObjectStatus(
    string ApiVersion,
    string Kind,
    string? Namespace,
    string Name,
    long Generation,
    JsonElement Status);

public interface IObjectStatusSource
{
    IReadOnlyList<ObjectStatus> GetObjectStatuses();
}

/// <summary>The source while nothing writes object status (no Gateway API support yet).</summary>
public sealed class NoObjectStatus : IObjectStatusSource
{
    public static NoObjectStatus Instance { get; } = new();

    private NoObjectStatus()
    {
    }

    public IReadOnlyList<ObjectStatus> GetObjectStatuses() => [];
}
