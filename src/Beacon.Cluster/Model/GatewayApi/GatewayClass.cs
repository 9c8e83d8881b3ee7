using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Beacon.Cluster.Model.GatewayApi;

/// <summary>A class of Gateways and the controller that implements it (cluster-scoped).</summary>
[KubernetesEntity(Group = GatewayApiGroup.Group, ApiVersion = GatewayApiGroup.V1, Kind = KindName, PluralName = "gatewayclasses")]
public sealed class GatewayClass : IKubernetesObject<V1ObjectMeta>, ISpec<GatewayClassSpec>, IStatus<GatewayClassStatus?>
{
    public const string KindName = "GatewayClass";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = GatewayApiGroup.ApiVersionV1;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public GatewayClassSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public GatewayClassStatus? Status { get; set; }
}

public sealed class GatewayClassSpec
{
    [JsonPropertyName("controllerName")]
    public string? ControllerName { get; set; }

    [JsonPropertyName("description")]
    public string? Description { get; set; }

    [JsonPropertyName("parametersRef")]
    public ParametersReference? ParametersRef { get; set; }
}

public sealed class ParametersReference
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

public sealed class GatewayClassStatus
{
    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }

    /// <summary>Sorted by name (CRD: "MUST be sorted in ascending alphabetical order").</summary>
    [JsonPropertyName("supportedFeatures")]
    public IList<SupportedFeature>? SupportedFeatures { get; set; }
}

public sealed class SupportedFeature
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }
}
