using System.Net;
using System.Text.Json;
using Beacon.Interop.Tests.Lab;

namespace Beacon.Interop.Tests.Harness;

public sealed class NetworkLabTests
{
    [Fact]
    public async Task Nodes_get_the_design_addresses_on_a_link_to_the_router()
    {
        await using var lab = await NetworkLab.CreateAsync(nodeCount: 2);

        Assert.Equal(IPAddress.Parse("198.51.100.1"), lab.Router.IPv4);
        Assert.Equal(["198.51.100.2", "198.51.100.3"], lab.Nodes.Select(n => n.IPv4.ToString()));
        Assert.Equal(["2001:db8:100::2", "2001:db8:100::3"], lab.Nodes.Select(n => n.IPv6.ToString()));
        Assert.All(lab.Nodes, n => Assert.StartsWith($"bcn-{lab.Id}-", n.Name));

        var addresses = await AddressesAsync(lab.Nodes[1], NetworkLab.NodeInterface);
        Assert.Contains("198.51.100.3/24", addresses);
        Assert.Contains("2001:db8:100::3/64", addresses);
        Assert.Contains("198.51.100.1/24", await AddressesAsync(lab.Router, NetworkLab.BridgeName));
    }

    [Fact]
    public async Task Disposing_stops_started_processes_and_deletes_the_namespaces()
    {
        var lab = await NetworkLab.CreateAsync(nodeCount: 1);
        var sleeper = lab.Start(lab.Nodes[0], "sleeper", ["sleep", "600"]);
        var pid = sleeper.ProcessId;
        var names = new[] { lab.Router.Name, lab.Nodes[0].Name };
        Assert.True(File.Exists($"/proc/{pid}/status"));

        await lab.DisposeAsync();

        Assert.True(sleeper.HasExited);
        var listed = (await Command.RunCheckedAsync("ip", "netns", "list")).StandardOutput;
        Assert.All(names, name => Assert.DoesNotContain(name, listed));
        if (Environment.GetEnvironmentVariable("BEACON_LAB_KEEP") != "1")
        {
            Assert.False(Directory.Exists(lab.WorkDirectory));
        }
    }

    private static async Task<List<string>> AddressesAsync(LabNamespace ns, string device)
    {
        var json = (await ns.ExecAsync("ip", "-j", "addr", "show", "dev", device)).EnsureSuccess().StandardOutput;
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray()
            .SelectMany(i => i.GetProperty("addr_info").EnumerateArray())
            .Select(a => $"{a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()}")];
    }
}
