using System.Net;

namespace Beacon.Agent.LocalAddresses;

/// <summary>A desired address that could not be made local, and why.</summary>
internal sealed record LocalAddressError(IPAddress Address, string Message);

/// <summary>
/// What one <see cref="LocalAddressManager.ApplyAsync"/> or <see cref="LocalAddressManager.ClearAsync"/> did.
/// The node serves every address in <see cref="Added"/>, <see cref="Unchanged"/> and
/// <see cref="AlreadyLocal"/>; an address in <see cref="Errors"/> is not local and must not be announced.
/// </summary>
internal sealed record LocalAddressResult(
    IReadOnlyList<IPAddress> Added,
    IReadOnlyList<IPAddress> Removed,
    IReadOnlyList<IPAddress> AlreadyLocal,
    IReadOnlyList<IPAddress> Unchanged,
    IReadOnlyList<LocalAddressError> Errors)
{
    public static LocalAddressResult Empty { get; } = new([], [], [], [], []);

    public bool Changed => Added.Count > 0 || Removed.Count > 0;

    /// <summary>Every desired address that is local after this call.</summary>
    public IEnumerable<IPAddress> Local => Added.Concat(Unchanged).Concat(AlreadyLocal);
}
