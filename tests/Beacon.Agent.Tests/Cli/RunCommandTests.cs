using System.Net;

namespace Beacon.Agent.Tests.Cli;

public sealed class RunCommandTests : IDisposable
{
    private readonly string _manifests = Directory.CreateTempSubdirectory("beacon-cli-").FullName;

    public void Dispose() => Directory.Delete(_manifests, recursive: true);

    [Fact]
    public async Task Run_with_manifests_passes_the_options_to_the_agent()
    {
        var cli = new CliHarness();

        var exit = await cli.InvokeAsync("run", "--manifests", _manifests, "--node", "worker-1", "--status-listen", "127.0.0.2:9200");

        Assert.Equal(0, exit);
        var options = Assert.Single(cli.Runs);
        Assert.Equal(_manifests, options.ManifestDirectory);
        Assert.Null(options.KubeconfigPath);
        Assert.Equal("worker-1", options.NodeName);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 9200), options.StatusListen);
    }

    [Fact]
    public async Task Status_listen_defaults_to_loopback_9179()
    {
        var cli = new CliHarness();

        await cli.InvokeAsync("run", "--manifests", _manifests);

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9179), Assert.Single(cli.Runs).StatusListen);
    }

    [Fact]
    public async Task Status_listen_takes_a_bracketed_ipv6_address()
    {
        var cli = new CliHarness();

        await cli.InvokeAsync("run", "--manifests", _manifests, "--status-listen", "[::1]:9180");

        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 9180), Assert.Single(cli.Runs).StatusListen);
    }

    [Fact]
    public async Task Node_defaults_to_NODE_NAME()
    {
        var cli = new CliHarness();
        cli.Environment["NODE_NAME"] = "from-env";

        await cli.InvokeAsync("run", "--manifests", _manifests);

        Assert.Equal("from-env", Assert.Single(cli.Runs).NodeName);
    }

    [Fact]
    public async Task Node_defaults_to_the_host_name_without_NODE_NAME()
    {
        var cli = new CliHarness { HostName = "box" };

        await cli.InvokeAsync("run", "--manifests", _manifests);

        Assert.Equal("box", Assert.Single(cli.Runs).NodeName);
    }

    [Fact]
    public async Task Manifests_and_kubeconfig_together_are_a_usage_error()
    {
        var cli = new CliHarness();

        var exit = await cli.InvokeAsync("run", "--manifests", _manifests, "--kubeconfig", "/etc/kube/config");

        Assert.Equal(2, exit);
        Assert.Empty(cli.Runs);
        Assert.Contains("--manifests and --kubeconfig cannot be used together", cli.Error.ToString());
    }

    [Fact]
    public async Task Without_any_source_run_names_the_choices()
    {
        var cli = new CliHarness();

        var exit = await cli.InvokeAsync("run");

        Assert.Equal(2, exit);
        Assert.Empty(cli.Runs);
        Assert.Contains("no source", cli.Error.ToString());
        Assert.Contains("--manifests", cli.Error.ToString());
        Assert.Contains("--kubeconfig", cli.Error.ToString());
    }

    [Fact]
    public async Task A_missing_kubeconfig_is_a_usage_error()
    {
        var cli = new CliHarness();

        var exit = await cli.InvokeAsync("run", "--kubeconfig", Path.Combine(_manifests, "absent-kubeconfig"));

        Assert.Equal(2, exit);
        Assert.Empty(cli.Runs);
        Assert.Contains("absent-kubeconfig' does not exist", cli.Error.ToString());
    }

    [Fact]
    public async Task A_kubeconfig_selects_the_kubernetes_source()
    {
        var cli = new CliHarness();
        var kubeconfig = Path.Combine(_manifests, "kubeconfig");
        File.WriteAllText(kubeconfig, "apiVersion: v1\nkind: Config\n");

        var exit = await cli.InvokeAsync("run", "--kubeconfig", kubeconfig, "--node", "n1");

        Assert.Equal(0, exit);
        var options = Assert.Single(cli.Runs);
        Assert.Null(options.ManifestDirectory);
        Assert.Equal(kubeconfig, options.KubeconfigPath);
    }

    [Fact]
    public async Task A_missing_manifest_directory_is_a_usage_error()
    {
        var cli = new CliHarness();
        var missing = Path.Combine(_manifests, "absent");

        var exit = await cli.InvokeAsync("run", "--manifests", missing);

        Assert.Equal(2, exit);
        Assert.Empty(cli.Runs);
        Assert.Contains($"manifest directory '{missing}' does not exist", cli.Error.ToString());
    }

    [Theory]
    [InlineData("127.0.0.1", "the port is missing")]
    [InlineData("localhost:9179", "'localhost' is not an IP address")]
    [InlineData("::1:9179", "[ADDRESS]:PORT")]
    [InlineData("[::1]", "[ADDRESS]:PORT")]
    [InlineData("[127.0.0.1]:9179", "'127.0.0.1' is not an IP address")]
    [InlineData("127.0.0.1:65536", "'65536' is not a port number")]
    [InlineData("127.0.0.1:-1", "'-1' is not a port number")]
    [InlineData("127.0.0.1:http", "'http' is not a port number")]
    public async Task A_bad_status_listen_address_is_a_usage_error(string value, string message)
    {
        var cli = new CliHarness();

        var exit = await cli.InvokeAsync("run", "--manifests", _manifests, "--status-listen", value);

        Assert.Equal(2, exit);
        Assert.Empty(cli.Runs);
        Assert.Contains("--status-listen", cli.Error.ToString());
        Assert.Contains(message, cli.Error.ToString());
    }

    [Fact]
    public async Task No_command_is_a_usage_error()
    {
        var cli = new CliHarness();

        Assert.Equal(2, await cli.InvokeAsync());
    }

    [Fact]
    public async Task Help_exits_zero_and_lists_the_commands()
    {
        var cli = new CliHarness();

        var exit = await cli.InvokeAsync("--help");

        Assert.Equal(0, exit);
        Assert.Contains("run", cli.Out.ToString());
        Assert.Contains("peers", cli.Out.ToString());
        Assert.Contains("routes", cli.Out.ToString());
    }
}
