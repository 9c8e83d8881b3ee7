using System.Collections.Immutable;
using System.Net;
using Beacon.Bgp.Rib;
using Beacon.Bgp.Speaker;

namespace Beacon.Agent.Announcements;

/// <summary>What one node should run: its sessions and, per session, the routes to announce.</summary>
/// <param name="ListenPort">Port to accept sessions on; 0 = dial only; null when no config selects the node.</param>
internal sealed record AnnouncementPlan(
    int? ListenPort,
    ImmutableArray<PeerPlan> Peers,
    ImmutableArray<PlanDiagnostic> Diagnostics)
{
    /// <summary>Peers the configuration names for this node but that are not run, and why.</summary>
    public ImmutableArray<RefusedPeer> Refused { get; init; } = [];
}

/// <summary>A configured peer that is not run (its config is missing, invalid or asks for what Beacon cannot do yet).</summary>
internal sealed record RefusedPeer(string Name, string PeerAddress, uint PeerAsn, uint LocalAsn, string Reason);


internal enum DiagnosticSeverity
{
    Warning,
    Error,
}

/// <summary>A problem found while planning, on an object (<c>Kind namespace/name</c>) and field.</summary>
internal sealed record PlanDiagnostic(DiagnosticSeverity Severity, string Object, string Field, string Message)
{
    /// <summary>For errors, the reason of the object's <c>Accepted=False</c> condition (<see cref="ConfigReasons"/>).</summary>
    public string? Reason { get; init; }

    public override string ToString() => $"{Severity}: {Object}: {Field}: {Message}";
}

/// <summary>Reasons of the <c>Accepted</c> condition on Beacon's configuration objects.</summary>
internal static class ConfigReasons
{
    public const string Accepted = "Accepted";

    /// <summary>The object breaks a validation rule (a field's value or a required field).</summary>
    public const string Invalid = "Invalid";

    public const string PeerConfigNotFound = "PeerConfigNotFound";

    public const string PeerConfigInvalid = "PeerConfigInvalid";

    /// <summary>Disagrees with another object over the same node or name.</summary>
    public const string Conflicted = "Conflicted";

    public const string NoRouterId = "NoRouterID";

    /// <summary>The Secret named by <c>spec.authSecretRef</c> does not exist or cannot be read.</summary>
    public const string SecretNotFound = "SecretNotFound";

    /// <summary>The Secret named by <c>spec.authSecretRef</c> holds no usable key.</summary>
    public const string SecretInvalid = "SecretInvalid";

    /// <summary>Asks for something Beacon does not do; the peers concerned are not run.</summary>
    public const string Unsupported = "Unsupported";
}

/// <summary>
/// A Gateway whose listeners this node's proxy is serving, so its addresses may be announced
/// from this node (issue 5: only from nodes whose proxy is ready to serve that Gateway).
/// </summary>
/// <param name="Name"><c>namespace/name</c>.</param>
/// <param name="Labels">The Gateway's labels, matched by advertisement selectors.</param>
internal sealed record ServedGateway(string Name, IDictionary<string, string>? Labels, ImmutableArray<IPAddress> Addresses);
