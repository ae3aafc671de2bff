#!/usr/bin/env python3
"""mkksorted.py DIR - seeds for fuzz_ksorted: kernel images holding kallsyms
tables as scripts/kallsyms.c lays them out (num_syms, names, markers,
token_table, token_index, offsets, [relative_base], seqs_of_names), 4- or
8-aligned, pc-relative or absolute-percpu, one or several marker blocks.
The input format is described in fuzz_ksorted.c."""
import os
import struct
import sys

BASE = 0xffffffff82000000


def build(nsyms, align, percpu):
    names = ["_stext", "__start_BTF", "hstates", "node_data"] + \
        ["sym_%04d" % i for i in range(nsyms - 4)]
    syms = [("T" if i % 3 == 0 else "D", n) for i, n in enumerate(names)]
    # Tokens: byte b stands for chr(b); 0x80 is the bigram "sy" (so names
    # cross token boundaries) and 0x81 "_s".
    tokens = [bytes([b]) if 32 <= b < 127 else b"" for b in range(256)]
    tokens[0x80], tokens[0x81] = b"sy", b"_s"

    def compress(text):
        out, i = [], 0
        while i < len(text):
            for t in (0x80, 0x81):
                if text.startswith(tokens[t].decode(), i):
                    out.append(t)
                    i += 2
                    break
            else:
                out.append(ord(text[i]))
                i += 1
        return bytes(out)

    img = bytearray()

    def pad():
        while len(img) % align:
            img.append(0)

    a_num = len(img)
    img += struct.pack("<I", len(syms))
    pad()
    a_names = len(img)
    markers = []
    for i, (typ, name) in enumerate(syms):
        if i % 256 == 0:
            markers.append(len(img) - a_names)
        enc = compress(typ + name)
        img += bytes([len(enc)]) + enc
    pad()
    for m in markers:
        img += struct.pack("<I", m)
    pad()
    a_tokens = len(img)
    index = []
    for t in tokens:
        index.append(len(img) - a_tokens)
        img += t + b"\0"
    pad()
    a_index = len(img)
    for i in index:
        img += struct.pack("<H", i)
    pad()
    a_offsets = len(img)
    text = BASE + 0x100000
    relbase = BASE
    for i in range(len(syms)):
        addr = text + 0x40 * i
        if percpu:
            img += struct.pack("<i", relbase - 1 - addr)
        else:
            img += struct.pack("<i", addr - (BASE + a_offsets + 4 * i))
    pad()
    a_relbase = len(img)
    if percpu:
        img += struct.pack("<Q", relbase)
        pad()
    order = sorted(range(len(syms)), key=lambda i: (syms[i][1], i))
    for i in order:
        img += bytes([i >> 16 & 255, i >> 8 & 255, i & 255])
    head = struct.pack("<B6I", 1 if percpu else 0, a_num, a_names, a_tokens, a_index,
                       a_offsets, a_relbase)
    return head + bytes(img)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, args in (("one-block-4", (100, 4, False)), ("blocks-4", (700, 4, False)),
                       ("blocks-8", (700, 8, False)), ("percpu-8", (600, 8, True)),
                       ("percpu-4", (300, 4, True))):
        with open(os.path.join(out, name), "wb") as f:
            f.write(build(*args))


if __name__ == "__main__":
    main()
