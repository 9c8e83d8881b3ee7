using Microsoft.Extensions.Logging;

namespace Beacon.Gateway.DataPlane;

internal static partial class DataPlaneLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Gateway bind {Address}:{Port} listening")]
    public static partial void BindStarted(ILogger logger, string address, int port);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Gateway bind {Address}:{Port} failed: {Error}")]
    public static partial void BindFailed(ILogger logger, string address, int port, string error);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Gateway bind {Address}:{Port} stopped")]
    public static partial void BindStopped(ILogger logger, string address, int port);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Route entry {Entry} not compiled ({Outcome}): {Error}")]
    public static partial void EntryFailed(ILogger logger, string entry, string outcome, string error);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Debug, Message = "Backend endpoint {Endpoint} ejected after a connect failure")]
    public static partial void EndpointEjected(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Debug, Message = "Mirror to {Endpoint} failed: {Error}")]
    public static partial void MirrorFailed(ILogger logger, string endpoint, string error);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "Gateway config applied: {Binds} binds, {Backends} backends")]
    public static partial void ConfigApplied(ILogger logger, int binds, int backends);
}
