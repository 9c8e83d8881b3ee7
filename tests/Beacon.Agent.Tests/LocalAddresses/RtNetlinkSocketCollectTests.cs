using Beacon.Agent.LocalAddresses;

namespace Beacon.Agent.Tests.LocalAddresses;

/// <summary>How the replies to one request are gathered from the datagrams the kernel sends.</summary>
public sealed class RtNetlinkSocketCollectTests
{
    private const uint Sequence = 42;

    [Fact]
    public void A_dump_continues_over_datagrams_until_NLMSG_DONE()
    {
        var replies = new List<byte[]>();
        var interrupted = false;

        var first = RtNetlinkSocket.Collect(
            Datagram(Message(RtNetlink.RtmNewAddr, RtNetlink.NlmFMulti, Sequence, 1), Message(RtNetlink.RtmNewAddr, RtNetlink.NlmFMulti, Sequence, 2)),
            Sequence, RtNetlink.RtmNewAddr, replies, ref interrupted);
        var second = RtNetlinkSocket.Collect(
            Datagram(Message(RtNetlink.RtmNewAddr, RtNetlink.NlmFMulti, Sequence, 3), Message(RtNetlink.NlmsgDone, RtNetlink.NlmFMulti, Sequence, 0)),
            Sequence, RtNetlink.RtmNewAddr, replies, ref interrupted);

        Assert.Null(first);
        Assert.Equal(new NetlinkError(0, Sequence, null), second);
        Assert.Equal([1, 2, 3], replies.Select(reply => (int)reply[0]));
        Assert.False(interrupted);
    }

    [Fact]
    public void Messages_of_another_request_are_skipped()
    {
        var replies = new List<byte[]>();
        var interrupted = false;

        var end = RtNetlinkSocket.Collect(
            Datagram(Message(RtNetlink.RtmNewAddr, RtNetlink.NlmFMulti, Sequence - 1, 9), Message(RtNetlink.NlmsgDone, RtNetlink.NlmFMulti, Sequence - 1, 0)),
            Sequence, RtNetlink.RtmNewAddr, replies, ref interrupted);

        Assert.Null(end);
        Assert.Empty(replies);
    }

    [Fact]
    public void A_dump_the_kernel_marks_interrupted_is_reported()
    {
        var replies = new List<byte[]>();
        var interrupted = false;

        RtNetlinkSocket.Collect(
            Datagram(
                Message(RtNetlink.RtmNewAddr, RtNetlink.NlmFMulti | RtNetlink.NlmFDumpInterrupted, Sequence, 1),
                Message(RtNetlink.NlmsgDone, RtNetlink.NlmFMulti | RtNetlink.NlmFDumpInterrupted, Sequence, 0)),
            Sequence, RtNetlink.RtmNewAddr, replies, ref interrupted);

        Assert.True(interrupted);
    }

    [Fact]
    public void The_single_answer_to_a_request_by_name_ends_the_exchange()
    {
        var replies = new List<byte[]>();
        var interrupted = false;

        var end = RtNetlinkSocket.Collect(Datagram(Message(RtNetlink.RtmNewLink, 0, Sequence, 5)), Sequence, RtNetlink.RtmNewLink, replies, ref interrupted);

        Assert.Equal(new NetlinkError(0, Sequence, null), end);
        Assert.Single(replies);
    }

    [Fact]
    public void An_error_answer_ends_the_exchange_with_its_errno()
    {
        var replies = new List<byte[]>();
        var interrupted = false;
        var error = new byte[4 + NetlinkHeader.Size];
        error[0] = 0xed; // -19, ENODEV
        error[1] = 0xff;
        error[2] = 0xff;
        error[3] = 0xff;
        error[12] = (byte)Sequence;

        var end = RtNetlinkSocket.Collect(Datagram(Message(RtNetlink.NlmsgError, RtNetlink.NlmFCapped, Sequence, error)), Sequence, RtNetlink.RtmNewLink, replies, ref interrupted);

        Assert.Equal(Errnos.ENODEV, end!.Value.Errno);
        Assert.Empty(replies);
    }

    private static byte[] Message(ushort type, ushort flags, uint sequence, byte marker) => Message(type, flags, sequence, [marker, 0, 0, 0, 0, 0, 0, 0]);

    private static byte[] Message(ushort type, ushort flags, uint sequence, byte[] payload)
    {
        var buffer = new byte[64];
        var writer = new NetlinkMessageWriter(buffer, type, flags, sequence);
        payload.CopyTo(writer.Append(payload.Length));
        return writer.Finish().ToArray();
    }

    private static byte[] Datagram(params byte[][] messages) => [.. messages.SelectMany(message => message)];
}
