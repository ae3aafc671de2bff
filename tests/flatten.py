#!/usr/bin/env python3
"""Write FILE as makedumpfile's flattened stream (as `makedumpfile -F` and
QEMU's kdump-* formats do): a 4096-byte header, then big-endian (offset,
size) records followed by their data, out of order on purpose, and the
(-1, -1) end marker.  Usage: flatten.py IN OUT [CHUNK]"""
import struct
import sys

data = open(sys.argv[1], "rb").read()
chunk = int(sys.argv[3]) if len(sys.argv) > 3 else 65536
with open(sys.argv[2], "wb") as out:
    header = b"makedumpfile".ljust(16, b"\0") + struct.pack(">qq", 1, 1)
    out.write(header.ljust(4096, b"\0"))
    offsets = list(range(0, len(data), chunk))
    # Headers last, data first: readers must place records by offset.
    for off in offsets[1:] + offsets[:1]:
        piece = data[off:off + chunk]
        out.write(struct.pack(">qq", off, len(piece)) + piece)
    out.write(struct.pack(">qq", -1, -1))
