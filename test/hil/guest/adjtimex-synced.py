#!/usr/bin/python3
# In the real-kernel guest, does what an NTP client does once it trusts the time it has set:
# adjtimex(2) with ADJ_STATUS | ADJ_MAXERROR, clearing STA_UNSYNC (status 0) with a maximum error
# of 0. Neither busybox's adjtimex applet nor coreutils can write the status word, and the host
# does not install Debian's adjtimex (the guest runs the host's root: with it installed, the host's
# own tests would read this machine's never-disciplined kernel as unsynchronized). The agent reads
# the result through its own clock source (busybox's adjtimex applet), not through this script.
import ctypes
import ctypes.util
import struct
import sys

ADJ_MAXERROR = 0x0004
ADJ_STATUS = 0x0010
# struct timex on x86_64 (the guest): modes (int) at 0, maxerror (long) at 24, status (int) at 40;
# 208 bytes, the buffer is larger.
libc = ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True)
buf = ctypes.create_string_buffer(256)
struct.pack_into('i', buf, 0, ADJ_STATUS | ADJ_MAXERROR)
struct.pack_into('q', buf, 24, 0)
struct.pack_into('i', buf, 40, 0)
state = libc.adjtimex(buf)
if state < 0:
    sys.exit('adjtimex: errno %d' % ctypes.get_errno())
print('adjtimex-synced: status %d, clock state %d' % (struct.unpack_from('i', buf, 40)[0], state))
