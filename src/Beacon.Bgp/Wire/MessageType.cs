namespace Beacon.Bgp.Wire;

/// <summary>BGP message types (RFC 4271 §4.1, RFC 2918 §3).</summary>
public enum MessageType : byte
{
    Open = 1,
    Update = 2,
    Notification = 3,
    Keepalive = 4,
    RouteRefresh = 5,
}

/// <summary>NOTIFICATION error codes (RFC 4271 §4.5, RFC 7313 §5).</summary>
public enum ErrorCode : byte
{
    MessageHeader = 1,
    OpenMessage = 2,
    UpdateMessage = 3,
    HoldTimerExpired = 4,
    FiniteStateMachine = 5,
    Cease = 6,
    RouteRefresh = 7,
}

/// <summary>Message Header Error subcodes (RFC 4271 §4.5).</summary>
public static class HeaderErrorSubcode
{
    public const byte ConnectionNotSynchronized = 1;
    public const byte BadMessageLength = 2;
    public const byte BadMessageType = 3;
}

/// <summary>OPEN Message Error subcodes (RFC 4271 §4.5, RFC 5492 §5).</summary>
public static class OpenErrorSubcode
{
    /// <summary>No specific subcode; used for malformed optional parameters and capabilities.</summary>
    public const byte Unspecific = 0;
    public const byte UnsupportedVersionNumber = 1;
    public const byte BadPeerAs = 2;
    public const byte BadBgpIdentifier = 3;
    public const byte UnsupportedOptionalParameter = 4;
    public const byte UnacceptableHoldTime = 6;
    public const byte UnsupportedCapability = 7;
}

/// <summary>UPDATE Message Error subcodes (RFC 4271 §4.5).</summary>
public static class UpdateErrorSubcode
{
    public const byte MalformedAttributeList = 1;
    public const byte UnrecognizedWellKnownAttribute = 2;
    public const byte MissingWellKnownAttribute = 3;
    public const byte AttributeFlagsError = 4;
    public const byte AttributeLengthError = 5;
    public const byte InvalidOriginAttribute = 6;
    public const byte InvalidNextHopAttribute = 8;
    public const byte OptionalAttributeError = 9;
    public const byte InvalidNetworkField = 10;
    public const byte MalformedAsPath = 11;
}

/// <summary>Cease subcodes (RFC 4486, RFC 8203/9003).</summary>
public static class CeaseSubcode
{
    public const byte MaximumPrefixesReached = 1;
    public const byte AdministrativeShutdown = 2;
    public const byte PeerDeconfigured = 3;
    public const byte AdministrativeReset = 4;
    public const byte ConnectionRejected = 5;
    public const byte OtherConfigurationChange = 6;
    public const byte ConnectionCollisionResolution = 7;
    public const byte OutOfResources = 8;
    public const byte HardReset = 9;
}

/// <summary>ROUTE-REFRESH Message Error subcodes (RFC 7313 §5).</summary>
public static class RouteRefreshErrorSubcode
{
    public const byte InvalidMessageLength = 1;
}
