#!/usr/bin/env python3
"""Compare `hvoinspect --json -c 'report; folios'` on a real sample with what
the guest kernel itself reported (vmcores/NAME/truth.json, written inside the
guest by vmcores/mkdump before the dump was taken).

Usage: realcmp.py TRUTH.json REPORT.jsonl

Checks against the guest, never against hvoinspect's own earlier output:
- generation: the merged series from Linux 7.1 on, legacy before it;
- pages saved = the memmap the RAM needs (memory sections in /proc/iomem x
  struct pages per section) minus the kernel's own nr_memmap_pages +
  nr_memmap_boot_pages;
- hugetlb folios per node and size = the guest's per-node pools (and so do
  the hstates read from the dump), and every
  head PFN = the heads the guest saw in /proc/kpageflags;
- every folio optimised when hugetlb_optimize_vmemmap was 1, none when 0;
- the kernel's nr_memmap_pages and nr_memmap_boot_pages, read from the dump,
  equal /proc/vmstat in the guest, and match the vmemmap minus the savings;
- no findings on these healthy kernels.
"""
import json
import re
import sys


def main(argv):
    truth = json.load(open(argv[1]))
    objs = [json.loads(line) for line in open(argv[2]) if line.strip()]
    report = next(o for o in objs if o["command"] == "report")
    folios = next(o for o in objs if o["command"] == "folios")["folios"]
    after = truth["snapshots"]["after"]
    check = truth["derived"]["memmap_check_after"]
    problems = []

    release = after["uname"]["release"]
    if report["release"] != release:
        problems.append("release %s, guest %s" % (report["release"], release))
    # The guest's own release; Debian's experimental kernels have no patch
    # level ("7.3-amd64").
    version = re.match(r"(\d+)\.(\d+)", release)
    if not version:
        raise SystemExit("guest release %r has no MAJOR.MINOR" % release)
    major, minor = int(version.group(1)), int(version.group(2))
    want_gen = "merged" if (major, minor) >= (7, 1) else "legacy"
    if report["generation"] != want_gen:
        problems.append("generation %s, expected %s" % (report["generation"], want_gen))

    counted = after["vmstat"]["nr_memmap_pages"] + after["vmstat"]["nr_memmap_boot_pages"]
    want_saved = check["memmap_full"] - counted
    got_saved = report["savings"]["total"]["pages_saved"]
    if got_saved != want_saved:
        problems.append("pages_saved %d, guest counters say %d (memmap %d - counted %d)"
                        % (got_saved, want_saved, check["memmap_full"], counted))

    pools = {}
    for node, sizes in after["node_pools"].items():
        for size, v in sizes.items():
            if v["nr_hugepages"]:
                pools["%s/%s" % (node, size)] = v["nr_hugepages"]
    got_pools = {}
    for f in folios:
        key = "%d/%dkB" % (f["node"], 4 << f["order"])
        got_pools[key] = got_pools.get(key, 0) + 1
    if got_pools != pools:
        problems.append("folios per node/size %s, guest pools %s" % (got_pools, pools))

    # The kernel's hstates, read from the dump, against the guest's pools.
    hstates = next(o for o in objs if o["command"] == "folios").get("hstates")
    if hstates is None:
        problems.append("hstates not read from the dump")
    else:
        got_h = {"%d/%dkB" % (h["node"], 4 << h["order"]): h["nr_huge_pages"] for h in hstates}
        if got_h != pools:
            problems.append("dump's hstates %s, guest pools %s" % (got_h, pools))

    want_heads = sorted(h["pfn"] for h in truth["derived"]["hugetlb_heads_after"])
    got_heads = sorted(f["head_pfn"] for f in folios)
    if got_heads != want_heads:
        missing = sorted(set(want_heads) - set(got_heads))[:5]
        extra = sorted(set(got_heads) - set(want_heads))[:5]
        problems.append("head pfns differ from /proc/kpageflags: missing %s extra %s"
                        % ([hex(p) for p in missing], [hex(p) for p in extra]))

    optimized = check["hvo"]
    states = {f["state"] for f in folios}
    want_state = {"merged": "hvo-shared-tail", "legacy": "hvo-fake-heads"}[want_gen] \
        if optimized else "not-optimized"
    if states != {want_state}:
        problems.append("folio states %s, expected all %s" % (sorted(states), want_state))

    # The kernel's own counters, read from the dump through kallsyms, must be
    # what the guest printed in /proc/vmstat, and agree with the vmemmap.
    kc = report["savings"].get("kernel_counters")
    if kc is None:
        problems.append("kernel memmap counters not read from the dump: %s" % report["notes"])
    else:
        for key in ("nr_memmap_pages", "nr_memmap_boot_pages"):
            if kc[key] != after["vmstat"][key]:
                problems.append("dump's %s %d, guest /proc/vmstat %d"
                                % (key, kc[key], after["vmstat"][key]))
        if not kc["consistent"]:
            problems.append("kernel counters and vmemmap disagree: %s" % kc)

    if report["findings"]:
        problems.append("findings on a healthy kernel: %s"
                        % [f["id"] for f in report["findings"]])
    if report["incomplete"]:
        problems.append("analysis incomplete: %s" % report["notes"])

    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
