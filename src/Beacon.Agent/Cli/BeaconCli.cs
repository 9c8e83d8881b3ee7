using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using Beacon.Agent.Status;

namespace Beacon.Agent.Cli;

/// <summary>The <c>beacon</c> command line (DESIGN.md, Interfaces).</summary>
internal static class BeaconCli
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitUsage = 2;

    private static readonly Uri DefaultServer = new("http://127.0.0.1:9179/");

    public static async Task<int> InvokeAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken)
    {
        var root = Create(environment);
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                await environment.Error.WriteLineAsync($"beacon: {error.Message}");
            }

            await environment.Error.WriteLineAsync("Run 'beacon --help' for usage.");
            return ExitUsage;
        }

        return await parseResult.InvokeAsync(
            new InvocationConfiguration
            {
                Output = environment.Out,
                Error = environment.Error,
                // Program handles SIGINT/SIGTERM itself and cancels cancellationToken.
                ProcessTerminationTimeout = null,
            },
            cancellationToken);
    }

    public static RootCommand Create(CliEnvironment environment)
    {
        var root = new RootCommand("Beacon: BGP announcements of Kubernetes LoadBalancer IPs and PodCIDRs.");
        root.Subcommands.Add(CreateRun(environment));
        root.Subcommands.Add(CreatePeers(environment));
        root.Subcommands.Add(CreateRoutes(environment));
        return root;
    }

    private static Command CreateRun(CliEnvironment environment)
    {
        var manifests = new Option<string>("--manifests")
        {
            Description = "Read Kubernetes objects from the YAML files of this directory instead of an API server.",
            HelpName = "DIR",
        };
        var kubeconfig = new Option<string>("--kubeconfig")
        {
            Description = "Kubeconfig of the API server (default: $KUBECONFIG, then in-cluster configuration).",
            HelpName = "FILE",
        };
        var node = new Option<string>("--node")
        {
            Description = "Name of this node (default: $NODE_NAME, then the host name).",
            HelpName = "NAME",
        };
        var statusListen = new Option<IPEndPoint>("--status-listen")
        {
            Description = "Address of the status HTTP endpoint, ADDRESS:PORT or [IPv6]:PORT.",
            HelpName = "ADDR:PORT",
            DefaultValueFactory = _ => RunOptions.DefaultStatusListen,
            CustomParser = ParseListenAddress,
        };

        var gatewayInterface = new Option<string>("--gateway-interface")
        {
            Description = "Dummy interface that Gateway addresses are added to so the proxy can bind them, or 'none' when they are "
                + $"local already (default: '{LocalAddresses.LocalAddressManager.DefaultInterfaceName}' with an API server, 'none' with --manifests).",
            HelpName = "NAME|none",
        };
        gatewayInterface.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } text && !LocalAddresses.LocalAddressManager.TryParseInterfaceOption(text, out _, out var error))
            {
                result.AddError($"--gateway-interface: {error}");
            }
        });

        var run = new Command("run", "Run the agent.") { manifests, kubeconfig, node, statusListen, gatewayInterface };
        run.Validators.Add(result =>
        {
            if (result.GetResult(manifests) is not null && result.GetResult(kubeconfig) is not null)
            {
                result.AddError("--manifests and --kubeconfig cannot be used together: choose one source");
            }
        });

        run.SetAction(async (parseResult, cancellationToken) =>
        {
            var manifestDirectory = parseResult.GetValue(manifests);
            string? kubeconfigPath = null;
            if (manifestDirectory is null)
            {
                // DESIGN.md: --kubeconfig, then $KUBECONFIG, then the in-cluster configuration.
                kubeconfigPath = parseResult.GetValue(kubeconfig)
                    ?? (environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } kubeconfigVariable ? kubeconfigVariable : null);
                if (kubeconfigPath is not null && !File.Exists(kubeconfigPath))
                {
                    await environment.Error.WriteLineAsync($"beacon run: kubeconfig '{kubeconfigPath}' does not exist");
                    return ExitUsage;
                }

                if (kubeconfigPath is null && !environment.IsInCluster())
                {
                    await environment.Error.WriteLineAsync(
                        "beacon run: no source: give --manifests DIR or --kubeconfig FILE (or set $KUBECONFIG), or run in a pod");
                    return ExitUsage;
                }
            }
            else if (!Directory.Exists(manifestDirectory))
            {
                await environment.Error.WriteLineAsync($"beacon run: manifest directory '{manifestDirectory}' does not exist");
                return ExitUsage;
            }

            var nodeName = parseResult.GetValue(node) is { Length: > 0 } explicitNode
                ? explicitNode
                : environment.GetEnvironmentVariable("NODE_NAME") is { Length: > 0 } fromEnvironment
                    ? fromEnvironment
                    : environment.HostName;

            string? gatewayInterfaceName = manifestDirectory is null ? LocalAddresses.LocalAddressManager.DefaultInterfaceName : null;
            // The validator has rejected anything that does not parse.
            if (parseResult.GetValue(gatewayInterface) is { } interfaceText
                && LocalAddresses.LocalAddressManager.TryParseInterfaceOption(interfaceText, out var parsedInterface, out _))
            {
                gatewayInterfaceName = parsedInterface;
            }

            var options = new RunOptions
            {
                ManifestDirectory = manifestDirectory,
                GatewayInterface = gatewayInterfaceName,
                KubeconfigPath = kubeconfigPath,
                NodeName = nodeName,
                StatusListen = parseResult.GetValue(statusListen)!,
            };
            return await environment.RunAgent(options, cancellationToken);
        });
        return run;
    }

    private static Command CreatePeers(CliEnvironment environment)
    {
        var server = CreateServerOption();
        var output = CreateOutputOption();
        var peers = new Command("peers", "Show the BGP peers of a running agent.") { server, output };
        peers.SetAction((parseResult, cancellationToken) => QueryAsync(
            environment,
            parseResult.GetValue(server)!,
            async (client, uri) =>
            {
                var json = await client.GetPeersJsonAsync(cancellationToken);
                if (parseResult.GetValue(output) == "json")
                {
                    await WriteJsonAsync(environment.Out, json);
                }
                else
                {
                    StatusTables.WritePeers(environment.Out, StatusClient.Parse<PeerResource>(json, uri), environment.TimeProvider.GetUtcNow());
                }
            }));
        return peers;
    }

    private static Command CreateRoutes(CliEnvironment environment)
    {
        var peer = new Option<string>("--peer")
        {
            Description = "Name of the peer.",
            HelpName = "NAME",
            Required = true,
        };
        var direction = new Option<string>("--direction")
        {
            Description = "Routes sent to the peer (advertised) or learnt from it (received).",
            DefaultValueFactory = _ => "advertised",
        };
        direction.AcceptOnlyFromAmong("advertised", "received");
        var server = CreateServerOption();
        var output = CreateOutputOption();

        var routes = new Command("routes", "Show the routes exchanged with one BGP peer.") { peer, direction, server, output };
        routes.SetAction((parseResult, cancellationToken) => QueryAsync(
            environment,
            parseResult.GetValue(server)!,
            async (client, uri) =>
            {
                var json = await client.GetRoutesJsonAsync(parseResult.GetValue(peer)!, parseResult.GetValue(direction)!, cancellationToken);
                if (parseResult.GetValue(output) == "json")
                {
                    await WriteJsonAsync(environment.Out, json);
                }
                else
                {
                    StatusTables.WriteRoutes(environment.Out, StatusClient.Parse<RouteResource>(json, uri));
                }
            }));
        return routes;
    }

    private static async Task<int> QueryAsync(CliEnvironment environment, Uri server, Func<StatusClient, Uri, Task> query)
    {
        using var http = environment.CreateHttpClient();
        try
        {
            await query(new StatusClient(http, server), server);
            return ExitOk;
        }
        catch (StatusClientException e)
        {
            await environment.Error.WriteLineAsync($"beacon: {e.Message}");
            return ExitFailure;
        }
    }

    // The server's bytes unchanged; only a final newline is added for the terminal.
    private static async Task WriteJsonAsync(TextWriter output, string json)
    {
        await output.WriteAsync(json);
        if (!json.EndsWith('\n'))
        {
            await output.WriteLineAsync();
        }
    }

    private static Option<Uri> CreateServerOption() => new("--server")
    {
        Description = "Status endpoint of the agent.",
        HelpName = "URL",
        DefaultValueFactory = _ => DefaultServer,
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (AddressParsing.TryParseServer(text, out var server, out var error))
            {
                return server;
            }

            result.AddError($"--server: {error}");
            return null;
        },
    };

    private static Option<string> CreateOutputOption()
    {
        var output = new Option<string>("--output", "-o")
        {
            Description = "Output format.",
            DefaultValueFactory = _ => "table",
        };
        output.AcceptOnlyFromAmong("table", "json");
        return output;
    }

    private static IPEndPoint? ParseListenAddress(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        if (AddressParsing.TryParseListenAddress(text, out var endpoint, out var error))
        {
            return endpoint;
        }

        result.AddError($"--status-listen: {error}");
        return null;
    }
}
