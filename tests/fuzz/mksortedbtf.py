#!/usr/bin/env python3
"""mksortedbtf.py IN OUT - a seed for fuzz_btf laid out as resolve_btfids
sorts a 6.19+ kernel's BTF: the types of the BTF blob IN, plus 400 named
filler structs so that the names cover several 4 KiB pages, reordered as
every anonymous type then every named one by name (ties by id), with all
type references renumbered.  Exercises the provider's binary search and its
page-by-page reads of the string section."""
import struct
import sys

# Bytes after the 12-byte header: fixed, and per vlen entry (linux/btf.h).
FIXED = {1: 4, 3: 12, 14: 4, 17: 4}
PER_ENTRY = {4: 12, 5: 12, 6: 8, 13: 8, 15: 12, 19: 12}
# Kinds whose third header word is a type id, not a size.
REFERS = {2, 7, 8, 9, 10, 11, 12, 13, 14, 17, 18}
STRUCT, INT = 4, 1

blob = open(sys.argv[1], "rb").read()
magic, version, flags, hdr_len, type_off, type_len, str_off, str_len = \
    struct.unpack_from("<HBBIIIII", blob)
assert magic == 0xeb9f and version == 1
types_raw = blob[hdr_len + type_off:hdr_len + type_off + type_len]
strings = bytearray(blob[hdr_len + str_off:hdr_len + str_off + str_len])

# (name_off, info, size_or_type, extra bytes), ids 1..n in order.
types = []
off = 0
while off < len(types_raw):
    name_off, info, third = struct.unpack_from("<III", types_raw, off)
    kind, vlen = (info >> 24) & 0x1f, info & 0xffff
    extra = FIXED.get(kind, 0) + PER_ENTRY.get(kind, 0) * vlen
    types.append([name_off, info, third, bytearray(types_raw[off + 12:off + 12 + extra])])
    off += 12 + extra

# Filler structs (size 0, no members) with names spread over pages.
int_id = next(i + 1 for i, t in enumerate(types) if (t[1] >> 24) & 0x1f == INT)
for i in range(400):
    name_off = len(strings)
    strings += b"filler_struct_with_a_long_name_%04d\0" % i
    types.append([name_off, STRUCT << 24, 0, bytearray()])


def name(t):
    end = strings.index(b"\0", t[0])
    return bytes(strings[t[0]:end])


order = sorted(range(len(types)), key=lambda i: (types[i][0] != 0, name(types[i]), i))
new_id = {0: 0}
for pos, old in enumerate(order):
    new_id[old + 1] = pos + 1


def remap(buf, at):
    struct.pack_into("<I", buf, at, new_id[struct.unpack_from("<I", buf, at)[0]])


out = bytearray()
for old in order:
    name_off, info, third, extra = types[old]
    kind, vlen = (info >> 24) & 0x1f, info & 0xffff
    if kind in REFERS:
        third = new_id[third]
    if kind == 3:                       # array: type, index_type, nelems
        remap(extra, 0)
        remap(extra, 4)
    elif kind in (4, 5):                # members: name_off, type, offset
        for m in range(vlen):
            remap(extra, 12 * m + 4)
    elif kind == 13:                    # params: name_off, type
        for p in range(vlen):
            remap(extra, 8 * p + 4)
    elif kind == 15:                    # datasec: type, offset, size
        for v in range(vlen):
            remap(extra, 12 * v)
    out += struct.pack("<III", name_off, info, third) + extra

hdr = struct.pack("<HBBIIIII", 0xeb9f, 1, 0, 24, 0, len(out), len(out), len(strings))
open(sys.argv[2], "wb").write(hdr + out + strings)
