using k8s.Models;

namespace Beacon.Cluster;

/// <summary>Kubernetes label selector semantics (metav1.LabelSelector).</summary>
public static class LabelSelectors
{
    /// <summary>
    /// An empty selector matches everything; a null one is the caller's decision (absent
    /// means "all" for some fields and "none" for others), so it is not accepted here.
    /// </summary>
    public static bool Matches(V1LabelSelector selector, IDictionary<string, string>? labels)
    {
        labels ??= new Dictionary<string, string>();
        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        foreach (var requirement in selector.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(requirement.Key, out var actual);
            var values = requirement.Values ?? [];
            var ok = requirement.OperatorProperty switch
            {
                "In" => has && values.Contains(actual!),
                "NotIn" => !has || !values.Contains(actual!),
                "Exists" => has,
                "DoesNotExist" => !has,

                // Validation rejects other operators; an unknown one must not select anything.
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
