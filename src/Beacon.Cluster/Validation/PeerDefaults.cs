namespace Beacon.Cluster.Validation;

/// <summary>DESIGN.md "Defaults" for fields of BGPClusterConfig and BGPPeerConfig.</summary>
public static class PeerDefaults
{
    public const int HoldTimeSeconds = 90;
    public const int KeepaliveTimeSeconds = 30;
    public const int ConnectRetryTimeSeconds = 120;
    public const int PeerPort = 179;
    public const int LocalPort = 179;
    public const int EbgpMultihop = 1;
}
