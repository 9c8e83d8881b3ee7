using Beacon.Bgp.Speaker;
using Microsoft.Extensions.Logging;

namespace Beacon.Bgp.Session;

internal static partial class SessionLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Peer {Peer}: {From} -> {To} on {Event}")]
    public static partial void StateChanged(ILogger logger, string peer, SessionState from, SessionState to, string @event);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Peer {Peer}: session established, hold time {HoldTime}s, families {Families}")]
    public static partial void Established(ILogger logger, string peer, int holdTime, string families);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Peer {Peer}: sending NOTIFICATION {Code}/{Subcode}: {Reason}")]
    public static partial void SendingNotification(ILogger logger, string peer, byte code, byte subcode, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Peer {Peer}: received NOTIFICATION {Description}")]
    public static partial void ReceivedNotification(ILogger logger, string peer, string description);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Peer {Peer}: connection {Detail}")]
    public static partial void Connection(ILogger logger, string peer, string detail);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Peer {Peer}: UPDATE error handled per RFC 7606: {Diagnostic}")]
    public static partial void UpdateDiagnostic(ILogger logger, string peer, string diagnostic);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Debug, Message = "Peer {Peer}: End-of-RIB sent for {Family} after {Prefixes} prefixes")]
    public static partial void EndOfRibSent(ILogger logger, string peer, RouteFamily family, int prefixes);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "Peer {Peer}: connection collision resolved, keeping the connection {Kept}")]
    public static partial void CollisionResolved(ILogger logger, string peer, string kept);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Error, Message = "Peer {Peer}: internal error handling {Input}; resetting the session")]
    public static partial void InternalError(ILogger logger, Exception exception, string peer, string input);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Debug, Message = "Peer {Peer}: ignored {Count} routes whose AS_PATH contains our AS {Asn} (RFC 4271 §9.1.2)")]
    public static partial void LoopedRoutes(ILogger logger, string peer, int count, uint asn);

    [LoggerMessage(EventId = 1050, Level = LogLevel.Warning, Message = "Peer {Peer}: {Problem}")]
    public static partial void FamilyNotSent(ILogger logger, string peer, string problem);
}
