using System.Net;
using System.Net.Sockets;
using Beacon.Agent.Tests.Status;

namespace Beacon.Agent.Tests.Cli;

public sealed class QueryCommandTests
{
    [Fact]
    public async Task Peers_prints_an_aligned_table()
    {
        await using var server = await StatusServerFixture.StartAsync();
        var cli = new CliHarness();

        var exit = await cli.InvokeAsync("peers", "--server", server.Server.Address.ToString());

        Assert.Equal(0, exit);
        Assert.Equal(
            """
            NAME   PEER ADDRESS     PEER ASN    LOCAL ASN  STATE        UPTIME  HOLD  IPV4 ADV/RCV  IPV6 ADV/RCV  LAST ERROR
            tor-a  198.51.100.1     65000       65001      Established  2h6m    90s   3/1           2/0           -
            tor-b  2001:db8:100::1  4200000000  65001      Active       -       90s   -             0/0           connection refused

            """,
            cli.Out.ToString());
        Assert.Empty(cli.Error.ToString());
    }

    [Fact]
    public async Task Peers_json_is_the_server_answer_unchanged()
    {
        await using var server = await StatusServerFixture.StartAsync();
        var cli = new CliHarness();
        var served = await server.Http.GetStringAsync("api/v1/peers");

        var exit = await cli.InvokeAsync("peers", "--server", server.Server.Address.ToString(), "-o", "json");

        Assert.Equal(0, exit);
        Assert.Equal(served + Environment.NewLine, cli.Out.ToString());
    }

    [Fact]
    public async Task Routes_prints_advertised_routes_by_default()
    {
        await using var server = await StatusServerFixture.StartAsync();
        var cli = new CliHarness();

        var exit = await cli.InvokeAsync("routes", "--peer", "tor-a", "--server", server.Server.Address.ToString());

        Assert.Equal(0, exit);
        Assert.Equal(
            """
            PREFIX           NEXT HOP      AS PATH      ORIGIN  MED  LOCAL PREF  COMMUNITIES          LARGE COMMUNITIES  STALE
            203.0.113.10/32  198.51.100.2  65001 65001  igp     -    -           65001:100,65001:200  65001:1:2          no
            192.0.2.0/26     198.51.100.2  65001        igp     10   -           -                    -                  no

            """,
            cli.Out.ToString());
    }

    [Fact]
    public async Task Received_routes_show_as_sets_in_braces()
    {
        await using var server = await StatusServerFixture.StartAsync();
        var cli = new CliHarness();

        var exit = await cli.InvokeAsync("routes", "--peer", "tor-a", "--direction", "received", "--server", server.Server.Address.ToString());

        Assert.Equal(0, exit);
        Assert.Equal(
            """
            PREFIX     NEXT HOP      AS PATH              ORIGIN      MED  LOCAL PREF  COMMUNITIES  LARGE COMMUNITIES  STALE
            0.0.0.0/0  198.51.100.1  65000 {64512,64513}  incomplete  -    200         -            -                  yes

            """,
            cli.Out.ToString());
    }

    [Fact]
    public async Task Routes_json_is_the_server_answer_unchanged()
    {
        await using var server = await StatusServerFixture.StartAsync();
        var cli = new CliHarness();
        var served = await server.Http.GetStringAsync("api/v1/routes?peer=tor-a&direction=received");

        var exit = await cli.InvokeAsync(
            "routes", "--peer", "tor-a", "--direction", "received", "--server", server.Server.Address.ToString(), "-o", "json");

        Assert.Equal(0, exit);
        Assert.Equal(served + Environment.NewLine, cli.Out.ToString());
    }

    [Fact]
    public async Task Routes_of_an_unknown_peer_fail_with_a_message()
    {
        await using var server = await StatusServerFixture.StartAsync();
        var cli = new CliHarness();

        var exit = await cli.InvokeAsync("routes", "--peer", "nobody", "--server", server.Server.Address.ToString());

        Assert.Equal(1, exit);
        Assert.Empty(cli.Out.ToString());
        Assert.Contains("unknown peer 'nobody'", cli.Error.ToString());
    }

    [Theory]
    [InlineData("peers")]
    [InlineData("routes", "--peer", "tor-a")]
    public async Task An_unreachable_server_fails_naming_its_url(params string[] args)
    {
        var url = $"http://127.0.0.1:{ClosedPort()}/";
        var cli = new CliHarness();

        var exit = await cli.InvokeAsync([.. args, "--server", url]);

        Assert.Equal(1, exit);
        Assert.Contains($"cannot reach the Beacon status endpoint at {url}", cli.Error.ToString());
    }

    [Theory]
    [InlineData("peers", "-o", "yaml")]
    [InlineData("peers", "--server", "127.0.0.1:9179")]
    [InlineData("peers", "--server", "ftp://127.0.0.1/")]
    [InlineData("routes")]
    [InlineData("routes", "--peer", "tor-a", "--direction", "both")]
    public async Task Bad_query_arguments_are_usage_errors(params string[] args)
    {
        var cli = new CliHarness();

        Assert.Equal(2, await cli.InvokeAsync(args));
        Assert.NotEmpty(cli.Error.ToString());
    }

    [Fact]
    public async Task A_server_url_with_a_path_keeps_it()
    {
        await using var server = await StatusServerFixture.StartAsync();
        var cli = new CliHarness();

        // Without the trailing slash the last segment would be dropped when resolving api/v1/peers.
        var exit = await cli.InvokeAsync("peers", "--server", server.Server.Address.ToString().TrimEnd('/'), "-o", "json");

        Assert.Equal(0, exit);
        Assert.StartsWith("[{\"name\":\"tor-a\"", cli.Out.ToString());
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
