using k8s;
using k8s.Models;

namespace Beacon.Cluster.Tests.Deploy;

/// <summary>The properties of deploy/daemonset.yaml that the agent and its security depend on.</summary>
public sealed class DaemonSetTests
{
    private static readonly V1DaemonSet s_daemonSet =
        KubernetesYaml.Deserialize<V1DaemonSet>(File.ReadAllText(Path.Combine(DeployFiles.DeployDirectory, "daemonset.yaml")));

    private static V1PodSpec Pod => s_daemonSet.Spec.Template.Spec;

    private static V1Container Agent => Assert.Single(Pod.Containers);

    [Fact]
    public void Runs_on_the_host_network_with_cluster_dns()
    {
        Assert.True(Pod.HostNetwork);
        Assert.Equal("ClusterFirstWithHostNet", Pod.DnsPolicy);
        Assert.Equal("system-node-critical", Pod.PriorityClassName);
        Assert.Equal("beacon", Pod.ServiceAccountName);
        Assert.Equal(30, Pod.TerminationGracePeriodSeconds);
        Assert.Equal("RollingUpdate", s_daemonSet.Spec.UpdateStrategy.Type);
        Assert.Equal("1", s_daemonSet.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable.Value);
    }

    [Fact]
    public void Holds_no_capability_but_binding_port_179_and_putting_gateway_addresses_on_beacon_gw()
    {
        var security = Agent.SecurityContext;

        Assert.Equal(["ALL"], security.Capabilities.Drop);
        Assert.Equal(["NET_BIND_SERVICE", "NET_ADMIN"], security.Capabilities.Add);
        Assert.False(security.AllowPrivilegeEscalation);
        Assert.False(security.Privileged);
        Assert.True(security.ReadOnlyRootFilesystem);
        Assert.Equal("RuntimeDefault", Pod.SecurityContext.SeccompProfile.Type);
    }

    [Fact]
    public void Node_name_comes_from_the_downward_api()
    {
        var nodeName = Assert.Single(Agent.Env, env => env.Name == "NODE_NAME");

        Assert.Equal("spec.nodeName", nodeName.ValueFrom.FieldRef.FieldPath);
    }

    [Fact]
    public void Probes_reach_the_status_endpoint_where_the_agent_listens()
    {
        // kubelet probes a host-network pod at the pod IP, so the agent must listen there.
        var listen = Agent.Args[Agent.Args.IndexOf("--status-listen") + 1];
        var podIp = Assert.Single(Agent.Env, env => env.Name == "NODE_IP");
        var statusPort = Assert.Single(Agent.Ports, port => port.Name == "status");

        Assert.Equal("run", Agent.Args[0]);
        Assert.Equal("status.podIP", podIp.ValueFrom.FieldRef.FieldPath);
        Assert.Equal($"$(NODE_IP):{statusPort.ContainerPort}", listen);
        Assert.Equal("/healthz", Agent.LivenessProbe.HttpGet.Path);
        Assert.Equal("/readyz", Agent.ReadinessProbe.HttpGet.Path);
        Assert.Equal("status", Agent.LivenessProbe.HttpGet.Port.Value);
        Assert.Equal("status", Agent.ReadinessProbe.HttpGet.Port.Value);
        Assert.Null(Agent.LivenessProbe.HttpGet.Host);
    }
}
