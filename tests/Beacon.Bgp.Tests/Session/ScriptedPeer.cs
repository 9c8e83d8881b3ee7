using System.Buffers;
using System.Collections.Immutable;
using System.IO.Pipelines;
using System.Threading.Channels;
using Beacon.Bgp.Transport;
using Beacon.Bgp.Wire;

namespace Beacon.Bgp.Tests.Session;

/// <summary>A hand-driven peer: the test reads what the speaker sends and writes raw messages back.</summary>
internal sealed class ScriptedPeer
{
    private readonly Channel<TransportConnection> _accepted = Channel.CreateUnbounded<TransportConnection>();
    private TransportConnection? _connection;

    public bool Accept(TransportConnection connection) => _accepted.Writer.TryWrite(connection);

    public async Task WaitConnectedAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        _connection = await _accepted.Reader.ReadAsync(deadline.Token);
    }

    public async Task<(MessageType Type, byte[] Body)> ReadAsync()
    {
        var input = _connection!.Pipe.Input;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var result = await input.ReadAsync(deadline.Token);
            var buffer = result.Buffer;
            if (BgpFraming.TryReadMessage(ref buffer, BgpFraming.MaxMessageSize, out var type, out var body))
            {
                var bytes = body.ToArray();
                input.AdvanceTo(buffer.Start);
                return (type, bytes);
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new EndOfStreamException("speaker closed the connection");
            }
        }
    }

    public async Task<(MessageType Type, byte[] Body)> ReadAsync(MessageType expected)
    {
        var message = await ReadAsync();
        Assert.Equal(expected, message.Type);
        return message;
    }

    public async Task SendAsync(Action<IBufferWriter<byte>> write)
    {
        var output = _connection!.Pipe.Output;
        write(output);
        await output.FlushAsync();
    }

    /// <summary>Closes the connection from the peer's side, as a TCP FIN or RST would.</summary>
    public ValueTask CloseAsync() => _connection!.DisposeAsync();

    /// <summary>Reads until the speaker closes the connection; returns the NOTIFICATION it sent on the way, if any.</summary>
    public async Task<NotificationMessage?> ReadUntilClosedAsync()
    {
        NotificationMessage? notification = null;
        try
        {
            while (true)
            {
                var (type, body) = await ReadAsync();
                if (type == MessageType.Notification)
                {
                    notification = NotificationMessage.Read(body);
                }
            }
        }
        catch (EndOfStreamException)
        {
            return notification;
        }
    }

    public static OpenMessage Open(ushort asn, ushort holdTime, uint routerId) =>
        new(4, asn, holdTime, routerId, [new MultiprotocolCapability(AfiSafi.Ipv4, AfiSafi.Unicast), RouteRefreshCapability.Instance, new FourOctetAsCapability(asn)]);
}
