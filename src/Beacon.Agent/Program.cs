using System.Runtime.InteropServices;
using Beacon.Agent;
using Beacon.Agent.Cli;

using var stop = new CancellationTokenSource();

// SIGINT and SIGTERM request a graceful stop (peers get a NOTIFICATION Cease) instead of killing the process.
void RequestStop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, RequestStop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, RequestStop);

return await BeaconCli.InvokeAsync(args, CliEnvironment.FromProcess(RunAgentAsync), stop.Token);

static async Task<int> RunAgentAsync(RunOptions options, CancellationToken cancellationToken)
{
    using var loggerFactory = LoggerFactory.Create(logging => logging
        .AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        })
        .SetMinimumLevel(LogLevel.Information)
        .AddFilter("Microsoft", LogLevel.Warning)
        // YARP logs every forwarded request at Information: far too much for a proxy's hot path.
        .AddFilter("Yarp", LogLevel.Warning));
    var host = new AgentHost(AgentComposition.Create, loggerFactory, TimeProvider.System);
    return await host.RunAsync(options, cancellationToken);
}
