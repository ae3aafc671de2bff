#!/bin/sh
# The analysis against the generator's ground truth: healthy dumps of every
# generation, and every fault alone and combined.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
TRUTHCMP="python3 $top_srcdir/tests/truthcmp.py"

# A small host: 2 nodes, 2 MiB pages boot-time and runtime (some in use,
# some left unoptimised), a boot 1 GiB page per node, THP and slab-like
# compound pages.
base="--nodes 2 --mem-per-node 4G --hugepages-2m 8 --hugepages-2m-boot 2"
base="$base --hugepages-1g-boot 1 --in-use-2m 3 --no-hvo-2m 2 --thp 2 --compound 2"

# check NAME GENERATION [MKVMCORE OPTIONS] [-- TRUTHCMP OPTIONS]
check() {
	name=$1 gen=$2
	shift 2
	mk="" cmp=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do mk="$mk $1"; shift; done
	[ $# -gt 0 ] && shift && cmp="$*"
	test_expect_success "$gen: $name matches the ground truth" '
		mkvmcore --generation '"$gen"' '"$base $mk"' -o d.elf --truth truth.json &&
		{ hvoinspect --deep --json report d.elf >report.json; test $? -le 1; } &&
		$TRUTHCMP truth.json report.json '"$cmp"'
	'
}

for gen in legacy v3 merged; do
	check "healthy dump" $gen
	check "healthy dump with HVO off" $gen --hvo off
	check "5-level page tables" $gen --levels 5
	check tail-writable $gen --faults tail-writable
	check head-shared $gen --faults head-shared
	check head-readonly $gen --faults head-readonly
	check hvo-flag-mismatch $gen --faults hvo-flag-mismatch
done
# Over 16 GiB, ELF dumps are read, not mapped (libkdumpfile < 0.5.5).
check "32 GiB host" merged --mem-per-node 16G
check "32 GiB host as a kdump file" merged --mem-per-node 16G --format kdump
for gen in v3 merged; do
	check tail-wrong-order $gen --faults tail-wrong-order
	check tail-cross-node $gen --faults tail-cross-node
	check shared-tail-corrupt $gen --faults shared-tail-corrupt
	check fake-heads-on-mask-kernel $gen --faults fake-heads-on-mask-kernel
	check memmap-misaligned $gen --faults memmap-misaligned
	check compound-bad-mask $gen --faults compound-bad-mask
	# An entry no folio maps is only visible in zone/pglist_data.vmemmap_tails[],
	# read through the BTF and kallsyms the generator writes into the dump.
	check vmemmap-tails-unused $gen --faults vmemmap-tails-unused
done
# A kernel that adds a hugetlb flag before HPG_vmemmap_optimized moves it:
# the bit comes from the dump's own BTF (enum hugetlb_page_flags).
for gen in legacy merged; do
	check "HPG_vmemmap_optimized at bit 6" $gen --hpg-vmemmap-optimized 6
	check "hvo-flag-mismatch, HPG_vmemmap_optimized at bit 6" $gen \
		--hpg-vmemmap-optimized 6 --faults hvo-flag-mismatch
done
check tail-cross-zone merged --faults tail-cross-zone
check vmemmap-tails-misplaced merged --faults vmemmap-tails-misplaced
check vmemmap-tails-misplaced v3 --faults vmemmap-tails-misplaced
check "tail faults combined" merged --faults tail-writable,tail-wrong-order,head-readonly,compound-bad-mask
check "head and flag faults combined" v3 --faults head-shared,hvo-flag-mismatch,shared-tail-corrupt
check "legacy faults combined" legacy --faults tail-writable,head-readonly,hvo-flag-mismatch

test_expect_success 'without --deep, compound tails are not read; the JSON and help say so' '
	mkvmcore --generation merged $base --faults compound-bad-mask -o c.elf &&
	hvoinspect --json report c.elf >plain.json &&
	python3 -c "
import json
d = json.load(open(\"plain.json\"))
assert not d[\"findings\"], d[\"findings\"]
assert d[\"deep\"] is False, d
assert not any(\"--deep\" in n for n in d[\"notes\"]), d[\"notes\"]
" &&
	hvoinspect help report | grep "Without --deep" &&
	test_expect_code 1 hvoinspect --deep check c.elf >/dev/null
'

test_expect_success 'a healthy report exits 0, a faulty one 1' '
	mkvmcore --generation merged $base -o ok.elf &&
	hvoinspect report ok.elf >/dev/null &&
	mkvmcore --generation merged $base --faults tail-writable -o bad.elf &&
	test_expect_code 1 hvoinspect report bad.elf >/dev/null &&
	test_expect_code 1 hvoinspect check bad.elf >/dev/null &&
	test_expect_code 0 hvoinspect --fail-on critical check bad.elf >/dev/null
'

# bench/floor reads these logs; issue 8's floor is the page tables and
# vmemmap frames alone, told apart by how they were read.
test_expect_success 'read logs: physical reads are the page tables and vmemmap frames' '
	mkvmcore --generation merged $base -o log.elf --truth log.json &&
	HVOINSPECT_READ_LOG=all HVOINSPECT_PHYS_READ_LOG=phys hvoinspect report log.elf >/dev/null &&
	python3 -c "
import json
t = json.load(open(\"log.json\"))
every = [int(l) for l in open(\"all\")]
phys = [int(l) for l in open(\"phys\")]
assert every == sorted(set(every)) and phys == sorted(set(phys)), \"not sorted and unique\"
assert set(phys) < set(every), \"physical reads are not a strict subset of all reads\"
heads = [f[\"head_vmemmap_pfn\"] for f in t[\"folios\"]
         if f[\"kind\"] == \"hugetlb\" and \"head_vmemmap_pfn\" in f]
assert len(heads) >= 8, heads
assert set(heads) <= set(phys), set(heads) - set(phys)
# The walk starts at init_top_pgt, in the kernel image.
top = (int(t[\"init_top_pgt\"], 16) - 0xffffffff80000000 + int(t[\"phys_base\"], 16)) % 2**64
assert top // 4096 in phys, top
# The node descriptor is read through its direct-map address.
pgdat = (int(t[\"nodes\"][0][\"pgdat\"], 16) - int(t[\"page_offset\"], 16)) // 4096
assert pgdat in every and pgdat not in phys, pgdat
"
'

test_expect_success 'text findings come most severe first, and broken is explained' '
	mkvmcore --generation v3 $base --faults head-shared,hvo-flag-mismatch,shared-tail-corrupt \
		-o sev.elf &&
	test_expect_code 1 hvoinspect report sev.elf >out &&
	sed -n "s/^\(critical\|error\|warning\|info\) .*/\1/p" out >order &&
	test "$(sort -u order | wc -l)" -ge 2 &&
	awk "{ r = \$1 == \"critical\" ? 3 : \$1 == \"error\" ? 2 : \$1 == \"warning\" ? 1 : 0;
		if (NR > 1 && r > last) exit 1; last = r }" order &&
	grep "^           (broken: " out
'

test_done
