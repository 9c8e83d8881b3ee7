#!/usr/bin/env python3
"""Capture raw BGP messages sent by FRR bgpd, for the hex vectors in FrrVectors.cs.

Rerun as root:  python3 tests/Beacon.Bgp.Tests/Wire/Vectors/capture-frr.py
It creates the network namespace bcn-wire-cap, runs /usr/lib/frr/bgpd there (no zebra,
listening on 127.0.0.1:1790) with the config below, connects as AS 65002 from 127.0.0.2,
and prints every message FRR sends as labelled hex. It stops bgpd by its PID and deletes
the namespace, also on failure.
"""
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

NS = "bcn-wire-cap"
PORT = 1790
CONFIG = """\
frr defaults traditional
hostname bcnwire
!
route-map V4OUT permit 10
 set community 65001:100 65001:200 no-export
 set large-community 65001:1:2 65001:3:4
 set extcommunity rt 65001:10
 set metric 50
!
route-map V6OUT permit 10
 set ipv6 next-hop global 2001:db8:100::1
 set ipv6 next-hop local fe80::1
 set large-community 65001:6:6
!
router bgp 65001
 bgp router-id 198.51.100.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp graceful-restart
 neighbor 127.0.0.2 remote-as 65002
 neighbor 127.0.0.2 passive
 neighbor 127.0.0.2 timers 30 90
 address-family ipv4 unicast
  network 203.0.113.0/24
  network 203.0.113.128/25
  network 192.0.2.0/26
  neighbor 127.0.0.2 route-map V4OUT out
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:203::/64
  network 2001:db8:1::/48
  neighbor 127.0.0.2 activate
  neighbor 127.0.0.2 route-map V6OUT out
 exit-address-family
!
"""


def run(*args, check=True):
    return subprocess.run(list(args), check=check, capture_output=True, text=True)


def open_message():
    caps = b""
    caps += bytes([1, 4, 0, 1, 0, 1])          # MP IPv4 unicast
    caps += bytes([1, 4, 0, 2, 0, 1])          # MP IPv6 unicast
    caps += bytes([2, 0])                      # route refresh
    caps += bytes([70, 0])                     # enhanced route refresh
    caps += bytes([65, 4]) + struct.pack("!I", 65002)
    caps += bytes([64, 2, 0x00, 120])          # graceful restart, no families
    params = bytes([2, len(caps)]) + caps
    body = struct.pack("!BHHIB", 4, 65002, 90, 0xC6336402, len(params)) + params
    return header(1, body)


def header(msg_type, body):
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), msg_type) + body


def read_messages(sock, seconds, out):
    buf = b""
    deadline = time.time() + seconds
    while time.time() < deadline:
        r, _, _ = select.select([sock], [], [], 0.2)
        if not r:
            continue
        data = sock.recv(65535)
        if not data:
            break
        buf += data
        while len(buf) >= 19:
            length = struct.unpack("!H", buf[16:18])[0]
            if len(buf) < length:
                break
            out.append(buf[:length])
            buf = buf[length:]
    return out


def main():
    tmp = tempfile.mkdtemp(prefix="bcn-wire-cap-")
    os.chmod(tmp, 0o777)
    conf = os.path.join(tmp, "bgpd.conf")
    with open(conf, "w") as f:
        f.write(CONFIG)
    os.chmod(conf, 0o666)
    pidfile = os.path.join(tmp, "bgpd.pid")
    bgpd = None
    run("ip", "netns", "add", NS)
    try:
        run("ip", "-n", NS, "link", "set", "lo", "up")
        bgpd = subprocess.Popen(
            ["ip", "netns", "exec", NS, "/usr/lib/frr/bgpd", "-f", conf, "-N", "bcnwire", "-Z", "-S",
             "-i", pidfile, "-p", str(PORT), "-l", "127.0.0.1", "--vty_socket", tmp,
             "--log", "file:" + os.path.join(tmp, "bgpd.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(2)
        # Connect from inside the namespace: this script re-executes itself there.
        peer = subprocess.run(
            ["ip", "netns", "exec", NS, sys.executable, __file__, "--peer", tmp],
            capture_output=True, text=True, timeout=60)
        sys.stdout.write(peer.stdout)
        sys.stderr.write(peer.stderr)
    finally:
        if bgpd is not None:
            pid = None
            try:
                with open(pidfile) as f:
                    pid = int(f.read().strip())
            except (OSError, ValueError):
                pass
            # "ip netns exec" execs bgpd, so the child PID is bgpd's own when no pidfile exists.
            os.kill(pid or bgpd.pid, signal.SIGTERM)
            bgpd.wait(timeout=10)
        run("ip", "netns", "del", NS, check=False)
        shutil.rmtree(tmp, ignore_errors=True)


def peer(tmp):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.2", 0))
    sock.connect(("127.0.0.1", PORT))
    sock.sendall(open_message())
    messages = []
    read_messages(sock, 1.0, messages)
    sock.sendall(header(4, b""))
    read_messages(sock, 6.0, messages)
    # Enhanced route refresh request for IPv4 unicast: FRR answers BoRR, UPDATEs, EoRR.
    sock.sendall(header(5, struct.pack("!HBB", 1, 0, 1)))
    read_messages(sock, 4.0, messages)
    # An RFC 9003 shutdown communication makes FRR send Cease/2 with text.
    subprocess.run(["vtysh", "--vty_socket", tmp, "-d", "bgpd", "-c", "configure terminal",
                    "-c", "router bgp 65001", "-c", "neighbor 127.0.0.2 shutdown message beacon wire capture"],
                   capture_output=True, text=True, timeout=20)
    read_messages(sock, 3.0, messages)
    names = {1: "OPEN", 2: "UPDATE", 3: "NOTIFICATION", 4: "KEEPALIVE", 5: "ROUTE-REFRESH"}
    for m in messages:
        print(f"{names.get(m[18], m[18])} {m.hex()}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--peer":
        peer(sys.argv[2])
    else:
        main()
