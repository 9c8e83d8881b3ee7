using System.Globalization;
using System.Net;
using Beacon.Cluster;
using Beacon.Cluster.Ipam;
using Beacon.Cluster.Model;
using Beacon.Cluster.Model.GatewayApi;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Beacon.Agent.Allocation;

/// <summary>
/// Records the plan's events as core/v1 Events (deploy/clusterrole.yaml grants create and
/// patch on them). The plan repeats a lasting problem on every snapshot, so, like the
/// Kubernetes event recorder's aggregation, an event is created once per (object, type,
/// reason, message) and stays silent while it keeps being planned; when it stops and
/// comes back later, the same Event's <c>count</c> and <c>lastTimestamp</c> are patched
/// instead of creating another.
/// </summary>
internal sealed partial class AllocationEventRecorder
{
    public const string Component = "beacon-allocator";

    private readonly IKubernetes _client;
    private readonly string _identity;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<EventKey, Recorded> _recorded = [];
    private HashSet<EventKey> _ongoing = [];
    private long _sequence;

    public AllocationEventRecorder(IKubernetes client, string identity, TimeProvider time, ILogger logger)
    {
        _client = client;
        _identity = identity;
        _time = time;
        _logger = logger;
    }

    public async Task RecordAsync(IEnumerable<AllocationEvent> events, ClusterSnapshot snapshot, CancellationToken cancellationToken)
    {
        var planned = new HashSet<EventKey>();
        foreach (var e in events)
        {
            var key = new EventKey(e.Object, e.Type, e.Reason, e.Field.Length == 0 ? e.Message : $"{e.Field}: {e.Message}");
            if (!planned.Add(key) || _ongoing.Contains(key))
            {
                continue;
            }

            try
            {
                if (_recorded.TryGetValue(key, out var recorded))
                {
                    await RepeatAsync(recorded, cancellationToken);
                }
                else
                {
                    _recorded[key] = await CreateAsync(key, snapshot, cancellationToken);
                }
            }
            catch (HttpOperationException ex)
            {
                // Not marked ongoing: the next snapshot tries again.
                planned.Remove(key);
                Log.EventFailed(_logger, key.Reason, key.Object.ToString(), (int)ex.Response.StatusCode);
            }
            catch (HttpRequestException ex)
            {
                planned.Remove(key);
                Log.EventFailed(_logger, key.Reason, key.Object.ToString(), (int?)ex.StatusCode ?? 0);
            }
        }

        _ongoing = planned;

        // The API server garbage-collects Events after an hour; an object that is gone will
        // not repeat them, so there is nothing left to count.
        foreach (var gone in _recorded.Keys.Where(k => Lookup(k.Object, snapshot) is null).ToList())
        {
            _recorded.Remove(gone);
        }
    }

    private async Task<Recorded> CreateAsync(EventKey key, ClusterSnapshot snapshot, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var target = Lookup(key.Object, snapshot);
        var ns = key.Object.Namespace ?? "default";
        var body = new Corev1Event
        {
            Metadata = new V1ObjectMeta
            {
                // client-go names events <object>.<unix nanoseconds in hex>; the sequence keeps
                // two events of one object within a clock tick apart.
                Name = $"{key.Object.Name}.{(_time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000 + (++_sequence % 1_000_000)).ToString("x", CultureInfo.InvariantCulture)}",
                NamespaceProperty = ns,
            },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = key.Object.Kind switch
                {
                    LoadBalancerIpPool.KindName => BeaconApi.ApiVersion,
                    Cluster.Model.GatewayApi.Gateway.KindName => GatewayApiGroup.ApiVersionV1,
                    _ => "v1",
                },
                Kind = key.Object.Kind,
                NamespaceProperty = key.Object.Namespace,
                Name = key.Object.Name,
                Uid = target?.Metadata?.Uid,
                ResourceVersion = target?.Metadata?.ResourceVersion,
            },
            Type = key.Type,
            Reason = key.Reason,
            Message = key.Message,
            Source = new V1EventSource { Component = Component, Host = _identity },
            ReportingComponent = "beacon.dev/allocator",
            ReportingInstance = _identity,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        var created = await _client.CoreV1.CreateNamespacedEventAsync(body, ns, cancellationToken: cancellationToken);
        return new Recorded(ns, created.Metadata.Name, 1);
    }

    private async Task RepeatAsync(Recorded recorded, CancellationToken cancellationToken)
    {
        var count = recorded.Count + 1;
        var patch = new Dictionary<string, object>
        {
            ["count"] = count,
            ["lastTimestamp"] = _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        try
        {
            await _client.CoreV1.PatchNamespacedEventAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), recorded.Name, recorded.Namespace, cancellationToken: cancellationToken);
            recorded.Count = count;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Expired (Events live an hour): record it anew.
            var key = _recorded.First(p => ReferenceEquals(p.Value, recorded)).Key;
            _recorded.Remove(key);
            throw;
        }
    }

    private static IKubernetesObject<V1ObjectMeta>? Lookup(ObjectReference reference, ClusterSnapshot snapshot) => reference.Kind switch
    {
        "Service" => snapshot.Services.GetValueOrDefault($"{reference.Namespace}/{reference.Name}"),
        LoadBalancerIpPool.KindName => snapshot.IpPools.GetValueOrDefault(reference.Name),
        Cluster.Model.GatewayApi.Gateway.KindName => snapshot.Gateways.GetValueOrDefault($"{reference.Namespace}/{reference.Name}"),
        _ => null,
    };

    private sealed record EventKey(ObjectReference Object, string Type, string Reason, string Message);

    private sealed class Recorded(string ns, string name, int count)
    {
        public string Namespace { get; } = ns;

        public string Name { get; } = name;

        public int Count { get; set; } = count;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "Allocator: could not record event {Reason} about {Object}: HTTP {Status}")]
        public static partial void EventFailed(ILogger logger, string reason, string @object, int status);
    }
}
