using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Beacon.Bgp.Speaker;

namespace Beacon.Bgp.Transport;

/// <summary>TCP transport: dials peers and accepts their connections on the BGP port.</summary>
public sealed class SocketConnector : IBgpConnector
{
    public async ValueTask<TransportConnection> ConnectAsync(PeerSettings peer, CancellationToken cancellationToken)
    {
        var socket = new Socket(peer.PeerAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            ApplyTtl(socket, peer);
            socket.NoDelay = true;
            if (peer.LocalAddress is not null)
            {
                socket.Bind(new IPEndPoint(peer.LocalAddress, 0));
            }

            await socket.ConnectAsync(new IPEndPoint(peer.PeerAddress, peer.PeerPort), cancellationToken);
            return Wrap(socket, locallyInitiated: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The IP TTL of the session's packets: 1 for a directly connected external peer
    /// unless ebgpMultihop raises it; internal peers use the system default.
    /// </summary>
    internal static void ApplyTtl(Socket socket, PeerSettings peer)
    {
        if (!peer.IsInternal)
        {
            socket.Ttl = (short)Math.Clamp(peer.EbgpMultihop, 1, 255);
        }
    }

    internal static TransportConnection Wrap(Socket socket, bool locallyInitiated)
    {
        var stream = new NetworkStream(socket, ownsSocket: true);
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
