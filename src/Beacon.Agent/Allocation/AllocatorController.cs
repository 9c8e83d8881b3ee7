using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Beacon.Agent.Announcements;
using Beacon.Agent.Gateway;
using Beacon.Cluster;
using Beacon.Cluster.Ipam;
using Beacon.Cluster.Model;
using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Beacon.Agent.Allocation;

/// <summary>
/// The LoadBalancer IP allocator as a controller: every agent campaigns for the
/// <c>beacon-allocator</c> Lease, and only the leader plans (<see cref="IpAllocator.Plan"/>)
/// and writes Service addresses, Service and pool conditions, pool counts and Events, and the
/// <c>Accepted</c> condition of every BGPClusterConfig, BGPPeerConfig and BGPAdvertisement
/// (<see cref="ConfigConditions"/>), and the status of the Gateway API objects of Beacon's
/// class with their assigned addresses (<see cref="GatewayStatusWriter"/>): facts about the
/// whole cluster, so one agent writes them.
/// The plan is a pure function of the snapshot that keeps every address a Service holds, so
/// a new leader carries on where the old one stopped without renumbering anything.
/// </summary>
/// <remarks>
/// Snapshots come in through <see cref="Observe"/> (latest wins) from whoever reads the
/// cluster (<see cref="AllocatingClusterSource"/>); the allocator never reads the API server on its own. Every write carries the
/// <c>resourceVersion</c> the plan was made from: a <c>409 Conflict</c> means a newer object
/// is on its way in the next snapshot, which is planned afresh.
/// </remarks>
public sealed partial class AllocatorController
{
    private readonly IKubernetes _client;
    private readonly AllocatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AllocationEventRecorder _events;
    private readonly GatewayStatusWriter _gatewayStatus;
    private readonly Channel<bool> _changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private ClusterSnapshot? _latest;
    private volatile bool _leading;

    public AllocatorController(IKubernetes client, AllocatorOptions options, ILoggerFactory loggers, TimeProvider? time = null)
    {
        _client = client;
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = loggers.CreateLogger<AllocatorController>();
        _events = new AllocationEventRecorder(client, options.Identity, _time, _logger);
        _gatewayStatus = new GatewayStatusWriter(client, loggers, _time);
    }

    /// <summary>True while this agent holds the Lease and writes.</summary>
    public bool IsLeading => _leading;

    /// <summary>Hands the allocator the newest snapshot; cheap, never blocks, safe from any thread.</summary>
    public void Observe(ClusterSnapshot snapshot)
    {
        Volatile.Write(ref _latest, snapshot);
        _changed.Writer.TryWrite(true);
    }

    /// <summary>Campaigns for the Lease until cancelled (then returns), allocating whenever this agent leads.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            using var elector = new LeaderElector(new LeaderElectionConfig(
                new LeaseLock(_client, _options.Namespace, AllocatorOptions.LeaseName, _options.Identity))
            {
                LeaseDuration = _options.LeaseDuration,
                RenewDeadline = _options.RenewDeadline,
                RetryPeriod = _options.RetryPeriod,
            });
            using var term = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task leading = Task.CompletedTask;
            var started = false;
            elector.OnStartedLeading += () =>
            {
                started = true;
                _leading = true;
                Log.StartedLeading(_logger, _options.Identity);
                leading = Task.Run(() => LeadAsync(term.Token), CancellationToken.None);
            };

            // Raised by the elector the moment a renewal misses its deadline: writing stops
            // here, before the Lease can expire and another agent starts.
            elector.OnStoppedLeading += () =>
            {
                _leading = false;
                term.Cancel();
            };

            try
            {
                await elector.RunUntilLeadershipLostAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The election must outlive any failure of one campaign: campaign again.
                Log.ElectionFailed(_logger, ex.Message);
            }
            finally
            {
                _leading = false;
                await term.CancelAsync();
                await leading;
                if (started)
                {
                    Log.StoppedLeading(_logger, _options.Identity);
                }
            }

            if (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(_options.RetryPeriod, _time, cancellationToken).ContinueWith(static _ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task LeadAsync(CancellationToken term)
    {
        ClusterSnapshot? done = null;
        try
        {
            while (!term.IsCancellationRequested)
            {
                var snapshot = Volatile.Read(ref _latest);
                if (snapshot is null || ReferenceEquals(snapshot, done))
                {
                    await _changed.Reader.ReadAsync(term);
                    continue;
                }

                done = snapshot;
                try
                {
                    await ApplyAsync(snapshot, term);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One bad snapshot must not end allocation for the rest of the term.
                    Log.PlanFailed(_logger, snapshot.Version, ex);
                }
            }
        }
        catch (OperationCanceledException) when (term.IsCancellationRequested)
        {
        }
    }

    private async Task ApplyAsync(ClusterSnapshot snapshot, CancellationToken term)
    {
        var plan = IpAllocator.Plan(snapshot);

        // Events first: a term that ends between a status write and its event would leave the
        // event unsaid, since the next plan (from the written status) no longer has it.
        await _events.RecordAsync(plan.Events, snapshot, term);
        foreach (var allocation in plan.Services)
        {
            if (snapshot.Services.GetValueOrDefault($"{allocation.Namespace}/{allocation.Name}") is { } service)
            {
                await WriteAsync($"Service {allocation.Namespace}/{allocation.Name}", () => WriteServiceAsync(service, allocation, term));
            }
        }

        foreach (var poolPlan in plan.Pools)
        {
            if (snapshot.IpPools.GetValueOrDefault(poolPlan.Name) is { } pool)
            {
                await WriteAsync($"{LoadBalancerIpPool.KindName} {poolPlan.Name}", () => WritePoolAsync(pool, poolPlan, term));
            }
        }

        foreach (var config in ConfigConditions.Plan(snapshot))
        {
            await WriteAsync(ClusterSnapshot.DisplayName(config.Object), () => WriteConfigConditionAsync(config, term));
        }

        await _gatewayStatus.WriteAsync(snapshot, plan, term);
    }

    private async Task WriteAsync(string what, Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            // Stale: the newer object arrives with the next snapshot and is planned again.
            Log.Stale(_logger, what, (int)ex.Response.StatusCode);
        }
        catch (HttpOperationException ex)
        {
            Log.WriteFailed(_logger, what, $"HTTP {(int)ex.Response.StatusCode}: {ex.Response.Content}");
        }
        catch (HttpRequestException ex)
        {
            Log.WriteFailed(_logger, what, ex.Message);
        }
    }

    private async Task WriteServiceAsync(V1Service service, ServiceAllocation allocation, CancellationToken term)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var (conditions, conditionsChanged) = StatusConditions.Merge(
            service.Status?.Conditions, [allocation.Condition], service.Metadata.Generation, now);
        if (!allocation.Changed && !conditionsChanged)
        {
            return;
        }

        var ingress = new JsonArray([.. allocation.Addresses.Select(a => (JsonNode)new JsonObject { ["ip"] = a.ToString() })]);
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = service.Metadata.ResourceVersion },
            ["status"] = new JsonObject
            {
                ["loadBalancer"] = new JsonObject { ["ingress"] = ingress },
                ["conditions"] = conditions,
            },
        };
        await _client.CoreV1.PatchNamespacedServiceStatusAsync(
            new V1Patch(patch, V1Patch.PatchType.MergePatch), allocation.Name, allocation.Namespace, cancellationToken: term);
        Log.ServiceWritten(_logger, allocation.Namespace, allocation.Name, string.Join(", ", allocation.Addresses));
    }

    private async Task WritePoolAsync(LoadBalancerIpPool pool, PoolStatusPlan plan, CancellationToken term)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var (conditions, conditionsChanged) = StatusConditions.Merge(pool.Status?.Conditions, plan.Conditions, pool.Metadata.Generation, now);
        var counts = plan.Counts.Select(c => c.ToStatus()).ToList();
        var currentCounts = pool.Status?.Counts ?? [];
        var countsChanged = counts.Count != currentCounts.Count || counts.Zip(currentCounts).Any(p =>
            p.First.Family != p.Second.Family || p.First.Total != p.Second.Total || p.First.Used != p.Second.Used || p.First.Available != p.Second.Available);
        if (!countsChanged && !conditionsChanged)
        {
            return;
        }

        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = pool.Metadata.ResourceVersion },
            ["status"] = new JsonObject
            {
                ["counts"] = new JsonArray([.. counts.Select(c => (JsonNode)new JsonObject
                {
                    ["family"] = c.Family,
                    ["total"] = c.Total,
                    ["used"] = c.Used,
                    ["available"] = c.Available,
                })]),
                ["conditions"] = conditions,
            },
        };
        await _client.CustomObjects.PatchClusterCustomObjectStatusAsync(
            new V1Patch(patch, V1Patch.PatchType.MergePatch), BeaconApi.Group, BeaconApi.Version, "loadbalancerippools", plan.Name, cancellationToken: term);
    }

    private async Task WriteConfigConditionAsync(ConfigCondition config, CancellationToken term)
    {
        var metadata = config.Object.Metadata;
        var (conditions, changed) = StatusConditions.Merge(config.Current, [config.Accepted], metadata.Generation, _time.GetUtcNow().UtcDateTime);
        if (!changed)
        {
            return;
        }

        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = metadata.ResourceVersion },
            ["status"] = new JsonObject { ["conditions"] = conditions },
        };
        await _client.CustomObjects.PatchClusterCustomObjectStatusAsync(
            new V1Patch(patch, V1Patch.PatchType.MergePatch), BeaconApi.Group, BeaconApi.Version, config.Plural, metadata.Name, cancellationToken: term);
        if (!config.Accepted.Status)
        {
            Log.ConfigRejected(_logger, ClusterSnapshot.DisplayName(config.Object), config.Accepted.Reason, config.Accepted.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1408, Level = LogLevel.Warning, Message = "Allocator: {Object} is not accepted ({Reason}): {Message}")]
        public static partial void ConfigRejected(ILogger logger, string @object, string reason, string message);

        [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "Allocator: {Identity} leads LoadBalancer IP allocation")]
        public static partial void StartedLeading(ILogger logger, string identity);

        [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Allocator: {Identity} lost the allocator Lease and stopped writing")]
        public static partial void StoppedLeading(ILogger logger, string identity);

        [LoggerMessage(EventId = 1403, Level = LogLevel.Debug, Message = "Allocator: {Object} changed under the write (HTTP {Status}); the next snapshot is planned again")]
        public static partial void Stale(ILogger logger, string @object, int status);

        [LoggerMessage(EventId = 1404, Level = LogLevel.Warning, Message = "Allocator: could not write the status of {Object}: {Error}")]
        public static partial void WriteFailed(ILogger logger, string @object, string error);

        [LoggerMessage(EventId = 1405, Level = LogLevel.Warning, Message = "Allocator: leader election failed: {Error}")]
        public static partial void ElectionFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 1407, Level = LogLevel.Error, Message = "Allocator: planning or writing snapshot {Version} failed")]
        public static partial void PlanFailed(ILogger logger, long version, Exception exception);

        [LoggerMessage(EventId = 1406, Level = LogLevel.Information, Message = "Allocator: Service {Namespace}/{Name} has {Addresses}")]
        public static partial void ServiceWritten(ILogger logger, string @namespace, string name, string addresses);
    }
}

/// <summary>metav1.Condition lists as the API conventions want them written.</summary>
internal static class StatusConditions
{
    /// <summary>
    /// The condition list to write: conditions of other types kept as they are, the desired
    /// ones with <c>lastTransitionTime</c> kept unless their status flips; and whether
    /// anything differs from <paramref name="current"/>.
    /// </summary>
    public static (JsonArray Conditions, bool Changed) Merge(
        IList<V1Condition>? current, IEnumerable<AllocationCondition> desired, long? generation, DateTime now)
    {
        current ??= [];
        var wanted = desired.ToList();
        var result = new JsonArray();
        var changed = false;
        foreach (var other in current.Where(c => wanted.All(w => w.Type != c.Type)))
        {
            result.Add(JsonNode.Parse(KubernetesJson.Serialize(other)));
        }

        foreach (var want in wanted)
        {
            var existing = current.FirstOrDefault(c => c.Type == want.Type);
            var keep = existing is not null && existing.Status == want.StatusText;
            changed |= !keep
                || existing!.Reason != want.Reason
                || (existing.Message ?? string.Empty) != want.Message
                || existing.ObservedGeneration != generation;
            var condition = new JsonObject
            {
                ["type"] = want.Type,
                ["status"] = want.StatusText,
                ["reason"] = want.Reason,
                ["message"] = want.Message,
                ["lastTransitionTime"] = Rfc3339(keep ? existing!.LastTransitionTime : now),
            };
            if (generation is { } g)
            {
                condition["observedGeneration"] = g;
            }

            result.Add(condition);
        }

        return (result, changed);
    }

    private static string Rfc3339(DateTime time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
