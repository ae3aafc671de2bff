#!/usr/bin/env python3
"""Host-side helpers for vmcores/mkdump (standard library only).

  mkdump.py qmp SOCKET DUMPBASE      dump-guest-memory twice (kdump-zlib to
                                     DUMPBASE.kdump, ELF to DUMPBASE.elf), then quit;
                                     prints "format seconds" lines
  mkdump.py truth CONSOLE OUTDIR     parse the @@TRUTH sections of the serial
                                     console log into OUTDIR/truth.json and
                                     OUTDIR/console.txt (the whole serial log, CRs removed)
  mkdump.py vmcoreinfo ELF OUT       write the VMCOREINFO note of an ELF dump
  mkdump.py check TRUTHDIR...        check nr_memmap_pages + nr_memmap_boot_pages
                                     against the memmap size expected from
                                     /proc/iomem minus the HVO savings
"""
import json
import os
import re
import socket
import struct
import sys
import time


# ---------------------------------------------------------------- QMP
class QMP:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.f = self.s.makefile("rwb")
        self.greeting = self._read()
        self.cmd("qmp_capabilities")

    def _read(self):
        line = self.f.readline()
        if not line:
            raise RuntimeError("QMP connection closed")
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.f.write(json.dumps(msg).encode() + b"\n")
        self.f.flush()
        while True:
            r = self._read()
            if "return" in r:
                return r["return"]
            if "error" in r:
                raise RuntimeError(f"QMP {name}: {r['error']}")
            # asynchronous event: ignore (logged for the record)
            sys.stderr.write(f"QMP event: {json.dumps(r)}\n")


def cmd_qmp(sock, base):
    q = QMP(sock)
    ver = q.greeting.get("QMP", {}).get("version", {}).get("qemu", {})
    print(f"qemu {ver.get('major')}.{ver.get('minor')}.{ver.get('micro')}")
    # Pause the guest first: dump-guest-memory stops and resumes the guest
    # around each dump, so without this the two dumps would be of slightly
    # different states.  Both dumps are then of the same, stopped guest.
    q.cmd("stop")
    for fmt, ext in (("kdump-zlib", "kdump"), ("elf", "elf")):
        path = f"{base}.{ext}"
        if os.path.exists(path):
            os.unlink(path)
        t0 = time.time()
        q.cmd("dump-guest-memory", paging=False, protocol="file:" + path,
              format=fmt)
        # Without "detach" the command returns when the dump is complete.
        print(f"{fmt} {time.time() - t0:.1f} {os.path.getsize(path)}")
        sys.stdout.flush()
    try:
        q.cmd("quit")
    except (RuntimeError, OSError):
        pass


# ---------------------------------------------------------------- truth
def parse_kv_lines(lines, sep=None):
    out = {}
    for ln in lines:
        parts = ln.split(sep, 1)
        if len(parts) == 2:
            out[parts[0].strip().rstrip(":")] = parts[1].strip()
    return out


def num(v):
    try:
        return int(v, 0)
    except (TypeError, ValueError):
        return v


def parse_meminfo(lines):
    out = {}
    for ln in lines:
        m = re.match(r"^([^:]+):\s+(\d+)(?:\s+kB)?$", ln)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def parse_pools(lines):
    pools = {}
    for ln in lines:
        f = ln.split()
        if len(f) == 4:
            node = int(f[0].replace("node", ""))
            pools.setdefault(str(node), {}).setdefault(f[1], {})[f[2]] = int(f[3])
    return pools


def parse_global_pools(lines):
    pools = {}
    for ln in lines:
        f = ln.split()
        if len(f) == 3:
            pools.setdefault(f[0], {})[f[1]] = num(f[2])
    return pools


def parse_zoneinfo(lines):
    zones = []
    cur = None
    for ln in lines:
        m = re.match(r"^Node (\d+), zone\s+(\S+)", ln)
        if m:
            cur = {"node": int(m.group(1)), "zone": m.group(2)}
            zones.append(cur)
            continue
        m = re.match(r"^\s+(pages free|spanned|present|managed|start_pfn):?\s+(\d+)", ln)
        if m and cur is not None:
            cur[m.group(1).replace(" ", "_")] = int(m.group(2))
    return zones


def parse_heads(lines):
    runs, extra = [], {}
    for ln in lines:
        if ln.startswith("run "):
            d = {}
            for kv in ln.split()[1:]:
                k, v = kv.split("=", 1)
                d[k] = int(v, 0)
            runs.append(d)
        elif "=" in ln:
            k, v = ln.split("=", 1)
            extra[k] = num(v)
    return {"runs": runs, **extra}


def parse_mapped(lines):
    out = []
    for ln in lines:
        if ln.startswith("mapped "):
            d = {}
            for kv in ln.split()[1:]:
                k, v = kv.split("=", 1)
                d[k] = num(v)
            out.append(d)
        else:
            out.append({"raw": ln})
    return out


def snapshot(secs):
    s = {}
    g = secs.get
    s["cmdline"] = " ".join(g("cmdline", []))
    un = g("uname", [])
    s["uname"] = {"release": un[0] if un else None,
                  "version": un[1] if len(un) > 1 else None,
                  "machine": un[2] if len(un) > 2 else None}
    s["meminfo"] = parse_meminfo(g("meminfo", []))
    s["node_pools"] = parse_pools(g("pools", []))
    s["global_pools"] = parse_global_pools(g("global_pools", []))
    s["vmstat"] = {k: int(v) for k, v in parse_kv_lines(g("vmstat", [])).items()}
    s["vmstat"]["memmap_total"] = sum(s["vmstat"].values())
    s["sysctl_vm"] = {k: num(v) for k, v in parse_kv_lines(g("sysctl", [])).items()}
    s["dmesg_hugetlb"] = g("dmesg_hugetlb", [])
    s["zoneinfo"] = parse_zoneinfo(g("zoneinfo", []))
    s["node_meminfo"] = g("nodes", [])
    s["iomem"] = g("iomem", [])
    s["kpageflags_heads"] = parse_heads(g("kpageflags_heads", []))
    if "mapped" in secs:
        s["mapped"] = parse_mapped(secs["mapped"])
    return s


def hugetlb_folios(snap):
    """Count folios per size from the per-node pools (ground truth counts)."""
    out = {}
    for node, sizes in snap["node_pools"].items():
        for size, v in sizes.items():
            out.setdefault(size, 0)
            out[size] += v["nr_hugepages"]
    return out


def zone_of(snap, pfn):
    for z in snap["zoneinfo"]:
        if z.get("spanned") and z["start_pfn"] <= pfn < z["start_pfn"] + z["spanned"]:
            return z["zone"]
    return None


def heads_list(snap):
    """Expand the kpageflags runs: one entry per compound head with KPF_HUGE.
    order = log2(1 + tails that follow it); mapped = the mapper touched it."""
    mapped = {m["pfn"] for m in snap.get("mapped", []) if "pfn" in m}
    out = []
    for r in snap["kpageflags_heads"]["runs"]:
        for i in range(r["count"]):
            pfn = r["first"] + i * r["stride"]
            n = r["tails"] + 1
            out.append({"pfn": pfn, "node": r["node"], "zone": zone_of(snap, pfn),
                        "pages": n,
                        "order": n.bit_length() - 1 if n & (n - 1) == 0 else None,
                        "kpageflags": hex(r["flags"]), "mapped": pfn in mapped})
    return out


def cmd_truth(console, outdir):
    raw = open(console, "rb").read().decode("utf-8", "replace")
    lines = [ln.rstrip("\r") for ln in raw.split("\n")]
    snaps, guest, cur, sec = {}, [], None, None
    for ln in lines:
        if ln.startswith("@@GUEST") or ln.startswith("@@HVO-DUMP-READY"):
            guest.append(ln)
        m = re.match(r"^@@TRUTH-BEGIN (\S+)", ln)
        if m:
            cur = {}
            name = m.group(1)
            continue
        if cur is None:
            continue
        if ln.startswith("@@TRUTH-END"):
            snaps[name] = snapshot(cur)
            cur = None
            continue
        m = re.match(r"^@@SEC (\S+)", ln)
        if m:
            sec = m.group(1)
            cur[sec] = []
            continue
        if ln == "@@ENDSEC":
            sec = None
            continue
        if sec is not None:
            cur[sec].append(ln)
    truth = {"format": "hvoinspect-vmcores-truth-1",
             "guest_log": guest,
             "snapshots": snaps}
    if "before" in snaps and "after" in snaps:
        b, a = snaps["before"], snaps["after"]
        truth["derived"] = {
            "hugetlb_folios_before": hugetlb_folios(b),
            "hugetlb_folios_after": hugetlb_folios(a),
            "memmap_total_before": b["vmstat"]["memmap_total"],
            "memmap_total_after": a["vmstat"]["memmap_total"],
            "memmap_total_delta": a["vmstat"]["memmap_total"] - b["vmstat"]["memmap_total"],
            "memmap_check_before": check_snapshot(b),
            "memmap_check_after": check_snapshot(a),
            "hugetlb_heads_before": heads_list(b),
            "hugetlb_heads_after": heads_list(a),
        }
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
        f.write("\n")
    with open(os.path.join(outdir, "console.txt"), "w") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n")
    if set(snaps) != {"before", "after"}:
        sys.exit(f"truth: expected before/after snapshots, got {sorted(snaps)}")


# ---------------------------------------------------------------- VMCOREINFO
def cmd_vmcoreinfo(elf, out):
    with open(elf, "rb") as f:
        eh = f.read(64)
        if eh[:4] != b"\x7fELF" or eh[4] != 2:
            sys.exit("not an ELF64 file")
        e_phoff, = struct.unpack_from("<Q", eh, 32)
        e_phentsize, e_phnum = struct.unpack_from("<HH", eh, 54)
        # QEMU 7.2 writes section headers before program headers: trust e_phoff.
        f.seek(e_phoff)
        phdrs = f.read(e_phentsize * e_phnum)
        for i in range(e_phnum):
            p_type, _, p_off, _, _, p_filesz = struct.unpack_from(
                "<IIQQQQ", phdrs, i * e_phentsize)
            if p_type != 4:  # PT_NOTE
                continue
            f.seek(p_off)
            notes = f.read(p_filesz)
            pos = 0
            while pos + 12 <= len(notes):
                namesz, descsz, _ = struct.unpack_from("<III", notes, pos)
                pos += 12
                name = notes[pos:pos + namesz].rstrip(b"\0")
                pos += (namesz + 3) & ~3
                desc = notes[pos:pos + descsz]
                pos += (descsz + 3) & ~3
                if name == b"VMCOREINFO":
                    with open(out, "wb") as o:
                        o.write(desc.rstrip(b"\0"))
                    return
    sys.exit("no VMCOREINFO note in " + elf)


# ---------------------------------------------------------------- check
PAGES_PER_SECTION = 1 << 15          # x86_64: 128 MiB sections of 4 KiB pages
MEMMAP_PER_SECTION = PAGES_PER_SECTION * 64 // 4096
SAVED = {"2048kB": 7, "1048576kB": 4095}   # vmemmap pages - 1 per folio


def ram_sections(iomem):
    secs = set()
    for ln in iomem:
        m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) : System RAM$", ln)
        if m:
            lo, hi = int(m.group(1), 16) >> 12, int(m.group(2), 16) >> 12
            secs.update(range(lo // PAGES_PER_SECTION, hi // PAGES_PER_SECTION + 1))
    return secs


def check_snapshot(snap):
    hvo = snap["sysctl_vm"].get("hugetlb_optimize_vmemmap") == 1
    full = len(ram_sections(snap["iomem"])) * MEMMAP_PER_SECTION
    folios = hugetlb_folios(snap)
    saved = sum(SAVED.get(sz, 0) * n for sz, n in folios.items()) if hvo else 0
    got = snap["vmstat"]["memmap_total"]
    # Independent truth: hugetlb heads seen in /proc/kpageflags, per node and
    # size, against the per-node pool counters.
    kpf = {}
    for h in heads_list(snap):
        key = f"{h['node']}/{h['pages'] * 4}kB"
        kpf[key] = kpf.get(key, 0) + 1
    pools = {f"{n}/{sz}": v["nr_hugepages"]
             for n, sizes in snap["node_pools"].items()
             for sz, v in sizes.items() if v["nr_hugepages"]}
    return {"hvo": hvo, "memmap_full": full, "folios": folios,
            "expected_saved": saved, "expected_total": full - saved,
            "memmap_total": got, "memmap_ok": got == full - saved,
            "kpageflags_heads": kpf, "pools": pools,
            "kpageflags_ok": kpf == pools,
            "ok": got == full - saved and kpf == pools}


def cmd_check(dirs):
    bad = 0
    for d in dirs:
        t = json.load(open(os.path.join(d, "truth.json")))
        for name in ("before", "after"):
            r = check_snapshot(t["snapshots"][name])
            bad += not r["ok"]
            print(f"{os.path.basename(d.rstrip('/'))} {name}: hvo={int(r['hvo'])} "
                  f"folios={r['folios']} memmap_full={r['memmap_full']} "
                  f"saved={r['expected_saved']} expected={r['expected_total']} "
                  f"got={r['memmap_total']} "
                  f"memmap {'OK' if r['memmap_ok'] else 'MISMATCH'}, "
                  f"kpageflags heads vs pools {'OK' if r['kpageflags_ok'] else 'MISMATCH'}")
    sys.exit(1 if bad else 0)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "qmp":
        cmd_qmp(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "truth":
        cmd_truth(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "vmcoreinfo":
        cmd_vmcoreinfo(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 3 and sys.argv[1] == "check":
        cmd_check(sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
