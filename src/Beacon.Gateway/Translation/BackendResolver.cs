using System.Collections.Immutable;
using System.Net;
using Beacon.Cluster;
using Beacon.Cluster.Model.GatewayApi;
using Beacon.Gateway.Config;
using k8s.Models;

namespace Beacon.Gateway.Translation;

/// <summary>Why a backendRef cannot be used: a route ResolvedRefs reason and a message naming the field.</summary>
internal sealed record RefProblem(string Reason, string Message);

/// <summary>
/// Resolves backendRefs (and mirror backendRefs) of HTTPRoutes to Service ports and their
/// ready endpoints, enforcing ReferenceGrants for cross-namespace references.
/// </summary>
internal sealed class BackendResolver
{
    private const string ServiceNameLabel = "kubernetes.io/service-name";

    private readonly ClusterSnapshot _snapshot;
    private readonly Dictionary<string, BackendConfig> _resolved = new(StringComparer.Ordinal);
    private ILookup<string, V1EndpointSlice>? _slicesByService;

    public BackendResolver(ClusterSnapshot snapshot) => _snapshot = snapshot;

    /// <summary>Resolves one reference; <paramref name="field"/> names it in messages (e.g. <c>spec.rules[0].backendRefs[1]</c>).</summary>
    public (BackendConfig? Backend, RefProblem? Problem) Resolve(
        string routeNamespace, string? group, string? kind, string? name, string? ns, int? port, string field)
    {
        group ??= string.Empty;
        kind ??= "Service";
        if (group.Length != 0 || kind != "Service")
        {
            return (null, new(Conditions.ReasonInvalidKind, $"{field}: kind {Qualified(group, kind)} is not supported; only core Service"));
        }

        if (string.IsNullOrEmpty(name))
        {
            return (null, new(Conditions.ReasonBackendNotFound, $"{field}.name: required"));
        }

        var targetNamespace = string.IsNullOrEmpty(ns) ? routeNamespace : ns;
        if (targetNamespace != routeNamespace && !IsGranted(routeNamespace, targetNamespace, name))
        {
            return (null, new(
                Conditions.ReasonRefNotPermitted,
                $"{field}: Service {targetNamespace}/{name} is in another namespace and no ReferenceGrant in {targetNamespace} allows HTTPRoutes from {routeNamespace}"));
        }

        if (port is not { } portNumber)
        {
            return (null, new(Conditions.ReasonBackendNotFound, $"{field}.port: required for a Service"));
        }

        if (!_snapshot.Services.TryGetValue($"{targetNamespace}/{name}", out var service))
        {
            return (null, new(Conditions.ReasonBackendNotFound, $"{field}: Service {targetNamespace}/{name} not found"));
        }

        var servicePort = service.Spec?.Ports?.FirstOrDefault(p => p is not null && p.Port == portNumber && (p.Protocol ?? "TCP") == "TCP");
        if (servicePort is null)
        {
            return (null, new(Conditions.ReasonBackendNotFound, $"{field}.port: Service {targetNamespace}/{name} has no TCP port {portNumber}"));
        }

        var protocol = servicePort.AppProtocol switch
        {
            null or "" or "http" => BackendProtocols.Http,
            "kubernetes.io/h2c" => BackendProtocols.H2c,
            "kubernetes.io/ws" => BackendProtocols.WebSocket,
            _ => null,
        };
        if (protocol is null)
        {
            return (null, new(
                Conditions.ReasonUnsupportedProtocol,
                $"{field}: Service {targetNamespace}/{name} port {portNumber} has appProtocol {servicePort.AppProtocol}; supported: http, kubernetes.io/h2c, kubernetes.io/ws"));
        }

        var id = $"{targetNamespace}/{name}:{portNumber}";
        if (!_resolved.TryGetValue(id, out var backend))
        {
            backend = new(id, protocol, Endpoints(targetNamespace, name, servicePort));
            _resolved[id] = backend;
        }

        return (backend, null);
    }

    internal static string Qualified(string group, string kind) => group.Length == 0 ? kind : $"{kind}.{group}";

    private bool IsGranted(string fromNamespace, string toNamespace, string serviceName) =>
        _snapshot.ReferenceGrants.Values.Any(grant =>
            grant.Metadata?.NamespaceProperty == toNamespace
            && (grant.Spec?.From ?? []).Any(f => f is not null && f.Group == GatewayApiGroup.Group && f.Kind == HttpRoute.KindName && f.Namespace == fromNamespace)
            && (grant.Spec?.To ?? []).Any(t => t is not null && string.IsNullOrEmpty(t.Group) && t.Kind == "Service" && (string.IsNullOrEmpty(t.Name) || t.Name == serviceName)));

    /// <summary>
    /// Ready endpoints of the Service's EndpointSlices on the port named like the Service port
    /// (EndpointSlice ports carry the resolved targetPort under the Service port's name).
    /// </summary>
    private ImmutableArray<string> Endpoints(string ns, string service, V1ServicePort servicePort)
    {
        _slicesByService ??= _snapshot.EndpointSlices.Values
            .Where(s => s.Metadata?.Labels?.ContainsKey(ServiceNameLabel) == true)
            .ToLookup(s => $"{s.Metadata.NamespaceProperty}/{s.Metadata.Labels[ServiceNameLabel]}", StringComparer.Ordinal);

        var portName = servicePort.Name ?? string.Empty;
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var slice in _slicesByService[$"{ns}/{service}"])
        {
            if (slice.AddressType is not ("IPv4" or "IPv6"))
            {
                continue;
            }

            var port = slice.Ports?.FirstOrDefault(p => p is not null && (p.Name ?? string.Empty) == portName && (p.Protocol ?? "TCP") == "TCP");
            if (port?.Port is not { } number || number is <= 0 or > 65535)
            {
                continue;
            }

            foreach (var endpoint in slice.Endpoints ?? [])
            {
                // EndpointSlice API: a null ready condition is to be read as ready.
                if (endpoint is null || endpoint.Conditions?.Ready == false)
                {
                    continue;
                }

                foreach (var address in endpoint.Addresses ?? [])
                {
                    if (IPAddress.TryParse(address, out var ip))
                    {
                        result.Add(new IPEndPoint(ip, number).ToString());
                    }
                }
            }
        }

        return [.. result];
    }
}
