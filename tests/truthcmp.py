#!/usr/bin/env python3
"""Compare `hvoinspect --json report` with mkvmcore's ground truth.

Usage: truthcmp.py TRUTH.json REPORT.json

Checks, each against the generator's own model (never the tool's output):
- the generation;
- every savings row (node, zone, order: folios, optimized, pages_saved,
  shared_tail_pages, vmemmap_pages_per_folio) and the totals, bytes_saved
  included;
- every injected fault is reported under the same id, with the fault's
  address among the finding's addresses (direct-map addresses compared as
  physical ones);
- no finding whose id was not injected (a healthy dump has none), and none
  of an injected id that names none of its faults' addresses.
Prints one line per problem and exits 1 if there is any.
"""
import json
import sys


def hexint(value):
    return int(value, 16) if isinstance(value, str) else int(value)


def main(argv):
    args = argv[1:]
    truth = json.load(open(args[0]))
    report = json.load(open(args[1]))
    problems = []

    if report["generation"] != truth["generation"]:
        problems.append("generation %s, truth %s" % (report["generation"], truth["generation"]))

    fields = ("folios", "optimized", "pages_saved", "shared_tail_pages")
    key = lambda r: (r["node"], r["zone"], r["order"])
    want_rows = {key(r): r for r in truth["savings"]["by"]}
    got_rows = {key(r): r for r in report["savings"]["by"]}
    for k in sorted(set(want_rows) | set(got_rows)):
        w, g = want_rows.get(k), got_rows.get(k)
        if w is None and g is not None and g["folios"] == 0:
            continue  # a page spent on an unused shared tail: the total counts it
        if w is None or g is None:
            problems.append("savings row %s: %s" % (k, "not in truth" if w is None else "missing"))
            continue
        for f in fields + ("vmemmap_pages_per_folio",):
            if w[f] != g[f]:
                problems.append("savings row %s %s: %s, truth %s" % (k, f, g[f], w[f]))
    for f in fields + ("bytes_saved",):
        w, g = truth["savings"]["total"][f], report["savings"]["total"][f]
        if w != g:
            problems.append("savings total %s: %s, truth %s" % (f, g, w))

    page_offset = hexint(truth.get("page_offset", "0xffff888000000000"))
    findings = report["findings"]
    injected = {}  # id -> the addresses of its faults
    for fault in truth["faults"]:
        address = hexint(fault["address"])
        candidates = {address}
        if address >= page_offset and address < page_offset + (1 << 46):
            candidates.add(address - page_offset)  # direct map -> physical
        injected.setdefault(fault["id"], set()).update(candidates)
        hit = any(f["id"] == fault["id"] and
                  candidates & {hexint(v) for v in f["addresses"].values()}
                  for f in findings)
        if not hit:
            problems.append("fault %s at %s not reported (findings: %s)"
                            % (fault["id"], fault["address"],
                               sorted({f["id"] for f in findings}) or "none"))
    for f in findings:
        if f["id"] not in injected:
            problems.append("unexpected finding %s: %s" % (f["id"], f["message"]))
        elif not injected[f["id"]] & {hexint(v) for v in f["addresses"].values()}:
            # An injected id reported where nothing was injected.
            problems.append("finding %s at no injected address: %s" % (f["id"], f["message"]))

    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
