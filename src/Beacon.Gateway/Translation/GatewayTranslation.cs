using System.Collections.Immutable;
using Beacon.Gateway.Config;

namespace Beacon.Gateway.Translation;

/// <summary>
/// What the gateway translator derives from one cluster snapshot: the proxy configuration,
/// the status of every Gateway API object Beacon handles, and the addresses of every Gateway
/// of Beacon's class (for BGP announcements and for binding).
/// </summary>
public sealed record GatewayTranslation(
    ProxyConfig Config,
    ImmutableArray<GatewayObjectStatus> Statuses,
    ImmutableArray<GatewayAddresses> Addresses)
{
    public static GatewayTranslation Empty { get; } = new(ProxyConfig.Empty, [], []);
}

/// <summary>
/// The status Beacon computes for one object (GatewayClass, Gateway, HTTPRoute). Conditions
/// carry no <c>lastTransitionTime</c>: the status writer keeps the previous one while a
/// condition's status is unchanged and stamps a new one when it flips.
/// </summary>
/// <param name="Generation">The object's <c>metadata.generation</c>, as written to every condition's <c>observedGeneration</c>.</param>
/// <param name="Status">The typed status of the object's model class (serialized as its <c>status</c>).</param>
public sealed record GatewayObjectStatus(
    string ApiVersion,
    string Kind,
    string? Namespace,
    string Name,
    long Generation,
    object Status);

/// <summary>A Gateway of Beacon's class and the IP addresses it is served on.</summary>
/// <param name="Gateway"><c>namespace/name</c>.</param>
/// <param name="Addresses">IP address literals, sorted.</param>
/// <param name="Ports">The ports of its listeners that are served (not conflicted or invalid), sorted.</param>
public sealed record GatewayAddresses(
    string Gateway,
    ImmutableArray<string> Addresses,
    ImmutableArray<int> Ports);
