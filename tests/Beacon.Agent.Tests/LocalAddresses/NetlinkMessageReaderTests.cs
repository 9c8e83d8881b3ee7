using System.Net;
using Beacon.Agent.LocalAddresses;

namespace Beacon.Agent.Tests.LocalAddresses;

public sealed class NetlinkMessageReaderTests
{
    // Kernel 6.18 answering `ip addr show dev beacon-gw` (captured with strace -e read=3): the
    // RTM_NEWADDR messages of 203.0.113.10/32, 2001:db8:203::10/128 nodad and the link-local address.
    private const string KernelIpv4 =
        "540000001400220000a2086bbe4a0000022080000200000008000100cb00710a08000200cb00710a0e000300626561636f6e2d6777000000"
        + "080008008000000014000600ffffffffffffffffe06b2a00e06b2a00";

    private const string KernelIpv6 =
        "480000001400220000a2086bbe4a00000a808200020000001400010020010db802030000000000000000001014000600ffffffffffffffff"
        + "e26b2a00e26b2a000800080082000000";

    private const string KernelLinkLocal =
        "500000001400220000a2086bbe4a00000a4080fd0200000014000100fe80000000000000d4e2affffe9f88ab14000600ffffffffffffffff"
        + "df6b2a00df6b2a00080008008000000005000b0003000000";

    [Fact]
    public void A_datagram_of_three_kernel_address_messages_reads_as_three_addresses()
    {
        var datagram = Convert.FromHexString(KernelIpv4 + KernelIpv6 + KernelLinkLocal);
        var reader = new NetlinkMessageReader(datagram);
        var addresses = new List<AddressMessage>();
        while (reader.TryRead(out var header, out var payload))
        {
            Assert.Equal(RtNetlink.RtmNewAddr, header.Type);
            Assert.Equal(RtNetlink.NlmFMulti, (ushort)(header.Flags & RtNetlink.NlmFMulti));
            Assert.True(AddressMessage.TryRead(payload.ToArray(), out var address));
            addresses.Add(address!);
        }

        Assert.Equal(
            [
                new AddressMessage(2, IPAddress.Parse("203.0.113.10"), 32, 0),
                new AddressMessage(2, IPAddress.Parse("2001:db8:203::10"), 128, 0),
                new AddressMessage(2, IPAddress.Parse("fe80::d4e2:afff:fe9f:88ab"), 64, 253),
            ],
            addresses);
    }

    [Fact]
    public void IFA_LOCAL_is_the_own_address_when_IFA_ADDRESS_is_a_peer()
    {
        var payload = AddressPayload(RtNetlink.AfInet, 32, (RtNetlink.IfaAddress, [192, 0, 2, 1]), (RtNetlink.IfaLocal, [192, 0, 2, 9]));

        Assert.True(AddressMessage.TryRead(payload, out var address));
        Assert.Equal(IPAddress.Parse("192.0.2.9"), address!.Address);
    }

    [Fact]
    public void Other_families_are_not_addresses()
    {
        var payload = AddressPayload(17, 0);

        Assert.False(AddressMessage.TryRead(payload, out _));
    }

    [Fact]
    public void An_address_of_the_wrong_size_for_its_family_is_malformed()
    {
        var payload = AddressPayload(RtNetlink.AfInet6, 128, (RtNetlink.IfaAddress, [192, 0, 2, 1]));

        Assert.Throws<InvalidDataException>(() => AddressMessage.TryRead(payload, out _));
    }

    [Fact]
    public void An_attribute_longer_than_the_message_is_malformed()
    {
        var payload = AddressPayload(RtNetlink.AfInet, 32, (RtNetlink.IfaLocal, [192, 0, 2, 1]));
        payload[RtNetlink.IfAddrMsgSize] = 40;

        Assert.Throws<InvalidDataException>(() => AddressMessage.TryRead(payload, out _));
    }

    [Fact]
    public void Every_truncated_prefix_of_a_message_is_malformed()
    {
        var message = Convert.FromHexString(KernelIpv4);
        for (var length = 1; length < message.Length; length++)
        {
            var prefix = message[..length];
            Assert.Throws<InvalidDataException>(() =>
            {
                var reader = new NetlinkMessageReader(prefix);
                reader.TryRead(out _, out _);
            });
        }
    }

    [Fact]
    public void A_link_reply_gives_index_flags_name_and_the_nested_kind()
    {
        var buffer = new byte[128];
        var writer = new NetlinkMessageWriter(buffer, RtNetlink.RtmNewLink, 0, 1);
        var ifinfo = writer.Append(RtNetlink.IfInfoMsgSize);
        ifinfo[4] = 7;
        ifinfo[8] = 0xc3; // IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_NOARP
        writer.AddStringAttribute(RtNetlink.IflaIfName, "beacon-gw", nulTerminated: true);
        var nested = writer.BeginNested(RtNetlink.IflaLinkInfo | 0x8000); // the kernel marks nests NLA_F_NESTED
        writer.AddStringAttribute(RtNetlink.IflaInfoKind, "dummy", nulTerminated: true);
        writer.EndNested(nested);
        var message = writer.Finish().ToArray();

        var link = LinkMessage.Read(message.AsSpan(NetlinkHeader.Size));

        Assert.Equal(new LinkMessage(7, 0xc3, "beacon-gw", "dummy"), link);
        Assert.True(link.IsUp);
    }

    [Fact]
    public void An_acknowledgement_is_errno_zero()
    {
        // NLMSG_ERROR with NLM_F_CAPPED: error 0 and the request's header only.
        var ack = Convert.FromHexString("24000000020000010500000000000000" + "00000000" + "28000000140005060500000000000000");
        var reader = new NetlinkMessageReader(ack);
        Assert.True(reader.TryRead(out var header, out var payload));

        var error = NetlinkError.Read(header, payload);

        Assert.Equal(new NetlinkError(0, 5, null), error);
    }

    [Fact]
    public void An_error_carries_the_errno_and_the_kernel_extended_message()
    {
        // NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS: -EOPNOTSUPP, the request header, NLMSGERR_ATTR_MSG.
        var text = "Unknown device type\0"u8.ToArray();
        var buffer = new byte[128];
        var writer = new NetlinkMessageWriter(buffer, RtNetlink.NlmsgError, RtNetlink.NlmFCapped | RtNetlink.NlmFAckTlvs, 9);
        var body = writer.Append(4 + NetlinkHeader.Size);
        body[0] = 0xa1; // -95 as a little-endian int32
        body[1] = 0xff;
        body[2] = 0xff;
        body[3] = 0xff;
        body[4] = 64;
        body[12] = 9; // the request's sequence number
        writer.AddAttribute(RtNetlink.NlmsgErrAttrMsg, text);
        var message = writer.Finish().ToArray();
        var reader = new NetlinkMessageReader(message);
        Assert.True(reader.TryRead(out var header, out var payload));

        var error = NetlinkError.Read(header, payload);

        Assert.Equal(new NetlinkError(Errnos.EOPNOTSUPP, 9, "Unknown device type"), error);
    }

    private static byte[] AddressPayload(byte family, byte prefixLength, params (ushort Type, byte[] Value)[] attributes)
    {
        var buffer = new byte[256];
        var writer = new NetlinkMessageWriter(buffer, RtNetlink.RtmNewAddr, 0, 1);
        var ifaddr = writer.Append(RtNetlink.IfAddrMsgSize);
        ifaddr[0] = family;
        ifaddr[1] = prefixLength;
        ifaddr[4] = 3;
        foreach (var (type, value) in attributes)
        {
            writer.AddAttribute(type, value);
        }

        return writer.Finish()[NetlinkHeader.Size..].ToArray();
    }
}
