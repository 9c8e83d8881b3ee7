using System.Net;
using Beacon.Interop.Tests.Lab;
using Beacon.Kubernetes.Testing;

namespace Beacon.Interop.Tests.Kubernetes;

/// <summary>The in-process API server reached from inside a node namespace, as agents there will reach it.</summary>
public sealed class ApiServerInNamespaceTests
{
    [Fact]
    public async Task A_process_in_a_node_namespace_reaches_the_api_server_at_its_loopback_across_a_restart()
    {
        await using var lab = await NetworkLab.CreateAsync(nodeCount: 1);
        var node = lab.Nodes[0];
        await using var server = await TestApiServer.StartNewAsync(new TestApiServerOptions
        {
            ExtraListeners = [() => NamespaceSockets.Listen(node.Name, new IPEndPoint(IPAddress.Loopback, 6443))],
        });

        var version = await node.ExecAsync(["curl", "-sS", "--max-time", "5", "http://127.0.0.1:6443/version"]);
        Assert.Equal(0, version.ExitCode);
        Assert.Contains("gitVersion", version.StandardOutput, StringComparison.Ordinal);

        await server.StopAsync();
        var refused = await node.ExecAsync(["curl", "-sS", "--max-time", "5", "http://127.0.0.1:6443/version"]);
        Assert.NotEqual(0, refused.ExitCode);

        await server.StartAsync();
        var again = await node.ExecAsync(["curl", "-sS", "--max-time", "5", "http://127.0.0.1:6443/api/v1/namespaces/default"]);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("\"name\":\"default\"", again.StandardOutput, StringComparison.Ordinal);
    }
}
