using Beacon.Bgp.Wire;

namespace Beacon.Bgp.Tests.Wire;

public sealed class SmallMessageTests
{
    [Fact]
    public void Notification_vector_hold_timer_expired()
    {
        var message = Hex.Bytes("ffffffffffffffffffffffffffffffff 0015 03 | 04 00");

        var notification = NotificationMessage.Read(Hex.Body(message));

        Assert.Equal(new NotificationMessage(ErrorCode.HoldTimerExpired, 0, ReadOnlyMemory<byte>.Empty), notification);
        Assert.Equal(message, Hex.Write(notification.Write));
    }

    [Fact]
    public void Notification_vector_unsupported_version_with_data()
    {
        var message = Hex.Bytes("ffffffffffffffffffffffffffffffff 0017 03 | 02 01 0004");

        var notification = NotificationMessage.Read(Hex.Body(message));

        Assert.Equal(ErrorCode.OpenMessage, notification.Code);
        Assert.Equal(1, notification.Subcode);
        Assert.Equal("0004", Hex.Of(notification.Data.Span));
        Assert.False(notification.TryGetShutdownCommunication(out _));
    }

    [Fact]
    public void Shutdown_communication_is_cut_at_255_octets_on_a_character_boundary()
    {
        var text = new string('a', 254) + "é";

        var notification = NotificationMessage.CreateShutdown(CeaseSubcode.AdministrativeReset, text);

        Assert.Equal(255, notification.Data.Length);
        Assert.Equal(254, notification.Data.Span[0]);
        Assert.True(notification.TryGetShutdownCommunication(out var read));
        Assert.Equal(new string('a', 254), read);
    }

    [Theory]
    [InlineData("length beyond the data", "05 6869")]
    [InlineData("invalid UTF-8", "02 c328")]
    [InlineData("no data", "")]
    public void Malformed_shutdown_communication_is_not_reported(string label, string data)
    {
        Assert.NotEmpty(label);
        var notification = new NotificationMessage(ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown, Hex.Bytes(data));

        Assert.False(notification.TryGetShutdownCommunication(out _));
    }

    [Fact]
    public void Shutdown_communication_is_only_for_cease_2_and_4()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NotificationMessage.CreateShutdown(CeaseSubcode.PeerDeconfigured, "x"));
    }

    [Fact]
    public void Protocol_exception_becomes_a_notification()
    {
        var error = new BgpProtocolException(ErrorCode.UpdateMessage, UpdateErrorSubcode.MissingWellKnownAttribute, new byte[] { 1 }, "missing ORIGIN");

        Assert.Equal(new NotificationMessage(ErrorCode.UpdateMessage, 3, new byte[] { 1 }), error.ToNotification());
    }

    [Fact]
    public void Route_refresh_vector_normal_request_for_ipv6()
    {
        var message = Hex.Bytes("ffffffffffffffffffffffffffffffff 0017 05 | 0002 00 01");

        var refresh = RouteRefreshMessage.Read(Hex.Body(message));

        Assert.Equal(new RouteRefreshMessage(AfiSafi.Ipv6, RouteRefreshMessage.NormalRequest, AfiSafi.Unicast), refresh);
        Assert.True(refresh.IsKnownSubtype);
        Assert.Equal(message, Hex.Write(refresh.Write));
    }

    [Fact]
    public void Route_refresh_with_unknown_subtype_is_read_so_it_can_be_ignored()
    {
        Assert.False(RouteRefreshMessage.Read(Hex.Bytes("0001 07 01")).IsKnownSubtype);
    }

    [Fact]
    public void Route_refresh_subtype_0_with_orf_entries_is_accepted()
    {
        Assert.Equal(new RouteRefreshMessage(1, 0, 1), RouteRefreshMessage.Read(Hex.Bytes("0001 00 01 40 0003 aabbcc")));
    }

    [Fact]
    public void Borr_with_a_wrong_length_is_error_7_1_carrying_the_whole_message()
    {
        var body = Hex.Bytes("0001 01 01 00");

        var error = Assert.Throws<BgpProtocolException>(() => RouteRefreshMessage.Read(body));

        Assert.Equal(ErrorCode.RouteRefresh, error.Code);
        Assert.Equal(RouteRefreshErrorSubcode.InvalidMessageLength, error.Subcode);
        Assert.Equal(Hex.Message(MessageType.RouteRefresh, body), error.Data.ToArray());
    }
}
