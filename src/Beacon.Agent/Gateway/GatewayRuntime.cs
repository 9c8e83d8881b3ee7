using System.Collections.Immutable;
using System.Net;
using System.Text.Json.Nodes;
using Beacon.Agent.Announcements;
using Beacon.Agent.Status;
using Beacon.Cluster;
using Beacon.Cluster.Model.GatewayApi;
using Beacon.Gateway.DataPlane;
using Beacon.Gateway.Status;
using Beacon.Gateway.Translation;
using k8s.Models;

namespace Beacon.Agent.Gateway;

/// <summary>
/// The gateway half of the agent for one node: every snapshot is translated
/// (<see cref="GatewayTranslator"/>), the data plane is made to serve the result, and what
/// could not be served (a bind that failed) is folded into the Gateways' status. The Gateways
/// whose listeners all serve are handed to the planner, so a node announces a Gateway's
/// addresses only while its proxy is ready for it. The status is kept with condition times
/// for <c>GET /api/v1/status</c> (manifest mode; in a cluster the leader writes it).
/// </summary>
internal sealed class GatewayRuntime : IObjectStatusSource, IAsyncDisposable
{
    private readonly GatewayDataPlane _dataPlane;
    private readonly LastAcceptedRoutes _routes = new();
    private readonly TimeProvider _time;
    private readonly Func<IReadOnlyCollection<IPAddress>, CancellationToken, Task>? _makeLocal;
    private ImmutableDictionary<string, JsonObject> _stamped = ImmutableDictionary<string, JsonObject>.Empty;
    private IReadOnlyList<ObjectStatus> _statuses = [];

    /// <param name="makeLocal">
    /// Makes the Gateway addresses local to the node before binding (in a cluster), or null
    /// when they must be local already (manifest mode).
    /// </param>
    public GatewayRuntime(GatewayDataPlane dataPlane, TimeProvider time, Func<IReadOnlyCollection<IPAddress>, CancellationToken, Task>? makeLocal = null)
    {
        _dataPlane = dataPlane;
        _time = time;
        _makeLocal = makeLocal;
    }

    /// <summary>The last translation, with bind failures folded into the Gateway statuses.</summary>
    public GatewayTranslation Translation { get; private set; } = GatewayTranslation.Empty;

    /// <summary>True when a Gateway could not be served completely by the last apply (a bind failed).</summary>
    public bool HasUnservedGateways { get; private set; }

    /// <summary>The Gateways the last apply serves completely (those the planner may announce).</summary>
    public IReadOnlyList<ServedGateway> Served { get; private set; } = [];

    public IReadOnlyList<ObjectStatus> GetObjectStatuses() => Volatile.Read(ref _statuses);

    /// <summary>Serves the snapshot's Gateways and returns those this node serves completely.</summary>
    public async Task<IReadOnlyList<ServedGateway>> ApplyAsync(ClusterSnapshot snapshot, CancellationToken cancellationToken)
    {
        var translation = _routes.Translate(snapshot);
        if (_makeLocal is not null)
        {
            await _makeLocal([.. translation.Addresses.SelectMany(a => a.Addresses).Distinct(StringComparer.Ordinal).Select(IPAddress.Parse)], cancellationToken);
        }

        await _dataPlane.ApplyAsync(translation.Config, cancellationToken);
        var binds = _dataPlane.Binds;

        var served = new List<ServedGateway>();
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var gateway in translation.Addresses)
        {
            string? failure = null;
            foreach (var address in gateway.Addresses)
            {
                foreach (var port in gateway.Ports)
                {
                    if (!binds.TryGetValue((address, port), out var state) || !state.Serving)
                    {
                        failure ??= $"{new IPEndPoint(IPAddress.Parse(address), port)}: {state?.Error ?? "not served"}";
                    }
                }
            }

            if (failure is not null)
            {
                failures[gateway.Gateway] = failure;
            }
            else if (gateway.Ports.Length > 0 && snapshot.Gateways.TryGetValue(gateway.Gateway, out var obj))
            {
                served.Add(new ServedGateway(gateway.Gateway, obj.Metadata.Labels, [.. gateway.Addresses.Select(IPAddress.Parse)]));
            }
        }

        HasUnservedGateways = failures.Count > 0;
        Served = served;
        Translation = translation with { Statuses = [.. translation.Statuses.Select(s => WithBindFailure(s, failures))] };
        PublishStatuses(Translation.Statuses);
        return served;
    }

    public ValueTask DisposeAsync() => _dataPlane.DisposeAsync();

    // A Gateway whose addresses cannot be bound on this node is not programmed here
    // (Gateway API: Programmed=False, AddressNotUsable).
    private static GatewayObjectStatus WithBindFailure(GatewayObjectStatus status, Dictionary<string, string> failures)
    {
        if (status.Status is not GatewayStatus gateway
            || !failures.TryGetValue($"{status.Namespace}/{status.Name}", out var failure)
            || gateway.Conditions is not { } conditions)
        {
            return status;
        }

        for (var i = 0; i < conditions.Count; i++)
        {
            if (conditions[i].Type == "Programmed" && conditions[i].Status == "True")
            {
                conditions[i] = new V1Condition
                {
                    Type = "Programmed",
                    Status = "False",
                    Reason = "AddressNotUsable",
                    Message = $"cannot listen on {failure}",
                    ObservedGeneration = conditions[i].ObservedGeneration,
                };
            }
        }

        return status;
    }

    private void PublishStatuses(ImmutableArray<GatewayObjectStatus> statuses)
    {
        var now = _time.GetUtcNow();
        var stamped = ImmutableDictionary.CreateBuilder<string, JsonObject>(StringComparer.Ordinal);
        var published = new List<ObjectStatus>(statuses.Length);
        foreach (var status in statuses)
        {
            var key = $"{status.Kind}/{status.Namespace}/{status.Name}";
            var json = GatewayStatusMerge.ToJson(status.Status)!;
            ConditionTimes.Stamp(json, _stamped.GetValueOrDefault(key), now);
            stamped[key] = json;
            published.Add(new ObjectStatus(
                status.ApiVersion,
                status.Kind,
                status.Namespace,
                status.Name,
                status.Generation,
                System.Text.Json.JsonSerializer.SerializeToElement(json)));
        }

        _stamped = stamped.ToImmutable();
        Volatile.Write(ref _statuses, published);
    }
}
