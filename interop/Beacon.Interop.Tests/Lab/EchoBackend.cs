using System.Reflection;

namespace Beacon.Interop.Tests.Lab;

/// <summary>
/// The echo backend (<c>beacon-echo.dll</c>, tests/Beacon.EchoServer) in a namespace: it
/// answers every request with JSON naming itself (<c>service</c>, <c>namespace</c>) and
/// what it received. The lab stops it on disposal.
/// </summary>
public sealed class EchoBackend
{
    private readonly LabProcess _process;

    private EchoBackend(LabProcess process, string listen)
    {
        _process = process;
        Listen = listen;
    }

    public string Listen { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>beacon-echo --listen ADDR:PORT --name NAME --namespace NS</c> and waits until it listens.</summary>
    public static async Task<EchoBackend> StartAsync(NetworkLab lab, LabNamespace ns, string listen, string name, string kubernetesNamespace = "default")
    {
        var process = lab.Start(
            ns,
            $"echo-{name}-{ns.Name}",
            ["dotnet", LocateAssembly(), "--listen", listen, "--name", name, "--namespace", kubernetesNamespace]);
        await Eventually.UntilAsync(
            $"beacon-echo {name} in {ns.Name} to listen on {listen}",
            () => Task.FromResult(process.HasExited
                ? throw new InvalidOperationException($"beacon-echo exited: {process.ReadLog()}")
                : process.ReadLog()),
            log => log.Contains($"listening on http://{listen}", StringComparison.Ordinal));
        return new EchoBackend(process, listen);
    }

    /// <summary>
    /// <c>$BEACON_ECHO_DLL</c> when set, else <c>tests/Beacon.EchoServer/bin/&lt;Configuration&gt;/net10.0/beacon-echo.dll</c>
    /// under the repository root, in the configuration of this test assembly (the project
    /// reference builds it).
    /// </summary>
    public static string LocateAssembly()
    {
        if (Environment.GetEnvironmentVariable("BEACON_ECHO_DLL") is { Length: > 0 } chosen)
        {
            return File.Exists(chosen) ? Path.GetFullPath(chosen) : throw new LabException($"BEACON_ECHO_DLL={chosen} does not exist");
        }

        var configuration = typeof(EchoBackend).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Bgp.sln")))
            {
                var built = Path.Combine(directory.FullName, "tests", "Beacon.EchoServer", "bin", configuration, "net10.0", "beacon-echo.dll");
                return File.Exists(built) ? built : throw new LabException($"{built} not found; build tests/Beacon.EchoServer -c {configuration} first");
            }
        }

        throw new LabException("repository root (Bgp.sln) not found above the test assembly");
    }
}
