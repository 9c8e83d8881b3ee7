using System.Net;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Wire;
using CsCheck;

namespace Beacon.Bgp.Tests.Wire;

/// <summary>decode(encode(m)) == m for random valid messages.</summary>
public sealed class RoundTripTests
{
    [Fact]
    public void Open_round_trips()
    {
        Generators.Open.Sample(open =>
        {
            var written = Hex.Write(open.Write);
            var (type, body) = Hex.Split(written, BgpFraming.MaxMessageSize).Single();
            Assert.Equal(MessageType.Open, type);
            Assert.Equal(open, OpenMessage.Read(body));
        }, iter: 2000);
    }

    [Fact]
    public void Notification_round_trips()
    {
        Generators.Notification.Sample(notification =>
        {
            var (type, body) = Hex.Split(Hex.Write(notification.Write)).Single();
            Assert.Equal(MessageType.Notification, type);
            Assert.Equal(notification, NotificationMessage.Read(body));
        }, iter: 2000);
    }

    [Fact]
    public void Route_refresh_round_trips()
    {
        Generators.RouteRefresh.Sample(refresh =>
        {
            var (type, body) = Hex.Split(Hex.Write(refresh.Write)).Single();
            Assert.Equal(MessageType.RouteRefresh, type);
            Assert.Equal(refresh, RouteRefreshMessage.Read(body));
        }, iter: 2000);
    }

    [Theory]
    [InlineData(RouteFamily.Ipv4Unicast, true, 4096)]
    [InlineData(RouteFamily.Ipv4Unicast, false, 4096)]
    [InlineData(RouteFamily.Ipv6Unicast, true, 4096)]
    [InlineData(RouteFamily.Ipv6Unicast, false, 4096)]
    [InlineData(RouteFamily.Ipv6Unicast, true, 65535)]
    public void Update_announcements_round_trip(RouteFamily family, bool fourOctetAs, int maxSize)
    {
        var ipv6 = family == RouteFamily.Ipv6Unicast;
        var gen =
            from attributes in Generators.Attributes(ipv6, fourOctetAs)
            from prefixes in (ipv6 ? Generators.Ipv6Prefix : Generators.Ipv4Prefix).Array[1, 1500]
            select (attributes, prefixes);
        var encode = new UpdateEncodeOptions(fourOctetAs, maxSize);

        gen.Sample(sample =>
        {
            var (attributes, prefixes) = sample;
            var written = Hex.Write(o => UpdateWriter.WriteAnnouncements(o, family, attributes, prefixes, encode));

            // LOCAL_PREF is mandatory only from internal peers.
            var decode = new UpdateDecodeOptions(fourOctetAs, InternalPeer: attributes.LocalPreference is not null);
            var announced = new List<IPNetwork>();
            foreach (var (type, body) in Hex.Split(written, maxSize))
            {
                Assert.Equal(MessageType.Update, type);
                var update = UpdateMessage.Read(body, decode);
                Assert.Equal(UpdateErrorAction.None, update.Action);
                Assert.Empty(update.Diagnostics);
                Assert.Equal(attributes, update.Attributes);
                announced.AddRange(update.Announced);
            }

            Assert.Equal(prefixes, announced);
        }, iter: 150);
    }

    [Theory]
    [InlineData(RouteFamily.Ipv4Unicast)]
    [InlineData(RouteFamily.Ipv6Unicast)]
    public void Update_withdrawals_round_trip(RouteFamily family)
    {
        var gen = (family == RouteFamily.Ipv6Unicast ? Generators.Ipv6Prefix : Generators.Ipv4Prefix).Array[1, 3000];

        gen.Sample(prefixes =>
        {
            var written = Hex.Write(o => UpdateWriter.WriteWithdrawals(o, family, prefixes, new UpdateEncodeOptions(true)));

            var withdrawn = new List<IPNetwork>();
            foreach (var (_, body) in Hex.Split(written, BgpFraming.MaxMessageSize))
            {
                var update = UpdateMessage.Read(body, new UpdateDecodeOptions(true));
                Assert.Equal(UpdateErrorAction.None, update.Action);
                Assert.False(update.IsEndOfRib);
                Assert.Empty(update.Announced);
                withdrawn.AddRange(update.Withdrawn);
            }

            Assert.Equal(prefixes, withdrawn);
        }, iter: 200);
    }
}
