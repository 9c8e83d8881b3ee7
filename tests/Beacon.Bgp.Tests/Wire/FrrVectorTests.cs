using System.Buffers;
using System.Collections.Immutable;
using System.Net;
using Beacon.Bgp.Rib;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Wire;

namespace Beacon.Bgp.Tests.Wire;

public sealed class FrrVectorTests
{
    private static readonly UpdateDecodeOptions FourOctet = new(FourOctetAs: true);

    private static (MessageType Type, byte[] Body) Frame(string vector)
    {
        var sequence = new ReadOnlySequence<byte>(Hex.Bytes(vector));
        Assert.True(BgpFraming.TryReadMessage(ref sequence, BgpFraming.MaxMessageSize, out var type, out var body));
        Assert.True(sequence.IsEmpty);
        return (type, body.ToArray());
    }

    [Fact]
    public void Open_from_frr_decodes_every_capability()
    {
        var (type, body) = Frame(FrrVectors.Open);
        Assert.Equal(MessageType.Open, type);

        var open = OpenMessage.Read(body);

        Assert.Equal(4, open.Version);
        Assert.Equal(65001, open.MyAutonomousSystem);
        Assert.Equal(90, open.HoldTime);
        Assert.Equal(0xC6336401u, open.BgpIdentifier);
        Assert.Equal(65001u, open.EffectiveAutonomousSystem);
        Assert.Contains(new MultiprotocolCapability(1, 1), open.Capabilities);
        Assert.Contains(new MultiprotocolCapability(2, 1), open.Capabilities);
        Assert.Contains(RouteRefreshCapability.Instance, open.Capabilities);
        Assert.Contains(EnhancedRouteRefreshCapability.Instance, open.Capabilities);
        Assert.Contains(ExtendedMessageCapability.Instance, open.Capabilities);
        Assert.Contains(new FourOctetAsCapability(65001), open.Capabilities);
        Assert.Contains(new UnknownCapability(128, Array.Empty<byte>()), open.Capabilities);
        Assert.Contains(new UnknownCapability(73, Hex.Bytes("07 62636e77697265 00")), open.Capabilities);
        var gr = open.FindCapability<GracefulRestartCapability>();
        Assert.Equal(
            new GracefulRestartCapability(true, true, 120, [new GracefulRestartFamily(1, 1, false), new GracefulRestartFamily(2, 1, false)]),
            gr);
        Assert.Equal(11, open.Capabilities.Length);
    }

    [Fact]
    public void Keepalive_from_frr_is_a_bare_header()
    {
        var (type, body) = Frame(FrrVectors.Keepalive);
        Assert.Equal(MessageType.Keepalive, type);
        Assert.Empty(body);
        Assert.Equal(Hex.Bytes(FrrVectors.Keepalive), Hex.Write(KeepaliveMessage.Write));
    }

    [Fact]
    public void Ipv4_update_from_frr_decodes_all_attributes()
    {
        var (type, body) = Frame(FrrVectors.UpdateIpv4);
        Assert.Equal(MessageType.Update, type);

        var update = UpdateMessage.Read(body, FourOctet);

        Assert.Equal(UpdateErrorAction.None, update.Action);
        Assert.Empty(update.Diagnostics);
        Assert.False(update.IsEndOfRib);
        Assert.Empty(update.Withdrawn);
        Assert.Equal([IPNetwork.Parse("192.0.2.0/26"), IPNetwork.Parse("203.0.113.128/25"), IPNetwork.Parse("203.0.113.0/24")], update.Announced.ToArray());
        var expected = new PathAttributes
        {
            Origin = Origin.Igp,
            AsPath = [AsPathSegment.Sequence(65001)],
            NextHop = IPAddress.Parse("127.0.0.1"),
            Med = 50,
            Communities = [0xFDE90064, 0xFDE900C8, 0xFFFFFF01],
            LargeCommunities = [new LargeCommunity(65001, 1, 2), new LargeCommunity(65001, 3, 4)],
            ExtendedCommunities = [0x0002FDE90000000A],
        };
        Assert.Equal(expected, update.Attributes);
    }

    [Fact]
    public void Ipv6_update_from_frr_decodes_mp_reach_with_link_local_next_hop()
    {
        var (_, body) = Frame(FrrVectors.UpdateIpv6);

        var update = UpdateMessage.Read(body, FourOctet);

        Assert.Equal(UpdateErrorAction.None, update.Action);
        Assert.Equal([IPNetwork.Parse("2001:db8:1::/48"), IPNetwork.Parse("2001:db8:203::/64")], update.Announced.ToArray());
        var expected = new PathAttributes
        {
            Origin = Origin.Igp,
            AsPath = [AsPathSegment.Sequence(65001)],
            NextHop = IPAddress.Parse("2001:db8:100::1"),
            LinkLocalNextHop = IPAddress.Parse("fe80::1"),
            Med = 0,
            LargeCommunities = [new LargeCommunity(65001, 6, 6)],
        };
        Assert.Equal(expected, update.Attributes);
    }

    [Theory]
    [InlineData(FrrVectors.EndOfRibIpv4, RouteFamily.Ipv4Unicast)]
    [InlineData(FrrVectors.EndOfRibIpv6, RouteFamily.Ipv6Unicast)]
    public void End_of_rib_from_frr_is_recognised_and_written_identically(string vector, RouteFamily family)
    {
        var (_, body) = Frame(vector);

        var update = UpdateMessage.Read(body, FourOctet);

        Assert.True(update.IsEndOfRib);
        Assert.Equal(family, update.EndOfRibFamily);
        Assert.Empty(update.Announced);
        Assert.Empty(update.Withdrawn);
        Assert.Equal(Hex.Bytes(vector), Hex.Write(o => UpdateWriter.WriteEndOfRib(o, family)));
    }

    [Theory]
    [InlineData(FrrVectors.BeginningOfRouteRefresh, RouteRefreshMessage.BeginningOfRouteRefresh)]
    [InlineData(FrrVectors.EndOfRouteRefresh, RouteRefreshMessage.EndOfRouteRefresh)]
    public void Enhanced_route_refresh_from_frr(string vector, byte subtype)
    {
        var (type, body) = Frame(vector);
        Assert.Equal(MessageType.RouteRefresh, type);

        var message = RouteRefreshMessage.Read(body);

        Assert.Equal(new RouteRefreshMessage(1, subtype, 1), message);
        Assert.Equal(Hex.Bytes(vector), Hex.Write(message.Write));
    }

    [Fact]
    public void Shutdown_notification_from_frr_carries_the_rfc9003_text()
    {
        var (type, body) = Frame(FrrVectors.ShutdownNotification);
        Assert.Equal(MessageType.Notification, type);

        var notification = NotificationMessage.Read(body);

        Assert.Equal(ErrorCode.Cease, notification.Code);
        Assert.Equal(CeaseSubcode.AdministrativeShutdown, notification.Subcode);
        Assert.True(notification.TryGetShutdownCommunication(out var text));
        Assert.Equal("beacon wire capture", text);
        Assert.Equal(notification, NotificationMessage.CreateShutdown(CeaseSubcode.AdministrativeShutdown, "beacon wire capture"));
        Assert.Equal(Hex.Bytes(FrrVectors.ShutdownNotification), Hex.Write(notification.Write));
    }

    [Fact]
    public void Frr_open_survives_a_write_read_cycle()
    {
        var (_, body) = Frame(FrrVectors.Open);
        var open = OpenMessage.Read(body);

        var written = Hex.Write(open.Write);

        Assert.Equal(open, OpenMessage.Read(Hex.Body(written)));
    }

    [Fact]
    public void Frr_updates_reencode_to_equal_messages()
    {
        foreach (var (vector, family) in new[] { (FrrVectors.UpdateIpv4, RouteFamily.Ipv4Unicast), (FrrVectors.UpdateIpv6, RouteFamily.Ipv6Unicast) })
        {
            var update = UpdateMessage.Read(Frame(vector).Body, FourOctet);

            var written = Hex.Write(o => UpdateWriter.WriteAnnouncements(o, family, update.Attributes!, update.Announced.AsSpan(), new UpdateEncodeOptions(true)));

            var again = UpdateMessage.Read(Hex.Split(written).Single().Body, FourOctet);
            Assert.Equal(update.Attributes, again.Attributes);
            Assert.Equal(update.Announced.ToArray(), again.Announced.ToArray());
        }
    }

    [Fact]
    public void Frr_stream_split_into_one_byte_segments_frames_identically()
    {
        var stream = FrrVectors.All.SelectMany(Hex.Bytes).ToArray();
        var sequence = Segments.Of(stream, 1);
        var bodies = new List<byte[]>();
        while (BgpFraming.TryReadMessage(ref sequence, BgpFraming.MaxMessageSize, out _, out var body))
        {
            bodies.Add(body.ToArray());
        }

        Assert.True(sequence.IsEmpty);
        Assert.Equal(FrrVectors.All.Select(v => Hex.Body(Hex.Bytes(v))), bodies);
    }

    [Fact]
    public void Segmented_bodies_decode_like_contiguous_ones()
    {
        var open = Hex.Body(Hex.Bytes(FrrVectors.Open));
        var notification = Hex.Body(Hex.Bytes(FrrVectors.ShutdownNotification));
        var refresh = Hex.Body(Hex.Bytes(FrrVectors.BeginningOfRouteRefresh));
        var update = Hex.Body(Hex.Bytes(FrrVectors.UpdateIpv6));

        Assert.Equal(OpenMessage.Read(open), OpenMessage.Read(Segments.Of(open, 1)));
        Assert.Equal(NotificationMessage.Read(notification), NotificationMessage.Read(Segments.Of(notification, 2)));
        Assert.Equal(RouteRefreshMessage.Read(refresh), RouteRefreshMessage.Read(Segments.Of(refresh, 1)));
        Assert.Equal(UpdateMessage.Read(update, FourOctet).Attributes, UpdateMessage.Read(Segments.Of(update, 5), FourOctet).Attributes);
    }
}
