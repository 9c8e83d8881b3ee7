using System.Buffers.Binary;
using Beacon.Bgp.Fsm;
using Beacon.Bgp.Rib;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Wire;
using Microsoft.Extensions.Logging;

namespace Beacon.Bgp.Session;

/// <summary>
/// Inbound policy of a session: the max-prefix limit (RFC 4486) and route refresh in both
/// directions (RFC 2918, enhanced per RFC 7313). Runs on the session's event loop.
/// </summary>
internal sealed partial class PeerSession
{
    private static readonly TimeSpan MaxPrefixesBackoffLimit = TimeSpan.FromMinutes(30);

    private readonly HashSet<RouteFamily> _pendingEndOfRefresh = [];
    private readonly Dictionary<RouteFamily, ITimer> _refreshStaleTimers = [];
    private int _refreshTimerGeneration;
    private int _maxPrefixesTrips;
    private bool _maxPrefixesBackoffPending;

    /// <summary>
    /// Takes over settings that differ only in inbound policy (<see cref="PeerSettings.SameSessionAs"/>).
    /// A lower limit already exceeded ends the session; a raised one asks the peer for its routes again.
    /// </summary>
    public void UpdateInboundSettings(PeerSettings settings) => Post(new SessionInput.Query(() =>
    {
        var previous = Settings.MaxPrefixes;
        Settings = settings;
        _maxPrefixesTrips = 0;
        var raised = settings.MaxPrefixes is not { } now || (previous is { } before && now > before);
        if (_state == SessionState.Idle && _maxPrefixesBackoffPending && raised && !_stopped)
        {
            // The peer was over the old limit; with a higher one there is no reason to wait.
            _maxPrefixesBackoffPending = false;
            StartTimer(SessionTimer.IdleHold, TimeSpan.Zero);
            return;
        }

        if (_state != SessionState.Established)
        {
            return;
        }

        if (!EnforceMaxPrefixes(null) && raised)
        {
            foreach (var family in _families)
            {
                SendRefreshRequest(family);
            }
        }
    }));

    /// <summary>Sends a ROUTE-REFRESH request (RFC 2918 §3) when the session can carry it; the task says whether it did.</summary>
    public Task<bool> RequestRefreshAsync(RouteFamily family)
    {
        var result = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_inputs.Writer.TryWrite(new SessionInput.Query(() => result.TrySetResult(SendRefreshRequest(family)))))
        {
            // The session has stopped.
            result.TrySetResult(false);
        }

        return result.Task;
    }

    private bool SendRefreshRequest(RouteFamily family)
    {
        // RFC 2918 §4: only to a peer that advertised the capability, only for a negotiated family.
        if (_state != SessionState.Established || _connection is not { } connection || !_families.Contains(family)
            || _peerOpen?.FindCapability<RouteRefreshCapability>() is null)
        {
            return false;
        }

        var (afi, safi) = AfiSafi.ToWire(family);
        connection.Send(new RouteRefreshMessage(afi, RouteRefreshMessage.NormalRequest, safi).Write);
        CountSent("ROUTE-REFRESH");
        PolicyLog.RefreshRequested(_logger, Settings.Name, family);
        return true;
    }

    private bool PeerHasEnhancedRefresh => _peerOpen?.FindCapability<EnhancedRouteRefreshCapability>() is not null;

    // RFC 7313 §4: the re-advertisement is bracketed by BoRR and EoRR when both sides advertised
    // the capability (we always do).
    private void BeginRefreshOut(RouteFamily family)
    {
        if (!PeerHasEnhancedRefresh || _connection is not { } connection)
        {
            return;
        }

        var (afi, safi) = AfiSafi.ToWire(family);
        connection.Send(new RouteRefreshMessage(afi, RouteRefreshMessage.BeginningOfRouteRefresh, safi).Write);
        CountSent("ROUTE-REFRESH");
        _pendingEndOfRefresh.Add(family);
    }

    /// <summary>Called by Pump once the Adj-RIB-Out has nothing pending: the refreshed table is out.</summary>
    private void SendPendingEndOfRefresh(PeerConnection connection)
    {
        if (_pendingEndOfRefresh.Count == 0 || _ribOut.HasPending)
        {
            return;
        }

        foreach (var family in _pendingEndOfRefresh)
        {
            var (afi, safi) = AfiSafi.ToWire(family);
            connection.Send(new RouteRefreshMessage(afi, RouteRefreshMessage.EndOfRouteRefresh, safi).Write);
            CountSent("ROUTE-REFRESH");
        }

        _pendingEndOfRefresh.Clear();
    }

    private void OnRouteRefreshMarker(RouteFamily family, byte subtype)
    {
        // RFC 7313 §5: unknown subtypes are ignored; so are markers from a peer that did not
        // negotiate the capability (it must not send them, §4).
        if (!PeerHasEnhancedRefresh)
        {
            return;
        }

        switch (subtype)
        {
            case RouteRefreshMessage.BeginningOfRouteRefresh:
                // §4: everything of the family is stale until announced again or swept at EoRR.
                _ribIn.MarkStale(family);
                StartRefreshStaleTimer(family);
                PolicyLog.RefreshMarker(_logger, Settings.Name, "BoRR", family, _ribIn.Count(family));
                break;

            case RouteRefreshMessage.EndOfRouteRefresh when _refreshStaleTimers.Remove(family, out var timer):
                timer.Dispose();
                PolicyLog.RefreshMarker(_logger, Settings.Name, "EoRR", family, _ribIn.SweepStale(family));
                break;
        }
    }

    private void StartRefreshStaleTimer(RouteFamily family)
    {
        if (_refreshStaleTimers.Remove(family, out var previous))
        {
            previous.Dispose();
        }

        // RFC 7313 §4 leaves the wait for EoRR local: the same bound as graceful restart's
        // stale path timer, as FRR uses its stalepath-time for both.
        var generation = _refreshTimerGeneration;
        _refreshStaleTimers[family] = _env.Time.CreateTimer(
            _ => Post(new SessionInput.Query(() => OnRefreshStaleTimer(family, generation))),
            null,
            GracefulRestart.StalePathTime,
            Timeout.InfiniteTimeSpan);
    }

    // RFC 7313 §4: a speaker must not wait for the EoRR forever.
    private void OnRefreshStaleTimer(RouteFamily family, int generation)
    {
        if (generation != _refreshTimerGeneration || !_refreshStaleTimers.Remove(family, out var timer))
        {
            return;
        }

        timer.Dispose();
        PolicyLog.RefreshTimedOut(_logger, Settings.Name, family, _ribIn.SweepStale(family));
    }

    private void ReleaseRefreshState()
    {
        _refreshTimerGeneration++;
        foreach (var timer in _refreshStaleTimers.Values)
        {
            timer.Dispose();
        }

        _refreshStaleTimers.Clear();
        _pendingEndOfRefresh.Clear();
    }

    /// <summary>
    /// RFC 4486 §4: past the limit the session ends with Cease / Maximum Number of Prefixes
    /// Reached, AFI, SAFI and the limit in the data. Returns true when it did.
    /// </summary>
    private bool EnforceMaxPrefixes(UpdateMessage? update)
    {
        if (_state != SessionState.Established || Settings.MaxPrefixes is not { } limit || _ribIn.TotalCount <= limit)
        {
            return false;
        }

        var family = update is { Announced.Length: > 0 } ? AdjRibOut.FamilyOf(update.Announced[0]) : FamilyOverLimit();
        var (afi, safi) = AfiSafi.ToWire(family);
        var data = new byte[7];
        BinaryPrimitives.WriteUInt16BigEndian(data, afi);
        data[2] = safi;
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(3), limit);

        _maxPrefixesTrips++;
        _maxPrefixesBackoffPending = true;
        _eventError = new BgpProtocolException(
            ErrorCode.Cease, CeaseSubcode.MaximumPrefixesReached, data, $"peer sent {_ribIn.TotalCount} prefixes, more than the limit of {limit}");

        // The FSM's error path (NotificationFromEvent) sends _eventError and drops the session.
        Fire(FsmEvent.UpdateMsgErr);
        return true;
    }

    private RouteFamily FamilyOverLimit() =>
        _ribIn.Count(RouteFamily.Ipv6Unicast) > _ribIn.Count(RouteFamily.Ipv4Unicast) ? RouteFamily.Ipv6Unicast : RouteFamily.Ipv4Unicast;

    /// <summary>The idle hold after a max-prefix teardown: the configured time, doubling on each repeat.</summary>
    private TimeSpan? MaxPrefixesBackoff()
    {
        if (!_maxPrefixesBackoffPending)
        {
            return null;
        }

        var factor = Math.Pow(2, Math.Min(_maxPrefixesTrips - 1, 16));
        var delay = Settings.MaxPrefixesRestartTime * factor;
        return delay < MaxPrefixesBackoffLimit ? delay : MaxPrefixesBackoffLimit;
    }

    /// <summary>
    /// RFC 7606 §6: log each error with the NLRI it touched and the whole UPDATE; count every
    /// discarded attribute and every treat-as-withdraw UPDATE.
    /// </summary>
    private void ReportUpdateErrors(UpdateMessage update)
    {
        foreach (var diagnostic in update.Diagnostics)
        {
            SessionLog.UpdateDiagnostic(_logger, Settings.Name, diagnostic.ToString());
            if (diagnostic.Action == UpdateErrorAction.AttributeDiscard)
            {
                _env.Metrics?.UpdateErrorAction(Settings.Name, "attribute-discard");
            }
        }

        if (update.Action == UpdateErrorAction.None)
        {
            return;
        }

        if (update.Action == UpdateErrorAction.TreatAsWithdraw)
        {
            _env.Metrics?.UpdateErrorAction(Settings.Name, "treat-as-withdraw");
        }

        var nlri = update.Action == UpdateErrorAction.TreatAsWithdraw ? update.Withdrawn : update.Announced;
        PolicyLog.MalformedUpdate(_logger, Settings.Name, update.Action, string.Join(" ", nlri), Convert.ToHexString(update.MalformedBody.Span));
    }

    private void LogSessionReset(BgpProtocolException error) =>
        PolicyLog.MalformedUpdateReset(_logger, Settings.Name, error.Message, Convert.ToHexString(error.MessageBody.Span));

    private static partial class PolicyLog
    {
        [LoggerMessage(EventId = 1305, Level = LogLevel.Warning, Message = "Peer {Peer}: malformed UPDATE resets the session (RFC 7606): {Reason}; UPDATE body {Body}")]
        public static partial void MalformedUpdateReset(ILogger logger, string peer, string reason, string body);

        [LoggerMessage(EventId = 1304, Level = LogLevel.Warning, Message = "Peer {Peer}: malformed UPDATE handled by {Action} (RFC 7606); NLRI {Nlri}; UPDATE body {Body}")]
        public static partial void MalformedUpdate(ILogger logger, string peer, UpdateErrorAction action, string nlri, string body);

        [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Peer {Peer}: ROUTE-REFRESH sent for {Family}")]
        public static partial void RefreshRequested(ILogger logger, string peer, RouteFamily family);

        [LoggerMessage(EventId = 1302, Level = LogLevel.Debug, Message = "Peer {Peer}: {Marker} received for {Family} ({Routes} routes)")]
        public static partial void RefreshMarker(ILogger logger, string peer, string marker, RouteFamily family, int routes);

        [LoggerMessage(EventId = 1303, Level = LogLevel.Warning, Message = "Peer {Peer}: no EoRR for {Family} in time; {Routes} stale routes removed")]
        public static partial void RefreshTimedOut(ILogger logger, string peer, RouteFamily family, int routes);
    }
}
