using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Transport;

namespace Beacon.Bgp.Tests.Transport;

/// <summary>
/// Real sockets on 127.0.0.1: a <see cref="SocketConnector"/> dialling a dual-stack
/// <see cref="SocketListener"/>. A segment with a wrong signature or a low TTL is dropped
/// without a reset, so the failing cases end in the connector's (short) connect timeout.
/// </summary>
public sealed class SocketLoopbackTests : IAsyncLifetime
{
    private static readonly TimeSpan s_failTimeout = TimeSpan.FromSeconds(2);
    private readonly TaskCompletionSource<(TransportConnection Connection, Socket Socket)> _accepted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SocketListener _listener = null!;

    public Task InitializeAsync()
    {
        _listener = SocketListener.Start(null, 0, (connection, socket) =>
        {
            _accepted.TrySetResult((connection, socket));
            return ValueTask.CompletedTask;
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _listener.DisposeAsync();
        if (_accepted.Task.IsCompletedSuccessfully)
        {
            await _accepted.Task.Result.Connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_same_key_on_both_sides_connects_and_carries_data()
    {
        Assert.Empty(_listener.SetMd5Keys(Keys(IPAddress.Loopback, "s3cret")));

        await using var client = await Connector(s_failTimeout * 5).ConnectAsync(Peer(key: "s3cret"), CancellationToken.None);
        await client.Pipe.Output.WriteAsync("hello"u8.ToArray());
        var (server, _) = await _accepted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var read = await server.Pipe.Input.ReadAtLeastAsync(5);

        Assert.Equal("hello"u8.ToArray(), read.Buffer.ToArray());
    }

    [Theory]
    [InlineData("s3cret", "wrong", "TCP MD5 signature mismatch counted by the kernel (TCPMD5Failure +")]
    [InlineData("s3cret", null, "TCP segments without the expected MD5 signature counted by the kernel (TCPMD5NotFound +")]
    public async Task A_key_mismatch_times_out_and_says_why(string listenerKey, string? clientKey, string expected)
    {
        Assert.Empty(_listener.SetMd5Keys(Keys(IPAddress.Loopback, listenerKey)));

        // The counters are read only for peers with MD5 or GTSM; a peer without a key gets GTSM
        // here so that its timeout is explained too (the listener answers with TTL 255 for it).
        _listener.SetGtsm(true);
        var peer = clientKey is null ? Peer() with { TtlSecurity = true } : Peer(key: clientKey);
        var error = await Assert.ThrowsAsync<TimeoutException>(async () => await Connector(s_failTimeout).ConnectAsync(peer, CancellationToken.None));

        Assert.StartsWith("TCP connection timed out after 2 s; ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.False(_accepted.Task.IsCompleted);
    }

    [Fact]
    public async Task A_key_the_listener_does_not_expect_times_out_and_says_why()
    {
        var error = await Assert.ThrowsAsync<TimeoutException>(async () => await Connector(s_failTimeout).ConnectAsync(Peer(key: "s3cret"), CancellationToken.None));

        Assert.Contains("TCP MD5 signed segments where none were expected counted by the kernel (TCPMD5Unexpected +", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_removed_listener_key_lets_an_unsigned_peer_in()
    {
        Assert.Empty(_listener.SetMd5Keys(Keys(IPAddress.Loopback, "s3cret")));
        Assert.Empty(_listener.SetMd5Keys(new Dictionary<IPAddress, TcpMd5Key>()));

        await using var client = await Connector(s_failTimeout * 5).ConnectAsync(Peer(), CancellationToken.None);

        await _accepted.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_changed_listener_key_replaces_the_old_one()
    {
        Assert.Empty(_listener.SetMd5Keys(Keys(IPAddress.Loopback, "old")));
        Assert.Empty(_listener.SetMd5Keys(Keys(IPAddress.Loopback, "new")));

        await using var client = await Connector(s_failTimeout * 5).ConnectAsync(Peer(key: "new"), CancellationToken.None);

        await _accepted.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Gtsm_connects_when_the_listener_answers_with_ttl_255()
    {
        _listener.SetGtsm(true);

        await using var client = await Connector(s_failTimeout * 5).ConnectAsync(Peer() with { TtlSecurity = true }, CancellationToken.None);

        var (_, socket) = await _accepted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(255, TcpSocketOptions.ReadSavedSynTtl(socket));
    }

    [Fact]
    public async Task Gtsm_times_out_when_the_peer_answers_with_a_low_ttl_and_says_why()
    {
        var error = await Assert.ThrowsAsync<TimeoutException>(async () => await Connector(s_failTimeout).ConnectAsync(Peer() with { TtlSecurity = true }, CancellationToken.None));

        Assert.Contains("TCP segments below the GTSM minimum TTL counted by the kernel (TCPMinTTLDrop +", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gtsm_fails_a_dialled_connection_whose_data_arrives_with_a_low_ttl_and_says_why()
    {
        // The listener answers with TTL 255 (the handshake passes), the accepted socket then sends with 64.
        _listener.SetGtsm(true);
        await using var client = await Connector(s_failTimeout).ConnectAsync(Peer() with { TtlSecurity = true }, CancellationToken.None);
        var (server, socket) = await _accepted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        socket.SetRawSocketOption(0, 2, BitConverter.GetBytes(64));
        await server.Pipe.Output.WriteAsync("OPEN"u8.ToArray());

        var error = await Assert.ThrowsAsync<IOException>(async () => await client.Pipe.Input.ReadAsync());

        Assert.StartsWith("nothing received 2 s after connecting; TCP segments below the GTSM minimum TTL counted by the kernel (TCPMinTTLDrop +", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gtsm_keeps_a_dialled_connection_whose_data_arrives_with_ttl_255()
    {
        _listener.SetGtsm(true);
        await using var client = await Connector(s_failTimeout).ConnectAsync(Peer() with { TtlSecurity = true }, CancellationToken.None);
        var (server, _) = await _accepted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await server.Pipe.Output.WriteAsync("OPEN"u8.ToArray());

        var read = await client.Pipe.Input.ReadAtLeastAsync(4);

        Assert.Equal("OPEN"u8.ToArray(), read.Buffer.ToArray());
    }

    [Fact]
    public async Task The_connection_leaves_from_the_local_address_to_the_peer_port()
    {
        var local = IPAddress.Parse("127.0.0.2");

        await using var client = await Connector(s_failTimeout * 5).ConnectAsync(Peer() with { LocalAddress = local }, CancellationToken.None);
        var (server, _) = await _accepted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(local, client.Local.Address);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, _listener.LocalEndPoint.Port), client.Remote);
        Assert.Equal(local, server.Remote.Address);
        Assert.True(client.LocallyInitiated);
        Assert.False(server.LocallyInitiated);
    }

    [Fact]
    public void The_connect_timeout_is_at_most_half_the_connect_retry_time()
    {
        var connector = Connector(TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.FromSeconds(1), connector.ConnectTimeoutFor(Peer() with { ConnectRetryTime = TimeSpan.FromSeconds(2) }));
        Assert.Equal(TimeSpan.FromSeconds(30), connector.ConnectTimeoutFor(Peer()));
    }

    private static SocketConnector Connector(TimeSpan timeout) => new(timeout, TimeProvider.System);

    private static Dictionary<IPAddress, TcpMd5Key> Keys(IPAddress peer, string password) => new() { [peer] = TcpMd5Key.FromPassword(password) };

    private PeerSettings Peer(string? key = null) => TcpSocketOptionsTests.Peer() with
    {
        PeerAddress = IPAddress.Loopback,
        PeerPort = (ushort)_listener.LocalEndPoint.Port,
        EbgpMultihop = 64,
        TcpMd5Key = key is null ? null : TcpMd5Key.FromPassword(key),
    };
}
