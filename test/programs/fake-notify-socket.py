#!/usr/bin/env python3
"""A stand-in for systemd's notify socket (Node cannot bind AF_UNIX datagram sockets).

Binds the path given as argv[1], prints "listening" once bound, then one JSON line per datagram:
{"message": "READY=1\\nSTATUS=...", "at": <monotonic ms>}. File descriptors passed along (the
BARRIER=1 of systemd-notify) are closed at once, which is how the real manager releases the
barrier. Ends on SIGTERM or when stdin closes.
"""
import array, json, os, select, signal, socket, sys, time

path = sys.argv[1]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("listening", flush=True)
fd_size = array.array("i").itemsize
while True:
    ready, _, _ = select.select([sock, sys.stdin], [], [])
    if sys.stdin in ready and not sys.stdin.buffer.read1(1):
        break
    if sock not in ready:
        continue
    data, ancdata, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(16 * fd_size))
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(payload[: len(payload) - (len(payload) % fd_size)])
            for fd in fds:
                os.close(fd)
    print(json.dumps({"message": data.decode("utf-8", "replace"), "at": time.monotonic() * 1000}), flush=True)
