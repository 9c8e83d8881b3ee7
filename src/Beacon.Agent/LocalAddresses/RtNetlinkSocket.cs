using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Beacon.Agent.LocalAddresses;

/// <summary>
/// An AF_NETLINK/NETLINK_ROUTE socket talking to the kernel of the network namespace it was
/// opened in. .NET's <see cref="AddressFamily"/> has no netlink member and refuses
/// unknown families, so the descriptor comes from socket(2) and is wrapped in a
/// <see cref="Socket"/> for its send, receive and async plumbing. Not bound: the kernel
/// assigns a port id at the first send, and a send without an address goes to the kernel.
/// Requests are sent one at a time; callers serialise.
/// </summary>
internal sealed partial class RtNetlinkSocket : IDisposable
{
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000;

    // Dumps come in datagrams of up to 32 KiB (NLMSG_GOODSIZE on 64 KiB pages); a smaller buffer would truncate them.
    private const int ReceiveBufferSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly byte[] _receiveBuffer = new byte[ReceiveBufferSize];
    private uint _sequence;

    private RtNetlinkSocket(Socket socket, uint initialSequence)
    {
        _socket = socket;
        _sequence = initialSequence;
    }

    /// <summary>Opens a socket in the calling thread's network namespace.</summary>
    public static RtNetlinkSocket Open()
    {
        var fd = CreateSocket(RtNetlink.AddressFamilyNetlink, SockRaw | SockCloexec, RtNetlink.NetlinkRoute);
        if (fd < 0)
        {
            throw new LocalAddressException("opening a NETLINK_ROUTE socket", Marshal.GetLastPInvokeError(), null);
        }

        var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        try
        {
            // Short acknowledgements (no echo of the request) with the kernel's error text
            // ("Unknown device type") when it has one. Both are optional: older kernels lack them.
            _ = SetOption(fd, RtNetlink.NetlinkCapAck, 1);
            _ = SetOption(fd, RtNetlink.NetlinkExtAck, 1);
            return new RtNetlinkSocket(socket, (uint)Environment.TickCount);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public uint NextSequence() => ++_sequence;

    /// <summary>Sends a request carrying NLM_F_ACK and waits for its acknowledgement; returns the kernel's errno (0 on success) and text.</summary>
    public async Task<NetlinkError> RequestAsync(ReadOnlyMemory<byte> request, uint sequence, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(request, cancellationToken);
            while (true)
            {
                var received = await _socket.ReceiveAsync(_receiveBuffer, SocketFlags.None, cancellationToken);
                var reader = new NetlinkMessageReader(_receiveBuffer.AsSpan(0, received));
                while (reader.TryRead(out var header, out var payload))
                {
                    // Answers to an earlier request whose wait was cancelled are skipped by sequence number.
                    if (header.Sequence == sequence && header.Type == RtNetlink.NlmsgError)
                    {
                        return NetlinkError.Read(header, payload);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or InvalidDataException)
        {
            throw new LocalAddressException($"netlink request: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Sends a request and collects its reply messages of <paramref name="replyType"/> until
    /// NLMSG_DONE, or until the NLMSG_ERROR answer to a non-dump request. Returns the errno
    /// of that error (0 when none) with the payloads copied out of the receive buffer, and
    /// whether the kernel flagged the dump as interrupted by a concurrent change.
    /// </summary>
    public async Task<(NetlinkError Error, List<byte[]> Replies, bool Interrupted)> QueryAsync(
        ReadOnlyMemory<byte> request, uint sequence, ushort replyType, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(request, cancellationToken);
            var replies = new List<byte[]>();
            var interrupted = false;
            while (true)
            {
                var received = await _socket.ReceiveAsync(_receiveBuffer, SocketFlags.None, cancellationToken);
                if (Collect(_receiveBuffer.AsSpan(0, received), sequence, replyType, replies, ref interrupted) is { } end)
                {
                    return (end, replies, interrupted);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or InvalidDataException)
        {
            throw new LocalAddressException($"netlink request: {ex.Message}", ex);
        }
    }

    public void Dispose() => _socket.Dispose();

    // Returns the final message (NLMSG_DONE as errno 0, or NLMSG_ERROR), null when more datagrams follow.
    internal static NetlinkError? Collect(ReadOnlySpan<byte> datagram, uint sequence, ushort replyType, List<byte[]> replies, ref bool interrupted)
    {
        var reader = new NetlinkMessageReader(datagram);
        while (reader.TryRead(out var header, out var payload))
        {
            if (header.Sequence != sequence)
            {
                continue;
            }

            // The dump raced a change and may be inconsistent (NLM_F_DUMP_INTR); the caller repeats it.
            interrupted |= (header.Flags & RtNetlink.NlmFDumpInterrupted) != 0;
            if (header.Type == RtNetlink.NlmsgError)
            {
                return NetlinkError.Read(header, payload);
            }

            if (header.Type == RtNetlink.NlmsgDone)
            {
                return new NetlinkError(0, sequence, null);
            }

            if (header.Type == replyType)
            {
                replies.Add(payload.ToArray());
                if ((header.Flags & RtNetlink.NlmFMulti) == 0)
                {
                    // The single answer to a non-dump request ends the exchange.
                    return new NetlinkError(0, sequence, null);
                }
            }
        }

        return null;
    }

    private async Task SendAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        var sent = await _socket.SendAsync(request, SocketFlags.None, cancellationToken);
        if (sent != request.Length)
        {
            throw new LocalAddressException($"netlink socket sent {sent} of {request.Length} bytes");
        }
    }

    private static int SetOption(int fd, int option, int value)
    {
        var result = SetSocketOption(fd, RtNetlink.SolNetlink, option, ref value, sizeof(int));
        return result == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int CreateSocket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSocketOption(int fd, int level, int name, ref int value, int length);
}
