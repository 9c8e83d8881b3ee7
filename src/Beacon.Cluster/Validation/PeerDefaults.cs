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

    /// <summary>FRR's default restart time; RFC 4724 §4 suggests no more than the hold time.</summary>
    public const int GracefulRestartTimeSeconds = 120;

    /// <summary>
    /// Keepalive when the field is absent: the 30 s default, or a third of a shorter hold
    /// time (RFC 4271 §10 suggests one third), so lowering only the hold time stays valid.
    /// </summary>
    public static int KeepaliveFor(int holdTimeSeconds) =>
        holdTimeSeconds == 0 ? 0 : Math.Max(1, Math.Min(KeepaliveTimeSeconds, holdTimeSeconds / 3));
}
