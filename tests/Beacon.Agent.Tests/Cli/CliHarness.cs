using Beacon.Agent.Cli;
using Microsoft.Extensions.Time.Testing;

namespace Beacon.Agent.Tests.Cli;

/// <summary>Runs the beacon command line in-process with captured output and a recorded agent run.</summary>
internal sealed class CliHarness
{
    public StringWriter Out { get; } = new();
    public StringWriter Error { get; } = new();
    public Dictionary<string, string> Environment { get; } = [];
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 2, 5, 10, 7, TimeSpan.Zero));
    public List<RunOptions> Runs { get; } = [];
    public string HostName { get; init; } = "host-7";

    public Task<int> InvokeAsync(params string[] args) =>
        BeaconCli.InvokeAsync(
            args,
            new CliEnvironment
            {
                Out = Out,
                Error = Error,
                GetEnvironmentVariable = name => Environment.GetValueOrDefault(name),
                HostName = HostName,
                TimeProvider = Time,
                CreateHttpClient = () => new HttpClient(),
                RunAgent = (options, _) =>
                {
                    Runs.Add(options);
                    return Task.FromResult(0);
                },
            },
            CancellationToken.None);
}
