using System.Text.Json.Nodes;

namespace Beacon.Kubernetes.Testing;

/// <summary>
/// One resource the server serves: where it lives in the REST tree and which of the API
/// server's per-kind behaviours it has.
/// </summary>
public sealed record ResourceKind(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    /// <summary>Has a <c>/status</c> subresource: writes to the main resource leave status alone and create drops it.</summary>
    public bool HasStatus { get; init; } = true;

    /// <summary>Keeps <c>status</c> on create (Nodes do; most kinds reset it).</summary>
    public bool KeepsStatusOnCreate { get; init; }

    /// <summary>Sets <c>metadata.generation</c> and bumps it on spec changes (CRDs, EndpointSlices; not Services, ConfigMaps, Leases).</summary>
    public bool TracksGeneration { get; init; } = true;

    /// <summary>
    /// Served like a CustomResourceDefinition: list items carry <c>kind</c>/<c>apiVersion</c> and strategic merge
    /// patch is refused with 415, as kube-apiserver does for custom resources.
    /// </summary>
    public bool IsCustom { get; init; }

    public string Singular { get; init; } = Kind.ToLowerInvariant();

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    /// <summary>Field selector labels beyond <c>metadata.name</c> and <c>metadata.namespace</c>; others are refused with 400.</summary>
    public IReadOnlyList<string> SelectableFields { get; init; } = [];

    /// <summary>Extra validation run on create and update; each violation becomes a cause of a 422 Invalid.</summary>
    public Func<JsonObject, IEnumerable<FieldViolation>>? Validate { get; init; }

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The resource as kube-apiserver names it in messages: <c>services</c>, <c>leases.coordination.k8s.io</c>.</summary>
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>A custom resource with a status subresource, as a CRD with <c>subresources.status</c> declares it.</summary>
    public static ResourceKind Custom(string group, string version, string plural, string kind, bool namespaced) =>
        new(group, version, plural, kind, namespaced) { IsCustom = true };

    /// <summary>
    /// The kind an <c>apiextensions.k8s.io/v1</c> CustomResourceDefinition declares, served at its storage version
    /// (one version per resource: conversion between versions is not modelled).
    /// </summary>
    public static ResourceKind FromCustomResourceDefinition(JsonObject crd)
    {
        var spec = Required<JsonObject>(crd, "spec");
        var names = Required<JsonObject>(spec, "names");
        var versions = (spec["versions"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var version = versions.Find(v => v["storage"] is JsonValue storage && storage.TryGetValue<bool>(out var isStorage) && isStorage)
            ?? versions.FirstOrDefault()
            ?? throw new ArgumentException("the CRD has no spec.versions", nameof(crd));
        var kind = Text(names, "kind");
        return new ResourceKind(Text(spec, "group"), Text(version, "name"), Text(names, "plural"), kind, spec["scope"]?.ToString() == "Namespaced")
        {
            IsCustom = true,
            HasStatus = version["subresources"]?["status"] is not null,
            Singular = names["singular"]?.ToString() ?? kind.ToLowerInvariant(),
            ShortNames = [.. (names["shortNames"] as JsonArray ?? []).Select(n => n?.ToString() ?? "")],
            SelectableFields = [.. (version["selectableFields"] as JsonArray ?? []).Select(f => f?["jsonPath"]?.ToString().TrimStart('.') ?? "")],
        };
    }

    private static T Required<T>(JsonObject parent, string field)
        where T : JsonNode =>
        parent[field] as T ?? throw new ArgumentException($"the CRD has no {field}");

    private static string Text(JsonObject parent, string field) =>
        parent[field] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0
            ? text
            : throw new ArgumentException($"the CRD has no {field}");
}

/// <summary>A 422 Invalid cause: the JSON path of the offending field and why.</summary>
public sealed record FieldViolation(string Field, string Message);

/// <summary>The kinds Beacon reads and writes, ready to register.</summary>
public static class ResourceKinds
{
    public static ResourceKind Namespaces { get; } = new("", "v1", "namespaces", "Namespace", false)
    { TracksGeneration = false, ShortNames = ["ns"], SelectableFields = ["status.phase"] };

    public static ResourceKind Services { get; } = new("", "v1", "services", "Service", true)
    { TracksGeneration = false, ShortNames = ["svc"] };

    public static ResourceKind Nodes { get; } = new("", "v1", "nodes", "Node", false)
    { TracksGeneration = false, KeepsStatusOnCreate = true, ShortNames = ["no"], SelectableFields = ["spec.unschedulable"] };

    public static ResourceKind Secrets { get; } = new("", "v1", "secrets", "Secret", true)
    { HasStatus = false, TracksGeneration = false, SelectableFields = ["type"] };

    public static ResourceKind ConfigMaps { get; } = new("", "v1", "configmaps", "ConfigMap", true)
    { HasStatus = false, TracksGeneration = false, ShortNames = ["cm"] };

    public static ResourceKind Events { get; } = new("", "v1", "events", "Event", true)
    {
        HasStatus = false,
        TracksGeneration = false,
        ShortNames = ["ev"],
        SelectableFields =
        [
            "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
            "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
            "reason", "reportingComponent", "source", "type",
        ],
    };

    public static ResourceKind EventsV1 { get; } = new("events.k8s.io", "v1", "events", "Event", true)
    { HasStatus = false, TracksGeneration = false, ShortNames = ["ev"] };

    public static ResourceKind EndpointSlices { get; } = new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true)
    { HasStatus = false };

    public static ResourceKind Leases { get; } = new("coordination.k8s.io", "v1", "leases", "Lease", true)
    { HasStatus = false, TracksGeneration = false };

    /// <summary>Creating one registers the kind it declares; deleting it stops serving that kind.</summary>
    public static ResourceKind CustomResourceDefinitions { get; } = new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false)
    { ShortNames = ["crd", "crds"] };

    /// <summary>Registered by every server.</summary>
    public static IReadOnlyList<ResourceKind> BuiltIn { get; } =
        [Namespaces, Services, Nodes, Secrets, ConfigMaps, Events, EventsV1, EndpointSlices, Leases, CustomResourceDefinitions];

    /// <summary>Beacon's CRDs (<c>beacon.dev/v1alpha1</c>, all cluster-scoped).</summary>
    public static IReadOnlyList<ResourceKind> Beacon { get; } =
    [
        ResourceKind.Custom("beacon.dev", "v1alpha1", "bgpclusterconfigs", "BGPClusterConfig", namespaced: false),
        ResourceKind.Custom("beacon.dev", "v1alpha1", "bgppeerconfigs", "BGPPeerConfig", namespaced: false),
        ResourceKind.Custom("beacon.dev", "v1alpha1", "bgpadvertisements", "BGPAdvertisement", namespaced: false),
        ResourceKind.Custom("beacon.dev", "v1alpha1", "loadbalancerippools", "LoadBalancerIPPool", namespaced: false),
        ResourceKind.Custom("beacon.dev", "v1alpha1", "bgpnodestates", "BGPNodeState", namespaced: false),
    ];

    /// <summary>The Gateway API standard channel kinds.</summary>
    public static IReadOnlyList<ResourceKind> GatewayApi { get; } =
    [
        ResourceKind.Custom("gateway.networking.k8s.io", "v1", "gatewayclasses", "GatewayClass", namespaced: false),
        ResourceKind.Custom("gateway.networking.k8s.io", "v1", "gateways", "Gateway", namespaced: true),
        ResourceKind.Custom("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute", namespaced: true),
        ResourceKind.Custom("gateway.networking.k8s.io", "v1", "grpcroutes", "GRPCRoute", namespaced: true),
        ResourceKind.Custom("gateway.networking.k8s.io", "v1beta1", "referencegrants", "ReferenceGrant", namespaced: true) with { HasStatus = false },
    ];
}
