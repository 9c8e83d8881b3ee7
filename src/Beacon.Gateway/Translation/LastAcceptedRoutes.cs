using System.Collections.Immutable;
using Beacon.Cluster;
using Beacon.Cluster.Model.GatewayApi;

namespace Beacon.Gateway.Translation;

/// <summary>
/// Translation that never lets an invalid update take down a route that was serving (issue 5:
/// "an invalid object never takes down what was already serving"): when a route that was
/// accepted comes back invalid (Accepted=False, UnsupportedValue or IncompatibleFilters — its
/// own content is wrong, not its place in the cluster), its last accepted version keeps being
/// served, while its status reports the new generation's problem. Any other change, including
/// a deletion, takes effect as is. One instance per data plane; not thread-safe.
/// </summary>
public sealed class LastAcceptedRoutes
{
    private static readonly HashSet<string> InvalidContentReasons = new(StringComparer.Ordinal)
    {
        Conditions.ReasonUnsupportedValue,
        "IncompatibleFilters",
    };

    private ImmutableDictionary<string, HttpRoute> _accepted = ImmutableDictionary<string, HttpRoute>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>The routes served from an earlier generation by the last translation, by <c>namespace/name</c>.</summary>
    public ImmutableArray<string> ServedFromEarlierGeneration { get; private set; } = [];

    public GatewayTranslation Translate(ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var translation = GatewayTranslator.Translate(snapshot);
        var statuses = translation.Statuses
            .Where(s => s.Kind == HttpRoute.KindName && s.Status is HttpRouteStatus)
            .ToDictionary(s => $"{s.Namespace}/{s.Name}", s => (HttpRouteStatus)s.Status, StringComparer.Ordinal);

        var accepted = ImmutableDictionary.CreateBuilder<string, HttpRoute>(StringComparer.Ordinal);
        var substitutes = new Dictionary<string, HttpRoute>(StringComparer.Ordinal);
        foreach (var (key, route) in snapshot.HttpRoutes)
        {
            if (!statuses.TryGetValue(key, out var status))
            {
                continue;
            }

            if (IsAccepted(status))
            {
                accepted[key] = route;
            }
            else if (IsInvalidContent(status) && _accepted.TryGetValue(key, out var previous))
            {
                accepted[key] = previous;
                substitutes[key] = previous;
            }
        }

        _accepted = accepted.ToImmutable();
        ServedFromEarlierGeneration = [.. substitutes.Keys.Order(StringComparer.Ordinal)];
        if (substitutes.Count == 0)
        {
            return translation;
        }

        var routes = snapshot.HttpRoutes.SetItems(substitutes);
        var served = GatewayTranslator.Translate(snapshot.WithHttpRoutes(routes));
        foreach (var (key, previous) in substitutes)
        {
            Annotate(statuses[key], previous.Metadata.Generation ?? 0);
        }

        // Served: the configuration with the last accepted versions; reported: the statuses of
        // the objects as they are now.
        return translation with { Config = served.Config, Addresses = served.Addresses };
    }

    private static bool IsAccepted(HttpRouteStatus status) =>
        status.Parents is { Count: > 0 } parents
        && parents.All(p => p.Conditions?.Any(c => c.Type == Conditions.Accepted && c.Status == "True") == true);

    private static bool IsInvalidContent(HttpRouteStatus status) =>
        status.Parents?.Any(p => p.Conditions?.Any(c => c.Type == Conditions.Accepted && c.Status == "False" && InvalidContentReasons.Contains(c.Reason ?? string.Empty)) == true) == true;

    private static void Annotate(HttpRouteStatus status, long generation)
    {
        foreach (var parent in status.Parents ?? [])
        {
            foreach (var condition in parent.Conditions ?? [])
            {
                if (condition.Type == Conditions.Accepted && condition.Status == "False")
                {
                    condition.Message = $"{condition.Message}; generation {generation}, the last accepted one, is still served";
                }
            }
        }
    }
}
