namespace Beacon.Agent.LocalAddresses;

/// <summary>
/// Constants of the rtnetlink protocol as the Linux UAPI headers define them
/// (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h, linux/if.h).
/// </summary>
internal static class RtNetlink
{
    public const int AddressFamilyNetlink = 16;
    public const int NetlinkRoute = 0;
    public const int SolNetlink = 270;
    public const int NetlinkCapAck = 10;
    public const int NetlinkExtAck = 11;

    public const ushort NlmsgError = 2;
    public const ushort NlmsgDone = 3;

    public const ushort NlmFRequest = 0x1;
    public const ushort NlmFMulti = 0x2;
    public const ushort NlmFAck = 0x4;
    public const ushort NlmFDumpInterrupted = 0x10;
    public const ushort NlmFDump = 0x300;
    public const ushort NlmFExcl = 0x200;
    public const ushort NlmFCreate = 0x400;

    // Flags of an NLMSG_ERROR message (linux/netlink.h): the request is not echoed, TLVs follow.
    public const ushort NlmFCapped = 0x100;
    public const ushort NlmFAckTlvs = 0x200;
    public const ushort NlmsgErrAttrMsg = 1;

    public const ushort RtmNewLink = 16;
    public const ushort RtmGetLink = 18;
    public const ushort RtmNewAddr = 20;
    public const ushort RtmDelAddr = 21;
    public const ushort RtmGetAddr = 22;

    public const ushort IflaIfName = 3;
    public const ushort IflaLinkInfo = 18;
    public const ushort IflaInfoKind = 1;

    public const ushort IfaAddress = 1;
    public const ushort IfaLocal = 2;
    public const ushort IfaFlags = 8;

    public const uint IffUp = 0x1;
    public const byte IfaFNoDad = 0x02;
    public const byte RtScopeUniverse = 0;

    public const byte AfUnspec = 0;
    public const byte AfInet = 2;
    public const byte AfInet6 = 10;

    /// <summary>IFNAMSIZ minus the terminating NUL.</summary>
    public const int MaxInterfaceNameLength = 15;

    public const int HeaderSize = 16;
    public const int IfInfoMsgSize = 16;
    public const int IfAddrMsgSize = 8;
    public const int AttributeHeaderSize = 4;

    /// <summary>NLMSG_ALIGN and RTA_ALIGN: messages and attributes start on 4-byte boundaries.</summary>
    public static int Align(int length) => (length + 3) & ~3;
}
