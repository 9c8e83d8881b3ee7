using System.Net;
using System.Text.Json.Nodes;
using Beacon.Cluster;
using Beacon.Cluster.Ipam;
using Beacon.Cluster.Model.GatewayApi;
using Beacon.Gateway.Translation;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using GatewayObject = Beacon.Cluster.Model.GatewayApi.Gateway;

namespace Beacon.Agent.Gateway;

/// <summary>
/// Writes the status of the Gateway API objects Beacon handles (GatewayClasses, Gateways and
/// HTTPRoutes, as <see cref="GatewayTranslator.Translate"/> computes it) to the API server,
/// merged into what is there (<see cref="GatewayStatusMerge"/>), with the LB-IPAM address of
/// every Gateway that asks for one in its <c>status.addresses</c>. Run by the allocator's
/// leader only (<c>AllocatorController</c>), so one agent writes these cluster-wide facts.
/// </summary>
/// <remarks>
/// Each write is a PUT to the <c>status</c> subresource carrying the <c>resourceVersion</c>
/// the status was computed from; a <c>409 Conflict</c> means a newer object is on its way in
/// the next snapshot, which is merged afresh. Nothing is written when the merged status equals
/// the current one, so a write, coming back in the next snapshot, causes no further write.
/// </remarks>
public sealed partial class GatewayStatusWriter
{
    private readonly IKubernetes _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public GatewayStatusWriter(IKubernetes client, ILoggerFactory loggers, TimeProvider? time = null)
    {
        _client = client;
        _time = time ?? TimeProvider.System;
        _logger = loggers.CreateLogger<GatewayStatusWriter>();
    }

    /// <summary>Writes every status of the snapshot that differs from the one in the API; returns how many were written.</summary>
    /// <param name="plan">The allocator's plan of the same snapshot, for the Gateways' assigned addresses.</param>
    public async Task<int> WriteAsync(ClusterSnapshot snapshot, AllocationPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(plan);
        var written = 0;
        foreach (var update in Plan(snapshot, plan, _time.GetUtcNow()))
        {
            if (await PutAsync(update, cancellationToken))
            {
                written++;
            }
        }

        return written;
    }

    /// <summary>The objects whose merged status differs from their current one, with that status (pure).</summary>
    internal static List<StatusUpdate> Plan(ClusterSnapshot snapshot, AllocationPlan plan, DateTimeOffset now)
    {
        var translation = GatewayTranslator.Translate(snapshot);
        var allocations = plan.Gateways.ToDictionary(g => $"{g.Namespace}/{g.Name}", StringComparer.Ordinal);
        var updates = new List<StatusUpdate>();
        var routes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var status in translation.Statuses)
        {
            var key = status.Namespace is null ? status.Name : $"{status.Namespace}/{status.Name}";
            IKubernetesObject<V1ObjectMeta>? obj;
            object? current;
            switch (status.Kind)
            {
                case GatewayClass.KindName when snapshot.GatewayClasses.GetValueOrDefault(key) is { } gatewayClass:
                    (obj, current) = (gatewayClass, gatewayClass.Status);
                    break;
                case GatewayObject.KindName when snapshot.Gateways.GetValueOrDefault(key) is { } gateway:
                    (obj, current) = (gateway, gateway.Status);
                    break;
                case HttpRoute.KindName when snapshot.HttpRoutes.GetValueOrDefault(key) is { } route:
                    (obj, current) = (route, route.Status);
                    routes.Add(key);
                    break;
                default:
                    continue;
            }

            var desired = GatewayStatusMerge.ToJson(status.Status) ?? [];
            if (obj is GatewayObject g && allocations.TryGetValue(key, out var allocation))
            {
                GatewayStatusMerge.SetAssignedAddresses(desired, g, allocation);
            }

            Add(status.Kind, obj, current, desired);
        }

        // A route that no longer names any of Beacon's Gateways gets no computed status: its
        // parents entries of Beacon's are removed all the same.
        foreach (var (key, route) in snapshot.HttpRoutes)
        {
            if (!routes.Contains(key) && route.Status?.Parents?.Any(p => p.ControllerName == GatewayTranslator.ControllerName) == true)
            {
                Add(HttpRoute.KindName, route, route.Status, new JsonObject { ["parents"] = new JsonArray() });
            }
        }

        return updates;

        void Add(string kind, IKubernetesObject<V1ObjectMeta> obj, object? current, JsonObject desired)
        {
            var currentJson = GatewayStatusMerge.ToJson(current);
            var merged = GatewayStatusMerge.Merge(kind, desired, currentJson, now);
            if (!JsonNode.DeepEquals(merged, currentJson ?? []))
            {
                updates.Add(new(kind, obj, merged));
            }
        }
    }

    private async Task<bool> PutAsync(StatusUpdate update, CancellationToken cancellationToken)
    {
        var metadata = update.Object.Metadata;
        var what = $"{update.Kind} {ClusterSnapshot.KeyOf(update.Object)}";

        // The whole object, as read, with the merged status: the status subresource takes only
        // the status from it, and the resourceVersion makes the write conditional.
        var body = GatewayStatusMerge.ToJson(update.Object)!;
        body["status"] = update.Status;
        var (version, plural) = update.Kind switch
        {
            GatewayClass.KindName => (GatewayApiGroup.V1, "gatewayclasses"),
            GatewayObject.KindName => (GatewayApiGroup.V1, "gateways"),
            _ => (GatewayApiGroup.V1, "httproutes"),
        };
        try
        {
            if (string.IsNullOrEmpty(metadata.NamespaceProperty))
            {
                await _client.CustomObjects.ReplaceClusterCustomObjectStatusAsync(
                    body, GatewayApiGroup.Group, version, plural, metadata.Name, cancellationToken: cancellationToken);
            }
            else
            {
                await _client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(
                    body, GatewayApiGroup.Group, version, metadata.NamespaceProperty, plural, metadata.Name, cancellationToken: cancellationToken);
            }

            Log.Written(_logger, what, metadata.ResourceVersion);
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
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

        return false;
    }

    /// <summary>An object and the status to write to it.</summary>
    internal sealed record StatusUpdate(string Kind, IKubernetesObject<V1ObjectMeta> Object, JsonObject Status);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1420, Level = LogLevel.Debug, Message = "Gateway status: wrote {Object} (from resourceVersion {ResourceVersion})")]
        public static partial void Written(ILogger logger, string @object, string resourceVersion);

        [LoggerMessage(EventId = 1421, Level = LogLevel.Debug, Message = "Gateway status: {Object} changed under the write (HTTP {Status}); the next snapshot is merged again")]
        public static partial void Stale(ILogger logger, string @object, int status);

        [LoggerMessage(EventId = 1422, Level = LogLevel.Warning, Message = "Gateway status: could not write the status of {Object}: {Error}")]
        public static partial void WriteFailed(ILogger logger, string @object, string error);
    }
}
