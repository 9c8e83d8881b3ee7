using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Beacon.Cluster.Manifests;
using Beacon.Interop.Tests.Beacon;
using Beacon.Interop.Tests.Lab;
using Beacon.Kubernetes.Testing;
using k8s;
using k8s.Models;

// Live-cluster latency (issue 3): from creating a Service through the API to its /32 leaving
// Beacon towards FRR, and from removing a Local Service's last local endpoint to the
// withdrawal. "Wire" times come from tcpdump on the router's interface (same clock);
// every change is also confirmed at FRR before the next one. Run as root:
//   bash bench/live/run.sh [COUNT]   (default 100)
// which publishes the agent ReadyToRun-compiled, as the image ships it, and points
// BEACON_AGENT_DLL at it; without that variable the agent built next to the bench runs.
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;

await using var lab = await BeaconLab.CreateAsync(nodeCount: 1);
var node = lab.Node(0);
await using var server = await TestApiServer.StartNewAsync(new TestApiServerOptions
{
    Kinds = ResourceKinds.Beacon,
    ExtraListeners = [() => NamespaceSockets.Listen(node.Name, new IPEndPoint(IPAddress.Loopback, 6443))],
});
server.Store.Put(ResourceKinds.Namespaces, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "beacon-system" } });
ApiSeeding.Seed(server,
    Manifests.ClusterConfig(BeaconLab.NodeAs, (BeaconLab.PeerName, "198.51.100.1", BeaconLab.RouterAs)),
    Manifests.PeerConfig(),
    Manifests.ServiceAdvertisement("services"),
    Manifests.Node("node1", "198.51.100.2", "192.0.2.0/26"),
    """
    apiVersion: beacon.dev/v1alpha1
    kind: LoadBalancerIPPool
    metadata:
      name: bench
    spec:
      blocks:
        - start: 203.0.113.1
          stop: 203.0.113.254
    """);
var kubeconfig = Path.Combine(lab.Lab.CreateDirectory("kube"), "config");
await File.WriteAllTextAsync(kubeconfig, """
    apiVersion: v1
    kind: Config
    clusters: [{name: bench, cluster: {server: "http://127.0.0.1:6443"}}]
    users: [{name: agent, user: {token: bench}}]
    contexts: [{name: bench, context: {cluster: bench, user: agent}}]
    current-context: bench
    """);
await lab.StartFrrAsync();
var wire = Path.Combine(lab.Lab.WorkDirectory, "wire.log");
lab.Lab.Start(lab.Lab.Router, "tcpdump", ["sh", "-c", $"exec tcpdump -l -tt -n -i {NetworkLab.BridgeName} 'tcp and src host {node.IPv4}' > {wire} 2>/dev/null"]);
await using var beacon = BeaconProcess.StartWithSource(lab.Lab, node, ["--kubeconfig", kubeconfig], "node1");
await lab.Frr.WaitForEstablishedAsync(node.IPv4);
await Task.Delay(1000);

using var client = new k8s.Kubernetes(server.ClientConfiguration);

// The bench's own client pays its first-call costs (JIT, serializer metadata, connection) on
// objects the agent does not announce, so round 0 times the agent and not the bench.
await client.CoreV1.CreateNamespacedServiceAsync(new V1Service
{
    Metadata = new V1ObjectMeta { Name = "bench-warmup", NamespaceProperty = "default" },
    Spec = new V1ServiceSpec { Type = "ClusterIP", Ports = [new V1ServicePort { Port = 80 }] },
}, "default");
await client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(new V1EndpointSlice
{
    Metadata = new V1ObjectMeta { Name = "bench-warmup", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "bench-warmup" } },
    AddressType = "IPv4",
    Endpoints = [new V1Endpoint { Addresses = ["192.0.2.10"], NodeName = "node1", Conditions = new V1EndpointConditions { Ready = true } }],
}, "default");
await client.DiscoveryV1.DeleteNamespacedEndpointSliceAsync("bench-warmup", "default");
await client.CoreV1.DeleteNamespacedServiceAsync("bench-warmup", "default");
await Task.Delay(500);
var create = new List<(double Wire, double Router)>();
var allocated = new List<(double Wire, double Router)>();
var withdraw = new List<(double Wire, double Router)>();
for (var i = 0; i < count; i++)
{
    var name = $"svc-{i}";
    var t0 = Now();
    await client.CoreV1.CreateNamespacedServiceAsync(new V1Service
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1ServiceSpec { Type = "LoadBalancer", ExternalTrafficPolicy = "Local", Ports = [new V1ServicePort { Port = 80 }] },
    }, "default");
    await client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(new V1EndpointSlice
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = name } },
        AddressType = "IPv4",
        Endpoints = [new V1Endpoint { Addresses = ["192.0.2.10"], NodeName = "node1", Conditions = new V1EndpointConditions { Ready = true } }],
    }, "default");
    var prefix = await WaitForAddressAsync(name) + "/32";
    var statusWritten = Now();
    var seen = await WaitAtFrrAsync(prefix, present: true);
    var sent = await WireAfterAsync(t0);
    create.Add((sent - t0, seen - t0));
    allocated.Add((statusWritten - t0, sent - statusWritten));
    await Task.Delay(100);

    t0 = Now();
    await client.DiscoveryV1.DeleteNamespacedEndpointSliceAsync(name, "default");
    seen = await WaitAtFrrAsync(prefix, present: false);
    withdraw.Add((await WireAfterAsync(t0) - t0, seen - t0));
    await client.CoreV1.DeleteNamespacedServiceAsync(name, "default");
    await Task.Delay(100);
}

Console.WriteLine($"live cluster, {count} Services (times in ms; wire = UPDATE leaves Beacon, router = seen by vtysh polling, an upper bound)");
Report("create Service → announced", create);
Console.WriteLine(FormattableString.Invariant(
    $"  of which create → status written: median {Stats(allocated.Select(a => a.Wire * 1000)).Median:0.0} worst {Stats(allocated.Select(a => a.Wire * 1000)).Worst:0.0}; status written → wire: median {Stats(allocated.Select(a => a.Router * 1000)).Median:0.0} worst {Stats(allocated.Select(a => a.Router * 1000)).Worst:0.0}"));
Console.WriteLine("  slowest rounds (create → wire ms): " + string.Join(", ", create.Select((c, i) => (c.Wire, i)).OrderByDescending(c => c.Wire).Take(5).Select(c => FormattableString.Invariant($"#{c.i} {c.Wire * 1000:0.0}"))));
Report("last local endpoint removed → withdrawn", withdraw);
return 0;

// Seconds since the epoch on the wall clock, as tcpdump -tt prints them.
static double Now() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;

async Task<string> WaitForAddressAsync(string name)
{
    using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    var service = await server.Store.WaitForAsync<V1Service>("default", name, s => s?.Status?.LoadBalancer?.Ingress?.Count > 0, patience.Token);
    return service!.Status.LoadBalancer.Ingress[0].Ip;
}

async Task<double> WaitAtFrrAsync(string prefix, bool present)
{
    var deadline = Stopwatch.StartNew();
    while (deadline.Elapsed < TimeSpan.FromSeconds(30))
    {
        var table = await lab.Frr.GetRoutesAsync(AddressFamily.InterNetwork);
        if (table.PrefixesFrom(node.IPv4).Contains(prefix) == present)
        {
            return Now();
        }
    }

    throw new TimeoutException($"{prefix} {(present ? "never arrived" : "never left")}");
}

async Task<double> WireAfterAsync(double t0)
{
    for (var attempt = 0; attempt < 50; attempt++)
    {
        foreach (var line in await File.ReadAllLinesAsync(wire))
        {
            var fields = line.Split(' ');
            var at = line.LastIndexOf("length ", StringComparison.Ordinal);
            if (fields.Length > 0 && double.TryParse(fields[0], CultureInfo.InvariantCulture, out var t) && t > t0 && at >= 0
                && int.TryParse(line[(at + 7)..].Split(':')[0], CultureInfo.InvariantCulture, out var length) && length > 19)
            {
                return t;
            }
        }

        await Task.Delay(20);
    }

    return double.NaN;
}

static (double Median, double Worst) Stats(IEnumerable<double> values)
{
    var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
    return sorted.Length == 0 ? (double.NaN, double.NaN) : (sorted[sorted.Length / 2], sorted[^1]);
}

static void Report(string what, List<(double Wire, double Router)> samples)
{
    var wire = Stats(samples.Select(s => s.Wire * 1000));
    var router = Stats(samples.Select(s => s.Router * 1000));
    Console.WriteLine(FormattableString.Invariant(
        $"{what,-42} wire median {wire.Median,7:0.0} worst {wire.Worst,7:0.0}   router median {router.Median,7:0.0} worst {router.Worst,7:0.0}"));
}
