using System.Collections.Immutable;
using Beacon.Bgp.Speaker;

namespace Beacon.Agent.Tests.Status;

internal sealed class FakeSpeakerStatus : ISpeakerStatus
{
    public static readonly DateTimeOffset EstablishedAt = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public List<PeerStatus> Peers { get; } = [];

    public Dictionary<(string Peer, RouteDirection Direction), List<RouteView>> Routes { get; } = [];

    public IReadOnlyList<PeerStatus> GetPeers() => Peers.ToArray();

    public Task<IReadOnlyList<RouteView>?> GetRoutesAsync(string peerName, RouteDirection direction, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<RouteView>?>(Peers.Any(p => p.Name == peerName)
            ? Routes.TryGetValue((peerName, direction), out var routes) ? routes.ToArray() : []
            : null);

    /// <summary>Two peers: one Established with routes both ways, one still Active with an error.</summary>
    public static FakeSpeakerStatus WithTwoPeers()
    {
        var status = new FakeSpeakerStatus();
        status.Peers.Add(new PeerStatus
        {
            Name = "tor-a",
            PeerAddress = "198.51.100.1",
            PeerAsn = 65000,
            LocalAsn = 65001,
            State = SessionState.Established,
            EstablishedTime = EstablishedAt,
            HoldTime = 90,
            KeepaliveTime = 30,
            Families = [new FamilyStatus("ipv4", "unicast", 3, 1), new FamilyStatus("ipv6", "unicast", 2, 0)],
            PeerCapabilities = ["multiprotocol", "four-octet-as"],
            MessagesSent = 12,
            MessagesReceived = 10,
        });
        status.Peers.Add(new PeerStatus
        {
            Name = "tor-b",
            PeerAddress = "2001:db8:100::1",
            PeerAsn = 4200000000,
            LocalAsn = 65001,
            State = SessionState.Active,
            HoldTime = 90,
            KeepaliveTime = 30,
            Families = [new FamilyStatus("ipv6", "unicast", 0, 0)],
            LastError = "connection refused",
        });

        status.Routes[("tor-a", RouteDirection.Advertised)] =
        [
            new RouteView
            {
                Prefix = "203.0.113.10/32",
                Afi = "ipv4",
                NextHop = "198.51.100.2",
                Origin = "igp",
                AsPath = [65001u, 65001u],
                Communities = ["65001:100", "65001:200"],
                LargeCommunities = ["65001:1:2"],
            },
            new RouteView
            {
                Prefix = "192.0.2.0/26",
                Afi = "ipv4",
                NextHop = "198.51.100.2",
                Origin = "igp",
                AsPath = [65001u],
                Med = 10,
            },
        ];
        status.Routes[("tor-a", RouteDirection.Received)] =
        [
            new RouteView
            {
                Prefix = "0.0.0.0/0",
                Afi = "ipv4",
                NextHop = "198.51.100.1",
                Origin = "incomplete",
                AsPath = [65000u, ImmutableArray.Create<object>(64512u, 64513u)],
                LocalPreference = 200,
                ExtendedCommunities = ["rt:65000:1"],
                UnknownAttributes = [new UnknownAttributeView(99, 0xC0, true)],
                Stale = true,
            },
        ];
        return status;
    }
}
