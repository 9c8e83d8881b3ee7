using System.Net;
using System.Security.Cryptography;

namespace Beacon.Interop.Tests.Lab;

/// <summary>
/// One network namespace of a lab. <see cref="IPv4"/>/<see cref="IPv6"/> are its addresses
/// on the shared peering link (DESIGN.md, "Test topology").
/// </summary>
public sealed record LabNamespace(string Name, string Interface, IPAddress IPv4, IPAddress IPv6)
{
    /// <summary>Runs a command inside this namespace (<c>ip netns exec</c>) and captures its output.</summary>
    public Task<CommandResult> ExecAsync(IEnumerable<string> command, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Command.RunAsync("ip", ["netns", "exec", Name, .. command], timeout, cancellationToken);

    public Task<CommandResult> ExecAsync(params string[] command) => ExecAsync((IEnumerable<string>)command);

    public IPAddress Address(System.Net.Sockets.AddressFamily family) =>
        family == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPv6 : IPv4;
}

/// <summary>
/// A router namespace holding a Linux bridge, and node namespaces joined to it by veth
/// pairs: router 198.51.100.1/24 and 2001:db8:100::1/64, node i at .(i+1) and ::(i+1).
/// Names are <c>bcn-{id}-r</c> and <c>bcn-{id}-n{i}</c> with a random id, so labs of
/// tests running in parallel never meet. Disposing stops every process the lab started
/// (by PID) and deletes every namespace it created (by name), also after a failed test.
/// </summary>
public sealed class NetworkLab : IAsyncDisposable, IDisposable
{
    public const string BridgeName = "br0";
    public const string NodeInterface = "eth0";

    private readonly List<string> _namespaces = [];
    private readonly List<LabProcess> _processes = [];
    private readonly List<LabNamespace> _nodes = [];
    private readonly Lock _lock = new();
    private bool _disposed;

    private NetworkLab(string id, string workDirectory)
    {
        Id = id;
        WorkDirectory = workDirectory;
        Router = new LabNamespace($"bcn-{id}-r", BridgeName, IPAddress.Parse("198.51.100.1"), IPAddress.Parse("2001:db8:100::1"));
    }

    public string Id { get; }

    /// <summary>Configs, sockets and logs of this lab's daemons. Kept after disposal when BEACON_LAB_KEEP=1.</summary>
    public string WorkDirectory { get; }

    public LabNamespace Router { get; }

    public IReadOnlyList<LabNamespace> Nodes
    {
        get
        {
            lock (_lock)
            {
                return [.. _nodes];
            }
        }
    }

    public IReadOnlyList<LabProcess> Processes
    {
        get
        {
            lock (_lock)
            {
                return [.. _processes];
            }
        }
    }

    public static async Task<NetworkLab> CreateAsync(int nodeCount = 1, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeCount);
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var workDirectory = Path.Combine(Path.GetTempPath(), $"bcn-{id}");
        Directory.CreateDirectory(workDirectory);
        var lab = new NetworkLab(id, workDirectory);
        try
        {
            await lab.AddNamespaceAsync(lab.Router.Name);
            await lab.IpAsync("-n", lab.Router.Name, "link", "add", BridgeName, "type", "bridge", "stp_state", "0", "forward_delay", "0");
            await lab.IpAsync("-n", lab.Router.Name, "link", "set", BridgeName, "up");
            await lab.IpAsync("-n", lab.Router.Name, "addr", "add", "198.51.100.1/24", "dev", BridgeName);
            await lab.IpAsync("-n", lab.Router.Name, "addr", "add", "2001:db8:100::1/64", "dev", BridgeName, "nodad");
            for (var i = 0; i < nodeCount; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await lab.AddNodeAsync();
            }

            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>Adds node namespace n{k}: a veth pair with one end on the router's bridge.</summary>
    public async Task<LabNamespace> AddNodeAsync()
    {
        int index;
        lock (_lock)
        {
            index = _nodes.Count + 1;
        }

        if (index > 250)
        {
            throw new LabException("a lab holds at most 250 nodes");
        }

        var node = new LabNamespace(
            $"bcn-{Id}-n{index}",
            NodeInterface,
            IPAddress.Parse($"198.51.100.{index + 1}"),
            IPAddress.Parse($"2001:db8:100::{index + 1:x}"));
        await AddNamespaceAsync(node.Name);

        // Both ends are created inside namespaces, so the host's interface list is never touched.
        var routerEnd = $"n{index}";
        await IpAsync("-n", Router.Name, "link", "add", routerEnd, "type", "veth", "peer", "name", NodeInterface, "netns", node.Name);
        await IpAsync("-n", Router.Name, "link", "set", routerEnd, "master", BridgeName);
        await IpAsync("-n", Router.Name, "link", "set", routerEnd, "up");
        await IpAsync("-n", node.Name, "addr", "add", $"{node.IPv4}/24", "dev", NodeInterface);
        await IpAsync("-n", node.Name, "addr", "add", $"{node.IPv6}/64", "dev", NodeInterface, "nodad");
        await IpAsync("-n", node.Name, "link", "set", NodeInterface, "up");
        lock (_lock)
        {
            _nodes.Add(node);
        }

        return node;
    }

    /// <summary>Creates (or returns) a directory under <see cref="WorkDirectory"/>.</summary>
    public string CreateDirectory(string name)
    {
        var path = Path.Combine(WorkDirectory, name);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Starts a long-running process inside <paramref name="ns"/>; the lab stops it on disposal.</summary>
    public LabProcess Start(LabNamespace ns, string logName, IEnumerable<string> command)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var process = LabProcess.Start("ip", ["netns", "exec", ns.Name, .. command], Path.Combine(WorkDirectory, logName + ".log"));
        lock (_lock)
        {
            _processes.Add(process);
        }

        return process;
    }

    public async ValueTask DisposeAsync()
    {
        LabProcess[] processes;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            processes = [.. _processes];
        }

        for (var i = processes.Length - 1; i >= 0; i--)
        {
            try
            {
                await processes[i].StopAsync(TimeSpan.FromSeconds(3));
            }
            finally
            {
                processes[i].Dispose();
            }
        }

        for (var i = _namespaces.Count - 1; i >= 0; i--)
        {
            // Deleting the namespace also deletes the veth pairs and the bridge inside it.
            _ = await Command.RunAsync("ip", "netns", "delete", _namespaces[i]);
        }

        if (Environment.GetEnvironmentVariable("BEACON_LAB_KEEP") != "1")
        {
            try
            {
                Directory.Delete(WorkDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A daemon that ignored SIGTERM may still hold a socket file for a moment; the
                // directory is in /tmp and carries the lab id, so leaving it is harmless.
            }
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task AddNamespaceAsync(string name)
    {
        await IpAsync("netns", "add", name);
        lock (_lock)
        {
            _namespaces.Add(name);
        }

        await IpAsync("-n", name, "link", "set", "lo", "up");
    }

    private async Task IpAsync(params string[] arguments) =>
        (await Command.RunAsync("ip", arguments)).EnsureSuccess();
}
