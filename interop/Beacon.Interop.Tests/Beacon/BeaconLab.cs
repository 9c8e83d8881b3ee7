using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Beacon.Bgp.Speaker;
using Beacon.Interop.Tests.Lab;

namespace Beacon.Interop.Tests.Beacon;

/// <summary>
/// One FRR router and Beacon on some nodes of a <see cref="NetworkLab"/>, with the
/// manifests in a directory of the lab's work dir. Disposing disposes the lab, which stops
/// every daemon and deletes every namespace.
/// </summary>
public sealed class BeaconLab : IAsyncDisposable
{
    public const uint RouterAs = 64500;
    public const uint NodeAs = 64512;
    public const string PeerName = "router";

    private readonly List<BeaconProcess> _beacons = [];

    private BeaconLab(NetworkLab lab, ManifestDirectory manifests)
    {
        Lab = lab;
        Manifests = manifests;
    }

    public NetworkLab Lab { get; }

    public ManifestDirectory Manifests { get; }

    public FrrRouter Frr { get; private set; } = null!;

    public IReadOnlyList<BeaconProcess> Beacons => _beacons;

    public LabNamespace Node(int index) => Lab.Nodes[index];

    public static async Task<BeaconLab> CreateAsync(int nodeCount = 1)
    {
        var lab = await NetworkLab.CreateAsync(nodeCount);
        return new BeaconLab(lab, new ManifestDirectory(lab.CreateDirectory("manifests")));
    }

    /// <summary>
    /// FRR (with zebra) with one neighbor per node (its IPv4 address, IPv4 and IPv6 unicast active),
    /// <c>remote-as</c> <paramref name="remoteAs"/>, hold 9, keepalive 3, connect 1;
    /// <paramref name="neighbor"/> may change each neighbor (password, GTSM, …);
    /// <paramref name="installRoutes"/> puts the best paths in the router namespace's kernel table.
    /// </summary>
    public async Task<FrrRouter> StartFrrAsync(
        uint routerAs = RouterAs,
        string remoteAs = "external",
        IReadOnlyList<string>? networks = null,
        int maximumPaths = 1,
        IReadOnlyList<string>? extraRouterLines = null,
        Func<FrrNeighborConfig, FrrNeighborConfig>? neighbor = null,
        bool installRoutes = false)
    {
        neighbor ??= static n => n;
        var config = new FrrConfig(routerAs, Lab.Router.IPv4)
        {
            Neighbors =
            [
                .. Lab.Nodes.Select(n => neighbor(new FrrNeighborConfig(n.IPv4, remoteAs)
                {
                    Families = [AddressFamily.InterNetwork, AddressFamily.InterNetworkV6],
                })),
            ],
            Networks = networks ?? [],
            MaximumPaths = maximumPaths,
            ExtraRouterLines = extraRouterLines ?? [],

            // Beacon sends on-link peers a link-local next hop with the global one (RFC 2545 §3).
            Zebra = true,
            InstallRoutes = installRoutes,
        };
        Frr = await FrrRouter.StartAsync(Lab, Lab.Router, config);
        return Frr;
    }

    /// <summary>Starts <c>beacon run</c> in node namespace <paramref name="index"/> as Node <c>node{index+1}</c>.</summary>
    public BeaconProcess StartBeacon(int index = 0)
    {
        var beacon = BeaconProcess.Start(Lab, Node(index), Manifests.Path, NodeName(index));
        _beacons.Add(beacon);
        return beacon;
    }

    public static string NodeName(int index) => $"node{index + 1}";

    /// <summary>Waits for FRR to see node <paramref name="index"/> Established, and Beacon to see the router Established.</summary>
    public Task WaitForEstablishedAsync(int index = 0) =>
        WithLogAsync(index, async () =>
        {
            await Frr.WaitForEstablishedAsync(Node(index).IPv4);
            return await Beacons[index].WaitForPeerStateAsync(PeerName, SessionState.Established);
        });

    /// <summary>Waits until FRR holds exactly <paramref name="prefixes"/> of the family from node <paramref name="index"/>.</summary>
    public Task<FrrRoutingTable> WaitForFrrPrefixesAsync(AddressFamily family, IEnumerable<string> prefixes, int index = 0)
    {
        var expected = prefixes.Order(StringComparer.Ordinal).ToList();
        var peer = Node(index).IPv4;
        return WaitForFrrAsync(
            family,
            t => t.PrefixesFrom(peer).Order(StringComparer.Ordinal).SequenceEqual(expected),
            $"FRR to hold exactly [{string.Join(", ", expected)}] ({family}) from {peer}",
            index);
    }

    /// <summary>Polls FRR's table; on timeout the message carries the tail of node <paramref name="index"/>'s Beacon log.</summary>
    public Task<FrrRoutingTable> WaitForFrrAsync(AddressFamily family, Func<FrrRoutingTable, bool> condition, string description, int index = 0) =>
        WithLogAsync(index, () => Frr.WaitForRoutesAsync(family, condition, description));

    public Task<IReadOnlyList<RouteView>> WaitForBeaconRoutesAsync(
        RouteDirection direction,
        Func<IReadOnlyList<RouteView>, bool> condition,
        string description,
        int index = 0) =>
        WithLogAsync(index, () => Eventually.UntilAsync(description, () => Beacons[index].GetRoutesAsync(PeerName, direction), condition));

    /// <summary>The last lines of node <paramref name="index"/>'s Beacon log, for failure messages.</summary>
    public string LogTail(int index = 0, int lines = 30)
    {
        if (index >= _beacons.Count)
        {
            return "(not started)";
        }

        var all = _beacons[index].ReadLog().Split('\n');
        return string.Join('\n', all.TakeLast(lines));
    }

    private async Task<T> WithLogAsync<T>(int index, Func<Task<T>> wait)
    {
        try
        {
            return await wait();
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}{Environment.NewLine}Beacon log ({Lab.WorkDirectory}):{Environment.NewLine}{LogTail(index)}", e);
        }
    }

    /// <summary>AS numbers of a route view's AS_PATH (the status JSON has them as numbers).</summary>
    public static IReadOnlyList<uint> AsNumbers(RouteView route) =>
        [.. route.AsPath.Select(a => a is JsonElement e ? e.GetUInt32() : Convert.ToUInt32(a, System.Globalization.CultureInfo.InvariantCulture))];

    public static IPAddress? NextHop(RouteView route) => route.NextHop is { } text ? IPAddress.Parse(text) : null;

    public async ValueTask DisposeAsync() => await Lab.DisposeAsync();
}
