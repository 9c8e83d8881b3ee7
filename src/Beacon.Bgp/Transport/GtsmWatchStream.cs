using System.Net.Sockets;

namespace Beacon.Bgp.Transport;

/// <summary>
/// The stream of a GTSM connection this speaker dialled. A peer without GTSM whose listener
/// answers with TTL 255 (BIRD does) completes the handshake, and only its later segments fall
/// below the minimum TTL and are dropped without a trace; the session would wait for the OPEN
/// until the hold timer. If nothing has arrived after <c>wait</c> while the kernel's
/// TCPMinTTLDrop count went up, the connection is shut down and reads fail with the reason.
/// </summary>
internal sealed class GtsmWatchStream : Stream
{
    private readonly NetworkStream _inner;
    private readonly ITimer _timer;
    private readonly TcpDropCounters? _before;
    private readonly Func<TcpDropCounters?> _readCounters;
    private readonly TimeSpan _wait;
    private int _received;
    private volatile string? _failure;

    public GtsmWatchStream(NetworkStream inner, TimeSpan wait, TimeProvider time, Func<TcpDropCounters?> readCounters)
    {
        _inner = inner;
        _wait = wait;
        _readCounters = readCounters;
        _before = readCounters();
        _timer = time.CreateTimer(_ => Check(), null, wait, Timeout.InfiniteTimeSpan);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await _inner.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception ex) when (_failure is { } failure && ex is IOException or SocketException or ObjectDisposedException)
        {
            throw new IOException(failure, ex);
        }

        if (read == 0 && _failure is { } reason)
        {
            throw new IOException(reason);
        }

        if (read > 0)
        {
            Volatile.Write(ref _received, 1);
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync();
        await _inner.DisposeAsync();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _timer.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Check()
    {
        if (Volatile.Read(ref _received) != 0)
        {
            return;
        }

        var reasons = TcpDropCounters.Explain(_before, _readCounters()).Where(r => r.Contains("TCPMinTTLDrop", StringComparison.Ordinal)).ToList();
        if (reasons.Count == 0)
        {
            return;
        }

        _failure = $"nothing received {_wait.TotalSeconds:0.#} s after connecting; {reasons[0]}";
        try
        {
            _inner.Socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
