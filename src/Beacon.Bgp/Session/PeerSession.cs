using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Beacon.Bgp.Fsm;
using Beacon.Bgp.Rib;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Transport;
using Beacon.Bgp.Wire;
using Microsoft.Extensions.Logging;
using Sockets = System.Net.Sockets;

namespace Beacon.Bgp.Session;

/// <summary>
/// One BGP session with one peer. Every input — messages from the connection's reader,
/// timer expiries, connect results, route changes, status queries — goes through one
/// channel and is handled on one loop, so the state below needs no locks. The FSM
/// transition table is <see cref="SessionFsm"/>; this class carries out its actions.
/// </summary>
internal sealed partial class PeerSession : ISessionInputSink, IAsyncDisposable
{
    private static readonly TimeSpan LargeHoldTime = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan MaxIdleHold = TimeSpan.FromSeconds(60);

    private readonly Channel<SessionInput> _inputs =
        Channel.CreateUnbounded<SessionInput>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SessionEnvironment _env;
    private readonly ILogger _logger;
    private readonly AdjRibOut _ribOut = new();
    private readonly AdjRibIn _ribIn = new();
    private readonly Dictionary<(RouteFamily, RouteAttributes), PathAttributes> _outbound = [];
    private readonly ITimer?[] _timers = new ITimer?[Enum.GetValues<SessionTimer>().Length];
    private readonly int[] _timerGenerations = new int[Enum.GetValues<SessionTimer>().Length];
    private readonly GracefulRestart _gracefulRestart;
    private readonly Task _loop;

    private SessionState _state = SessionState.Idle;
    private int _connectRetryCounter;
    private int _consecutiveFailures;
    private bool _stopped = true;
    private string? _stopReason;
    private byte _stopSubcode = CeaseSubcode.AdministrativeShutdown;
    private PeerConnection? _connection;
    private PeerConnection? _candidate;
    private int _connectAttempt;
    private CancellationTokenSource? _connectCancel;

    private OpenMessage? _peerOpen;
    private OpenMessage? _receivedOpen;
    private UpdateMessage? _receivedUpdate;
    private BgpProtocolException? _eventError;
    private string? _eventReason;
    private TimeSpan _holdTime;
    private TimeSpan _keepaliveTime;
    private HashSet<RouteFamily> _families = [];
    private ImmutableArray<RouteFamily> _offeredFamilies = [];
    private bool _fourOctetAs;
    private bool _internal;
    private NextHops _nextHops = NextHops.None;
    private bool _ipv6Session;
    private bool _ipv4OverIpv6;
    private HashSet<RouteFamily> _sendFamilies = [];
    private string? _familyProblem;
    private bool _initialSyncPending;
    private DateTimeOffset? _establishedTime;
    private string? _lastError;
    private long _messagesSent;
    private long _messagesReceived;
    private PeerStatus _status;
    private FsmEvent _firingEvent;
    private SessionState _firingFrom;
    private NotificationMessage? _notificationReceived;
    private NotificationMessage? _notificationSent;
    private PeerSettings _settings;

    public PeerSession(PeerSettings settings, SessionEnvironment env)
    {
        _settings = settings;
        _env = env;
        _logger = env.Loggers.CreateLogger("Beacon.Bgp.Session");
        _gracefulRestart = new GracefulRestart(settings);
        _status = BuildStatus();
        _loop = Task.Run(RunAsync);
    }

    // Replaced by UpdateInboundSettings on the loop; read from other threads (AcceptIncoming).
    public PeerSettings Settings { get => Volatile.Read(ref _settings); private set => Volatile.Write(ref _settings, value); }

    /// <summary>Raised on the event loop after every input, with the status it published.</summary>
    public event Action<PeerStatus>? StatusChanged;

    /// <summary>The latest status, published by the event loop after every input.</summary>
    public PeerStatus Status => Volatile.Read(ref _status);

    public void Post(SessionInput input) => _inputs.Writer.TryWrite(input);

    public void Start() => Post(new SessionInput.Start());

    public void SetRoutes(ImmutableArray<AdvertisedRoute> routes) => Post(new SessionInput.SetRoutes(routes));

    public void AcceptIncoming(TransportConnection transport)
    {
        if (!_inputs.Writer.TryWrite(new SessionInput.Incoming(transport)))
        {
            // The session has stopped: nobody will ever read from this connection.
            CloseInBackground(transport);
        }
    }

    /// <summary>The transport refused a connection from the peer (GTSM); the status says why.</summary>
    public void RefuseIncoming(string reason) => Post(new SessionInput.IncomingRefused(reason));

    public Task<IReadOnlyList<RouteView>> GetRoutesAsync(RouteDirection direction)
    {
        var result = new TaskCompletionSource<IReadOnlyList<RouteView>>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new SessionInput.Query(() => result.TrySetResult(direction == RouteDirection.Received ? ReceivedRoutes() : AdvertisedRoutes())));
        return result.Task;
    }

    /// <summary>
    /// Stops the session with a Cease of <paramref name="ceaseSubcode"/> (RFC 4486; Administrative
    /// Shutdown carries <paramref name="reason"/> per RFC 8203) and ends its loop.
    /// </summary>
    public async ValueTask StopAsync(string reason, byte ceaseSubcode = CeaseSubcode.AdministrativeShutdown)
    {
        Post(new SessionInput.Stop(reason, ceaseSubcode));
        _inputs.Writer.TryComplete();
        await _loop;
        var closing = new List<Task>();
        foreach (var connection in new[] { _connection, _candidate })
        {
            if (connection is not null)
            {
                connection.Close();
                closing.Add(connection.WaitClosedAsync());
            }
        }

        await Task.WhenAll(closing).WaitAsync(TimeSpan.FromSeconds(5), _env.Time).ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    public ValueTask DisposeAsync() => StopAsync("peer removed from configuration", CeaseSubcode.PeerDeconfigured);

    private async Task RunAsync()
    {
        await foreach (var input in _inputs.Reader.ReadAllAsync())
        {
            try
            {
                Handle(input);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A bug here must not kill the session loop silently: report it and reset.
                _lastError = $"internal error: {ex.Message}";
                SessionLog.InternalError(_logger, ex, Settings.Name, input.GetType().Name);
                if (_state != SessionState.Idle)
                {
                    _eventError = new BgpProtocolException(ErrorCode.Cease, CeaseSubcode.OutOfResources, "internal error");
                    Fire(FsmEvent.ManualStop);
                }
            }

            var status = BuildStatus();
            Volatile.Write(ref _status, status);
            StatusChanged?.Invoke(status);
        }

        StopAllTimers();
    }

    private void Handle(SessionInput input)
    {
        switch (input)
        {
            case SessionInput.Start:
                _stopped = false;
                _stopReason = null;
                Fire(Settings.Passive ? FsmEvent.ManualStartWithPassiveTcpEstablishment : FsmEvent.ManualStart);
                break;

            case SessionInput.Stop stop:
                _stopped = true;
                _stopReason = stop.Reason;
                _stopSubcode = stop.CeaseSubcode;
                DropCandidate();
                Fire(FsmEvent.ManualStop);
                break;

            case SessionInput.SetRoutes set:
                _ribOut.SetDesired(set.Routes);
                Pump();
                break;

            case SessionInput.TimerFired fired when fired.Generation == _timerGenerations[(int)fired.Timer]:
                OnTimer(fired.Timer);
                break;

            case SessionInput.IncomingRefused refused when _state != SessionState.Established:
                _lastError = refused.Reason;
                break;

            case SessionInput.ConnectSucceeded ok:
                if (ok.Attempt != _connectAttempt || _state != SessionState.Connect || _connection is not null)
                {
                    CloseInBackground(ok.Transport);
                    break;
                }

                _connection = Attach(ok.Transport);
                SessionLog.Connection(_logger, Settings.Name, $"established to {ok.Transport.Remote} from {ok.Transport.Local}");
                Fire(FsmEvent.TcpCrAcked);
                break;

            case SessionInput.ConnectFailed failed when failed.Attempt == _connectAttempt && _state == SessionState.Connect:
                _lastError = $"connect to {Settings.PeerAddress}:{Settings.PeerPort} failed: {failed.Reason}";
                Fire(FsmEvent.TcpConnectionFails);
                break;

            case SessionInput.Incoming incoming:
                OnIncoming(incoming.Transport);
                break;

            case SessionInput.OpenReceived open:
                OnOpen(open.Connection, open.Open);
                break;

            case SessionInput.UpdateReceived update when update.Connection == _connection:
                CountReceived("UPDATE");
                _receivedUpdate = update.Update;
                Fire(FsmEvent.UpdateMsg);
                _receivedUpdate = null;
                EnforceMaxPrefixes(update.Update);
                break;

            case SessionInput.KeepaliveReceived keepalive when keepalive.Connection == _connection:
                CountReceived("KEEPALIVE");
                Fire(FsmEvent.KeepAliveMsg);
                break;

            case SessionInput.NotificationReceived notification:
                OnNotification(notification.Connection, notification.Notification);
                break;

            case SessionInput.RouteRefreshReceived refresh when refresh.Connection == _connection:
                CountReceived("ROUTE-REFRESH");
                OnRouteRefresh(refresh.Request);
                break;

            case SessionInput.ProtocolError error:
                OnProtocolError(error.Connection, error.Error);
                break;

            case SessionInput.ConnectionClosed closed:
                if (closed.Connection == _candidate)
                {
                    _candidate = null;
                }
                else if (closed.Connection == _connection)
                {
                    _lastError ??= $"connection lost: {closed.Reason}";
                    if (_state == SessionState.Established)
                    {
                        _lastError = $"connection lost: {closed.Reason}";
                    }

                    Fire(FsmEvent.TcpConnectionFails);
                }

                break;

            case SessionInput.WriterDrained drained when drained.Connection == _connection:
                Pump();
                break;

            case SessionInput.Query query:
                query.Run();
                break;
        }
    }

    private void OnTimer(SessionTimer timer)
    {
        switch (timer)
        {
            case SessionTimer.ConnectRetry:
                Fire(FsmEvent.ConnectRetryTimerExpires);
                break;
            case SessionTimer.Hold:
                _eventReason = $"hold timer expired: nothing from the peer for {(_state == SessionState.Established ? _holdTime : LargeHoldTime).TotalSeconds:0}s";
                Fire(FsmEvent.HoldTimerExpires);
                break;
            case SessionTimer.Keepalive:
                Fire(FsmEvent.KeepaliveTimerExpires);
                break;
            case SessionTimer.IdleHold when !_stopped && _state == SessionState.Idle:
                _maxPrefixesBackoffPending = false;
                Fire(Settings.Passive ? FsmEvent.AutomaticStartWithPassiveTcpEstablishment : FsmEvent.AutomaticStart);
                break;
            case SessionTimer.StaleRoutes:
                SweepStale(_state == SessionState.Established ? "stale path timer expired before End-of-RIB" : "the peer did not return within its restart time");
                break;
        }
    }

    // RFC 4271 §8.2.1.1 and §6.8: a connection the peer opened.
    private void OnIncoming(TransportConnection transport)
    {
        switch (_state)
        {
            case SessionState.Connect or SessionState.Active when _connection is null:
                CancelConnectAttempt();
                _connection = Attach(transport);
                SessionLog.Connection(_logger, Settings.Name, $"accepted from {transport.Remote}");
                Fire(FsmEvent.TcpConnectionConfirmed);
                break;

            case SessionState.OpenSent or SessionState.OpenConfirm when _candidate is null:
                // Keep both until the peer's OPEN on the new connection tells us its BGP
                // Identifier; then §6.8 decides which one survives.
                _candidate = Attach(transport);
                SendOpen(_candidate);
                SessionLog.Connection(_logger, Settings.Name, $"accepted from {transport.Remote} while in {_state}: collision candidate");
                break;

            case SessionState.Established when _gracefulRestart.Negotiated:
                // RFC 4724 §4.2: a new connection from a graceful-restart peer means it restarted
                // without our noticing. The old session ends without a NOTIFICATION, its routes
                // stay stale, and the new connection is taken.
                GracefulRestartLog.PeerRestarted(_logger, Settings.Name);
                _lastError = "the peer opened a new connection: it restarted";
                Fire(FsmEvent.TcpConnectionFails);
                Fire(FsmEvent.AutomaticStartWithPassiveTcpEstablishment);
                OnIncoming(transport);
                break;

            default:
                // Idle refuses connections; Established keeps its connection (RFC 4271 §6.8,
                // CollisionDetectEstablishedState false) and closes the new one with a Cease.
                var refused = Attach(transport);
                if (_state == SessionState.Established)
                {
                    SendNotification(refused, new NotificationMessage(ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution, ReadOnlyMemory<byte>.Empty), "connection collision with established session");
                }
                else
                {
                    SendNotification(refused, new NotificationMessage(ErrorCode.Cease, CeaseSubcode.ConnectionRejected, ReadOnlyMemory<byte>.Empty), $"connection rejected in {_state}");
                }

                refused.Close();
                break;
        }
    }

    private void OnOpen(PeerConnection connection, OpenMessage open)
    {
        if (connection == _candidate)
        {
            ResolveCollision(open);
            return;
        }

        if (connection != _connection)
        {
            return;
        }

        CountReceived("OPEN");
        try
        {
            ValidateOpen(open);
        }
        catch (BgpProtocolException ex)
        {
            _lastError = $"rejected OPEN: {ex.Message}";
            _eventError = ex;
            Fire(FsmEvent.BgpOpenMsgErr);
            return;
        }

        _receivedOpen = open;
        Fire(FsmEvent.BgpOpen);
        _receivedOpen = null;
    }

    // RFC 4271 §6.8: keep the connection opened by the speaker with the higher BGP Identifier.
    private void ResolveCollision(OpenMessage open)
    {
        var candidate = _candidate!;
        CountReceived("OPEN");
        try
        {
            ValidateOpen(open);
        }
        catch (BgpProtocolException ex)
        {
            SendNotification(candidate, ex.ToNotification(), ex.Message);
            DropCandidate();
            return;
        }

        var localId = RouterIdValue(Settings.RouterId);
        var keepCandidate = localId < open.BgpIdentifier
            ? !candidate.LocallyInitiated
            : candidate.LocallyInitiated;
        if (_connection is null || candidate.LocallyInitiated == _connection.LocallyInitiated)
        {
            keepCandidate = _connection is null;
        }

        if (!keepCandidate)
        {
            SessionLog.CollisionResolved(_logger, Settings.Name, $"{(_connection!.LocallyInitiated ? "we" : "the peer")} opened");
            DropCandidate();
            return;
        }

        SessionLog.CollisionResolved(_logger, Settings.Name, $"{(candidate.LocallyInitiated ? "we" : "the peer")} opened");
        var old = _connection!;
        _connection = candidate;
        _candidate = null;
        SendNotification(old, new NotificationMessage(ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution, ReadOnlyMemory<byte>.Empty), "connection collision resolution");
        old.Close();

        // The surviving connection has sent its OPEN and received the peer's: it is where
        // OpenSent would be on receiving a valid OPEN.
        _state = SessionState.OpenSent;
        _receivedOpen = open;
        Fire(FsmEvent.BgpOpen);
        _receivedOpen = null;
    }

    private void OnNotification(PeerConnection connection, NotificationMessage notification)
    {
        var description = Describe(notification);
        if (connection == _candidate)
        {
            SessionLog.ReceivedNotification(_logger, Settings.Name, description + " (on collision candidate)");
            DropCandidate();
            return;
        }

        if (connection != _connection)
        {
            return;
        }

        CountReceived("NOTIFICATION");
        SessionLog.ReceivedNotification(_logger, Settings.Name, description);
        _lastError = $"peer sent {description}";
        var versionError = notification.Code == ErrorCode.OpenMessage && notification.Subcode == OpenErrorSubcode.UnsupportedVersionNumber;
        _notificationReceived = notification;
        Fire(versionError ? FsmEvent.NotifMsgVerErr : FsmEvent.NotifMsg);
    }

    private void OnProtocolError(PeerConnection connection, BgpProtocolException error)
    {
        if (connection == _candidate)
        {
            SendNotification(connection, error.ToNotification(), error.Message);
            DropCandidate();
            return;
        }

        if (connection != _connection)
        {
            return;
        }

        _lastError = $"malformed message from peer: {error.Message} ({(byte)error.Code}/{error.Subcode})";
        if (error.Code == ErrorCode.UpdateMessage)
        {
            _env.Metrics?.UpdateErrorAction(Settings.Name, "session-reset");
            LogSessionReset(error);
        }
        _eventError = error;
        Fire(error.Code switch
        {
            ErrorCode.MessageHeader => FsmEvent.BgpHeaderErr,
            ErrorCode.OpenMessage => FsmEvent.BgpOpenMsgErr,
            _ => FsmEvent.UpdateMsgErr,
        });
    }

    private void OnRouteRefresh(RouteRefreshMessage request)
    {
        if (_state != SessionState.Established)
        {
            return;
        }

        // RFC 2918 §4: re-advertise the Adj-RIB-Out of the family; a family that was not
        // negotiated is ignored. RFC 7313 markers are handled in OnRouteRefreshMarker.
        if (AfiSafi.FromWire(request.Afi, request.Safi) is not { } f || !_families.Contains(f))
        {
            return;
        }

        if (request.Subtype != RouteRefreshMessage.NormalRequest)
        {
            OnRouteRefreshMarker(f, request.Subtype);
            return;
        }

        BeginRefreshOut(f);
        _ribOut.Refresh(f);
        Pump();
    }

    private void Fire(FsmEvent ev)
    {
        var transition = SessionFsm.Next(_state, ev, Settings.Passive);
        var from = _state;
        (_firingEvent, _firingFrom) = (ev, from);
        _state = transition.Next;
        foreach (var action in transition.Actions)
        {
            Execute(action);
        }

        _eventError = null;
        _eventReason = null;
        _notificationReceived = null;
        _notificationSent = null;
        if (from != _state)
        {
            SessionLog.StateChanged(_logger, Settings.Name, from, _state, ev.ToString());
            if (_state == SessionState.Idle)
            {
                OnEnteredIdle();
            }
        }
    }

    private void Execute(FsmAction action)
    {
        switch (action.Kind)
        {
            case FsmActionKind.InitiateConnection:
                InitiateConnection();
                break;
            case FsmActionKind.DropConnection:
                CancelConnectAttempt();
                if (_connection is { } connection)
                {
                    connection.Close();
                    _connection = null;
                }

                DropCandidate();
                break;
            case FsmActionKind.SendOpen when _connection is not null:
                SendOpen(_connection);
                break;
            case FsmActionKind.SendKeepalive when _connection is not null:
                // A write queue full of UPDATEs already tells the peer we are alive once it drains.
                if (_connection.QueuedBytes < PeerConnection.HighWaterBytes)
                {
                    _connection.Send(KeepaliveMessage.Write);
                    CountSent("KEEPALIVE");
                }

                break;
            case FsmActionKind.SendNotification when _connection is not null:
                if (NotificationFor(action) is { } notification)
                {
                    SendNotification(_connection, notification, _eventError?.Message ?? _eventReason ?? _stopReason ?? "");
                }

                break;
            case FsmActionKind.StartConnectRetryTimer:
                StartTimer(SessionTimer.ConnectRetry, Settings.ConnectRetryTime * _env.Jitter());
                break;
            case FsmActionKind.StopConnectRetryTimer:
                StopTimer(SessionTimer.ConnectRetry);
                break;
            case FsmActionKind.StartLargeHoldTimer:
                StartTimer(SessionTimer.Hold, LargeHoldTime);
                break;
            case FsmActionKind.RestartHoldTimer:
                if (_holdTime > TimeSpan.Zero)
                {
                    StartTimer(SessionTimer.Hold, _holdTime);
                }
                else
                {
                    StopTimer(SessionTimer.Hold);
                }

                break;
            case FsmActionKind.StartKeepaliveTimer:
                if (_keepaliveTime > TimeSpan.Zero)
                {
                    StartTimer(SessionTimer.Keepalive, _keepaliveTime * _env.Jitter());
                }

                break;
            case FsmActionKind.ProcessOpen:
                Negotiate(_receivedOpen!);
                break;
            case FsmActionKind.ProcessUpdate:
                ProcessUpdate(_receivedUpdate!);
                break;
            case FsmActionKind.SessionEstablished:
                OnEstablished();
                break;
            case FsmActionKind.ReleaseResources:
                ReleaseReceivedRoutes();
                _ribOut.Reset();
                _outbound.Clear();
                _families = [];
                _sendFamilies = [];
                _ipv4OverIpv6 = false;
                _familyProblem = null;
                _peerOpen = null;
                _establishedTime = null;
                _initialSyncPending = false;
                ReleaseRefreshState();
                break;
            case FsmActionKind.IncrementConnectRetryCounter:
                _connectRetryCounter++;
                break;
            case FsmActionKind.ResetConnectRetryCounter:
                _connectRetryCounter = 0;
                break;
        }
    }

    private NotificationMessage? NotificationFor(FsmAction action)
    {
        if (action.ErrorCode == 0)
        {
            return _eventError?.ToNotification()
                ?? new NotificationMessage(ErrorCode.Cease, 0, ReadOnlyMemory<byte>.Empty);
        }

        // ManualStop: the Cease subcode says why (RFC 4486), and an administrative shutdown
        // or reset carries the operator's words (RFC 8203 §2).
        if (action.ErrorCode == (byte)ErrorCode.Cease && action.ErrorSubcode == CeaseSubcode.AdministrativeShutdown && _stopReason is not null)
        {
            if (_gracefulRestart.Negotiated)
            {
                return _gracefulRestart.StopNotification(_stopSubcode, _stopReason);
            }

            return _stopSubcode is CeaseSubcode.AdministrativeShutdown or CeaseSubcode.AdministrativeReset && _stopReason.Length > 0
                ? NotificationMessage.CreateShutdown(_stopSubcode, _stopReason)
                : new NotificationMessage(ErrorCode.Cease, _stopSubcode, ReadOnlyMemory<byte>.Empty);
        }

        return new NotificationMessage((ErrorCode)action.ErrorCode, action.ErrorSubcode, ReadOnlyMemory<byte>.Empty);
    }

    private void OnEnteredIdle()
    {
        // The stale routes of a restarting peer outlive the session (RFC 4724 §4.2).
        StopAllTimers(keepStaleRoutesTimer: true);
        if (_stopped)
        {
            return;
        }

        // Automatic restart (RFC 4271 §8.1.1 IdleHoldTimer): at once after an established
        // session drops, then backing off while the peer keeps refusing us.
        _consecutiveFailures++;
        var delay = _consecutiveFailures <= 1
            ? TimeSpan.Zero
            : TimeSpan.FromSeconds(Math.Min(MaxIdleHold.TotalSeconds, Math.Pow(2, _consecutiveFailures - 2)));
        delay = MaxPrefixesBackoff() ?? delay;
        StartTimer(SessionTimer.IdleHold, delay);
    }

    private void OnEstablished()
    {
        _establishedTime = _env.Time.GetUtcNow();
        _env.Restarts.Established(Settings.PeerAddress);
        _consecutiveFailures = 0;
        _lastError = _familyProblem;
        _initialSyncPending = true;
        DropCandidate();
        if (_familyProblem is not null)
        {
            SessionLog.FamilyNotSent(_logger, Settings.Name, _familyProblem);
        }

        SessionLog.Established(_logger, Settings.Name, (int)_holdTime.TotalSeconds, string.Join(",", _families));
        _ribOut.Reset();
        Pump();
    }

    private void ProcessUpdate(UpdateMessage update)
    {
        ReportUpdateErrors(update);

        // RFC 4271 §9.1.2: a route whose AS_PATH already holds our AS has looped; it is not
        // kept (as BIRD and GoBGP do), so "received" counts only routes we could use.
        if (update.Attributes is { } attributes && update.Announced.Length > 0 && ContainsAsn(attributes.AsPath, Settings.LocalAsn))
        {
            SessionLog.LoopedRoutes(_logger, Settings.Name, update.Announced.Length, Settings.LocalAsn);
            _ribIn.Apply(new UpdateMessage([.. update.Withdrawn, .. update.Announced], [], null, update.Action, update.EndOfRibFamily, update.Diagnostics));
            return;
        }

        _ribIn.Apply(update);

        // RFC 4724 §4.2: End-of-RIB ends the peer's restart for that family.
        if (update.EndOfRibFamily is { } family && _ribIn.HasStale)
        {
            SweepStale("End-of-RIB received", family);
        }
    }

    /// <summary>
    /// ReleaseResources for the Adj-RIB-In, as receiving speaker of graceful restart (RFC 4724
    /// §4.2, RFC 8538 §4): an Established session lost in a way that allows it keeps the routes
    /// of the families the peer listed, stale, for the peer's restart time. Outside Established
    /// only such stale routes can be there, and they wait for the peer.
    /// </summary>
    private void ReleaseReceivedRoutes()
    {
        if (_firingEvent == FsmEvent.ManualStop)
        {
            _ribIn.Clear();
            StopTimer(SessionTimer.StaleRoutes);
            return;
        }

        if (_firingFrom != SessionState.Established)
        {
            return;
        }

        if (!_gracefulRestart.KeepsRoutes(_firingEvent, _notificationReceived, _notificationSent))
        {
            _ribIn.Clear();
            StopTimer(SessionTimer.StaleRoutes);
            return;
        }

        var families = _gracefulRestart.PeerFamilies(requireForwardingState: false).Where(_families.Contains).ToHashSet();
        var kept = _ribIn.MarkStale(families);
        if (kept == 0)
        {
            StopTimer(SessionTimer.StaleRoutes);
            return;
        }

        GracefulRestartLog.KeptStale(_logger, Settings.Name, kept, (int)_gracefulRestart.PeerRestartTime.TotalSeconds);
        StartTimer(SessionTimer.StaleRoutes, _gracefulRestart.PeerRestartTime);
    }

    /// <summary>
    /// RFC 4724 §4.2 on re-establishment: stale routes of a family the peer no longer lists, or
    /// lists with F=0, or that was not negotiated again, go at once; the rest wait for End-of-RIB,
    /// bounded by the stale path timer.
    /// </summary>
    private void ResolveStaleOnOpen()
    {
        if (!_ribIn.HasStale)
        {
            return;
        }

        var preserved = _gracefulRestart.Negotiated ? _gracefulRestart.PeerFamilies(requireForwardingState: true) : new HashSet<RouteFamily>();
        foreach (var family in Enum.GetValues<RouteFamily>())
        {
            if (!preserved.Contains(family) || !_families.Contains(family))
            {
                SweepStale("the peer did not preserve forwarding state for the family", family);
            }
        }

        if (_ribIn.HasStale)
        {
            StartTimer(SessionTimer.StaleRoutes, GracefulRestart.StalePathTime);
        }
    }

    private void SweepStale(string reason, RouteFamily? only = null)
    {
        foreach (var family in Enum.GetValues<RouteFamily>())
        {
            if (only is null || only == family)
            {
                var swept = _ribIn.SweepStale(family);
                if (swept > 0)
                {
                    GracefulRestartLog.SweptStale(_logger, Settings.Name, swept, family, reason);
                }
            }
        }

        if (!_ribIn.HasStale)
        {
            StopTimer(SessionTimer.StaleRoutes);
        }
    }

    private static bool ContainsAsn(ImmutableArray<AsPathSegment> path, uint asn)
    {
        foreach (var segment in path)
        {
            if (segment.Asns.Contains(asn))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Sends pending Adj-RIB-Out changes while the write queue has room; resumes when the
    /// writer reports it drained. End-of-RIB follows the initial table (RFC 4724 §2).
    /// </summary>
    private void Pump()
    {
        if (_state != SessionState.Established || _connection is not { } connection)
        {
            return;
        }

        var options = new UpdateEncodeOptions(_fourOctetAs);
        while (_ribOut.HasPending)
        {
            if (connection.QueuedBytes >= PeerConnection.HighWaterBytes)
            {
                connection.RequestDrainSignal();
                return;
            }

            var buffer = new ArrayBufferWriter<byte>(64 * 1024);
            foreach (var group in _ribOut.TakeBatch(_env.BatchPrefixes, _sendFamilies))
            {
                var prefixes = CollectionsMarshal.AsSpan(group.Prefixes);
                CountSent("UPDATE", group.Attributes is null
                    ? UpdateWriter.WriteWithdrawals(buffer, group.Family, prefixes, options)
                    : UpdateWriter.WriteAnnouncements(buffer, group.Family, Outbound(group.Family, group.Attributes), prefixes, options));
            }

            if (buffer.WrittenCount > 0)
            {
                connection.Send(buffer.WrittenMemory);
            }
        }

        SendPendingEndOfRefresh(connection);

        if (_initialSyncPending)
        {
            _initialSyncPending = false;
            foreach (var family in _offeredFamilies)
            {
                if (_families.Contains(family))
                {
                    connection.Send(output => UpdateWriter.WriteEndOfRib(output, family));
                    CountSent("UPDATE");
                    SessionLog.EndOfRibSent(_logger, Settings.Name, family, _ribOut.SentCount(family));
                }
            }
        }
    }

    /// <summary>The attributes a route leaves with: RFC 4271 §5.1 mandatory ones plus the agent's policy.</summary>
    private PathAttributes Outbound(RouteFamily family, RouteAttributes policy)
    {
        if (_outbound.TryGetValue((family, policy), out var attributes))
        {
            return attributes;
        }

        ImmutableArray<AsPathSegment> asPath = [];
        if (!_internal)
        {
            // RFC 4271 §5.1.2: prepend our AS towards external peers; prepending applies there only.
            var asns = Enumerable.Repeat(Settings.LocalAsn, 1 + Math.Max(0, policy.AsPathPrependCount)).ToArray();
            asPath = [new AsPathSegment(AsPathSegmentType.AsSequence, [.. asns])];
        }

        attributes = new PathAttributes
        {
            Origin = Origin.Igp,
            AsPath = asPath,
            NextHop = family == RouteFamily.Ipv6Unicast || _ipv4OverIpv6 ? _nextHops.V6 : _nextHops.V4,
            LinkLocalNextHop = family == RouteFamily.Ipv6Unicast || _ipv4OverIpv6 ? _nextHops.V6LinkLocal : null,
            Med = policy.Med,
            LocalPreference = _internal ? policy.LocalPreference ?? 100 : null,
            Communities = policy.Communities,
            LargeCommunities = policy.LargeCommunities,
        };
        _outbound[(family, policy)] = attributes;
        return attributes;
    }

    private static void CloseInBackground(TransportConnection transport) =>
        _ = Task.Run(async () => await transport.DisposeAsync());

    private void InitiateConnection()
    {
        CancelConnectAttempt();
        var attempt = ++_connectAttempt;
        var cancel = new CancellationTokenSource();
        _connectCancel = cancel;
        _ = Task.Run(async () =>
        {
            try
            {
                var transport = await _env.Connector.ConnectAsync(Settings, cancel.Token);
                Post(new SessionInput.ConnectSucceeded(transport, attempt));
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception ex)
            {
                Post(new SessionInput.ConnectFailed(ex.Message, attempt));
            }
        });
    }

    private void CancelConnectAttempt()
    {
        _connectAttempt++;
        if (_connectCancel is { } cancel)
        {
            cancel.Cancel();
            cancel.Dispose();
            _connectCancel = null;
        }
    }

    private PeerConnection Attach(TransportConnection transport)
    {
        var connection = new PeerConnection(transport, this, localFourOctetAs: true, Settings.IsInternal) { LocalAsn = Settings.LocalAsn };
        connection.Start();
        return connection;
    }

    private void DropCandidate()
    {
        if (_candidate is { } candidate)
        {
            if (_state == SessionState.Established)
            {
                SendNotification(candidate, new NotificationMessage(ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution, ReadOnlyMemory<byte>.Empty), "connection collision resolution");
            }

            candidate.Close();
            _candidate = null;
        }
    }

    private void SendOpen(PeerConnection connection)
    {
        ChooseNextHops(connection.Transport.Local.Address);
        var capabilities = ImmutableArray.CreateBuilder<Capability>();
        foreach (var family in _offeredFamilies)
        {
            var (afi, safi) = AfiSafi.ToWire(family);
            capabilities.Add(new MultiprotocolCapability(afi, safi));
        }

        // RFC 8950: on an IPv6 session, offer to take IPv4 routes with IPv6 next hops.
        var extendedNextHop = _ipv6Session && _offeredFamilies.Contains(RouteFamily.Ipv4Unicast);
        if (extendedNextHop)
        {
            capabilities.Add(new ExtendedNextHopCapability([ExtendedNextHopFamily.Ipv4UnicastOverIpv6]));
        }

        connection.AcceptIpv6NextHopForIpv4 = extendedNextHop;
        capabilities.Add(RouteRefreshCapability.Instance);
        capabilities.Add(EnhancedRouteRefreshCapability.Instance);
        capabilities.Add(new FourOctetAsCapability(Settings.LocalAsn));
        if (_gracefulRestart.Capability(_offeredFamilies, _env.Restarts.IsRestarting(Settings.PeerAddress)) is { } gracefulRestart)
        {
            capabilities.Add(gracefulRestart);
        }

        var open = new OpenMessage(
            OpenMessage.BgpVersion,
            Settings.LocalAsn <= ushort.MaxValue ? (ushort)Settings.LocalAsn : OpenMessage.AsTrans,
            (ushort)Math.Clamp(Settings.HoldTime.TotalSeconds, 0, ushort.MaxValue),
            RouterIdValue(Settings.RouterId),
            capabilities.ToImmutable());
        connection.Send(open.Write);
        CountSent("OPEN");
    }

    /// <summary>
    /// Next hop self (see <see cref="NextHops"/>). A family we have no next hop for is not
    /// offered in the OPEN, except IPv4 on an IPv6 session: RFC 8950 may carry it.
    /// </summary>
    private void ChooseNextHops(IPAddress transportLocal)
    {
        var local = Settings.LocalAddress ?? transportLocal;
        local = local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local;
        _ipv6Session = local.AddressFamily == Sockets.AddressFamily.InterNetworkV6;
        _nextHops = NextHops.Choose(local, Settings.PeerAddress, Settings.IsInternal || Settings.EbgpMultihop <= 1, NextHops.LocalInterfaces());
        _offeredFamilies = [.. Settings.Families.Where(f => f == RouteFamily.Ipv4Unicast
            ? _nextHops.V4 is not null || (_ipv6Session && _nextHops.V6 is not null)
            : _nextHops.V6 is not null)];
    }

    // RFC 4271 §6.2 checks that need the session's configuration.
    private void ValidateOpen(OpenMessage open)
    {
        if (open.Version != OpenMessage.BgpVersion)
        {
            throw new BgpProtocolException(ErrorCode.OpenMessage, OpenErrorSubcode.UnsupportedVersionNumber, new byte[] { 0, OpenMessage.BgpVersion }, $"unsupported BGP version {open.Version}");
        }

        var peerAs = open.EffectiveAutonomousSystem;
        if (Settings.PeerAsn != 0 && peerAs != Settings.PeerAsn)
        {
            throw new BgpProtocolException(ErrorCode.OpenMessage, OpenErrorSubcode.BadPeerAs, $"peer AS {peerAs}, expected {Settings.PeerAsn}");
        }

        if (open.HoldTime is 1 or 2)
        {
            throw new BgpProtocolException(ErrorCode.OpenMessage, OpenErrorSubcode.UnacceptableHoldTime, $"hold time {open.HoldTime}s is not 0 or at least 3");
        }

        // RFC 6286 §2.2: an identifier equal to ours is an error only from an internal peer.
        if (open.BgpIdentifier == 0 || (peerAs == Settings.LocalAsn && open.BgpIdentifier == RouterIdValue(Settings.RouterId)))
        {
            throw new BgpProtocolException(ErrorCode.OpenMessage, OpenErrorSubcode.BadBgpIdentifier, $"bad BGP identifier {new IPAddress(BitConverter.GetBytes(BinaryPrimitives.ReverseEndianness(open.BgpIdentifier)))}");
        }
    }

    private void Negotiate(OpenMessage open)
    {
        _peerOpen = open;
        _internal = open.EffectiveAutonomousSystem == Settings.LocalAsn;
        _fourOctetAs = open.FindCapability<FourOctetAsCapability>() is not null;
        _outbound.Clear();

        // RFC 4271 §4.2: the smaller of the two hold times; keepalive a third of it at most.
        var hold = Math.Min((int)Settings.HoldTime.TotalSeconds, open.HoldTime);
        _holdTime = TimeSpan.FromSeconds(hold);
        _keepaliveTime = hold == 0
            ? TimeSpan.Zero
            : TimeSpan.FromSeconds(Math.Max(1, Math.Min((int)Settings.KeepaliveTime.TotalSeconds, hold / 3)));

        // RFC 4760 §8: a peer without any multiprotocol capability speaks IPv4 unicast only.
        var peerFamilies = new HashSet<RouteFamily>();
        var anyMultiprotocol = false;
        foreach (var capability in open.Capabilities)
        {
            if (capability is MultiprotocolCapability mp)
            {
                anyMultiprotocol = true;
                if (AfiSafi.FromWire(mp.Afi, mp.Safi) is { } family)
                {
                    peerFamilies.Add(family);
                }
            }
        }

        if (!anyMultiprotocol)
        {
            peerFamilies.Add(RouteFamily.Ipv4Unicast);
        }

        _families = [.. _offeredFamilies.Where(peerFamilies.Contains)];
        _gracefulRestart.Negotiate(open);
        ResolveStaleOnOpen();
        NegotiateNextHops(open);
    }

    /// <summary>
    /// RFC 8950 §2: IPv4 routes go with an IPv6 next hop only to a peer that advertised
    /// Extended Next Hop for them; otherwise they need an IPv4 address of ours, and without one
    /// they are not sent, which the status and log say.
    /// </summary>
    private void NegotiateNextHops(OpenMessage open)
    {
        _ipv4OverIpv6 = _ipv6Session
            && _nextHops.V6 is not null
            && open.FindCapability<ExtendedNextHopCapability>() is { } enhe
            && enhe.Allows(ExtendedNextHopFamily.Ipv4UnicastOverIpv6);
        _sendFamilies = [.. _families];
        _familyProblem = null;
        if (_families.Contains(RouteFamily.Ipv4Unicast) && !_ipv4OverIpv6 && _nextHops.V4 is null)
        {
            _sendFamilies.Remove(RouteFamily.Ipv4Unicast);
            _familyProblem = "IPv4 routes not sent: the peer did not advertise extended next hop (RFC 8950) and the peering interface has no IPv4 address for a next hop";
        }
    }

    private void SendNotification(PeerConnection connection, NotificationMessage notification, string reason)
    {
        SessionLog.SendingNotification(_logger, Settings.Name, (byte)notification.Code, notification.Subcode, reason);
        if (connection == _connection)
        {
            _notificationSent = notification;
            _lastError = $"sent {Describe(notification)}{(reason.Length > 0 ? ": " + reason : "")}";
            CountSent("NOTIFICATION");
        }

        connection.Send(notification.Write);
    }

    private void StartTimer(SessionTimer timer, TimeSpan due)
    {
        StopTimer(timer);
        var generation = ++_timerGenerations[(int)timer];
        _timers[(int)timer] = _env.Time.CreateTimer(
            _ => Post(new SessionInput.TimerFired(timer, generation)),
            null,
            due,
            Timeout.InfiniteTimeSpan);
    }

    private void StopTimer(SessionTimer timer)
    {
        _timerGenerations[(int)timer]++;
        _timers[(int)timer]?.Dispose();
        _timers[(int)timer] = null;
    }

    private void StopAllTimers(bool keepStaleRoutesTimer = false)
    {
        foreach (var timer in Enum.GetValues<SessionTimer>())
        {
            if (!(keepStaleRoutesTimer && timer == SessionTimer.StaleRoutes))
            {
                StopTimer(timer);
            }
        }
    }

    private List<RouteView> ReceivedRoutes() =>
        [.. _ribIn.Routes.OrderBy(r => r.Key.BaseAddress.AddressFamily).ThenBy(r => r.Key.ToString(), StringComparer.Ordinal)
            .Select(r => RouteViews.Create(r.Key, r.Value, _ribIn.IsStale(r.Key)))];

    private List<RouteView> AdvertisedRoutes() =>
        [.. _ribOut.Sent.OrderBy(r => r.Key.BaseAddress.AddressFamily).ThenBy(r => r.Key.ToString(), StringComparer.Ordinal)
            .Select(r => RouteViews.Create(r.Key, Outbound(AdjRibOut.FamilyOf(r.Key), r.Value)))];

    private PeerStatus BuildStatus() => new()
    {
        Name = Settings.Name,
        PeerAddress = Settings.PeerAddress.ToString(),
        PeerAsn = _peerOpen?.EffectiveAutonomousSystem ?? Settings.PeerAsn,
        LocalAsn = Settings.LocalAsn,
        State = _state,
        EstablishedTime = _establishedTime,
        HoldTime = (int)(_state == SessionState.Established ? _holdTime : Settings.HoldTime).TotalSeconds,
        KeepaliveTime = (int)(_state == SessionState.Established ? _keepaliveTime : Settings.KeepaliveTime).TotalSeconds,
        Families = [.. Settings.Families.Select(f => new FamilyStatus(
            f == RouteFamily.Ipv4Unicast ? "ipv4" : "ipv6",
            "unicast",
            _ribOut.SentCount(f),
            _ribIn.Count(f))
        {
            Stale = _ribIn.StaleCount(f),
        })],
        PeerCapabilities = _peerOpen is null ? [] : [.. _peerOpen.Capabilities.Select(CapabilityName)],
        LastError = _lastError,
        MessagesSent = _messagesSent,
        MessagesReceived = _messagesReceived,
    };

    private void CountSent(string type, long count = 1)
    {
        _messagesSent += count;
        _env.Metrics?.MessageSent(Settings.Name, type, count);
    }

    private void CountReceived(string type)
    {
        _messagesReceived++;
        _env.Metrics?.MessageReceived(Settings.Name, type);
    }

    private static string CapabilityName(Capability capability) => capability switch
    {
        MultiprotocolCapability mp => $"multiprotocol({mp.Afi}/{mp.Safi})",
        RouteRefreshCapability => "route-refresh",
        EnhancedRouteRefreshCapability => "enhanced-route-refresh",
        FourOctetAsCapability => "4-octet-as",
        GracefulRestartCapability => "graceful-restart",
        ExtendedNextHopCapability => "extended-nexthop",
        ExtendedMessageCapability => "extended-message",
        _ => $"unknown({capability.Code})",
    };

    private static string Describe(NotificationMessage notification)
    {
        var text = $"NOTIFICATION {(byte)notification.Code}/{notification.Subcode} ({notification.Code})";
        return notification.TryGetShutdownCommunication(out var message) && message.Length > 0
            ? $"{text} \"{message}\""
            : text;
    }

    private static uint RouterIdValue(IPAddress routerId) =>
        BinaryPrimitives.ReadUInt32BigEndian(routerId.MapToIPv4().GetAddressBytes());
}
