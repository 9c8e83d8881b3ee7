using System.Collections.Immutable;
using System.Text;
using Beacon.Cluster;
using Beacon.Cluster.Ipam;
using Beacon.Cluster.Model;
using Beacon.Cluster.Validation;
using k8s;
using k8s.Models;

namespace Beacon.Agent.Announcements;

/// <summary>The <c>Accepted</c> condition one configuration object should carry.</summary>
/// <param name="Object">The BGPClusterConfig, BGPPeerConfig or BGPAdvertisement.</param>
/// <param name="Plural">Its resource name, for the status subresource.</param>
/// <param name="Current">The conditions it carries now.</param>
internal sealed record ConfigCondition(
    IKubernetesObject<V1ObjectMeta> Object,
    string Plural,
    IList<V1Condition>? Current,
    AllocationCondition Accepted);

/// <summary>
/// Which of Beacon's configuration objects are accepted, and why not: every object is
/// validated on its own, and every node's plan is checked (<see cref="AnnouncementPlanner.CheckConfiguration"/>)
/// for what only shows in context — a missing or invalid BGPPeerConfig, configs that disagree
/// about a node, a node without a router ID, features Beacon cannot run. Pure: the same
/// snapshot gives the same conditions, whichever agent computes them.
/// </summary>
internal static class ConfigConditions
{
    public const string Type = "Accepted";

    /// <summary>Problems spelled out per condition; the rest are counted, so one bad config on 1,000 nodes stays readable.</summary>
    private const int MaxListed = 10;

    public static ImmutableArray<ConfigCondition> Plan(ClusterSnapshot snapshot)
    {
        var objects = new List<(IKubernetesObject<V1ObjectMeta> Object, string Plural, IList<V1Condition>? Current)>();
        objects.AddRange(snapshot.ClusterConfigs.Values.Select(o => ((IKubernetesObject<V1ObjectMeta>)o, "bgpclusterconfigs", o.Status?.Conditions)));
        objects.AddRange(snapshot.PeerConfigs.Values.Select(o => ((IKubernetesObject<V1ObjectMeta>)o, "bgppeerconfigs", o.Status?.Conditions)));
        objects.AddRange(snapshot.Advertisements.Values.Select(o => ((IKubernetesObject<V1ObjectMeta>)o, "bgpadvertisements", o.Status?.Conditions)));

        var problems = objects.ToDictionary(o => ClusterSnapshot.DisplayName(o.Object), _ => new Problems(), StringComparer.Ordinal);
        foreach (var (obj, _, _) in objects)
        {
            foreach (var error in ObjectValidator.Validate(obj))
            {
                problems[ClusterSnapshot.DisplayName(obj)].Add(new PlanDiagnostic(DiagnosticSeverity.Error, "", error.Field, error.Message) { Reason = ConfigReasons.Invalid });
            }
        }

        foreach (var node in snapshot.Nodes.Keys)
        {
            foreach (var diagnostic in AnnouncementPlanner.CheckConfiguration(snapshot, node))
            {
                // Invalid objects were reported above, once, without the per-node context.
                if (diagnostic.Reason != ConfigReasons.Invalid && problems.TryGetValue(diagnostic.Object, out var found))
                {
                    found.Add(diagnostic);
                }
            }
        }

        return [.. objects.Select(o => new ConfigCondition(o.Object, o.Plural, o.Current, problems[ClusterSnapshot.DisplayName(o.Object)].ToCondition()))];
    }

    /// <summary>What was found on one object, each finding once, in the order found.</summary>
    private sealed class Problems
    {
        private readonly List<PlanDiagnostic> _errors = [];
        private readonly List<PlanDiagnostic> _warnings = [];
        private readonly HashSet<(DiagnosticSeverity, string, string)> _seen = [];

        public void Add(PlanDiagnostic diagnostic)
        {
            if (_seen.Add((diagnostic.Severity, diagnostic.Field, diagnostic.Message)))
            {
                (diagnostic.Severity == DiagnosticSeverity.Error ? _errors : _warnings).Add(diagnostic);
            }
        }

        public AllocationCondition ToCondition()
        {
            if (_errors.Count > 0)
            {
                return new AllocationCondition(Type, false, _errors[0].Reason ?? ConfigReasons.Invalid, List(_errors));
            }

            return _warnings.Count > 0
                ? new AllocationCondition(Type, true, ConfigReasons.Accepted, $"accepted with warnings: {List(_warnings)}")
                : new AllocationCondition(Type, true, ConfigReasons.Accepted, "accepted");
        }

        private static string List(List<PlanDiagnostic> found)
        {
            var text = new StringBuilder();
            foreach (var diagnostic in found.Take(MaxListed))
            {
                text.Append(text.Length == 0 ? "" : "; ").Append(diagnostic.Field).Append(": ").Append(diagnostic.Message);
            }

            if (found.Count > MaxListed)
            {
                text.Append($" (and {found.Count - MaxListed} more)");
            }

            return text.ToString();
        }
    }
}
