using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using Beacon.Bgp.Transport;
using Beacon.Bgp.Wire;

namespace Beacon.Bgp.Session;

/// <summary>
/// One TCP connection of a session: a reader loop that frames and decodes messages and
/// posts them to the session, and a writer loop fed by a single-reader channel. The
/// session's event loop is the only caller of <see cref="Send"/> and <see cref="Close"/>.
/// </summary>
internal sealed class PeerConnection
{
    // Backpressure for the Adj-RIB-Out pump: stop queueing UPDATEs above the high mark,
    // ask to be told when the writer has drained below the low mark.
    public const int HighWaterBytes = 512 * 1024;
    private const int LowWaterBytes = 128 * 1024;

    private readonly Channel<ReadOnlyMemory<byte>> _outgoing =
        Channel.CreateUnbounded<ReadOnlyMemory<byte>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly ISessionInputSink _sink;
    private readonly bool _localFourOctetAs;
    private readonly bool _internalPeer;
    private long _queuedBytes;
    private int _drainSignalRequested;
    private bool _acceptIpv6NextHopForIpv4;

    // Read-loop only: before the peer's OPEN, nothing about it is known.
    private UpdateDecodeOptions _updateOptions;
    private Task? _readLoop;
    private Task? _writeLoop;

    public PeerConnection(TransportConnection transport, ISessionInputSink sink, bool localFourOctetAs, bool internalPeer)
    {
        Transport = transport;
        _sink = sink;
        _localFourOctetAs = localFourOctetAs;
        _internalPeer = internalPeer;
        _updateOptions = new UpdateDecodeOptions(FourOctetAs: false, InternalPeer: internalPeer);
    }

    public TransportConnection Transport { get; }

    public bool LocallyInitiated => Transport.LocallyInitiated;

    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>
    /// We advertised Extended Next Hop for IPv4 unicast in our OPEN on this connection (RFC 8950),
    /// so the reader accepts IPv4 NLRI with IPv6 next hops. Set by the session before it sends the OPEN.
    /// </summary>
    public bool AcceptIpv6NextHopForIpv4
    {
        get => Volatile.Read(ref _acceptIpv6NextHopForIpv4);
        set => Volatile.Write(ref _acceptIpv6NextHopForIpv4, value);
    }

    /// <summary>Our AS: a peer whose OPEN carries it is internal for UPDATE decoding (RFC 7606 §7.5).</summary>
    public uint LocalAsn { get; init; }

    /// <summary>The OPEN the peer sent on this connection, once received.</summary>
    public OpenMessage? PeerOpen { get; private set; }

    public void Start()
    {
        _readLoop = Task.Run(ReadLoopAsync);
        _writeLoop = Task.Run(WriteLoopAsync);
    }

    /// <summary>Queues whole messages for the writer; never blocks.</summary>
    public void Send(ReadOnlyMemory<byte> messages)
    {
        Interlocked.Add(ref _queuedBytes, messages.Length);
        if (!_outgoing.Writer.TryWrite(messages))
        {
            Interlocked.Add(ref _queuedBytes, -messages.Length);
        }
    }

    public void Send(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        write(buffer);
        Send(buffer.WrittenMemory);
    }

    /// <summary>The session wants a <see cref="SessionInput.WriterDrained"/> once the queue is low again.</summary>
    public void RequestDrainSignal()
    {
        Interlocked.Exchange(ref _drainSignalRequested, 1);
        if (QueuedBytes < LowWaterBytes && Interlocked.Exchange(ref _drainSignalRequested, 0) == 1)
        {
            _sink.Post(new SessionInput.WriterDrained(this));
        }
    }

    /// <summary>Lets the writer flush what is queued (a NOTIFICATION, typically), then closes the connection.</summary>
    public void Close() => _outgoing.Writer.TryComplete();

    public async Task WaitClosedAsync()
    {
        if (_writeLoop is not null)
        {
            await _writeLoop;
        }

        if (_readLoop is not null)
        {
            await _readLoop;
        }
    }

    private async Task WriteLoopAsync()
    {
        var output = Transport.Pipe.Output;
        try
        {
            var reader = _outgoing.Reader;
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var chunk))
                {
                    output.Write(chunk.Span);
                    Interlocked.Add(ref _queuedBytes, -chunk.Length);
                }

                var flush = await output.FlushAsync();
                if (QueuedBytes < LowWaterBytes && Interlocked.Exchange(ref _drainSignalRequested, 0) == 1)
                {
                    _sink.Post(new SessionInput.WriterDrained(this));
                }

                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            _sink.Post(new SessionInput.ConnectionClosed(this, ex.Message));
        }
        finally
        {
            _outgoing.Writer.TryComplete();
            await Transport.DisposeAsync();
        }
    }

    private async Task ReadLoopAsync()
    {
        var input = Transport.Pipe.Input;
        string reason = "connection closed by peer";
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();
                var buffer = result.Buffer;
                try
                {
                    while (TryReadOne(ref buffer))
                    {
                    }
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (BgpProtocolException ex)
        {
            _sink.Post(new SessionInput.ProtocolError(this, ex));
            return;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            reason = ex.Message;
        }
        finally
        {
            await input.CompleteAsync();
        }

        _sink.Post(new SessionInput.ConnectionClosed(this, reason));
    }

    private bool TryReadOne(ref ReadOnlySequence<byte> buffer)
    {
        if (!BgpFraming.TryReadMessage(ref buffer, BgpFraming.MaxMessageSize, out var type, out var body))
        {
            return false;
        }

        var bytes = body.IsSingleSegment ? body.FirstSpan : body.ToArray();
        SessionInput message = type switch
        {
            MessageType.Open => ReadOpen(bytes),
            MessageType.Update => new SessionInput.UpdateReceived(this, UpdateMessage.Read(
                bytes, _updateOptions with { Ipv6NextHopForIpv4 = AcceptIpv6NextHopForIpv4 })),
            MessageType.Notification => new SessionInput.NotificationReceived(this, NotificationMessage.Read(bytes)),
            MessageType.Keepalive => new SessionInput.KeepaliveReceived(this),
            MessageType.RouteRefresh => new SessionInput.RouteRefreshReceived(this, RouteRefreshMessage.Read(bytes)),
            _ => throw new BgpProtocolException(ErrorCode.MessageHeader, HeaderErrorSubcode.BadMessageType, new[] { (byte)type }, $"unknown message type {(byte)type}"),
        };
        _sink.Post(message);
        return true;
    }

    private SessionInput.OpenReceived ReadOpen(ReadOnlySpan<byte> body)
    {
        var open = OpenMessage.Read(body);
        PeerOpen = open;

        // Fixed by the OPEN for the rest of the connection: worked out once, not per UPDATE.
        var peerAsn = open.EffectiveAutonomousSystem;
        _updateOptions = new UpdateDecodeOptions(
            FourOctetAs: _localFourOctetAs && open.FindCapability<FourOctetAsCapability>() is not null,
            InternalPeer: _internalPeer || (LocalAsn != 0 && peerAsn == LocalAsn),
            PeerAsn: peerAsn);
        return new SessionInput.OpenReceived(this, open);
    }
}
