namespace Beacon.Bgp.Fsm;

/// <summary>What the session does on a transition, in the order the RFC lists it.</summary>
public enum FsmActionKind
{
    InitiateConnection,
    DropConnection,
    SendOpen,
    SendKeepalive,

    /// <summary>Send a NOTIFICATION; the code comes from the action, the data from the event.</summary>
    SendNotification,
    StartConnectRetryTimer,
    StopConnectRetryTimer,

    /// <summary>Hold timer to the large value RFC 4271 §8.2.2 suggests (4 minutes) while waiting for OPEN.</summary>
    StartLargeHoldTimer,

    /// <summary>Start or restart the hold timer with the negotiated hold time (no-op when it is zero).</summary>
    RestartHoldTimer,
    StartKeepaliveTimer,
    ProcessOpen,
    ProcessUpdate,
    SessionEstablished,

    /// <summary>Release BGP resources: drop Adj-RIB-In, forget what Adj-RIB-Out has sent.</summary>
    ReleaseResources,
    IncrementConnectRetryCounter,
    ResetConnectRetryCounter,
}

/// <summary>One action, with the NOTIFICATION code and subcode when it sends one.</summary>
public readonly record struct FsmAction(FsmActionKind Kind, byte ErrorCode = 0, byte ErrorSubcode = 0)
{
    public static implicit operator FsmAction(FsmActionKind kind) => new(kind);

    public override string ToString() =>
        Kind == FsmActionKind.SendNotification ? $"{Kind}({ErrorCode}/{ErrorSubcode})" : Kind.ToString();
}
