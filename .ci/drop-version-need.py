#!/usr/bin/env python3
"""drop-version-need.py LIB VERSION SYMBOL... - for CI's stage 4.

Remove LIB's need for VERSION (e.g. GLIBC_2.38) in place: its entry leaves
.gnu.version_r, and the symbols that named it become unversioned, so that the
loader takes them from whatever defines them (.ci/c23shim.c).  Refuses when a
symbol outside SYMBOL... needs VERSION: the shim would not cover it.  A LIB
that does not need VERSION is left as it is.
"""
import struct
import sys

VERNEED, VERSYM, DYNSYM = 0x6ffffffe, 0x6fffffff, 11


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__.strip().splitlines()[0])
    path, want, allowed = sys.argv[1], sys.argv[2].encode(), set(sys.argv[3:])
    data = bytearray(open(path, "rb").read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit(f"{path}: not a little-endian 64-bit ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3a)
    # (type, offset, size, link) of every section
    secs = [struct.unpack_from("<4xI16xQQI", data, shoff + i * shentsize) for i in range(shnum)]

    def cstr(strtab, off):
        start = secs[strtab][1] + off
        return bytes(data[start:data.index(b"\0", start)])

    dropped = None
    for kind, off, size, link in secs:
        if kind != VERNEED:
            continue
        while True:
            cnt, _, aux, nxt = struct.unpack_from("<2xHIII", data, off)
            aoff, prev = off + aux, None
            for _ in range(cnt):
                _, _, index, name, anext = struct.unpack_from("<IHHII", data, aoff)
                if cstr(link, name) == want:
                    dropped = index
                    # Unlink it: the list head (vn_aux) or the previous entry's
                    # vna_next now leads past it, or ends the list with it.
                    link_at, base = (off + 8, off) if prev is None else (prev + 12, prev)
                    struct.pack_into("<I", data, link_at, aoff - base + anext if anext else 0)
                    struct.pack_into("<H", data, off + 2, cnt - 1)
                    break
                if not anext:
                    break
                prev, aoff = aoff, aoff + anext
            if not nxt:
                break
            off += nxt
    if dropped is None:
        print(f"{path}: needs no {want.decode()}: left as it is")
        return
    versym = next(s for s in secs if s[0] == VERSYM)
    dynsym = next(s for s in secs if s[0] == DYNSYM)
    changed = []
    for i in range(versym[2] // 2):
        ver, = struct.unpack_from("<H", data, versym[1] + 2 * i)
        if ver & 0x7fff != dropped:
            continue
        name_off, = struct.unpack_from("<I", data, dynsym[1] + 24 * i)
        name = cstr(dynsym[3], name_off).decode()
        if name not in allowed:
            sys.exit(f"{path}: {name} needs {want.decode()} too, and nothing supplies it")
        struct.pack_into("<H", data, versym[1] + 2 * i, 1)
        changed.append(name)
    open(path, "wb").write(data)
    print(f"{path}: {want.decode()} dropped; unversioned: {' '.join(changed)}")


main()
