using System.Collections.Immutable;
using System.Net;
using Beacon.Bgp.Speaker;

namespace Beacon.Bgp.Wire;

/// <summary>
/// A decoded UPDATE (RFC 4271 §4.3) with its RFC 4760 multiprotocol NLRI folded in.
/// </summary>
public sealed partial class UpdateMessage
{
    public UpdateMessage(
        ImmutableArray<IPNetwork> withdrawn,
        ImmutableArray<IPNetwork> announced,
        PathAttributes? attributes,
        UpdateErrorAction action = UpdateErrorAction.None,
        RouteFamily? endOfRibFamily = null,
        ImmutableArray<UpdateDiagnostic> diagnostics = default)
    {
        Withdrawn = withdrawn.IsDefault ? [] : withdrawn;
        Announced = announced.IsDefault ? [] : announced;
        Attributes = attributes;
        Action = action;
        EndOfRibFamily = endOfRibFamily;
        Diagnostics = diagnostics.IsDefault ? [] : diagnostics;
    }

    /// <summary>IPv4 withdrawn routes and MP_UNREACH_NLRI prefixes of supported families.</summary>
    public ImmutableArray<IPNetwork> Withdrawn { get; }

    /// <summary>
    /// IPv4 NLRI and MP_REACH_NLRI prefixes of supported families. Empty when
    /// <see cref="Action"/> is <see cref="UpdateErrorAction.TreatAsWithdraw"/>: those prefixes
    /// are then in <see cref="Withdrawn"/> (RFC 7606 §2).
    /// </summary>
    public ImmutableArray<IPNetwork> Announced { get; }

    /// <summary>Null when the UPDATE carried no path attributes, or they were unusable (treat-as-withdraw).</summary>
    public PathAttributes? Attributes { get; }

    public UpdateErrorAction Action { get; }

    /// <summary>RFC 4724 §2 End-of-RIB marker.</summary>
    public bool IsEndOfRib => EndOfRibFamily is not null;

    public RouteFamily? EndOfRibFamily { get; }

    /// <summary>What was discarded or withdrawn and why; also reports unsupported AFI/SAFI.</summary>
    public ImmutableArray<UpdateDiagnostic> Diagnostics { get; }

    public override string ToString() => IsEndOfRib
        ? $"UPDATE End-of-RIB {EndOfRibFamily}"
        : $"UPDATE announced {Announced.Length}, withdrawn {Withdrawn.Length}, action {Action}, {Diagnostics.Length} diagnostics";
}
