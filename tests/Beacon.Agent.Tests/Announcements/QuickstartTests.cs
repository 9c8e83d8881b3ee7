using System.Net;
using System.Runtime.CompilerServices;
using Beacon.Agent.Announcements;
using Beacon.Bgp.Rib;
using Beacon.Cluster.Manifests;

namespace Beacon.Agent.Tests.Announcements;

public sealed class QuickstartTests
{
    [Fact]
    public void Quickstart_manifests_plan_the_documented_routes_for_node1()
    {
        var snapshot = ManifestDirectorySource.Load(QuickstartDirectory());
        Assert.Empty(snapshot.Errors);

        var plan = AnnouncementPlanner.Plan(snapshot, "node1");

        Assert.Empty(plan.Diagnostics);
        var peer = Assert.Single(plan.Peers);
        Assert.Equal("router", peer.Settings.Name);
        Assert.Equal("198.51.100.1", peer.Settings.PeerAddress.ToString());
        Assert.Equal(64500u, peer.Settings.PeerAsn);
        Assert.Equal(64512u, peer.Settings.LocalAsn);
        Assert.Equal("198.51.100.2", peer.Settings.RouterId.ToString());
        Assert.Equal(TimeSpan.FromSeconds(9), peer.Settings.HoldTime);
        Assert.Equal(TimeSpan.FromSeconds(3), peer.Settings.KeepaliveTime);
        Assert.Equal(TimeSpan.FromSeconds(5), peer.Settings.ConnectRetryTime);

        var service = new RouteAttributes { Communities = [(64512u << 16) | 100], LargeCommunities = [new LargeCommunity(64512, 1, 1)] };
        AdvertisedRoute[] expected =
        [
            new(IPNetwork.Parse("192.0.2.0/26"), RouteAttributes.Default),
            new(IPNetwork.Parse("203.0.113.10/32"), service),
            new(IPNetwork.Parse("203.0.113.11/32"), service),
            new(IPNetwork.Parse("2001:db8:1::/64"), RouteAttributes.Default),
        ];
        Assert.Equal(expected, peer.Routes);
    }

    [Fact]
    public void Quickstart_gateway_is_accepted_served_on_its_address_and_announced_once_served()
    {
        var snapshot = ManifestDirectorySource.Load(QuickstartDirectory());

        var translation = Beacon.Gateway.Translation.GatewayTranslator.Translate(snapshot);

        var gateway = Assert.Single(translation.Addresses);
        Assert.Equal("default/web", gateway.Gateway);
        Assert.Equal("203.0.113.80", Assert.Single(gateway.Addresses));
        Assert.Equal(80, Assert.Single(gateway.Ports));
        var bind = Assert.Single(translation.Config.Binds);
        Assert.Equal(("203.0.113.80", 80), (bind.Address, bind.Port));
        Assert.Contains(bind.Listeners.Single().VirtualHosts.Single().Routes, r => r.Route == "default/shop" && r.RuleName == "shop");
        var served = new ServedGateway(gateway.Gateway, snapshot.Gateways["default/web"].Metadata.Labels, [IPAddress.Parse("203.0.113.80")]);
        var peer = Assert.Single(AnnouncementPlanner.Plan(snapshot, "node1", [served]).Peers);
        Assert.Contains(peer.Routes, r => r.Prefix == IPNetwork.Parse("203.0.113.80/32"));
    }

    private static string QuickstartDirectory([CallerFilePath] string thisFile = "")
    {
        var dir = Path.GetDirectoryName(thisFile);
        while (dir is not null && !Directory.Exists(Path.Combine(dir, "examples", "quickstart")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return Path.Combine(dir ?? throw new DirectoryNotFoundException("examples/quickstart"), "examples", "quickstart");
    }
}
