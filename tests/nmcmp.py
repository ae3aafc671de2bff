#!/usr/bin/env python3
"""nmcmp.py ALLSYMS NM [MIN] - every kallsyms name against nm(1) of the vmlinux.

ALLSYMS: "NAME 0xADDR" lines (unit_types_query allsyms: each name found by
listing and resolved by lookup).  NM: nm output of the release's vmlinux.
A name's address must be nm's lowest address for it plus the KASLR shift
(taken at _stext); per-cpu symbols of absolute-percpu tables (6.12) are not
shifted.  Exit 1 on any mismatch or when fewer than MIN (default 100000,
a real kernel) names matched.
"""
import sys


def main():
    ks = {}
    for line in open(sys.argv[1]):
        if line.startswith("#"):
            continue
        name, addr = line.split()
        ks[name] = int(addr, 16)
    nm = {}
    for line in open(sys.argv[2]):
        fields = line.split()
        if len(fields) != 3:
            continue
        addr, name = int(fields[0], 16), fields[2]
        if name not in nm or addr < nm[name]:
            nm[name] = addr
    shift = ks["_stext"] - nm["_stext"]
    matched = percpu = bad = 0
    for name, addr in ks.items():
        if name not in nm:
            continue
        if addr == nm[name] + shift:
            matched += 1
        elif nm[name] < 1 << 32 and addr == nm[name]:
            percpu += 1
        else:
            bad += 1
            if bad <= 10:
                print("mismatch %s: kallsyms 0x%x, nm+shift 0x%x" % (name, addr, nm[name] + shift))
    print("%d matched, %d per-cpu, %d mismatched, %d not in nm"
          % (matched, percpu, bad, sum(1 for n in ks if n not in nm)))
    minimum = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
    return 1 if bad or matched < minimum else 0


if __name__ == "__main__":
    sys.exit(main())
