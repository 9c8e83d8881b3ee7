using System.Net;

namespace Beacon.Agent.LocalAddresses;

/// <summary>Log messages of the Gateway address manager; event ids 1700–1799 are its own and never reused.</summary>
internal static partial class LocalAddressLog
{
    [LoggerMessage(EventId = 1700, Level = LogLevel.Information, Message = "Created {Kind} interface {Interface} for Gateway addresses")]
    public static partial void InterfaceCreated(ILogger logger, string kind, string @interface);

    [LoggerMessage(EventId = 1701, Level = LogLevel.Information, Message = "Set interface {Interface} up")]
    public static partial void InterfaceSetUp(ILogger logger, string @interface);

    [LoggerMessage(EventId = 1702, Level = LogLevel.Information, Message = "Added Gateway address {Address} to {Interface}")]
    public static partial void AddressAdded(ILogger logger, IPAddress address, string @interface);

    [LoggerMessage(EventId = 1703, Level = LogLevel.Information, Message = "Removed address {Address} from {Interface}: no Gateway uses it")]
    public static partial void AddressRemoved(ILogger logger, IPAddress address, string @interface);

    [LoggerMessage(EventId = 1704, Level = LogLevel.Debug, Message = "Gateway address {Address} is already local on another interface; not adding it to {Interface}")]
    public static partial void AddressAlreadyLocal(ILogger logger, IPAddress address, string @interface);

    [LoggerMessage(EventId = 1705, Level = LogLevel.Warning, Message = "Gateway address {Address}: {Error}")]
    public static partial void AddressFailed(ILogger logger, IPAddress address, string error);
}
