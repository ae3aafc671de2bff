#!/bin/sh
# Regression on the committed real samples (slices of QEMU dumps of Debian
# kernels, vmcores/*/vmcore.slice) against what each guest kernel reported
# about itself before the dump (vmcores/*/truth.json).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

for dir in "$top_srcdir"/vmcores/*/; do
	name=$(basename "$dir")
	[ -f "$dir/vmcore.slice" ] || continue
	test_expect_success "$name: savings, folios and heads match the guest" '
		hvoinspect --json -c "report; folios" "'"$dir"'vmcore.slice" >out.jsonl &&
		python3 "$top_srcdir/tests/realcmp.py" "'"$dir"'truth.json" out.jsonl
	'
	test_expect_success "$name: VMCOREINFO in the slice is the guest's" '
		hvoinspect vmcoreinfo "'"$dir"'vmcore.slice" >note &&
		test_cmp "'"$dir"'vmcoreinfo.txt" note
	'
done

test_expect_success 'the samples look kallsyms up in the kernel'"'"'s sorted table' '
	for dir in "$top_srcdir"/vmcores/*/; do
		[ -f "$dir/vmcore.slice" ] || continue
		hvoinspect info "$dir/vmcore.slice" >out &&
		grep "kallsyms: [0-9]* symbols (.* looked up by kallsyms_seqs_of_names)" out || return 1
	done
'

test_expect_success 'the 7.2.13 sample is the merged generation, 6.12 legacy' '
	hvoinspect info "$top_srcdir/vmcores/7.2.13-deb14-hvo-on/vmcore.slice" >out &&
	grep "^generation  *merged " out &&
	hvoinspect info "$top_srcdir/vmcores/6.12.107-deb13-hvo-on/vmcore.slice" >out &&
	grep "^generation  *legacy " out
'

test_expect_success 'the 7.3 sample (release 7.3-amd64, no patch level) opens, merged, corrected' '
	hvoinspect info "$top_srcdir/vmcores/7.3-hvo-on/vmcore.slice" >out &&
	grep "^kernel release  *7.3-amd64 " out &&
	grep "^generation  *merged " out &&
	grep "^correction  *kernel version 7.3.0 taken from release .7.3-amd64." out
'

test_expect_success 'rd of nr_memmap_pages by symbol reads what the guest printed' '
	dir="$top_srcdir/vmcores/7.2.13-deb14-hvo-on" &&
	hvoinspect --json -c "vtop nr_memmap_pages; rd nr_memmap_pages 8" "$dir/vmcore.slice" >out &&
	python3 -c "
import json
lines = [json.loads(l) for l in open(\"out\")]
pte, rd = lines
assert pte[\"mapped\"] and [s[\"level\"] for s in pte[\"steps\"]] == [\"pgd\", \"pud\", \"pmd\", \"pte\"], pte
value = int.from_bytes(bytes.fromhex(rd[\"hex\"]), \"little\")
truth = json.load(open(\"$dir/truth.json\"))[\"snapshots\"][\"after\"][\"vmstat\"]
assert value == truth[\"nr_memmap_pages\"], (value, truth[\"nr_memmap_pages\"])
"
'

# resolve_btfids sorts BTF by name since 6.19: Debian's 7.x BTF is, 6.12's is not
# (unit_types_btf checks the order itself with libbpf).
test_expect_success 'the 7.x samples binary-search their name-sorted BTF, 6.12 scans' '
	for v in 7.2.13-deb14-hvo-on 7.3-hvo-on; do
		hvoinspect info "$top_srcdir/vmcores/$v/vmcore.slice" >out &&
		grep "BTF: [0-9]* bytes from the dump.s __start_BTF, [0-9]* types, sorted by name (binary search)" out ||
		return 1
	done &&
	hvoinspect info "$top_srcdir/vmcores/6.12.107-deb13-hvo-on/vmcore.slice" >out &&
	grep "BTF: [0-9]* bytes from the dump.s __start_BTF, [0-9]* types  \[" out &&
	! grep "sorted by name" out
'

# BTF's strings are read as lookups need them; a slice must keep them all.
QUERY=${QUERY:-$top_builddir/tests/unit_types_query}
test_expect_success 'a slice of the 7.2.13 sample still looks up any type in its BTF' '
	dir="$top_srcdir/vmcores/7.2.13-deb14-hvo-on" &&
	hvoinspect slice "$dir/vmcore.slice" again.kdump >/dev/null &&
	facts="size:task_struct size:sk_buff member:mm_struct.pgd member:inode.i_sb enum:NR_MEMMAP_PAGES" &&
	"$QUERY" --no-dwarf "$dir/vmcore.slice" $facts >want &&
	"$QUERY" --no-dwarf again.kdump $facts >got &&
	test $(grep -c " BTF$" want) -eq 5 &&
	test_cmp want got
'

test_expect_success 'rd of a page left out of the slice: error, exit 3, not zeros' '
	test_expect_code 3 hvoinspect rd "$top_srcdir/vmcores/7.2.13-deb14-hvo-on/vmcore.slice" init_uts_ns 2>err &&
	grep "page not in the dump (filtered out)" err
'

test_expect_success 'decode a real tail: mask order 9, head agrees' '
	hvoinspect --json folios "$top_srcdir/vmcores/7.2.13-deb14-hvo-on/vmcore.slice" >f.json &&
	head=$(python3 -c "
import json
f = [x for x in json.load(open(\"f.json\"))[\"folios\"] if x[\"order\"] == 9][0]
print(f[\"head_pfn\"] + 100)") &&
	hvoinspect --json decode "$top_srcdir/vmcores/7.2.13-deb14-hvo-on/vmcore.slice" $head >d.json &&
	python3 -c "
import json
d = json.load(open(\"d.json\"))
assert d[\"tail\"] == \"mask\" and d[\"mask_order\"] == 9, d
assert d[\"head_agrees\"] and d[\"head_pfn\"] == $head - 100, d
"
'

test_expect_success 'decode a real legacy fake head' '
	hvoinspect --json folios "$top_srcdir/vmcores/6.12.107-deb13-hvo-on/vmcore.slice" >f.json &&
	pfn=$(python3 -c "
import json
f = [x for x in json.load(open(\"f.json\"))[\"folios\"] if x[\"order\"] == 9][0]
print(f[\"head_pfn\"] + 64)") &&
	hvoinspect --json decode "$top_srcdir/vmcores/6.12.107-deb13-hvo-on/vmcore.slice" $pfn >d.json &&
	python3 -c "
import json
d = json.load(open(\"d.json\"))
assert d[\"fake_head\"] and d[\"pg_head\"], d
"
'

test_done
