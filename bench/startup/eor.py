#!/usr/bin/env python3
"""Reads a pcap of BGP sessions (Ethernet, IPv4, TCP) and prints, for each TCP flow from
SPEAKER, the capture time of the first IPv4 unicast End-of-RIB (an empty UPDATE, RFC 4724
section 2) the speaker sent on it: one line "PEER SECONDS" per flow.

  eor.py CAPTURE.pcap SPEAKER_IPV4

TCP payload is put back in sequence order per flow (retransmissions dropped), so an
End-of-RIB sharing a segment with other UPDATEs is still found; the time is that of the
segment that completed the message."""
import socket
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        header = f.read(24)
        magic = struct.unpack("<I", header[:4])[0]
        endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        nanos = magic in (0xA1B23C4D, 0x4D3CB2A1)
        linktype = struct.unpack(endian + "I", header[20:24])[0]
        if linktype != 1:
            sys.exit(f"link type {linktype} is not Ethernet")
        while True:
            record = f.read(16)
            if len(record) < 16:
                return
            sec, frac, incl, _ = struct.unpack(endian + "IIII", record)
            yield sec + frac / (1e9 if nanos else 1e6), f.read(incl)


def main():
    path, speaker = sys.argv[1], socket.inet_aton(sys.argv[2])
    flows = {}  # (dst, sport, dport) -> state
    for at, frame in packets(path):
        if len(frame) < 34 or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 6 or ip[12:16] != speaker:
            continue
        total = struct.unpack(">H", ip[2:4])[0]
        tcp = ip[ihl:total]
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        offset = (tcp[12] >> 4) * 4
        flags = tcp[13]
        key = (socket.inet_ntoa(ip[16:20]), sport, dport)
        flow = flows.setdefault(key, {"next": None, "pending": {}, "buffer": b"", "eor": None})
        if flags & 0x02:  # SYN: data starts one past its sequence number
            flow["next"] = (seq + 1) & 0xFFFFFFFF
            flow["buffer"] = b""
            continue
        payload = tcp[offset:]
        if not payload or flow["next"] is None:
            continue
        flow["pending"][seq] = payload
        while flow["next"] in flow["pending"]:
            data = flow["pending"].pop(flow["next"])
            flow["next"] = (flow["next"] + len(data)) & 0xFFFFFFFF
            flow["buffer"] += data
            buffer = flow["buffer"]
            while len(buffer) >= 19:
                length = struct.unpack(">H", buffer[16:18])[0]
                if len(buffer) < length:
                    break
                message, buffer = buffer[:length], buffer[length:]
                if message[18] == 2 and length == 23 and flow["eor"] is None:
                    flow["eor"] = at
            flow["buffer"] = buffer
        # Drop retransmitted segments that lie wholly before what was consumed.
        flow["pending"] = {s: p for s, p in flow["pending"].items() if ((s - flow["next"]) & 0xFFFFFFFF) < 0x80000000}
    for (peer, _, _), flow in sorted(flows.items()):
        if flow["eor"] is not None:
            print(peer, f"{flow['eor']:.6f}")


if __name__ == "__main__":
    main()
