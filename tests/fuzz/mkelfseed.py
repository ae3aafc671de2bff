#!/usr/bin/env python3
"""Small ELF seeds for fuzz_dump (tests/fuzz/corpus/dump/*.elf).

Usage: mkelfseed.py IN.elf OUT.elf [PAGES]

Generated ELF dumps hold every present page (17 MB for the smallest host),
far over the fuzzer's input limit.  This keeps the ELF header, the program
headers and the notes (VMCOREINFO) as they are, and of each PT_LOAD only
its first PAGES pages (default 1), packed one after another: a valid ELF
vmcore that opens, so the fuzzer mutates from the ELF side too (header
checks, libkdumpfile's ELF reader, the mapped reads); the analysis then
stops at the first page left out.
"""
import struct
import sys

src, dst = sys.argv[1], sys.argv[2]
keep = int(sys.argv[3]) * 4096 if len(sys.argv) > 3 else 4096
data = open(src, "rb").read()
assert data[:4] == b"\x7fELF" and data[4] == 2, "64-bit ELF expected"
phoff, = struct.unpack_from("<Q", data, 0x20)
phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
phdrs = [list(struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize)) for i in range(phnum)]
# Notes first, then the kept pages, page-aligned after the headers.
end = phoff + phnum * phentsize
out = bytearray(data[:end])
for ph in phdrs:
    if ph[0] == 4:    # PT_NOTE
        ph_data = data[ph[2]:ph[2] + ph[5]]
        ph[2] = len(out)
        out += ph_data
pos = (len(out) + 4095) & ~4095
out += bytes(pos - len(out))
for ph in phdrs:
    if ph[0] == 1:    # PT_LOAD: p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz
        n = min(ph[5], keep)
        chunk = data[ph[2]:ph[2] + n]
        ph[2], ph[5], ph[6] = len(out), n, n
        out += chunk
for i, ph in enumerate(phdrs):
    struct.pack_into("<IIQQQQQQ", out, phoff + i * phentsize, *ph)
open(dst, "wb").write(out)
