namespace Beacon.Agent.Cli;

/// <summary>What the commands touch outside the parser, so tests can provide their own.</summary>
internal sealed record CliEnvironment
{
    public required TextWriter Out { get; init; }
    public required TextWriter Error { get; init; }
    public required Func<string, string?> GetEnvironmentVariable { get; init; }
    public required string HostName { get; init; }
    public required TimeProvider TimeProvider { get; init; }
    public required Func<HttpClient> CreateHttpClient { get; init; }

    /// <summary>Whether the process runs in a pod with a service-account token (in-cluster configuration).</summary>
    public Func<bool> IsInCluster { get; init; } = static () => false;

    /// <summary>Runs the agent; returns the exit code.</summary>
    public required Func<RunOptions, CancellationToken, Task<int>> RunAgent { get; init; }

    public static CliEnvironment FromProcess(Func<RunOptions, CancellationToken, Task<int>> runAgent) => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        GetEnvironmentVariable = Environment.GetEnvironmentVariable,
        HostName = Environment.MachineName,
        TimeProvider = TimeProvider.System,
        CreateHttpClient = () => new HttpClient { Timeout = TimeSpan.FromSeconds(10) },
        RunAgent = runAgent,
        IsInCluster = k8s.KubernetesClientConfiguration.IsInCluster,
    };
}
