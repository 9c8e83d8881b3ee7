using System.Collections.Immutable;
using Beacon.Agent.Announcements;
using Beacon.Agent.Gateway;
using Beacon.Agent.LocalAddresses;
using Beacon.Agent.NodeStatus;
using Beacon.Agent.Status;
using Beacon.Bgp.Session;
using Beacon.Bgp.Speaker;
using Beacon.Cluster;
using Beacon.Gateway.DataPlane;
using RouteDirection = Beacon.Bgp.Speaker.RouteDirection;

namespace Beacon.Agent;

/// <summary>
/// The agent's main loop for one node: every snapshot from the source is planned for this
/// node and handed to the BGP speaker, which makes the wire agree. The loop keeps the last
/// plan when a snapshot brings errors (the source keeps each bad file's last good content).
/// </summary>
internal sealed partial class NodeAgent : IAgentServices, ISpeakerStatus
{
    private const string SourceReadiness = "source";
    private const string BgpReadiness = "bgp";

    private readonly AgentContext _context;
    private readonly IClusterSource _source;
    private readonly BgpSpeaker _speaker;
    private readonly GatewayRuntime _gateway;
    private readonly LocalAddressManager? _localAddresses;
    private readonly ILogger _logger;
    private ImmutableHashSet<string> _reportedSourceErrors = [];
    private ImmutableHashSet<string> _reportedDiagnostics = [];
    private IReadOnlyList<PeerStatus> _refused = [];
    private ClusterSnapshot? _lastSnapshot;
    private string? _gatewayInterfaceError;

    /// <summary>
    /// How long a stopping agent keeps serving Gateways after withdrawing their addresses, so
    /// routers move the traffic to other nodes before the listeners close.
    /// </summary>
    public static TimeSpan GatewayDrainTime { get; } = TimeSpan.FromSeconds(2);

    /// <summary>How often Gateway listeners that failed to bind are tried again.</summary>
    public static TimeSpan GatewayRetryInterval { get; } = TimeSpan.FromSeconds(5);

    private readonly NodeStateWriter? _nodeState;

    public NodeAgent(AgentContext context, IClusterSource source, NodeStateWriter? nodeState = null)
    {
        _context = context;
        _source = source;
        _nodeState = nodeState;
        _logger = context.LoggerFactory.CreateLogger<NodeAgent>();
        var metrics = new BgpMetrics(context.MeterFactory);
        _speaker = new BgpSpeaker(new SessionEnvironment
        {
            Time = context.TimeProvider,
            Loggers = context.LoggerFactory,
            Metrics = metrics,
        });
        metrics.ObserveStatus(this);

        if (context.Options.GatewayInterface is { } interfaceName)
        {
            _localAddresses = LocalAddressManager.Create(interfaceName, context.LoggerFactory.CreateLogger<LocalAddressManager>());
        }

        _gateway = new GatewayRuntime(
            new GatewayDataPlane(context.LoggerFactory, context.TimeProvider, new GatewayDataPlaneOptions(), context.MeterFactory),
            context.TimeProvider,
            _localAddresses is null ? null : MakeLocalAsync);
    }

    /// <summary>The speaker's peers, plus the configured peers the plan refused (shown Idle with the reason).</summary>
    public ISpeakerStatus Speaker => this;

    public IObjectStatusSource ObjectStatus => _gateway;

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        _context.Readiness.Block(SourceReadiness, "waiting for the first configuration snapshot");

        // The node's BGPNodeState follows what `beacon peers` shows, refused peers included.
        var writingNodeState = _nodeState?.RunAsync(this, stoppingToken) ?? Task.CompletedTask;
        try
        {
            await using var snapshots = _source.WatchAsync(stoppingToken).GetAsyncEnumerator(stoppingToken);
            var next = snapshots.MoveNextAsync().AsTask();
            while (true)
            {
                // A Gateway whose listener could not bind (its address is not local yet, its
                // port is taken) is tried again every GatewayRetryInterval, not only when the
                // configuration changes next.
                if (_gateway.HasUnservedGateways && _lastSnapshot is { } last && !await NextOrTimeoutAsync(next, stoppingToken))
                {
                    await ApplyAsync(last, stoppingToken);
                    continue;
                }

                if (!await next)
                {
                    break;
                }

                var snapshot = snapshots.Current;
                next = snapshots.MoveNextAsync().AsTask();

                // DESIGN/issue 3: while the source cannot see the cluster the last state keeps
                // being announced, and /readyz says why the agent is not ready.
                if (snapshot.Unavailable is { } reason)
                {
                    _context.Readiness.Block(SourceReadiness, reason);
                }
                else
                {
                    _context.Readiness.Clear(SourceReadiness);
                }

                await ApplyAsync(snapshot, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await writingNodeState;
            await WithdrawGatewaysAsync();
            await _speaker.StopAsync("Beacon agent shutting down");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _localAddresses?.Dispose();
        await _speaker.DisposeAsync();
    }

    public IReadOnlyList<PeerStatus> GetPeers() =>
        [.. _speaker.GetPeers().Concat(Volatile.Read(ref _refused)).OrderBy(p => p.Name, StringComparer.Ordinal)];

    public async Task<IReadOnlyList<RouteView>?> GetRoutesAsync(string peerName, RouteDirection direction, CancellationToken cancellationToken = default) =>
        await _speaker.GetRoutesAsync(peerName, direction, cancellationToken)
        ?? (Volatile.Read(ref _refused).Any(p => p.Name == peerName) ? [] : null);

    private async Task ApplyAsync(ClusterSnapshot snapshot, CancellationToken cancellationToken)
    {
        _reportedSourceErrors = Report(snapshot.Errors.Select(e => e.ToString()), _reportedSourceErrors, static (logger, text) => Log.SourceError(logger, text));

        // The proxy first: a Gateway's addresses are announced only once this node serves it.
        IReadOnlyList<ServedGateway> served;
        try
        {
            served = await _gateway.ApplyAsync(snapshot, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.GatewayFailed(_logger, e);
            served = [];
        }

        var plan = AnnouncementPlanner.Plan(snapshot, _context.Options.NodeName, served);
        _lastSnapshot = snapshot;
        _reportedDiagnostics = Report(plan.Diagnostics.Select(d => d.ToString()), _reportedDiagnostics, static (logger, text) => Log.PlanDiagnostic(logger, text));

        IReadOnlyList<PeerStatus> refused = [.. plan.Refused.Select(r => new PeerStatus
        {
            Name = r.Name,
            PeerAddress = r.PeerAddress,
            PeerAsn = r.PeerAsn,
            LocalAsn = r.LocalAsn,
            State = SessionState.Idle,
            LastError = $"not run: {r.Reason}",
        })];
        Volatile.Write(ref _refused, refused);

        var configuration = new SpeakerConfiguration(
            plan.ListenPort ?? 0,
            plan.Peers);
        await _speaker.ApplyAsync(configuration, cancellationToken);
        Log.Applied(_logger, snapshot.Version, configuration.Peers.Length, configuration.Peers.Sum(p => p.Routes.Length));

        if (_speaker.ListenerError is { } listenerError)
        {
            _context.Readiness.Block(BgpReadiness, listenerError);
        }
        else
        {
            _context.Readiness.Clear(BgpReadiness);
        }
    }

    /// <returns>True when the next snapshot is ready, false when the retry interval passed first.</returns>
    private async Task<bool> NextOrTimeoutAsync(Task<bool> next, CancellationToken cancellationToken)
    {
        using var retry = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(GatewayRetryInterval, _context.TimeProvider, retry.Token);
        var first = await Task.WhenAny(next, delay);
        await retry.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        return first == next;
    }

    // A stop is a planned restart for the BGP routes (graceful restart keeps them at the
    // routers), but the proxy is this process: the Gateway addresses are withdrawn first and
    // served a little longer, so routers send their traffic to the other nodes meanwhile.
    private async Task WithdrawGatewaysAsync()
    {
        if (_gateway.Served.Count == 0 || _lastSnapshot is not { } snapshot)
        {
            return;
        }

        try
        {
            var plan = AnnouncementPlanner.Plan(snapshot, _context.Options.NodeName, []);
            await _speaker.ApplyAsync(new SpeakerConfiguration(plan.ListenPort ?? 0, plan.Peers), CancellationToken.None);
            Log.GatewaysWithdrawn(_logger, GatewayDrainTime.TotalSeconds);
            await Task.Delay(GatewayDrainTime, _context.TimeProvider);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.GatewayFailed(_logger, e);
        }
    }

    // Addresses that cannot be added are logged; their binds then fail, so the Gateway is
    // reported not programmed on this node and its addresses are not announced from it.
    private async Task MakeLocalAsync(IReadOnlyCollection<System.Net.IPAddress> addresses, CancellationToken cancellationToken)
    {
        LocalAddressResult result;
        try
        {
            result = await _localAddresses!.ApplyAsync(addresses, cancellationToken);
        }
        catch (LocalAddressException e)
        {
            // The interface itself is unusable (no dummy support in the kernel, no NET_ADMIN, a
            // foreign interface of that name): Gateways whose addresses are local anyway
            // still serve; the others fail to bind and are reported.
            if (e.Message != _gatewayInterfaceError)
            {
                Log.GatewayInterfaceFailed(_logger, e.Message);
                _gatewayInterfaceError = e.Message;
            }

            return;
        }

        _gatewayInterfaceError = null;

        foreach (var error in result.Errors)
        {
            Log.GatewayAddressFailed(_logger, error.Address.ToString(), error.Message);
        }
    }

    // Problems are logged once when they appear and once when they are resolved, not on every snapshot.
    private ImmutableHashSet<string> Report(IEnumerable<string> current, ImmutableHashSet<string> reported, Action<ILogger, string> log)
    {
        var now = current.ToImmutableHashSet(StringComparer.Ordinal);
        foreach (var text in now.Except(reported))
        {
            log(_logger, text);
        }

        foreach (var text in reported.Except(now))
        {
            Log.Resolved(_logger, text);
        }

        return now;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1200, Level = LogLevel.Error, Message = "Configuration error: {Error}")]
        public static partial void SourceError(ILogger logger, string error);

        [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Plan: {Diagnostic}")]
        public static partial void PlanDiagnostic(ILogger logger, string diagnostic);

        [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Resolved: {Problem}")]
        public static partial void Resolved(ILogger logger, string problem);

        [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "Applied snapshot {Version}: {Peers} peers, {Routes} routes")]
        public static partial void Applied(ILogger logger, long version, int peers, int routes);

        [LoggerMessage(EventId = 1204, Level = LogLevel.Error, Message = "Gateway configuration could not be applied; the previous one keeps serving")]
        public static partial void GatewayFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1206, Level = LogLevel.Information, Message = "Stopping: Gateway addresses withdrawn, serving them {Seconds} s more while routers move their traffic")]
        public static partial void GatewaysWithdrawn(ILogger logger, double seconds);

        [LoggerMessage(EventId = 1207, Level = LogLevel.Error, Message = "Gateway addresses cannot be made local: {Error}")]
        public static partial void GatewayInterfaceFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 1205, Level = LogLevel.Error, Message = "Gateway address {Address} could not be made local: {Error}")]
        public static partial void GatewayAddressFailed(ILogger logger, string address, string error);
    }
}
