#!/usr/bin/env python3
"""bench/peer_drgn.py - the drgn peer of `hvoinspect report`.

    python3 bench/peer_drgn.py --vmlinux VMLINUX DUMP

Computes the same HVO savings and checks as `hvoinspect report` from the
same dump, with Debian's python3-drgn and the kernel's -dbg vmlinux (DWARF),
so that bench/run can time both on one dump (issue 8).  It does the same
work, not a shortcut:

- walks the page tables of the whole vmemmap (pages mapped, for the
  kernel's memmap counters);
- finds every hugetlb folio by the hugetlb page type on head struct pages,
  reading every 512th struct page of the mapped memmap (hugetlb heads are
  aligned to at least 512 pages), the order from the second struct page;
- walks every vmemmap PTE of every folio (8 for 2 MiB, 4096 for 1 GiB):
  present, RW, target frame; classifies it (not optimised, HVO with a
  shared tail, HVO with fake heads, broken);
- reads each distinct shared tail page and checks its 64 struct pages
  against what init_compound_tail() writes;
- reads zone.vmemmap_tails[], hstates and nr_memmap_pages /
  nr_memmap_boot_pages; prints the savings per node/zone/order, the totals
  and the findings, in the layout of `hvoinspect report`.

Types, enum values (PG_head, PGTY_hugetlb, HPG_vmemmap_optimized, zone
types) and the node/zone bit widths come from DWARF through drgn; only
TAIL_MAPPING and __START_KERNEL_map, which are macros, are written here.

drgn's own helpers are not used for compound pages: Debian bookworm's drgn
0.0.22 predates compound_info (7.1+), and it exposes no page-table entries
(flags) to Python, so the walk is done here over physical reads.  drgn <
0.0.27 also cannot translate anything in a dump with no virtual addresses
(QEMU's dump-guest-memory ELF, p_vaddr 0: "recursive address translation"
at swapper_pg_dir); for those this script maps the kernel image itself
(__pa_symbol: vaddr - __START_KERNEL_map + phys_base, phys_base from the
ELF VMCOREINFO note).  The platform is set, not learnt from the dump:
drgn cannot open QEMU's kdump files (nor hvoinspect's slices of them)
otherwise.

Exit status: 0 no findings, 1 findings, 2 error.
"""
import argparse
import collections
import struct
import sys

import drgn
from drgn import FaultError

PAGE_SIZE = 4096
START_KERNEL_MAP = 0xffffffff80000000
# TAIL_MAPPING = 0x400 + POISON_POINTER_DELTA (CONFIG_ILLEGAL_POINTER_VALUE on x86_64)
TAIL_MAPPING = 0xdead000000000400
VMEMMAP_TAIL_MIN_ORDER = 7      # ilog2(2 * PAGE_SIZE / sizeof(struct page))
MIN_HUGETLB_ORDER = 9
MAX_FOLIO_ORDER = 22            # ilog2(16G) - PAGE_SHIFT, as hvoinspect bounds it
MAX_TAIL_FRAMES = 8             # more distinct tail frames than this: an intact vmemmap
PTE_PRESENT, PTE_RW, PTE_PSE = 0x1, 0x2, 0x80
PTE_ADDR = 0x000ffffffffff000

NOT_OPTIMIZED, SHARED_TAIL, FAKE_HEADS, BROKEN = range(4)
SEVERITIES = ("info", "warning", "error", "critical")


def elf_vmcoreinfo(path):
    """VMCOREINFO of an ELF vmcore as a dict, or None."""
    with open(path, "rb") as f:
        ehdr = f.read(64)
        if ehdr[:4] != b"\x7fELF" or ehdr[4] != 2:
            return None
        phoff, = struct.unpack_from("<Q", ehdr, 32)
        phentsize, phnum = struct.unpack_from("<HH", ehdr, 54)
        f.seek(phoff)
        phdrs = f.read(phentsize * phnum)
        info = None
        for i in range(phnum):
            p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", phdrs,
                                                                    i * phentsize)
            if p_type != 4 or info is not None:     # PT_NOTE
                continue
            f.seek(p_offset)
            notes = f.read(p_filesz)
            off = 0
            while off + 12 <= len(notes):
                namesz, descsz, _ = struct.unpack_from("<III", notes, off)
                name = notes[off + 12:off + 12 + namesz].rstrip(b"\0")
                doff = off + 12 + ((namesz + 3) & ~3)
                if name == b"VMCOREINFO":
                    text = notes[doff:doff + descsz].decode(errors="replace")
                    info = dict(l.split("=", 1) for l in text.splitlines() if "=" in l)
                    break
                off = doff + ((descsz + 3) & ~3)
        return info


def open_program(dump, vmlinux):
    # The platform is given, not learnt: QEMU's diskdump header (and the
    # slices hvoinspect writes from it) names no architecture, and drgn then
    # fails with "kdump_get_string_attr(KDUMP_ATTR_ARCH_NAME): Key has no value".
    prog = drgn.Program(drgn.Platform(drgn.Architecture.X86_64,
                                      drgn.PlatformFlags.IS_64_BIT |
                                      drgn.PlatformFlags.IS_LITTLE_ENDIAN))
    prog.set_core_dump(dump)
    try:
        prog.load_debug_info([vmlinux])
    except drgn.MissingDebugInfoError:
        pass    # kernel modules; a vmlinux without DWARF fails below at the first type
    info = elf_vmcoreinfo(dump)
    pgd = prog.symbol("init_top_pgt").address
    try:
        prog.read(pgd, 8)
    except FaultError:
        # drgn < 0.0.27 on a dump without virtual addresses: map the kernel
        # image ourselves so that swapper_pg_dir can be read.
        if not info or "NUMBER(phys_base)" not in info:
            raise
        phys_base = int(info["NUMBER(phys_base)"], 0)
        size = int(info.get("NUMBER(KERNEL_IMAGE_SIZE)", str(1 << 30)), 0)

        def read_image(address, count, offset, physical):
            return prog.read(address - START_KERNEL_MAP + phys_base, count, True)

        prog.add_memory_segment(START_KERNEL_MAP, size, read_image, False)
        prog.read(pgd, 8)
    return prog, info or {}


class PageTables:
    """x86_64 kernel page tables over physical reads, each table page read once."""

    def __init__(self, prog, levels):
        self.prog = prog
        self.levels = levels
        self.top = self._kernel_phys(prog.symbol("init_top_pgt").address)
        self.tables = {}

    def _kernel_phys(self, vaddr):
        # phys_base is defined in assembly: an ELF symbol without DWARF.
        return vaddr - START_KERNEL_MAP + self.prog.read_u64(self.prog.symbol("phys_base").address)

    def table(self, phys):
        t = self.tables.get(phys)
        if t is None:
            t = struct.unpack("<512Q", self.prog.read(phys, PAGE_SIZE, True))
            self.tables[phys] = t
        return t

    def lookup(self, vaddr):
        """(frame of the 4 KiB page, writable, leaf level) or None if not mapped."""
        table = self.top
        rw = True
        for level in range(self.levels, 0, -1):
            shift = 12 + 9 * (level - 1)
            entry = self.table(table)[(vaddr >> shift) & 511]
            if not entry & PTE_PRESENT:
                return None
            rw = rw and bool(entry & PTE_RW)
            if level == 1 or (level <= 3 and entry & PTE_PSE):
                size = 1 << shift
                base = entry & PTE_ADDR & ~(size - 1)
                return base + (vaddr & (size - 1) & ~(PAGE_SIZE - 1)), rw, level
            table = entry & PTE_ADDR
        return None

    def count_mapped(self, start, end):
        """Mapped 4 KiB pages in [start, end) and the mapped runs, walking every table."""
        runs = []
        stats = collections.Counter()

        top_bits = 12 + 9 * self.levels

        def walk(table, level, base):
            shift = 12 + 9 * (level - 1)
            span = 1 << shift
            entries = self.table(table)
            stats["tables"] += 1
            if level == 1:
                stats["pte_tables"] += 1
            for i in range(512):
                va = base + i * span
                if level == self.levels and va >> (top_bits - 1):
                    va |= ((1 << 64) - 1) & ~((1 << top_bits) - 1)   # canonical upper half
                if va + span <= start:
                    continue
                if va >= end:
                    break
                entry = entries[i]
                if not entry & PTE_PRESENT:
                    continue
                if level == 1 or (level <= 3 and entry & PTE_PSE):
                    if level > 1:
                        stats["leaves"] += 1
                    if runs and runs[-1][1] == va:
                        runs[-1][1] = va + span
                    else:
                        runs.append([va, va + span])
                    stats["pages"] += span // PAGE_SIZE
                else:
                    walk(entry & PTE_ADDR, level - 1, va)

        walk(self.top, self.levels, 0)
        return stats, runs


class Peer:
    def __init__(self, prog, info):
        self.prog = prog
        self.info = info
        self.findings = []
        self.notes = []
        page_t = prog.type("struct page")
        self.page_size = page_t.size
        self.size_shift = self.page_size.bit_length() - 1
        self.legacy = not has_member(page_t, "compound_info")
        self.off_compound = drgn.offsetof(page_t, "compound_head" if self.legacy else "compound_info")
        self.off_flags = drgn.offsetof(page_t, "flags")
        self.off_mapping = drgn.offsetof(page_t, "mapping")
        self.off_private = drgn.offsetof(page_t, "private")
        self.off_mapcount = drgn.offsetof(page_t, "_mapcount")
        self.off_refcount = drgn.offsetof(page_t, "_refcount")
        self.pg_head = 1 << prog.constant("PG_head").value_()
        try:
            self.pgty_hugetlb = prog.constant("PGTY_hugetlb").value_()
        except LookupError:
            self.pgty_hugetlb = (int(info["NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)"]) >> 24) & 0xff
        self.hpg_optimized = 1 << prog.constant("HPG_vmemmap_optimized").value_()
        nr_nodes = prog["node_data"].type_.length
        self.node_bits = (nr_nodes - 1).bit_length()
        nr_zones = prog.constant("__MAX_NR_ZONES").value_()
        self.zone_bits = (nr_zones - 1).bit_length()
        self.node_shift = 64 - self.node_bits
        self.zone_shift = self.node_shift - self.zone_bits
        self.vmemmap_base = prog["vmemmap_base"].value_()
        if "NUMBER(pgtable_l5_enabled)" in info:
            l5 = int(info["NUMBER(pgtable_l5_enabled)"])
        else:
            try:
                l5 = prog["__pgtable_l5_enabled"].value_()
            except KeyError:    # gone from newer kernels (X86_FEATURE_LA57)
                l5 = 0
        self.pt = PageTables(prog, 5 if l5 else 4)
        zone_t = prog.type("struct zone")
        pgdat_t = prog.type("struct pglist_data")
        self.v3 = has_member(pgdat_t, "vmemmap_tails")
        self.tails_type = (pgdat_t if self.v3 else zone_t) if not self.legacy else None
        if self.tails_type is not None and not has_member(self.tails_type, "vmemmap_tails"):
            self.tails_type = None
        self.max_folio_order = None
        if self.tails_type is not None:
            slots = self.tails_type.member("vmemmap_tails").type.length
            self.max_folio_order = slots - 1 + VMEMMAP_TAIL_MIN_ORDER
        self.generation = "legacy" if self.legacy else ("v3" if self.v3 else "merged")
        self.zone_names = {}

    # -- struct pages -------------------------------------------------------
    def pfn_vaddr(self, pfn):
        return self.vmemmap_base + pfn * self.page_size

    def parse(self, raw, off=0):
        u64 = struct.unpack_from
        return {
            "flags": u64("<Q", raw, off + self.off_flags)[0],
            "compound": u64("<Q", raw, off + self.off_compound)[0],
            "mapping": u64("<Q", raw, off + self.off_mapping)[0],
            "private": u64("<Q", raw, off + self.off_private)[0],
            "mapcount": u64("<I", raw, off + self.off_mapcount)[0],
            "refcount": u64("<I", raw, off + self.off_refcount)[0],
        }

    def node_of(self, flags):
        return (flags >> self.node_shift) & ((1 << self.node_bits) - 1)

    def zone_of(self, flags):
        return (flags >> self.zone_shift) & ((1 << self.zone_bits) - 1)

    def tail_mask(self, order):
        low = order + self.size_shift
        return 1 if low >= 64 else ((~0 << low) & (2 ** 64 - 1)) | 1

    def mask_order(self, word):
        """Order a mask-encoded tail word stands for, or None."""
        if not word & 1:
            return None
        mask = word & ~1
        if not mask or (mask | (mask - 1)) != 2 ** 64 - 1:
            return None
        low = (mask & -mask).bit_length() - 1
        if low <= self.size_shift:
            return None
        return low - self.size_shift

    def finding(self, id, severity, message, **addresses):
        self.findings.append((severity, id, message, addresses))

    # -- kernel state -------------------------------------------------------
    def read_state(self):
        prog = self.prog
        self.node_pgdats = {}
        for nid, pgdat in enumerate(prog["node_data"].read_()):
            if pgdat.value_():
                self.node_pgdats[nid] = pgdat
        for pgdat in self.node_pgdats.values():
            for z, zone in enumerate(pgdat.node_zones.read_()):
                try:
                    self.zone_names[z] = zone.name.string_().decode()
                except FaultError:
                    pass
        self.entries = []       # (node, zone, order, frame, entry vaddr)
        if self.tails_type is not None:
            for nid, pgdat in self.node_pgdats.items():
                arrays = [(0, pgdat.vmemmap_tails)] if self.v3 else \
                    [(z, pgdat.node_zones[z].vmemmap_tails) for z in range(len(pgdat.node_zones))]
                for z, arr in arrays:
                    addr = arr.address_
                    for i, slot in enumerate(arr.read_()):
                        value = slot.value_()
                        if not value:
                            continue
                        if self.v3:
                            pfn = value
                        else:
                            if value < self.vmemmap_base or (value - self.vmemmap_base) % self.page_size:
                                raise ValueError("vmemmap_tails[%d] of node %d zone %d is 0x%x, "
                                                 "not a struct page address" % (i, nid, z, value))
                            pfn = (value - self.vmemmap_base) // self.page_size
                        self.entries.append((nid, z, VMEMMAP_TAIL_MIN_ORDER + i, pfn * PAGE_SIZE,
                                             addr + 8 * i))
        self.hstates = []
        hstates = prog["hstates"]
        for h in range(prog["hugetlb_max_hstate"].value_()):
            hs = hstates[h]
            order = hs.order.value_()
            for n, count in enumerate(hs.nr_huge_pages_node.read_()):
                if count.value_():
                    self.hstates.append((n, order, count.value_()))
        self.counters = None
        try:
            self.counters = (prog["nr_memmap_pages"].counter.value_(),
                             prog["nr_memmap_boot_pages"].counter.value_())
        except KeyError:
            self.notes.append("memmap counters not read: no symbol nr_memmap_pages")

    # -- the walk -----------------------------------------------------------
    def walk_vmemmap(self):
        bits = int(self.info.get("NUMBER(MAX_PHYSMEM_BITS)", "52" if self.pt.levels == 5 else "46"))
        end = self.vmemmap_base + (1 << (bits - 12)) * self.page_size
        self.vm_stats, self.vm_runs = self.pt.count_mapped(self.vmemmap_base, end)

    def find_folios(self):
        """Every 512th struct page of the mapped memmap; hugetlb heads become folios."""
        self.folios = []
        step = 1 << MIN_HUGETLB_ORDER
        next_pfn = 0
        prog = self.prog
        for start, end in self.vm_runs:
            first = (start - self.vmemmap_base) // self.page_size
            last = (end - self.vmemmap_base) // self.page_size
            pfn = max(first, next_pfn)
            pfn = (pfn + step - 1) & ~(step - 1)
            while pfn < last:
                try:
                    raw = prog.read(self.pfn_vaddr(pfn), 2 * self.page_size)
                except FaultError as e:
                    self.note_incomplete(e)
                    pfn += step
                    continue
                page = self.parse(raw)
                if page["flags"] & self.pg_head and page["mapcount"] >> 24 == self.pgty_hugetlb:
                    second = self.parse(raw, self.page_size)
                    order = second["flags"] & 0xff
                    if order < MIN_HUGETLB_ORDER or order > MAX_FOLIO_ORDER or pfn & ((1 << order) - 1):
                        self.finding("hugetlb-bad-order", 2,
                                     "hugetlb head at pfn 0x%x has folio order %u, impossible for "
                                     "a hugetlb folio at that pfn" % (pfn, order),
                                     head_pfn=pfn, head_vaddr=self.pfn_vaddr(pfn))
                    else:
                        self.folios.append({
                            "pfn": pfn, "order": order,
                            "node": self.node_of(page["flags"]), "zone": self.zone_of(page["flags"]),
                            "flag_optimized": bool(page["private"] & self.hpg_optimized),
                        })
                        next_pfn = pfn + (1 << order)
                pfn += step
                if next_pfn > pfn:
                    pfn = (next_pfn + step - 1) & ~(step - 1)

    def note_incomplete(self, e):
        if not any(n.startswith("incomplete") for n in self.notes):
            self.notes.append("incomplete: %s" % e)

    def frame_holds_head(self, frame):
        try:
            page = self.parse(self.prog.read(frame, self.page_size, True))
        except FaultError:
            return False
        return bool(page["flags"] & self.pg_head)

    def classify(self, folio):
        nr = ((1 << folio["order"]) * self.page_size + PAGE_SIZE - 1) // PAGE_SIZE
        folio["nr_vmemmap"] = nr
        head_vaddr = self.pfn_vaddr(folio["pfn"])
        targets = collections.OrderedDict()     # frame -> [count, first vaddr]
        head = None
        nr_writable = nr_unmapped = nr_leaf = 0
        first_writable = 0
        for i in range(nr):
            va = head_vaddr + i * PAGE_SIZE
            m = self.pt.lookup(va)
            if m is None:
                nr_unmapped += 1
                continue
            frame, rw, level = m
            if level > 1:
                nr_leaf += 1
            if i == 0:
                head = (frame, rw)
                continue
            t = targets.get(frame)
            if t is None:
                targets[frame] = [1, va]
            else:
                t[0] += 1
            if rw:
                if not nr_writable:
                    first_writable = va
                nr_writable += 1
        head_frame, head_rw = head if head else (0, False)
        too_many = len(targets) > MAX_TAIL_FRAMES
        main = max(targets.items(), key=lambda kv: kv[1][0]) if targets and not too_many else None
        folio["head_frame"] = head_frame
        folio["tail_frame"] = main[0] if main else 0
        nr_tails = nr - 1
        remapped = (main is not None and nr_unmapped == 0 and nr_leaf == 0 and
                    main[1][0] * 2 > nr_tails)
        if nr_tails == 0 or nr_leaf == nr:
            state = NOT_OPTIMIZED
        elif remapped and (main[0] == head_frame or
                           (self.legacy and self.frame_holds_head(main[0]))):
            state = FAKE_HEADS
        elif remapped:
            state = SHARED_TAIL
        elif (nr_unmapped == 0 and nr_writable == nr_tails and
              (too_many or all(c == 1 and f != head_frame for f, (c, _) in targets.items()))):
            state = NOT_OPTIMIZED
        else:
            state = BROKEN
        folio["state"] = state
        pfn, order = folio["pfn"], folio["order"]
        optimized = state in (SHARED_TAIL, FAKE_HEADS)
        if state == BROKEN:
            self.finding("vmemmap-mixed", 2,
                         "hugetlb folio at pfn 0x%x (order %u) has a vmemmap that is neither intact "
                         "nor remapped (%u unmapped, %u writable of %u tail pages): its struct pages "
                         "are inconsistent" % (pfn, order, nr_unmapped, nr_writable, nr_tails),
                         head_pfn=pfn, head_vaddr=head_vaddr)
        if optimized:
            for frame, (count, va) in targets.items():
                if frame != main[0]:
                    self.deviations.append((folio, frame, va, count))
        if optimized and nr_writable:
            self.finding("tail-writable", 2,
                         "%u of %u tail vmemmap pages of the hugetlb folio at pfn 0x%x are mapped "
                         "writable: a stray write through them corrupts the %s page shared with "
                         "other struct pages" % (nr_writable, nr_tails, pfn,
                                                 "head vmemmap" if state == FAKE_HEADS else "shared tail"),
                         head_pfn=pfn, head_vaddr=head_vaddr, frame=folio["tail_frame"],
                         tail_vaddr=first_writable)
        if optimized and not head_rw:
            self.finding("head-readonly", 2,
                         "the head vmemmap page of the hugetlb folio at pfn 0x%x is mapped read-only: "
                         "the kernel faults on its next write to the head struct page" % pfn,
                         head_pfn=pfn, head_vaddr=head_vaddr, frame=head_frame)
        if optimized:
            other = self.head_frames.get(head_frame)
            if other is not None:
                self.finding("head-shared", 3,
                             "the head vmemmap page of the hugetlb folio at pfn 0x%x is also the head "
                             "page of the folio at pfn 0x%x: updates to one folio's head change the "
                             "other's" % (pfn, other["pfn"]),
                             head_pfn=pfn, head_vaddr=head_vaddr, frame=head_frame,
                             other_head_pfn=other["pfn"], other_head_vaddr=self.pfn_vaddr(other["pfn"]))
            else:
                self.head_frames[head_frame] = folio
        if state == FAKE_HEADS and not self.legacy:
            self.finding("fake-heads-on-mask-kernel", 3,
                         "the tails of the hugetlb folio at pfn 0x%x map its head page (legacy fake "
                         "heads) on a %s kernel, which has no fake-head handling: every tail looks "
                         "like a head" % (pfn, self.generation),
                         head_pfn=pfn, head_vaddr=head_vaddr, frame=head_frame,
                         tail_vaddr=head_vaddr + PAGE_SIZE)
        if state == SHARED_TAIL and self.legacy:
            self.finding("shared-tail-on-legacy-kernel", 3,
                         "the tails of the hugetlb folio at pfn 0x%x map a page other than the "
                         "head's on a legacy kernel, whose tails must point at their own head" % pfn,
                         head_pfn=pfn, head_vaddr=head_vaddr, frame=folio["tail_frame"],
                         tail_vaddr=head_vaddr + PAGE_SIZE)
        if optimized != folio["flag_optimized"] and state != BROKEN:
            self.finding("hvo-flag-mismatch", 2,
                         "the hugetlb folio at pfn 0x%x %s HPG_vmemmap_optimized but its vmemmap is "
                         "%s: the kernel will %s" % (
                             pfn, "has" if folio["flag_optimized"] else "lacks",
                             "remapped" if optimized else "intact",
                             "try to restore pages that were never freed" if folio["flag_optimized"]
                             else "write to read-only tail pages as if they were its own"),
                         head_pfn=pfn, head_vaddr=head_vaddr)
        if state == SHARED_TAIL:
            tail = self.tails.get(folio["tail_frame"])
            if tail is None:
                tail = self.tails[folio["tail_frame"]] = {"frame": folio["tail_frame"], "nr_folios": 0}
            tail["nr_folios"] += 1

    # -- shared tails -------------------------------------------------------
    def pristine(self, raw, off, order, full_init, node, zone):
        """Why the struct page at raw[off:] is not what init_compound_tail() writes, or None."""
        page = self.parse(raw, off)
        if page["compound"] != self.tail_mask(order):
            return "compound_info is not this order's mask"
        if page["mapping"] != TAIL_MAPPING:
            return "mapping is not TAIL_MAPPING"
        if page["private"] != 0:
            return "private is not 0"
        if not full_init:
            return None
        nz_mask = (((1 << self.node_bits) - 1) << self.node_shift) | \
                  (((1 << self.zone_bits) - 1) << self.zone_shift)
        want = (node << self.node_shift) | (zone << self.zone_shift)
        extra = page["flags"] & ~nz_mask
        # Boot-time tails: LAST_CPUPID (just below the zone field) stays all ones.
        cpupid_reset = extra and extra + (extra & -extra) == 1 << self.zone_shift
        lru_prev, = struct.unpack_from("<Q", raw, off + self.off_compound + 8)
        if page["flags"] & nz_mask != want or (extra and not cpupid_reset):
            return "flags are not exactly the zone's node and zone bits"
        if page["mapcount"] != 0xffffffff:
            return "_mapcount is not -1"
        if page["refcount"] not in (0, 1):
            return "_refcount is neither 0 nor 1"
        if lru_prev and (not lru_prev >> 63 or lru_prev & (self.page_size - 1) != self.off_compound):
            return "lru.prev is neither empty nor a struct page's own list head"
        known = set()
        for o, w in ((self.off_flags, 8), (self.off_compound, 16), (self.off_mapping, 8),
                     (self.off_private, 8), (self.off_mapcount, 4), (self.off_refcount, 4)):
            known.update(range(o, o + w))
        for i in range(self.page_size):
            if i not in known and raw[off + i]:
                return "a field init_compound_tail() leaves zero is not zero"
        return None

    def describe_tail(self, tail):
        try:
            raw = self.prog.read(tail["frame"], PAGE_SIZE, True)
        except FaultError as e:
            self.note_incomplete(e)
            tail.update(order=0, node=0, zone=0, valid=False, problem="unreadable")
            return
        first = self.parse(raw)
        order = self.mask_order(first["compound"])
        tail["order"] = order or 0
        tail["node"] = self.node_of(first["flags"])
        tail["zone"] = self.zone_of(first["flags"])
        full_init = not self.v3
        tail["valid"] = order is not None
        tail["problem"] = None if tail["valid"] else "compound_info is not a tail mask"
        tail["bad_index"] = 0
        if tail["valid"]:
            for i in range(PAGE_SIZE // self.page_size):
                why = self.pristine(raw, i * self.page_size, tail["order"], full_init,
                                    tail["node"], tail["zone"])
                if why:
                    tail.update(valid=False, problem=why, bad_index=i)
                    break
        entry = self.entry_by_frame.get(tail["frame"])
        tail["in_vmemmap_tails"] = entry is not None
        if self.v3 and entry is not None:
            tail["node"] = entry[0]
        tail["frame_node"] = None
        try:
            fp = self.parse(self.prog.read(self.pfn_vaddr(tail["frame"] // PAGE_SIZE), self.page_size))
            tail["frame_node"] = self.node_of(fp["flags"])
            if self.v3 and entry is None:
                tail["node"] = tail["frame_node"]
        except FaultError:
            pass

    def check_tail_fits(self, folio, tail, tail_vaddr, nr_pages):
        if not tail["order"]:
            return
        args = dict(head_pfn=folio["pfn"], head_vaddr=self.pfn_vaddr(folio["pfn"]),
                    frame=tail["frame"], tail_vaddr=tail_vaddr)
        if tail["order"] != folio["order"]:
            self.finding("tail-wrong-order", 3,
                         "%u tail vmemmap pages of the order-%u hugetlb folio at pfn 0x%x map the "
                         "shared tail page for order %u at physical 0x%x: compound_head() of those "
                         "tails returns a wrong head" % (nr_pages, folio["order"], folio["pfn"],
                                                         tail["order"], tail["frame"]), **args)
        elif (not self.v3 or tail["frame_node"] is not None) and tail["node"] != folio["node"]:
            self.finding("tail-cross-node", 2,
                         "%u tail vmemmap pages of the hugetlb folio at pfn 0x%x on node %u map the "
                         "shared tail page of node %u at physical 0x%x: those tails report the wrong "
                         "node and every access is remote" % (nr_pages, folio["pfn"], folio["node"],
                                                             tail["node"], tail["frame"]), **args)
        elif not self.v3 and tail["zone"] != folio["zone"]:
            self.finding("tail-cross-zone", 2,
                         "%u tail vmemmap pages of the hugetlb folio at pfn 0x%x in zone %s map the "
                         "shared tail page of zone %s at physical 0x%x: page_zone() of those tails is "
                         "wrong" % (nr_pages, folio["pfn"], self.zone_name(folio["zone"]),
                                    self.zone_name(tail["zone"]), tail["frame"]), **args)

    def check_shared_tails(self):
        for tail in self.tails.values():
            self.describe_tail(tail)
            if not tail["valid"] and tail["order"]:
                self.finding("shared-tail-corrupt", 3,
                             "struct page %u of the shared tail page at physical 0x%x (used by %u "
                             "folios) is not what the kernel writes: %s; every tail of those folios "
                             "reads it" % (tail["bad_index"], tail["frame"], tail["nr_folios"],
                                           tail["problem"]),
                             frame=tail["frame"],
                             struct_page_paddr=tail["frame"] + tail["bad_index"] * self.page_size)
            elif not tail["valid"]:
                self.finding("shared-tail-corrupt", 3,
                             "the page at physical 0x%x that %u folios map their tails to holds no "
                             "tail struct pages: %s" % (tail["frame"], tail["nr_folios"], tail["problem"]),
                             frame=tail["frame"])
            if (not self.v3 and tail["frame_node"] is not None and tail["valid"] and
                    tail["frame_node"] != tail["node"]):
                self.finding("vmemmap-tails-misplaced", 1,
                             "shared tail page at physical 0x%x for node %u lives on node %u: every "
                             "tail access of its folios is remote" % (tail["frame"], tail["node"],
                                                                     tail["frame_node"]),
                             frame=tail["frame"],
                             frame_page_vaddr=self.pfn_vaddr(tail["frame"] // PAGE_SIZE))
        for folio in self.folios:
            if folio["state"] == SHARED_TAIL and folio["tail_frame"] in self.tails:
                self.check_tail_fits(folio, self.tails[folio["tail_frame"]],
                                     self.pfn_vaddr(folio["pfn"]) + PAGE_SIZE, folio["nr_vmemmap"] - 1)
        for folio, frame, va, count in self.deviations:
            other = self.tails.get(frame)
            if other is None:
                other = {"frame": frame, "nr_folios": 0}
                self.describe_tail(other)
            if other["order"] and frame != folio["head_frame"]:
                self.check_tail_fits(folio, other, va, count)
            else:
                self.finding("vmemmap-mixed", 2,
                             "%u tail vmemmap pages of the hugetlb folio at pfn 0x%x map physical 0x%x, "
                             "which is %s, while the rest map 0x%x: those tails read the wrong struct "
                             "pages" % (count, folio["pfn"], frame,
                                        "the folio's own head page" if frame == folio["head_frame"]
                                        else "not a tail page", folio["tail_frame"]),
                             head_pfn=folio["pfn"], head_vaddr=self.pfn_vaddr(folio["pfn"]),
                             frame=frame, tail_vaddr=va)

    def check_tail_entries(self):
        for node, zone, order, frame, entry_vaddr in self.entries:
            tail = self.tails.get(frame)
            addrs = dict(frame_page_vaddr=self.pfn_vaddr(frame // PAGE_SIZE), frame=frame,
                         entry_vaddr=entry_vaddr, pfn=frame // PAGE_SIZE)
            if tail is not None:
                if (self.v3 and tail["frame_node"] is not None and tail["frame_node"] != node):
                    self.finding("vmemmap-tails-misplaced", 1,
                                 "vmemmap_tails[%u] of node %u points to the page at physical 0x%x on "
                                 "node %d: every tail access of its folios is remote" % (
                                     order - VMEMMAP_TAIL_MIN_ORDER, node, frame, tail["frame_node"]),
                                 **addrs)
                continue
            tail = self.tails[frame] = {"frame": frame, "nr_folios": 0}
            self.describe_tail(tail)
            if self.v3:
                tail["node"], tail["order"] = node, order
            self.finding("vmemmap-tails-unused", 0,
                         "vmemmap_tails[%u] of node %u%s (order %u) names the page at physical 0x%x "
                         "but no hugetlb folio maps it: a page spent for nothing" % (
                             order - VMEMMAP_TAIL_MIN_ORDER, node,
                             "" if self.v3 else " zone " + self.zone_name(zone), order, frame),
                         **addrs)

    def check_hstates(self):
        found = collections.Counter((f["node"], f["order"]) for f in self.folios)
        counted = set()
        for node, order, count in self.hstates:
            counted.add((node, order))
            if found[(node, order)] != count:
                self.finding("hstate-count-mismatch", 1,
                             "the kernel counts %u order-%u huge pages on node %u (hstate "
                             "nr_huge_pages_node), the memmap holds %u hugetlb folios of that order "
                             "there" % (count, order, node, found[(node, order)]))
        for (node, order), count in sorted(found.items()):
            if (node, order) not in counted:
                self.finding("hstate-count-mismatch", 1,
                             "the memmap holds %u order-%u hugetlb folios on node %u but no hstate "
                             "counts any there" % (count, order, node))

    def check_alignment(self):
        if self.legacy or self.max_folio_order is None:
            return
        align = (1 << self.max_folio_order) * self.page_size
        if self.vmemmap_base % align == 0:
            return
        bad = [f["pfn"] for f in self.folios
               if self.pfn_vaddr(f["pfn"]) & ~self.tail_mask(f["order"]) & ~1]
        self.finding("memmap-misaligned", 3 if bad else 1,
                     "the memmap at 0x%x is not aligned to 0x%x (MAX_FOLIO_ORDER struct pages): %u "
                     "hugetlb folios have heads the tail mask cannot reach, so compound_head() of "
                     "their tails is wrong" % (self.vmemmap_base, align, len(bad)),
                     vmemmap_base=self.vmemmap_base, **({"first_bad_head_pfn": bad[0]} if bad else {}))

    def zone_name(self, z):
        return self.zone_names.get(z, str(z))

    # -- everything ---------------------------------------------------------
    def run(self):
        self.tails = collections.OrderedDict()
        self.head_frames = {}
        self.deviations = []
        self.walk_vmemmap()
        self.read_state()
        self.entry_by_frame = {e[3]: e for e in self.entries}
        self.find_folios()
        for folio in self.folios:
            self.classify(folio)
        self.check_shared_tails()
        self.check_tail_entries()
        self.check_hstates()
        self.check_alignment()
        self.count_savings()

    def count_savings(self):
        rows = {}

        def row(node, zone, order):
            r = rows.get((node, zone, order))
            if r is None:
                r = rows[(node, zone, order)] = {"folios": 0, "optimized": 0, "per_folio": 0,
                                                 "saved": 0, "shared": 0}
            return r

        for f in self.folios:
            r = row(f["node"], f["zone"], f["order"])
            r["folios"] += 1
            r["per_folio"] = f["nr_vmemmap"]
            if f["state"] in (SHARED_TAIL, FAKE_HEADS):
                r["optimized"] += 1
                r["saved"] += f["nr_vmemmap"] - 1
        for t in self.tails.values():
            r = row(t["node"], t["zone"], t["order"])
            r["shared"] += 1
            if not r["per_folio"] and t["order"]:
                r["per_folio"] = (1 << t["order"]) * self.page_size // PAGE_SIZE
        self.rows = sorted(rows.items())

    def print_report(self, out):
        prog = self.prog
        states = collections.Counter(f["state"] for f in self.folios)
        out.write("kernel     %s\n" % prog["init_uts_ns"].name.release.string_().decode())
        out.write("generation %s (%s in DWARF)\n" % (
            self.generation, "page.compound_head" if self.legacy else
            ("pglist_data.vmemmap_tails" if self.v3 else "page.compound_info, zone.vmemmap_tails")))
        out.write("hugetlb    %u folios: %u not optimised, %u HVO with shared tails, %u HVO with fake "
                  "heads, %u broken\n" % (len(self.folios), states[NOT_OPTIMIZED], states[SHARED_TAIL],
                                          states[FAKE_HEADS], states[BROKEN]))
        out.write("hstates    %u huge pages counted by the kernel (hstates)\n"
                  % sum(c for _, _, c in self.hstates))
        s = self.vm_stats
        out.write("vmemmap    %u pages mapped, %u page-table pages read, %u PTE tables, %u leaf "
                  "mappings\n\n" % (s["pages"], len(self.pt.tables), s["pte_tables"], s["leaves"]))
        out.write("%-4s %-7s %-5s %8s %9s %8s %11s %7s %14s\n" % (
            "node", "zone", "size", "folios", "optimised", "vmemmap", "pages_saved", "shared",
            "net_saved"))
        tot = collections.Counter()
        for (node, zone, order), r in self.rows:
            out.write("%-4u %-7s %-5s %8u %9u %8u %11u %7u %12d B\n" % (
                node, self.zone_name(zone), size_label(order), r["folios"], r["optimized"],
                r["per_folio"], r["saved"], r["shared"], (r["saved"] - r["shared"]) * PAGE_SIZE))
            for k in ("folios", "optimized", "saved", "shared"):
                tot[k] += r[k]
        out.write("%-4s %-7s %-5s %8u %9u %8s %11u %7u %12d B\n" % (
            "all", "", "", tot["folios"], tot["optimized"], "", tot["saved"], tot["shared"],
            (tot["saved"] - tot["shared"]) * PAGE_SIZE))
        memmap = sum(f["nr_vmemmap"] for f in self.folios)
        if memmap:
            out.write("HVO freed %u of %u hugetlb vmemmap pages (%.1f%%)\n"
                      % (tot["saved"], memmap, 100.0 * tot["saved"] / memmap))
        if self.counters:
            counted = sum(self.counters)
            implied = s["pages"] - tot["saved"]
            out.write("kernel counts %d memmap pages (nr_memmap_pages %d + nr_memmap_boot_pages %d, "
                      "via DWARF); vmemmap maps %u - %u freed = %d: %s\n" % (
                          counted, self.counters[0], self.counters[1], s["pages"], tot["saved"],
                          implied, "consistent" if counted == implied else "DIFFERENT"))
        out.write("\n")
        if not self.findings:
            out.write("no findings\n")
        for severity, id, message, addresses in self.findings:
            out.write("%-8s %s: %s\n" % (SEVERITIES[severity], id, message))
            for name, value in addresses.items():
                out.write("         %s=0x%x\n" % (name, value))
        for note in self.notes:
            out.write("note: %s\n" % note)
        return tot


def has_member(type_, name):
    return type_.has_member(name)    # anonymous unions and structs included


def size_label(order):
    size = (1 << order) * PAGE_SIZE
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if size >= 1 << shift and size % (1 << shift) == 0:
            return "%d%s" % (size >> shift, unit)
    return str(size)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vmlinux", required=True, help="the kernel's -dbg vmlinux (DWARF)")
    parser.add_argument("dump")
    args = parser.parse_args()
    try:
        prog, info = open_program(args.dump, args.vmlinux)
    except Exception as e:      # drgn and libkdumpfile raise plain Exception too
        sys.stderr.write("peer_drgn: cannot open '%s' with drgn %s: %s\n"
                         % (args.dump, drgn.__version__, e))
        return 2
    try:
        peer = Peer(prog, info)
        peer.run()
    except (drgn.FaultError, drgn.MissingDebugInfoError, LookupError, ValueError, OSError) as e:
        sys.stderr.write("peer_drgn: %s: %s\n" % (args.dump, e))
        return 2
    peer.print_report(sys.stdout)
    return 1 if peer.findings else 0


if __name__ == "__main__":
    sys.exit(main())
