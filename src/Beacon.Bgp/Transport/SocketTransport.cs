using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Beacon.Bgp.Speaker;

namespace Beacon.Bgp.Transport;

/// <summary>TCP transport: dials peers and accepts their connections on the BGP port.</summary>
public sealed class SocketConnector : IBgpConnector
{
    /// <summary>Longest wait for a connection; see <see cref="ConnectTimeoutFor"/>.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(30);

    private readonly TimeSpan _connectTimeout;
    private readonly TimeProvider _time;
    private readonly Func<TcpDropCounters?> _readCounters;

    public SocketConnector()
        : this(DefaultConnectTimeout, TimeProvider.System)
    {
    }

    public SocketConnector(TimeSpan connectTimeout, TimeProvider time)
        : this(connectTimeout, time, () => TcpDropCounters.Read())
    {
    }

    internal SocketConnector(TimeSpan connectTimeout, TimeProvider time, Func<TcpDropCounters?> readCounters)
    {
        _connectTimeout = connectTimeout;
        _time = time;
        _readCounters = readCounters;
    }

    public async ValueTask<TransportConnection> ConnectAsync(PeerSettings peer, CancellationToken cancellationToken)
    {
        var socket = new Socket(peer.PeerAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Both before connect(): the SYN must carry the signature and the TTL.
            TcpSocketOptions.ApplyTtl(socket, peer);
            if (peer.TcpMd5Key is { } key)
            {
                TcpSocketOptions.SetMd5Key(socket, peer.PeerAddress, key);
            }

            socket.NoDelay = true;
            if (peer.LocalAddress is not null)
            {
                socket.Bind(new IPEndPoint(peer.LocalAddress, 0));
            }

            await ConnectWithTimeoutAsync(socket, peer, cancellationToken);
            return peer.TtlSecurity
                ? Wrap(socket, locallyInitiated: true, stream => new GtsmWatchStream(stream, ConnectTimeoutFor(peer), _time, _readCounters))
                : Wrap(socket, locallyInitiated: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// How long one attempt may take. A segment with a wrong MD5 signature or a low TTL is
    /// dropped without a reset, so the kernel would retry the SYN for about two minutes, longer
    /// than the ConnectRetry timer (whose jitter can shorten it to 0.75 of its value) that
    /// cancels the attempt without a word; half the ConnectRetry time leaves a reported error.
    /// </summary>
    internal TimeSpan ConnectTimeoutFor(PeerSettings peer) =>
        TimeSpan.FromTicks(Math.Min(_connectTimeout.Ticks, peer.ConnectRetryTime.Ticks / 2));

    private async Task ConnectWithTimeoutAsync(Socket socket, PeerSettings peer, CancellationToken cancellationToken)
    {
        var timeout = ConnectTimeoutFor(peer);
        var before = peer.TcpMd5Key is not null || peer.TtlSecurity ? _readCounters() : null;
        using var timer = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(peer.PeerAddress, peer.PeerPort), linked.Token);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(DescribeTimeout(peer, timeout, before));
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TimedOut)
        {
            throw new TimeoutException(DescribeTimeout(peer, timeout, before));
        }
    }

    /// <summary>
    /// Why a connection timed out, as far as this host can tell: the kernel's counts of
    /// segments it dropped for MD5 or GTSM while we waited (the peer's own SYNs to our listener
    /// show up there), else a reminder that a mismatch on the peer's side looks just like this.
    /// </summary>
    private string DescribeTimeout(PeerSettings peer, TimeSpan timeout, TcpDropCounters? before)
    {
        var text = $"TCP connection timed out after {timeout.TotalSeconds:0.#} s";
        var reasons = TcpDropCounters.Explain(before, before is null ? null : _readCounters());
        if (reasons.Length > 0)
        {
            return $"{text}; {string.Join("; ", reasons)}";
        }

        if (peer.TcpMd5Key is not null)
        {
            text += "; TCP MD5 is on: a peer with another password or none drops our SYN silently, check the password on both sides";
        }

        if (peer.TtlSecurity)
        {
            text += "; GTSM is on: check that the peer has GTSM (ttl-security) on";
        }

        return text;
    }

    internal static TransportConnection Wrap(Socket socket, bool locallyInitiated, Func<NetworkStream, Stream>? watch = null)
    {
        var network = new NetworkStream(socket, ownsSocket: true);
        var stream = watch is null ? network : watch(network);
        var pipe = new StreamDuplexPipe(
            PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true)),
            PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)));
        var local = Normalize((IPEndPoint)socket.LocalEndPoint!);
        var remote = Normalize((IPEndPoint)socket.RemoteEndPoint!);
        return new TransportConnection(pipe, local, remote, locallyInitiated, async () =>
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }

            await stream.DisposeAsync();
        });
    }

    internal static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    private sealed record StreamDuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}

/// <summary>Accepts BGP connections on one port, dual-stack, and hands them to a callback.</summary>
public sealed class SocketListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<IPAddress, TcpMd5Key> _md5Keys = [];
    private readonly Task _acceptLoop;

    private SocketListener(Socket socket, Func<TransportConnection, Socket, ValueTask> accepted)
    {
        _socket = socket;
        _acceptLoop = AcceptLoopAsync(accepted);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Listens on <paramref name="address"/> (default: every address, IPv4 and IPv6) and <paramref name="port"/>.</summary>
    public static SocketListener Start(IPAddress? address, int port, Func<TransportConnection, Socket, ValueTask> accepted)
    {
        address ??= IPAddress.IPv6Any;
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = true;
            }

            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(64);
            return new SocketListener(socket, accepted);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Makes the listener's TCP MD5 keys (RFC 2385) exactly <paramref name="keys"/>, one per peer
    /// address: the kernel checks the SYN against them and copies the matching key to the
    /// accepted socket. Returns the peers whose key the kernel refused, with why.
    /// </summary>
    public IReadOnlyList<(IPAddress Peer, string Error)> SetMd5Keys(IReadOnlyDictionary<IPAddress, TcpMd5Key> keys)
    {
        var errors = new List<(IPAddress, string)>();
        foreach (var (peer, _) in _md5Keys.Where(k => !keys.ContainsKey(k.Key)).ToList())
        {
            Apply(peer, null);
        }

        foreach (var (peer, key) in keys)
        {
            if (!_md5Keys.TryGetValue(peer, out var current) || !current.Equals(key))
            {
                Apply(peer, key);
            }
        }

        return errors;

        void Apply(IPAddress peer, TcpMd5Key? key)
        {
            try
            {
                TcpSocketOptions.SetMd5Key(_socket, peer, key);
                if (key is not null)
                {
                    _md5Keys[peer] = key;
                }
            }
            catch (Exception ex) when (ex is SocketException or ArgumentException)
            {
                errors.Add((peer, ex.Message));
            }

            // A key the kernel refused is not recorded, so the next call tries it again.
            if (key is null)
            {
                _md5Keys.Remove(peer);
            }
        }
    }

    /// <summary>
    /// For GTSM peers (RFC 5082): answers SYNs with TTL 255 and keeps each SYN's headers, so
    /// that the TTL it arrived with can be checked after accept; false restores the defaults.
    /// </summary>
    public void SetGtsm(bool gtsm)
    {
        TcpSocketOptions.SetListenerTtl(_socket, gtsm ? TcpSocketOptions.GtsmSendTtl : null);
        TcpSocketOptions.SetSaveSyn(_socket, gtsm);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _acceptLoop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync(Func<TransportConnection, Socket, ValueTask> accepted)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            client.NoDelay = true;
            await accepted(SocketConnector.Wrap(client, locallyInitiated: false), client);
        }
    }
}
