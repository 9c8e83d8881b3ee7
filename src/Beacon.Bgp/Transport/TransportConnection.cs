using System.IO.Pipelines;
using System.Net;

namespace Beacon.Bgp.Transport;

/// <summary>
/// One established byte stream to a peer: a TCP socket in production, an in-memory
/// pipe pair in tests. Disposing it closes the stream.
/// </summary>
public sealed class TransportConnection : IAsyncDisposable
{
    private readonly Func<ValueTask> _close;
    private int _closed;

    public TransportConnection(IDuplexPipe pipe, IPEndPoint local, IPEndPoint remote, bool locallyInitiated, Func<ValueTask> close)
    {
        Pipe = pipe;
        Local = local;
        Remote = remote;
        LocallyInitiated = locallyInitiated;
        _close = close;
    }

    public IDuplexPipe Pipe { get; }

    public IPEndPoint Local { get; }

    public IPEndPoint Remote { get; }

    /// <summary>True when this speaker dialled; collision resolution (RFC 4271 §6.8) needs it.</summary>
    public bool LocallyInitiated { get; }

    public ValueTask DisposeAsync() =>
        Interlocked.Exchange(ref _closed, 1) == 0 ? _close() : ValueTask.CompletedTask;
}

/// <summary>Dials a peer.</summary>
public interface IBgpConnector
{
    ValueTask<TransportConnection> ConnectAsync(Beacon.Bgp.Speaker.PeerSettings peer, CancellationToken cancellationToken);
}
