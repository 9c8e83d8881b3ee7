namespace Beacon.Cluster.Model.GatewayApi;

/// <summary>The Gateway API group and the versions Beacon reads (v1.6.1 standard channel).</summary>
public static class GatewayApiGroup
{
    public const string Group = "gateway.networking.k8s.io";
    public const string V1 = "v1";
    public const string V1Beta1 = "v1beta1";
    public const string ApiVersionV1 = Group + "/" + V1;
    public const string ApiVersionV1Beta1 = Group + "/" + V1Beta1;

    /// <summary>The <c>spec.controllerName</c> of the GatewayClasses Beacon implements.</summary>
    public const string BeaconControllerName = "beacon.dev/gateway-controller";
}
