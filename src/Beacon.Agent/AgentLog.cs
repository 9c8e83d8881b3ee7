using System.Net;

namespace Beacon.Agent;

/// <summary>The host's log messages; event ids 1000–1099 are the host's and never reused.</summary>
internal static partial class AgentLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Beacon agent starting on node {NodeName} (source: {Source})")]
    public static partial void Starting(ILogger logger, string nodeName, string source);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Status endpoint listening on {Address}")]
    public static partial void StatusListening(ILogger logger, Uri address);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Cannot listen for status on {Endpoint}")]
    public static partial void StatusBindFailed(ILogger logger, IPEndPoint endpoint, Exception exception);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Stopping")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Critical, Message = "Agent components failed")]
    public static partial void ServicesFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Critical, Message = "Agent components stopped without being asked to")]
    public static partial void ServicesEndedEarly(ILogger logger);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Graceful stop did not finish within {Timeout}; exiting")]
    public static partial void StopTimedOut(ILogger logger, TimeSpan timeout);
}
