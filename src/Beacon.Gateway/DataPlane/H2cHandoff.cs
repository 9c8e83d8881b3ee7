using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Beacon.Gateway.DataPlane;

/// <summary>
/// HTTP/2 with prior knowledge on a cleartext bind (RFC 9113 §3.3). Kestrel picks HTTP/1.1 for
/// every cleartext connection of an Http1AndHttp2 endpoint (dotnet/aspnetcore#56984), so the
/// bind's HTTP/1.1 server peeks at the first bytes of each connection and hands the ones that
/// open with the HTTP/2 connection preface to a second, HTTP/2-only Kestrel server fed by
/// <see cref="Listener"/>. Nothing is consumed by the peek.
/// </summary>
internal sealed class H2cHandoff : IConnectionListenerFactory
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    public H2cHandoff(string bindName) => Listener = new HandoffListener(new HandoffEndPoint(bindName));

    public HandoffListener Listener { get; }

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        Listener.EndPoint = endpoint;
        return new ValueTask<IConnectionListener>(Listener);
    }

    /// <summary>Connection middleware for the HTTP/1.1 server.</summary>
    public ConnectionDelegate Middleware(ConnectionDelegate next, TimeSpan prefaceTimeout, TimeProvider time) => async connection =>
    {
        bool isHttp2;
        using (var timeout = new CancellationTokenSource(prefaceTimeout, time))
        using (timeout.Token.UnsafeRegister(static state => ((ConnectionContext)state!).Abort(), connection))
        {
            try
            {
                isHttp2 = await StartsWithPrefaceAsync(connection.Transport.Input);
            }
            catch (Exception ex) when (ex is IOException or ConnectionAbortedException or OperationCanceledException or InvalidOperationException)
            {
                return;
            }
        }

        if (!isHttp2)
        {
            await next(connection);
            return;
        }

        var handedOff = new HandedOffConnection(connection);
        if (!Listener.TryHandOff(handedOff))
        {
            connection.Abort();
            return;
        }

        await handedOff.Completed;
    };

    private static async ValueTask<bool> StartsWithPrefaceAsync(PipeReader input)
    {
        while (true)
        {
            var result = await input.ReadAsync();
            var buffer = result.Buffer;
            var length = (int)Math.Min(buffer.Length, Preface.Length);
            if (!PrefixMatches(buffer.Slice(0, length)))
            {
                input.AdvanceTo(buffer.Start);
                return false;
            }

            if (length == Preface.Length || result.IsCompleted)
            {
                input.AdvanceTo(buffer.Start);
                return length == Preface.Length;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static bool PrefixMatches(ReadOnlySequence<byte> start)
    {
        Span<byte> copy = stackalloc byte[Preface.Length];
        start.CopyTo(copy);
        return copy[..(int)start.Length].SequenceEqual(Preface.AsSpan(0, (int)start.Length));
    }

    internal sealed class HandoffListener(EndPoint endPoint) : IConnectionListener
    {
        private readonly Channel<ConnectionContext> _queue = Channel.CreateUnbounded<ConnectionContext>();

        public EndPoint EndPoint { get; set; } = endPoint;

        public bool TryHandOff(ConnectionContext connection) => _queue.Writer.TryWrite(connection);

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await _queue.Reader.ReadAsync(cancellationToken);
            }
            catch (ChannelClosedException)
            {
                return null;
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            _queue.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            _queue.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Names the HTTP/2 server's listener in Kestrel's logs; it has no socket of its own.</summary>
    private sealed class HandoffEndPoint(string bind) : EndPoint
    {
        public override string ToString() => $"{bind} (h2c prior knowledge)";
    }

    /// <summary>
    /// The HTTP/2 server's view of a connection the HTTP/1.1 server owns: disposing it only
    /// tells the HTTP/1.1 server's middleware that the HTTP/2 server is done with it.
    /// </summary>
    private sealed class HandedOffConnection(ConnectionContext inner) : ConnectionContext
    {
        private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Completed => _completed.Task;

        public override string ConnectionId { get => inner.ConnectionId; set => inner.ConnectionId = value; }

        public override IFeatureCollection Features => inner.Features;

        public override IDictionary<object, object?> Items { get => inner.Items; set => inner.Items = value; }

        public override IDuplexPipe Transport { get => inner.Transport; set => inner.Transport = value; }

        public override CancellationToken ConnectionClosed { get => inner.ConnectionClosed; set => inner.ConnectionClosed = value; }

        public override EndPoint? LocalEndPoint { get => inner.LocalEndPoint; set => inner.LocalEndPoint = value; }

        public override EndPoint? RemoteEndPoint { get => inner.RemoteEndPoint; set => inner.RemoteEndPoint = value; }

        public override void Abort(ConnectionAbortedException abortReason) => inner.Abort(abortReason);

        public override ValueTask DisposeAsync()
        {
            _completed.TrySetResult();
            return base.DisposeAsync();
        }
    }
}
