using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Beacon.Bgp.Speaker;
using Beacon.Bgp.Transport;

namespace Beacon.Bgp.Tests.Session;

/// <summary>
/// Connects speakers back to back over in-memory pipes: dialling an address hands the
/// other end to the speaker registered there, as its listener would.
/// </summary>
internal sealed class InMemoryNetwork
{
    private readonly ConcurrentDictionary<IPAddress, Func<TransportConnection, bool>> _speakers = new();

    public void Register(IPAddress address, BgpSpeaker speaker) => _speakers[address] = speaker.AcceptIncoming;

    public void Register(IPAddress address, Func<TransportConnection, bool> accept) => _speakers[address] = accept;

    public void Unregister(IPAddress address) => _speakers.TryRemove(address, out _);

    public IBgpConnector ConnectorFor(IPAddress local) => new Connector(this, local);

    public static (TransportConnection A, TransportConnection B) CreatePair(IPEndPoint a, IPEndPoint b, bool aInitiated)
    {
        var aToB = new Pipe();
        var bToA = new Pipe();
        var aSide = new DuplexPipe(bToA.Reader, aToB.Writer);
        var bSide = new DuplexPipe(aToB.Reader, bToA.Writer);
        return (
            new TransportConnection(aSide, a, b, aInitiated, () => Close(aSide)),
            new TransportConnection(bSide, b, a, !aInitiated, () => Close(bSide)));
    }

    private static async ValueTask Close(DuplexPipe pipe)
    {
        await pipe.Output.CompleteAsync();
        await pipe.Input.CompleteAsync();
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    private sealed class Connector(InMemoryNetwork network, IPAddress local) : IBgpConnector
    {
        private int _nextPort = 40000;

        public ValueTask<TransportConnection> ConnectAsync(PeerSettings peer, CancellationToken cancellationToken)
        {
            if (!network._speakers.TryGetValue(peer.PeerAddress, out var target))
            {
                throw new SocketException((int)SocketError.ConnectionRefused);
            }

            var (mine, theirs) = CreatePair(
                new IPEndPoint(local, Interlocked.Increment(ref _nextPort)),
                new IPEndPoint(peer.PeerAddress, peer.PeerPort),
                aInitiated: true);
            if (!target(theirs))
            {
                throw new SocketException((int)SocketError.ConnectionRefused);
            }

            return ValueTask.FromResult(mine);
        }
    }
}
