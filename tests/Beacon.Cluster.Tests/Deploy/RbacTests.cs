using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Beacon.Cluster.Tests.Deploy;

/// <summary>The agent's RBAC stays exact: named resources and verbs, never a wildcard.</summary>
public sealed class RbacTests
{
    [Fact]
    public void No_rule_holds_a_wildcard()
    {
        foreach (var (name, rule) in Rules())
        {
            var fields = new[] { rule.ApiGroups, rule.Resources, rule.Verbs, rule.ResourceNames, rule.NonResourceURLs };
            Assert.All(fields.Where(field => field is not null).SelectMany(field => field!), value =>
                Assert.False(value.Contains('*', StringComparison.Ordinal), $"{name}: '{value}' is a wildcard"));
            Assert.NotEmpty(rule.Verbs);
            Assert.NotEmpty(rule.Resources);
        }
    }

    [Fact]
    public void Secrets_are_only_read_in_the_agents_namespace()
    {
        var secretRules = Rules().Where(entry => entry.Rule.ApiGroups.Contains("") && entry.Rule.Resources.Contains("secrets")).ToList();

        // list/watch because the agent watches each referenced Secret (by fieldSelector on its name);
        // a namespaced Role, so never a Secret outside beacon-system, and never a write.
        var (name, rule) = Assert.Single(secretRules);
        Assert.Equal("Role beacon-system/beacon", name);
        Assert.Equal(["get", "list", "watch"], rule.Verbs);
    }

    [Fact]
    public void The_agent_can_write_the_status_it_owns()
    {
        var rules = Rules().Select(entry => entry.Rule).ToList();

        Assert.True(Allows(rules, "", "services/status", "patch"));
        Assert.True(Allows(rules, "beacon.dev", "loadbalancerippools/status", "patch"));
        Assert.True(Allows(rules, "beacon.dev", "bgpclusterconfigs/status", "patch"));
        Assert.True(Allows(rules, "beacon.dev", "bgppeerconfigs/status", "patch"));
        Assert.True(Allows(rules, "beacon.dev", "bgpadvertisements/status", "patch"));
        Assert.True(Allows(rules, "beacon.dev", "bgpnodestates", "create"));
        Assert.True(Allows(rules, "beacon.dev", "bgpnodestates/status", "update"));
        Assert.True(Allows(rules, "coordination.k8s.io", "leases", "create"));
        Assert.True(Allows(rules, "gateway.networking.k8s.io", "gatewayclasses/status", "update"));
        Assert.True(Allows(rules, "gateway.networking.k8s.io", "gateways/status", "update"));
        Assert.True(Allows(rules, "gateway.networking.k8s.io", "httproutes/status", "update"));
        Assert.False(Allows(rules, "gateway.networking.k8s.io", "gateways", "update"));
        Assert.False(Allows(rules, "", "services", "update"));
        Assert.False(Allows(rules, "beacon.dev", "bgpclusterconfigs", "update"));
    }

    [Fact]
    public void The_cluster_role_lets_the_agent_list_and_watch_every_resource_its_source_reads()
    {
        using var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" });
        var source = new Beacon.Cluster.Kubernetes.KubernetesClusterSource(client, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var clusterRole = Rules().Where(entry => entry.Name.StartsWith("ClusterRole ", StringComparison.Ordinal)).Select(entry => entry.Rule).ToList();

        var resources = source.Resources.ToList();
        Assert.Contains("namespaces", resources);
        Assert.Contains("referencegrants.gateway.networking.k8s.io", resources);
        foreach (var resource in resources)
        {
            var dot = resource.IndexOf('.', StringComparison.Ordinal);
            var (plural, group) = dot < 0 ? (resource, "") : (resource[..dot], resource[(dot + 1)..]);
            foreach (var verb in new[] { "get", "list", "watch" })
            {
                Assert.True(Allows(clusterRole, group, plural, verb), $"the ClusterRole does not allow {verb} on {resource}");
            }
        }
    }

    [Fact]
    public void Kustomization_lists_every_manifest_but_the_examples()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(DeployFiles.DeployDirectory, "kustomization.yaml"))));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var resources = ((YamlSequenceNode)root.Children[new YamlScalarNode("resources")]).Children
            .Select(node => ((YamlScalarNode)node).Value!)
            .Order(StringComparer.Ordinal);

        var manifests = Directory.EnumerateFiles(DeployFiles.DeployDirectory, "*.yaml", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(DeployFiles.DeployDirectory, file).Replace('\\', '/'))
            .Where(file => file != "kustomization.yaml" && !file.StartsWith("examples/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        Assert.Equal(manifests, resources);
    }

    private static IEnumerable<(string Name, V1PolicyRule Rule)> Rules()
    {
        var clusterRole = KubernetesYaml.Deserialize<V1ClusterRole>(File.ReadAllText(Path.Combine(DeployFiles.DeployDirectory, "clusterrole.yaml")));
        var role = KubernetesYaml.Deserialize<V1Role>(File.ReadAllText(Path.Combine(DeployFiles.DeployDirectory, "role.yaml")));
        return clusterRole.Rules.Select(rule => ($"ClusterRole {clusterRole.Metadata.Name}", rule))
            .Concat(role.Rules.Select(rule => ($"Role {role.Metadata.NamespaceProperty}/{role.Metadata.Name}", rule)));
    }

    private static bool Allows(IEnumerable<V1PolicyRule> rules, string group, string resource, string verb) =>
        rules.Any(rule => rule.ApiGroups.Contains(group) && rule.Resources.Contains(resource) && rule.Verbs.Contains(verb));
}
