using System.Collections.Immutable;
using System.Net;
using Beacon.Bgp.Rib;
using Beacon.Bgp.Session;
using Beacon.Bgp.Speaker;
using Microsoft.Extensions.Time.Testing;

namespace Beacon.Bgp.Tests.Session;

/// <summary>Two speakers back to back over in-memory pipes, sharing one fake clock.</summary>
internal sealed class SpeakerPair : IAsyncDisposable
{
    public static readonly IPAddress AddressA = IPAddress.Parse("198.51.100.2");
    public static readonly IPAddress AddressB = IPAddress.Parse("198.51.100.1");

    public SpeakerPair(uint asnA = 65001, uint asnB = 65002, IPAddress? addressA = null, IPAddress? addressB = null)
    {
        AsnA = asnA;
        AsnB = asnB;
        AddressOfA = addressA ?? AddressA;
        AddressOfB = addressB ?? AddressB;
        A = new BgpSpeaker(new SessionEnvironment { Time = Time, Connector = Network.ConnectorFor(AddressOfA), Jitter = static () => 1.0 });
        B = new BgpSpeaker(new SessionEnvironment { Time = Time, Connector = Network.ConnectorFor(AddressOfB), Jitter = static () => 1.0 });
        Network.Register(AddressOfA, A);
        Network.Register(AddressOfB, B);
    }

    /// <summary>A's session address: <see cref="AddressA"/> unless the test chose another (e.g. IPv6).</summary>
    public IPAddress AddressOfA { get; }

    public IPAddress AddressOfB { get; }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-11-26T12:00:00Z"));

    public InMemoryNetwork Network { get; } = new();

    public uint AsnA { get; }

    public uint AsnB { get; }

    public BgpSpeaker A { get; }

    public BgpSpeaker B { get; }

    public PeerSettings SettingsOfA(Func<PeerSettings, PeerSettings>? change = null)
    {
        var settings = new PeerSettings
        {
            Name = "b",
            PeerAddress = AddressOfB,
            PeerAsn = AsnB,
            LocalAsn = AsnA,
            RouterId = IPAddress.Parse("192.0.2.2"),
            ConnectRetryTime = TimeSpan.FromSeconds(5),
            Families = [RouteFamily.Ipv4Unicast],
        };
        return change is null ? settings : change(settings);
    }

    public PeerSettings SettingsOfB(Func<PeerSettings, PeerSettings>? change = null)
    {
        var settings = new PeerSettings
        {
            Name = "a",
            PeerAddress = AddressOfA,
            PeerAsn = AsnA,
            LocalAsn = AsnB,
            RouterId = IPAddress.Parse("192.0.2.1"),
            ConnectRetryTime = TimeSpan.FromSeconds(5),
            Families = [RouteFamily.Ipv4Unicast],
        };
        return change is null ? settings : change(settings);
    }

    public static ImmutableArray<AdvertisedRoute> Routes(params string[] prefixes) =>
        [.. prefixes.Select(p => new AdvertisedRoute(IPNetwork.Parse(p), RouteAttributes.Default))];

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}

internal static class SpeakerWaits
{
    /// <summary>
    /// Waits until the speaker's peers satisfy <paramref name="condition"/>. Sessions publish
    /// status after every input they handle, so this waits on those notifications; the
    /// deadline only keeps a broken test from hanging.
    /// </summary>
    public static async Task<IReadOnlyList<PeerStatus>> WaitForAsync(this BgpSpeaker speaker, Func<IReadOnlyList<PeerStatus>, bool> condition, string what)
    {
        var changed = new SemaphoreSlim(0);
        void OnChanged(PeerStatus _) => changed.Release();
        speaker.PeerStatusChanged += OnChanged;
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (true)
            {
                var peers = speaker.GetPeers();
                if (condition(peers))
                {
                    return peers;
                }

                try
                {
                    await changed.WaitAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"gave up waiting for {what}; peers: {string.Join("; ", speaker.GetPeers())}");
                }
            }
        }
        finally
        {
            speaker.PeerStatusChanged -= OnChanged;
        }
    }

    public static Task<IReadOnlyList<PeerStatus>> WaitForStateAsync(this BgpSpeaker speaker, string peer, SessionState state) =>
        speaker.WaitForAsync(peers => peers.Any(p => p.Name == peer && p.State == state), $"{peer} {state}");

    public static async Task<IReadOnlyList<RouteView>> WaitForRoutesAsync(this BgpSpeaker speaker, string peer, RouteDirection direction, int count)
    {
        await speaker.WaitForAsync(
            peers => peers.Any(p => p.Name == peer && p.Families.Sum(f => direction == RouteDirection.Received ? f.Received : f.Advertised) == count),
            $"{count} {direction} routes on {peer}");
        return (await speaker.GetRoutesAsync(peer, direction))!;
    }
}
