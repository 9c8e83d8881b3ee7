using k8s.Models;

namespace Beacon.Gateway.Translation;

/// <summary>Condition types and reasons of the Gateway API (apis/v1 *_types.go).</summary>
internal static class Conditions
{
    public const string Accepted = "Accepted";
    public const string Programmed = "Programmed";
    public const string ResolvedRefs = "ResolvedRefs";
    public const string Conflicted = "Conflicted";

    public const string ReasonAccepted = "Accepted";
    public const string ReasonProgrammed = "Programmed";
    public const string ReasonResolvedRefs = "ResolvedRefs";
    public const string ReasonInvalid = "Invalid";
    public const string ReasonPending = "Pending";
    public const string ReasonListenersNotValid = "ListenersNotValid";
    public const string ReasonUnsupportedAddress = "UnsupportedAddress";
    public const string ReasonAddressNotAssigned = "AddressNotAssigned";
    public const string ReasonPortUnavailable = "PortUnavailable";
    public const string ReasonUnsupportedProtocol = "UnsupportedProtocol";
    public const string ReasonInvalidRouteKinds = "InvalidRouteKinds";
    public const string ReasonNoConflicts = "NoConflicts";
    public const string ReasonHostnameConflict = "HostnameConflict";
    public const string ReasonProtocolConflict = "ProtocolConflict";
    public const string ReasonNotAllowedByListeners = "NotAllowedByListeners";
    public const string ReasonNoMatchingListenerHostname = "NoMatchingListenerHostname";
    public const string ReasonNoMatchingParent = "NoMatchingParent";
    public const string ReasonUnsupportedValue = "UnsupportedValue";
    public const string ReasonRefNotPermitted = "RefNotPermitted";
    public const string ReasonInvalidKind = "InvalidKind";
    public const string ReasonBackendNotFound = "BackendNotFound";

    /// <summary>Without lastTransitionTime: the status writer stamps it.</summary>
    public static V1Condition Make(string type, bool status, string reason, string message, long generation) => new()
    {
        Type = type,
        Status = status ? "True" : "False",
        Reason = reason,
        Message = message,
        ObservedGeneration = generation,
    };
}
