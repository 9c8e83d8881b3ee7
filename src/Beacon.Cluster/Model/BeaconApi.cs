namespace Beacon.Cluster.Model;

/// <summary>The API group and version of Beacon's own CRDs.</summary>
public static class BeaconApi
{
    public const string Group = "beacon.dev";
    public const string Version = "v1alpha1";
    public const string ApiVersion = Group + "/" + Version;
}
