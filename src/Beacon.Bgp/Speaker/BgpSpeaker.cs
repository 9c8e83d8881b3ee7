using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Beacon.Bgp.Rib;
using Beacon.Bgp.Session;
using Beacon.Bgp.Transport;
using Beacon.Bgp.Wire;
using Microsoft.Extensions.Logging;

namespace Beacon.Bgp.Speaker;

/// <summary>One peer the speaker should run, with the routes it should hold.</summary>
public sealed record PeerPlan(PeerSettings Settings, ImmutableArray<AdvertisedRoute> Routes);

/// <summary>The whole desired state of the speaker.</summary>
/// <param name="LocalPort">TCP port to accept peers on; 0 never listens (dial only).</param>
public sealed record SpeakerConfiguration(int LocalPort, ImmutableArray<PeerPlan> Peers)
{
    public static SpeakerConfiguration Empty { get; } = new(0, []);
}

/// <summary>
/// The BGP speaker: runs one session per configured peer and accepts their connections.
/// It knows nothing of Kubernetes: it is told which peers to run and which routes each
/// should hold, and makes the wire agree.
/// </summary>
public sealed partial class BgpSpeaker : ISpeakerStatus, IAsyncDisposable
{
    private readonly SessionEnvironment _env;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _applyGate = new(1, 1);
    private ImmutableDictionary<string, PeerSession> _sessions = ImmutableDictionary<string, PeerSession>.Empty;
    private SocketListener? _listener;
    private int _listenPort;

    public BgpSpeaker(SessionEnvironment env)
    {
        _env = env;
        _logger = env.Loggers.CreateLogger<BgpSpeaker>();
    }

    /// <summary>Raised (on a session's loop) whenever a peer's status was republished.</summary>
    public event Action<PeerStatus>? PeerStatusChanged;

    /// <summary>Why the listener could not start, if it could not.</summary>
    public string? ListenerError { get; private set; }

    /// <summary>The port actually listened on (useful when 0 would pick one in tests).</summary>
    public int? ListeningPort => _listener?.LocalEndPoint.Port;

    /// <summary>Brings sessions and listener in line with <paramref name="configuration"/>.</summary>
    public async Task ApplyAsync(SpeakerConfiguration configuration, CancellationToken cancellationToken = default)
    {
        await _applyGate.WaitAsync(cancellationToken);
        try
        {
            await ApplyListenerAsync(configuration.LocalPort);
            ApplyListenerKeys(configuration);
            var sessions = _sessions;
            var wanted = configuration.Peers.ToDictionary(p => p.Settings.Name);
            foreach (var (name, session) in sessions)
            {
                if (wanted.TryGetValue(name, out var changed) && !changed.Settings.Equals(session.Settings) && changed.Settings.SameSessionAs(session.Settings))
                {
                    // Inbound policy only (max-prefix): the session takes it over and asks the peer
                    // for its routes again (RFC 2918) rather than dropping the session.
                    session.UpdateInboundSettings(changed.Settings);
                    continue;
                }

                if (!wanted.TryGetValue(name, out var plan) || !plan.Settings.Equals(session.Settings))
                {
                    // Unpublish first, so the peer's next connection is not handed to a session that is stopping.
                    sessions = sessions.Remove(name);
                    Volatile.Write(ref _sessions, sessions);
                    Log.PeerRemoved(_logger, name, plan is null ? "removed" : "settings changed");
                    await (plan is null
                        ? session.StopAsync("peer removed from configuration", CeaseSubcode.PeerDeconfigured)
                        : session.StopAsync("peer configuration changed", CeaseSubcode.OtherConfigurationChange));
                }
            }

            foreach (var plan in configuration.Peers)
            {
                if (sessions.TryGetValue(plan.Settings.Name, out var session))
                {
                    session.SetRoutes(plan.Routes);
                    continue;
                }

                session = new PeerSession(plan.Settings, _env);
                session.StatusChanged += OnSessionStatus;
                session.SetRoutes(plan.Routes);
                session.Start();
                sessions = sessions.Add(plan.Settings.Name, session);
                Log.PeerAdded(_logger, plan.Settings.Name, plan.Settings.PeerAddress.ToString(), plan.Settings.PeerAsn);
            }

            Volatile.Write(ref _sessions, sessions);
        }
        finally
        {
            _applyGate.Release();
        }
    }

    /// <summary>Hands a connection opened by a peer to its session (tests use this with in-memory pipes).</summary>
    public bool AcceptIncoming(TransportConnection transport)
    {
        var remote = transport.Remote.Address.IsIPv4MappedToIPv6 ? transport.Remote.Address.MapToIPv4() : transport.Remote.Address;
        foreach (var session in Volatile.Read(ref _sessions).Values)
        {
            if (session.Settings.PeerAddress.Equals(remote))
            {
                session.AcceptIncoming(transport);
                return true;
            }
        }

        Log.UnknownPeerRefused(_logger, transport.Remote.ToString());
        return false;
    }

    public IReadOnlyList<PeerStatus> GetPeers() =>
        [.. Volatile.Read(ref _sessions).Values.Select(s => s.Status).OrderBy(s => s.Name, StringComparer.Ordinal)];

    public async Task<IReadOnlyList<RouteView>?> GetRoutesAsync(string peerName, RouteDirection direction, CancellationToken cancellationToken = default)
    {
        if (!Volatile.Read(ref _sessions).TryGetValue(peerName, out var session))
        {
            return null;
        }

        return await session.GetRoutesAsync(direction).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Asks the peer to send its routes of <paramref name="family"/> again (ROUTE-REFRESH, RFC 2918).
    /// False when there is no such peer, the session is not Established, the family was not
    /// negotiated or the peer did not advertise the route refresh capability.
    /// </summary>
    public async Task<bool> RequestRefreshAsync(string peerName, RouteFamily family, CancellationToken cancellationToken = default)
    {
        if (!Volatile.Read(ref _sessions).TryGetValue(peerName, out var session))
        {
            return false;
        }

        return await session.RequestRefreshAsync(family).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Stops every session with a Cease / Administrative Shutdown carrying <paramref name="reason"/>;
    /// a session that negotiated graceful restart treats it as a planned restart instead, so the
    /// peer keeps our routes (Administrative Reset with the N bit, no NOTIFICATION without it).
    /// </summary>
    public async Task StopAsync(string reason)
    {
        await _applyGate.WaitAsync();
        try
        {
            var sessions = Interlocked.Exchange(ref _sessions, ImmutableDictionary<string, PeerSession>.Empty);
            await Task.WhenAll(sessions.Values.Select(s => s.StopAsync(reason).AsTask()));
            await ApplyListenerAsync(0);
        }
        finally
        {
            _applyGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync("speaker shutting down");
        _applyGate.Dispose();
    }

    private async Task ApplyListenerAsync(int port)
    {
        if (port == _listenPort && (_listener is not null || port == 0))
        {
            return;
        }

        if (_listener is not null)
        {
            await _listener.DisposeAsync();
            _listener = null;
        }

        _listenPort = port;
        ListenerError = null;
        if (port == 0)
        {
            return;
        }

        try
        {
            _listener = SocketListener.Start(null, port, OnAcceptedAsync);
            Log.Listening(_logger, port);
        }
        catch (SocketException ex)
        {
            ListenerError = $"cannot listen on port {port}: {ex.Message}";
            Log.ListenFailed(_logger, port, ex.Message);
        }
    }

    /// <summary>
    /// The listener holds one TCP MD5 key per peer that has one, so that their SYNs are checked
    /// and their accepted sockets signed; keys of peers that went away are removed. It answers
    /// with TTL 255 while any peer has GTSM.
    /// </summary>
    private void ApplyListenerKeys(SpeakerConfiguration configuration)
    {
        if (_listener is null)
        {
            return;
        }

        var keys = new Dictionary<IPAddress, TcpMd5Key>();
        foreach (var plan in configuration.Peers)
        {
            if (plan.Settings.TcpMd5Key is { } key)
            {
                keys.TryAdd(plan.Settings.PeerAddress, key);
            }
        }

        foreach (var (peer, error) in _listener.SetMd5Keys(keys))
        {
            Log.ListenerKeyFailed(_logger, peer.ToString(), error);
        }

        _listener.SetGtsm(configuration.Peers.Any(p => p.Settings.TtlSecurity));
    }

    private void OnSessionStatus(PeerStatus status) => PeerStatusChanged?.Invoke(status);

    private ValueTask OnAcceptedAsync(TransportConnection transport, Socket socket)
    {
        var remote = transport.Remote.Address;
        var session = Volatile.Read(ref _sessions).Values.FirstOrDefault(s => s.Settings.PeerAddress.Equals(remote));
        if (session is null)
        {
            Log.UnknownPeerRefused(_logger, transport.Remote.ToString());
            return transport.DisposeAsync();
        }

        // The listener is shared by every peer, so GTSM cannot filter SYNs there: a minimum TTL
        // on it would refuse the peers without GTSM. Instead the listener saves each SYN while a
        // GTSM peer exists; a GTSM peer's connection whose SYN came in below TTL 254 is closed at
        // once and the session told why (the handshake itself was not filtered), and the
        // accepted socket gets the minimum TTL before the OPEN is read, so every later segment
        // below it is dropped.
        if (session.Settings.TtlSecurity && ReadSynTtl(socket) is { } ttl && ttl < TcpSocketOptions.GtsmMinimumTtl)
        {
            var reason = $"connection from {transport.Remote} refused: its SYN arrived with TTL {ttl}, GTSM needs at least {TcpSocketOptions.GtsmMinimumTtl}: check that the peer has GTSM (ttl-security) on";
            Log.GtsmRefused(_logger, session.Settings.Name, reason);
            session.RefuseIncoming(reason);
            return transport.DisposeAsync();
        }

        TcpSocketOptions.ApplyTtl(socket, session.Settings);
        session.AcceptIncoming(transport);
        return ValueTask.CompletedTask;
    }

    private static int? ReadSynTtl(Socket socket)
    {
        try
        {
            return TcpSocketOptions.ReadSavedSynTtl(socket);
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1121, Level = LogLevel.Warning, Message = "Peer {Peer}: {Reason}")]
        public static partial void GtsmRefused(ILogger logger, string peer, string reason);

        [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Peer {Peer} added: {Address} AS {Asn}")]
        public static partial void PeerAdded(ILogger logger, string peer, string address, uint asn);

        [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Peer {Peer} stopped: {Reason}")]
        public static partial void PeerRemoved(ILogger logger, string peer, string reason);

        [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Listening for BGP connections on port {Port}")]
        public static partial void Listening(ILogger logger, int port);

        [LoggerMessage(EventId = 1104, Level = LogLevel.Error, Message = "Cannot listen for BGP connections on port {Port}: {Reason}")]
        public static partial void ListenFailed(ILogger logger, int port, string reason);

        [LoggerMessage(EventId = 1120, Level = LogLevel.Error, Message = "Cannot set the TCP MD5 key of peer {Address} on the listener: {Reason}")]
        public static partial void ListenerKeyFailed(ILogger logger, string address, string reason);

        [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Refused a BGP connection from {Remote}: no peer has that address")]
        public static partial void UnknownPeerRefused(ILogger logger, string remote);
    }
}
