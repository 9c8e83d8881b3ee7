using System.Net;
using System.Text.Json;
using Beacon.Bgp.Speaker;
using Beacon.Cluster.Model;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Beacon.Agent.NodeStatus;

/// <summary>
/// Keeps the node's <see cref="BgpNodeState"/> (named after the node) in step with the speaker: creates it when
/// missing, owned by the Node so it goes away with it, and replaces its status through the status subresource
/// when something meaningful changed. The speaker is sampled once per <see cref="Interval"/>, so changes within
/// one interval coalesce into one write, and message counters (which move on every keepalive) are not written.
/// </summary>
internal sealed partial class NodeStateWriter
{
    public const string ReadyCondition = "Ready";

    /// <summary>How often the speaker is sampled, and so the shortest time between two writes.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>How often the object is read back even when nothing changed, to undo writes by others.</summary>
    public static readonly TimeSpan ResyncInterval = TimeSpan.FromMinutes(5);

    /// <summary>Longest wait between attempts while the API server fails.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    // A status replace that keeps hitting 409 is racing another writer; give the next sample a go instead.
    private const int MaxConflictRetries = 5;

    private const int MaxConditionMessageLength = 32768;

    private const string Plural = "bgpnodestates";

    private readonly IKubernetes _client;
    private readonly string _nodeName;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    private BgpNodeState? _current;
    private string? _writtenPeers;
    private V1Condition? _writtenReady;
    private DateTimeOffset _nextRead;
    private int _failures;

    public NodeStateWriter(IKubernetes client, string nodeName, TimeProvider timeProvider, ILogger<NodeStateWriter> logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        _client = client;
        _nodeName = nodeName;
        _time = timeProvider;
        _logger = logger;
    }

    /// <summary>Called each time a sample has been handled and the writer starts waiting for the next one.</summary>
    internal Action? Waiting { get; set; }

    /// <summary>Samples <paramref name="status"/> every <see cref="Interval"/> and writes what changed until cancelled.</summary>
    public async Task RunAsync(ISpeakerStatus status, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var wait = Interval;
                try
                {
                    await SyncAsync(status.GetPeers(), cancellationToken);
                    if (_failures > 0)
                    {
                        Log.Recovered(_logger, _nodeName);
                    }

                    _failures = 0;
                }
                // Whatever went wrong (API server away, timeouts, rejected writes), the agent keeps announcing; this
                // writer only reports, so it logs once and tries again with the state of that moment.
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    if (_failures == 0)
                    {
                        Log.WriteFailed(_logger, _nodeName, ex);
                    }

                    _failures++;
                    _current = null;
                    wait = Backoff(_failures);
                }

                var delay = Task.Delay(wait, _time, cancellationToken);
                Waiting?.Invoke();
                await delay;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>What the object's status should say about these peers; <paramref name="previousReady"/> keeps its transition time when unchanged.</summary>
    internal static BgpNodeStateStatus Project(IReadOnlyList<PeerStatus> peers, V1Condition? previousReady, DateTimeOffset now) => new()
    {
        Peers = [.. peers.Select(Project)],
        Conditions = [Ready(peers, previousReady, now)],
    };

    private static TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, Interval.Ticks << Math.Min(failures - 1, 16)));

    private static BgpPeerState Project(PeerStatus peer) => new()
    {
        Name = peer.Name,
        PeerAddress = peer.PeerAddress,
        PeerASN = peer.PeerAsn,
        LocalASN = peer.LocalAsn,
        State = peer.State.ToString(),
        EstablishedTime = peer.EstablishedTime is { } established ? WholeSeconds(established) : null,
        HoldTimeSeconds = peer.HoldTime,
        KeepaliveTimeSeconds = peer.KeepaliveTime,
        Capabilities = peer.PeerCapabilities.IsDefaultOrEmpty ? null : [.. peer.PeerCapabilities],
        Families = peer.Families.IsDefaultOrEmpty
            ? null
            : [.. peer.Families.Select(f => new BgpFamilyRouteCount { Afi = f.Afi, Safi = f.Safi, Advertised = f.Advertised, Received = f.Received })],
        LastError = string.IsNullOrEmpty(peer.LastError) ? null : peer.LastError,
    };

    private static V1Condition Ready(IReadOnlyList<PeerStatus> peers, V1Condition? previous, DateTimeOffset now)
    {
        var down = peers.Where(p => p.State != SessionState.Established).ToList();
        var (status, reason, message) = (peers.Count, down.Count) switch
        {
            (0, _) => ("True", "NoPeers", "no BGP peer is configured for this node"),
            (_, 0) => ("True", "AllPeersEstablished", $"{peers.Count} of {peers.Count} peers Established"),
            _ => ("False", "PeersNotEstablished",
                $"{peers.Count - down.Count} of {peers.Count} peers Established; not Established: "
                + string.Join(", ", down.Select(p => p.LastError is { Length: > 0 } error ? $"{p.Name} ({p.State}: {error})" : $"{p.Name} ({p.State})"))),
        };
        if (message.Length > MaxConditionMessageLength)
        {
            message = message[..(MaxConditionMessageLength - 3)] + "...";
        }

        var transition = previous is not null && previous.Status == status ? previous.LastTransitionTime : WholeSeconds(now);
        return new V1Condition
        {
            Type = ReadyCondition,
            Status = status,
            Reason = reason,
            Message = message,
            LastTransitionTime = transition,
        };
    }

    // Kubernetes times (metav1.Time) have whole seconds; finer ticks would not survive a read back.
    private static DateTime WholeSeconds(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    private static bool SameCondition(V1Condition? a, V1Condition? b) =>
        a is not null && b is not null && a.Status == b.Status && a.Reason == b.Reason && a.Message == b.Message;

    private static bool IsStatus(HttpOperationException ex, HttpStatusCode code) => ex.Response?.StatusCode == code;

    private async Task SyncAsync(IReadOnlyList<PeerStatus> peers, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_current is null || now >= _nextRead)
        {
            await ReadAsync(cancellationToken);
        }

        for (var attempt = 0; ; attempt++)
        {
            var desired = Project(peers, _writtenReady, now);
            var peersJson = KubernetesJson.Serialize(desired.Peers);
            var ready = desired.Conditions![0];
            if (peersJson == _writtenPeers && SameCondition(ready, _writtenReady))
            {
                return;
            }

            _current!.Status = desired;
            try
            {
                _current = Convert(await _client.CustomObjects.ReplaceClusterCustomObjectStatusAsync(
                    _current, BeaconApi.Group, BeaconApi.Version, Plural, _nodeName, cancellationToken: cancellationToken));
                _writtenPeers = peersJson;
                _writtenReady = ready;
                return;
            }
            catch (HttpOperationException ex) when (IsStatus(ex, HttpStatusCode.Conflict) && attempt < MaxConflictRetries)
            {
                // Someone else wrote the object since we read it: read it again and put our status on top.
                Log.Conflict(_logger, _nodeName);
                await ReadAsync(cancellationToken);
            }
            catch (HttpOperationException ex) when (IsStatus(ex, HttpStatusCode.NotFound) && attempt < MaxConflictRetries)
            {
                // Deleted behind our back (by hand, or with a Node of the same name): create it again.
                await ReadAsync(cancellationToken);
            }
        }
    }

    /// <summary>
    /// Takes what the API server holds as what was written: after a restart an unchanged status is not written
    /// again and Ready keeps its transition time; a status someone else overwrote is put back at the next resync.
    /// </summary>
    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        _current = await GetOrCreateAsync(cancellationToken);
        _writtenPeers = _current.Status?.Peers is { } peers ? KubernetesJson.Serialize(peers) : null;
        _writtenReady = _current.Status?.Conditions?.FirstOrDefault(c => c.Type == ReadyCondition);
        _nextRead = _time.GetUtcNow() + ResyncInterval;
    }

    private async Task<BgpNodeState> GetOrCreateAsync(CancellationToken cancellationToken)
    {
        try
        {
            return Convert(await _client.CustomObjects.GetClusterCustomObjectAsync(
                BeaconApi.Group, BeaconApi.Version, Plural, _nodeName, cancellationToken));
        }
        catch (HttpOperationException ex) when (IsStatus(ex, HttpStatusCode.NotFound))
        {
        }

        var created = new BgpNodeState { Metadata = new V1ObjectMeta { Name = _nodeName, OwnerReferences = await NodeOwnerAsync(cancellationToken) } };
        try
        {
            var result = Convert(await _client.CustomObjects.CreateClusterCustomObjectAsync(
                created, BeaconApi.Group, BeaconApi.Version, Plural, cancellationToken: cancellationToken));
            Log.Created(_logger, _nodeName);
            return result;
        }
        catch (HttpOperationException ex) when (IsStatus(ex, HttpStatusCode.Conflict))
        {
            // Created between our read and our create (a previous agent on this node, still stopping).
            return Convert(await _client.CustomObjects.GetClusterCustomObjectAsync(
                BeaconApi.Group, BeaconApi.Version, Plural, _nodeName, cancellationToken));
        }
    }

    /// <summary>The Node as owner, so the garbage collector deletes the state with the node; none if the Node cannot be read.</summary>
    private async Task<IList<V1OwnerReference>?> NodeOwnerAsync(CancellationToken cancellationToken)
    {
        try
        {
            var node = await _client.CoreV1.ReadNodeAsync(_nodeName, cancellationToken: cancellationToken);
            return [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = node.Metadata.Name, Uid = node.Metadata.Uid }];
        }
        catch (HttpOperationException ex) when (IsStatus(ex, HttpStatusCode.NotFound) || IsStatus(ex, HttpStatusCode.Forbidden))
        {
            Log.NoNodeOwner(_logger, _nodeName, (int)ex.Response.StatusCode);
            return null;
        }
    }

    // The custom-objects API hands back untyped JSON; the model is the type.
    private static BgpNodeState Convert(object body) =>
        KubernetesJson.Deserialize<BgpNodeState>(body is JsonElement element ? element.GetRawText() : KubernetesJson.Serialize(body));

    private static partial class Log
    {
        [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Created BGPNodeState {Node}")]
        public static partial void Created(ILogger logger, string node);

        [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Cannot write BGPNodeState {Node}; retrying with backoff")]
        public static partial void WriteFailed(ILogger logger, string node, Exception exception);

        [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "BGPNodeState {Node} written again after failures")]
        public static partial void Recovered(ILogger logger, string node);

        [LoggerMessage(EventId = 1303, Level = LogLevel.Debug, Message = "BGPNodeState {Node} changed since it was read; reading it again")]
        public static partial void Conflict(ILogger logger, string node);

        [LoggerMessage(EventId = 1304, Level = LogLevel.Warning, Message = "Cannot read Node {Node} (HTTP {Code}); its BGPNodeState is created without an owner")]
        public static partial void NoNodeOwner(ILogger logger, string node, int code);
    }
}
