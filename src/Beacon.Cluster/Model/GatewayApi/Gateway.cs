using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Beacon.Cluster.Model.GatewayApi;

/// <summary>A set of listeners served on some addresses, implemented by its class's controller (namespaced).</summary>
[KubernetesEntity(Group = GatewayApiGroup.Group, ApiVersion = GatewayApiGroup.V1, Kind = KindName, PluralName = "gateways")]
public sealed class Gateway : IKubernetesObject<V1ObjectMeta>, ISpec<GatewaySpec>, IStatus<GatewayStatus?>
{
    public const string KindName = "Gateway";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = GatewayApiGroup.ApiVersionV1;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public GatewaySpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public GatewayStatus? Status { get; set; }
}

public sealed class GatewaySpec
{
    [JsonPropertyName("gatewayClassName")]
    public string? GatewayClassName { get; set; }

    [JsonPropertyName("listeners")]
    public IList<Listener>? Listeners { get; set; }

    [JsonPropertyName("addresses")]
    public IList<GatewayAddress>? Addresses { get; set; }

    [JsonPropertyName("infrastructure")]
    public GatewayInfrastructure? Infrastructure { get; set; }

    [JsonPropertyName("allowedListeners")]
    public AllowedListeners? AllowedListeners { get; set; }

    [JsonPropertyName("tls")]
    public GatewayTlsConfig? Tls { get; set; }
}

public static class GatewayAddressTypes
{
    public const string IPAddress = "IPAddress";
    public const string Hostname = "Hostname";
    public const string NamedAddress = "NamedAddress";
}

/// <summary>spec.addresses[] and status.addresses[]; <c>type</c> defaults to IPAddress.</summary>
public sealed class GatewayAddress
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("value")]
    public string? Value { get; set; }
}

public sealed class GatewayInfrastructure
{
    [JsonPropertyName("labels")]
    public IDictionary<string, string>? Labels { get; set; }

    [JsonPropertyName("annotations")]
    public IDictionary<string, string>? Annotations { get; set; }

    [JsonPropertyName("parametersRef")]
    public LocalParametersReference? ParametersRef { get; set; }
}

public sealed class LocalParametersReference
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }
}

public sealed class AllowedListeners
{
    [JsonPropertyName("namespaces")]
    public ListenerNamespaces? Namespaces { get; set; }
}

public sealed class ListenerNamespaces
{
    /// <summary>All, Selector, Same or None (default None).</summary>
    [JsonPropertyName("from")]
    public string? From { get; set; }

    [JsonPropertyName("selector")]
    public V1LabelSelector? Selector { get; set; }
}

public sealed class GatewayTlsConfig
{
    [JsonPropertyName("backend")]
    public GatewayBackendTls? Backend { get; set; }

    [JsonPropertyName("frontend")]
    public FrontendTlsConfig? Frontend { get; set; }
}

public sealed class GatewayBackendTls
{
    [JsonPropertyName("clientCertificateRef")]
    public SecretObjectReference? ClientCertificateRef { get; set; }
}

public sealed class FrontendTlsConfig
{
    [JsonPropertyName("default")]
    public TlsConfig? Default { get; set; }

    [JsonPropertyName("perPort")]
    public IList<TlsPortConfig>? PerPort { get; set; }
}

public sealed class TlsPortConfig
{
    [JsonPropertyName("port")]
    public int? Port { get; set; }

    [JsonPropertyName("tls")]
    public TlsConfig? Tls { get; set; }
}

public sealed class TlsConfig
{
    [JsonPropertyName("validation")]
    public FrontendTlsValidation? Validation { get; set; }
}

public sealed class FrontendTlsValidation
{
    [JsonPropertyName("caCertificateRefs")]
    public IList<SecretObjectReference>? CaCertificateRefs { get; set; }

    /// <summary>AllowValidOnly or AllowInsecureFallback.</summary>
    [JsonPropertyName("mode")]
    public string? Mode { get; set; }
}

/// <summary>A reference to a Secret (default group core, kind Secret) or another certificate object.</summary>
public sealed class SecretObjectReference
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }
}

public static class ListenerProtocolNames
{
    public const string Http = "HTTP";
    public const string Https = "HTTPS";
    public const string Tls = "TLS";
    public const string Tcp = "TCP";
    public const string Udp = "UDP";
}

public sealed class Listener
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("hostname")]
    public string? Hostname { get; set; }

    [JsonPropertyName("port")]
    public int? Port { get; set; }

    [JsonPropertyName("protocol")]
    public string? Protocol { get; set; }

    [JsonPropertyName("tls")]
    public ListenerTlsConfig? Tls { get; set; }

    [JsonPropertyName("allowedRoutes")]
    public AllowedRoutes? AllowedRoutes { get; set; }
}

public sealed class ListenerTlsConfig
{
    /// <summary>Terminate (default) or Passthrough.</summary>
    [JsonPropertyName("mode")]
    public string? Mode { get; set; }

    [JsonPropertyName("certificateRefs")]
    public IList<SecretObjectReference>? CertificateRefs { get; set; }

    [JsonPropertyName("options")]
    public IDictionary<string, string>? Options { get; set; }
}

public sealed class AllowedRoutes
{
    [JsonPropertyName("namespaces")]
    public RouteNamespaces? Namespaces { get; set; }

    [JsonPropertyName("kinds")]
    public IList<RouteGroupKind>? Kinds { get; set; }
}

public static class FromNamespaces
{
    public const string All = "All";
    public const string Same = "Same";
    public const string Selector = "Selector";
    public const string None = "None";
}

public sealed class RouteNamespaces
{
    /// <summary>All, Selector or Same (default Same).</summary>
    [JsonPropertyName("from")]
    public string? From { get; set; }

    [JsonPropertyName("selector")]
    public V1LabelSelector? Selector { get; set; }
}

public sealed class RouteGroupKind
{
    /// <summary>Default gateway.networking.k8s.io.</summary>
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }
}

public sealed class GatewayStatus
{
    [JsonPropertyName("addresses")]
    public IList<GatewayAddress>? Addresses { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }

    [JsonPropertyName("listeners")]
    public IList<ListenerStatus>? Listeners { get; set; }

    [JsonPropertyName("attachedListenerSets")]
    public int? AttachedListenerSets { get; set; }
}

public sealed class ListenerStatus
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("supportedKinds")]
    public IList<RouteGroupKind>? SupportedKinds { get; set; }

    [JsonPropertyName("attachedRoutes")]
    public int AttachedRoutes { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}
