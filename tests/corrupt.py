#!/usr/bin/env python3
"""Deterministic corruptions of a dump file, for the corrupted-dump suite.

Usage: corrupt.py IN OUT MODE SEED
  flip      flip 1-8 random bytes anywhere
  header    flip bytes in the first 8 KiB (headers, notes, sub-header)
  zero      zero a random 4 KiB-aligned block
  truncate  cut the file at a random offset
  ptes      overwrite random 8-byte words with page-table-like values
            (present, writable, pointing near other frames or at huge
            addresses), so tables loop, alias and point outside memory
Targeted (kdump-compressed IN; SEED ignored):
  diskdump  the older "DISKDUMP" signature, which libkdumpfile reads alike
  diskdump-pd  that, and the first page descriptor claims 3 pages of data
            (libkdumpfile 0.5.1 read them into a one-page buffer: a heap
            overflow fuzzing found)
  layout32  header fields placed so libkdumpfile reads the 32-bit layout
  pd-cut    cut the file in its page descriptor table, 2.5 descriptors
            in; prints the descriptor count the bitmap gives and the
            table's offset (the dumpable-page bitmap popcounted here)
  pd-read LOG    the descriptor of the last page in LOG (a HVOINSPECT_READ_LOG,
            PFNs the report read) claims 3 pages of data; prints its index
  pd-unread LOG  that, for a stored page in a run of 4096 descriptors (the
            chunk hvoinspect checks at once) holding none of LOG's pages;
            exits 1 if every run holds one
  pd-neighbour LOG  that, for a stored page LOG does not hold in a run that
            holds one of LOG's pages: the pages read beside it stay good
  elf-shdrs (ELF IN) 64 section headers of 0 bytes at offset 64, as in
            a fuzz input that crashed libkdumpfile 0.5.1 (NULL dereference)
  elf-holes (ELF IN) the largest PT_LOAD (the memmap) loses 3 pages at a
            quarter and an eighth from half way: frames left out, as a
            filter would, with stored frames after each hole
"""
import os
import random
import struct
import sys

src, dst, mode = sys.argv[1], sys.argv[2], sys.argv[3]
seed = 0 if mode in ("pd-read", "pd-unread", "pd-neighbour") else int(sys.argv[4])
rng = random.Random(seed)
data = bytearray(open(src, "rb").read())
n = len(data)

def kdump_tables(data):
    """Block size, the dumpable-page bitmap (offset, size) and the descriptors' offset."""
    block, sub_blocks, bitmap_blocks = struct.unpack_from("<iiI", data, 428)
    max_mapnr, = struct.unpack_from("<I", data, 440)
    version, = struct.unpack_from("<i", data, 8)
    if version >= 6:
        max_mapnr, = struct.unpack_from("<Q", data, block + 96)
    bitmap = (1 + sub_blocks) * block
    size = bitmap_blocks * block
    if max_mapnr <= size * 8 // 2:     # the second bitmap: the dumpable pages
        size = bitmap_blocks // 2 * block
        bitmap += size
    return block, bitmap, size, (1 + sub_blocks + bitmap_blocks) * block


def stored_pfns(data):
    """The PFNs the file stores, in descriptor order."""
    _, bitmap, size, _ = kdump_tables(data)
    return [i * 8 + bit for i, byte in enumerate(data[bitmap:bitmap + size]) if byte
            for bit in range(8) if byte >> bit & 1]


if mode == "flip":
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(n)] ^= 1 << rng.randrange(8)
elif mode == "header":
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(min(n, 8192))] = rng.randrange(256)
elif mode == "zero":
    off = rng.randrange(n) & ~4095
    data[off:off + 4096] = bytes(min(4096, n - off))
elif mode == "truncate":
    data = data[:rng.randrange(n)]
elif mode == "ptes":
    for _ in range(rng.randint(1, 64)):
        off = rng.randrange(max(1, n - 8)) & ~7
        target = rng.choice([rng.randrange(1 << 20) << 12, rng.randrange(1 << 40) << 12,
                             (off & ~4095)])
        flags = rng.choice([0x63, 0x61, 0xe3, 0x163, 0x1])
        struct.pack_into("<Q", data, off, target | flags)
elif mode in ("diskdump", "diskdump-pd"):
    data[0:8] = b"DISKDUMP"
    if mode == "diskdump-pd":
        block, sub_blocks, bitmap_blocks = struct.unpack_from("<iiI", data, 428)
        pd = (1 + sub_blocks + bitmap_blocks) * block
        struct.pack_into("<I", data, pd + 8, 3 * block)
elif mode == "layout32":
    # 32-bit layout: block_size 416, sub_hdr_size 420, bitmap_blocks 424;
    # its max_mapnr (428) is the 64-bit block size, 4096 pages: covered.
    struct.pack_into("<iiI", data, 416, 4096, 0, 1)
elif mode == "pd-cut":
    _, bitmap, size, pd = kdump_tables(data)
    count = int.from_bytes(data[bitmap:bitmap + size], "little").bit_count()
    data = data[:pd + 24 * 2 + 12]
    print(count, pd)
elif mode in ("pd-read", "pd-unread", "pd-neighbour"):
    block, _, _, pd = kdump_tables(data)
    index = {pfn: i for i, pfn in enumerate(stored_pfns(data))}
    read = [int(line) for line in open(sys.argv[4]) if int(line) in index]
    if mode == "pd-read":
        victim = index[read[-1]]
    elif mode == "pd-neighbour":
        read_indexes = {index[pfn] for pfn in read}
        touched = {i // 4096 for i in read_indexes}
        near = [i for i in range(len(index)) if i // 4096 in touched and i not in read_indexes]
        if not near:
            sys.exit("every stored page of the runs the report reads is read")
        victim = near[len(near) // 2]
    else:
        touched = {index[pfn] // 4096 for pfn in read}
        free = [i for i in range(0, len(index), 4096) if i // 4096 not in touched]
        if not free:
            sys.exit("every run of 4096 descriptors holds a page the report reads")
        victim = free[-1]
    struct.pack_into("<I", data, pd + 24 * victim + 8, 3 * block)
    print(victim)
elif mode == "elf-shdrs":
    struct.pack_into("<Q", data, 0x28, 64)          # e_shoff
    struct.pack_into("<HHH", data, 0x3a, 0, 64, 0)  # e_shentsize, e_shnum, e_shstrndx
elif mode == "elf-holes":
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    phs = [list(struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize))
           for i in range(phnum)]
    big = max((k for k in range(phnum) if phs[k][0] == 1), key=lambda k: phs[k][5])
    ph, size = phs[big], phs[big][5]
    a = (size // 4) & ~4095
    c, e = (size // 2) & ~4095, (size * 5 // 8) & ~4095
    pieces = []
    for lo, hi in ((0, a), (a + 3 * 4096, c), (e, size)):
        p = list(ph)
        p[2] += lo; p[3] += lo; p[4] += lo; p[5] = p[6] = hi - lo
        pieces.append(p)
    phs[big:big + 1] = pieces
    # The longer table goes at the end of the file (e_phoff may point anywhere).
    data += bytes((-len(data)) % 8)
    struct.pack_into("<Q", data, 0x20, len(data))
    struct.pack_into("<H", data, 0x38, len(phs))
    for p in phs:
        data += struct.pack("<IIQQQQQQ", *p)
else:
    sys.exit("unknown mode " + mode)
open(dst, "wb").write(data)
