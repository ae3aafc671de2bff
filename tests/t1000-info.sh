#!/bin/sh
# info and vmcoreinfo on generated dumps of every generation, and bad dumps.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

for gen in legacy v3 merged; do
	test_expect_success "info names the $gen generation and its evidence" '
		mkvmcore --generation '$gen' --nodes 2 --mem-per-node 1G -o '$gen'.elf &&
		hvoinspect info '$gen'.elf >out &&
		grep "^generation  *'$gen'  \[" out &&
		grep "^architecture  *x86_64 " out &&
		grep "^page size  *4096 " out &&
		grep "^sizeof(struct page)  *64  \[VMCOREINFO SIZE(page)\]" out &&
		grep "^dump format  *elf " out
	'
done

test_expect_success 'legacy evidence is OFFSET(page.compound_head), mask evidence compound_info' '
	hvoinspect info legacy.elf | grep "generation .*OFFSET(page.compound_head)=8" &&
	hvoinspect info merged.elf | grep "generation .*OFFSET(page.compound_info)=8" &&
	hvoinspect info v3.elf | grep "generation .*< 7.1 (the v3 posting)"
'

test_expect_success 'info --json carries the same facts with sources' '
	hvoinspect --json info merged.elf >out.json &&
	python3 -c "
import json, sys
d = json.load(open(\"out.json\"))
assert d[\"schema\"] == 1 and d[\"command\"] == \"info\", d
f = d[\"facts\"]
assert f[\"generation\"][\"value\"] == \"merged\", f
assert f[\"struct_page_size\"][\"value\"] == 64
assert f[\"arch\"][\"value\"] == \"x86_64\"
assert f[\"vmemmap_base\"][\"value\"] == \"0xffffea0000000000\"
assert f[\"pgtable_levels\"][\"value\"] == 4
assert \"VMCOREINFO\" in f[\"release\"][\"source\"]
"
'

test_expect_success '5-level page tables are recognised' '
	mkvmcore --generation merged --levels 5 -o l5.elf &&
	hvoinspect info l5.elf >out &&
	grep "^page-table levels  *5 " out &&
	grep "^vmemmap base  *0xffd4000000000000 " out
'

test_expect_success 'vmcoreinfo prints the note exactly as written' '
	hvoinspect vmcoreinfo merged.elf >note &&
	grep -x "OFFSET(page.compound_info)=8" note &&
	grep -x "SIZE(page)=64" note &&
	mkvmcore --generation merged --vmcoreinfo note -o again.elf &&
	hvoinspect vmcoreinfo again.elf >note2 &&
	test_cmp note note2
'

test_expect_success 'a hostile VMCOREINFO line is a warning, not a crash' '
	hvoinspect vmcoreinfo merged.elf >note &&
	printf "GARBAGE WITHOUT EQUALS\n" >>note &&
	mkvmcore --generation merged --vmcoreinfo note -o hostile.elf &&
	hvoinspect info hostile.elf >out &&
	grep "^warning: VMCOREINFO line [0-9]*: no .=. in .GARBAGE WITHOUT EQUALS." out
'

# Debian's experimental kernels call themselves "7.3-amd64"; libkdumpfile
# 0.5.1 wants MAJOR.MINOR.PATCH and refused to translate at all.
test_expect_success 'a release without a patch level (7.3-amd64): analysed, the correction said' '
	hvoinspect vmcoreinfo merged.elf | sed "s/^OSRELEASE=.*/OSRELEASE=7.3-amd64/" >note &&
	for format in elf kdump; do
		mkvmcore --generation merged --vmcoreinfo note --format $format -o rc.$format \
			--truth truth.json &&
		hvoinspect info rc.$format >out &&
		grep "^kernel release  *7.3-amd64 " out &&
		grep "^correction  *kernel version 7.3.0 taken from release .7.3-amd64., which libkdumpfile cannot parse " out &&
		grep "^generation  *merged " out &&
		hvoinspect --deep --json report rc.$format >report.json &&
		python3 "$top_srcdir/tests/truthcmp.py" truth.json report.json || return 1
	done
'

test_expect_success 'a release that starts with no version: exit 2, says which' '
	hvoinspect vmcoreinfo merged.elf | sed "s/^OSRELEASE=.*/OSRELEASE=custom-kernel/" >note &&
	mkvmcore --generation merged --vmcoreinfo note -o custom.elf &&
	test_expect_code 2 hvoinspect info custom.elf >out 2>err &&
	test_must_be_empty out &&
	grep "^hvoinspect: .custom.elf.: kernel release .custom-kernel. does not start with MAJOR.MINOR$" err
'

# Found by fuzz_dump (LeakSanitizer): info leaked the error of a key
# written twice with different values; CI's ASan stage runs this.
test_expect_success 'a BUILD-ID written twice with different values: no build id, no leak' '
	hvoinspect vmcoreinfo merged.elf >note &&
	echo "BUILD-ID=0123456789abcdef0123456789abcdef01234567" >>note &&
	mkvmcore --generation merged --vmcoreinfo note -o dupid.elf &&
	hvoinspect info dupid.elf >out &&
	! grep "^build id " out &&
	grep "DWARF: not used: VMCOREINFO BUILD-ID is written 2 times with different values" out
'

# libkdumpfile 0.5.1 runs a hash past the end of memory on a VMCOREINFO key
# that starts with '.' (found by fuzz_dump): refused before it parses.
test_expect_success 'a VMCOREINFO line starting with a dot: refused before libkdumpfile, exit 2' '
	hvoinspect vmcoreinfo merged.elf >note &&
	echo ".descs)=8" >>note &&
	line=$(wc -l <note) &&
	for format in elf kdump; do
		mkvmcore --generation merged --vmcoreinfo note --format $format -o dot.$format &&
		test_expect_code 2 hvoinspect info dot.$format >out 2>err &&
		test_must_be_empty out &&
		grep "^hvoinspect: .dot.$format.: corrupt VMCOREINFO: line $line starts with .\.., which libkdumpfile cannot file$" err ||
		return 1
	done
'

test_expect_success 'dump without VMCOREINFO: exit 2, one line' '
	mkvmcore --generation merged --no-vmcoreinfo -o novi.elf &&
	test_expect_code 2 hvoinspect info novi.elf >out 2>err &&
	test_must_be_empty out &&
	test $(wc -l <err) -eq 1 &&
	grep "^hvoinspect: .novi.elf.: dump has no VMCOREINFO" err
'

test_expect_success 'unsupported architecture: exit 2, names it' '
	mkvmcore --generation merged --e-machine 183 --no-prstatus -o arm.elf &&
	test_expect_code 2 hvoinspect info arm.elf >out 2>err &&
	test_must_be_empty out &&
	echo "hvoinspect: '"'"'arm.elf'"'"': unsupported architecture '"'"'aarch64'"'"' (hvoinspect handles x86_64)" >expect &&
	test_cmp expect err
'

test_expect_success 'VMCOREINFO without SIZE(page): exit 2, names the key' '
	hvoinspect vmcoreinfo merged.elf | grep -v "^SIZE(page)=" >note &&
	mkvmcore --generation merged --vmcoreinfo note -o nosize.elf &&
	test_expect_code 2 hvoinspect info nosize.elf 2>err &&
	grep "^hvoinspect: .nosize.elf.: VMCOREINFO has no SIZE(page)$" err
'

# The scan reads whole vmemmap pages as whole struct pages: a base off a
# page boundary or a struct page size that does not divide the page made it
# read past the page (found by fuzz_dump, under ASan).
test_expect_success 'VMCOREINFO SYMBOL(vmemmap) off a page boundary: exit 2, says so' '
	mkvmcore --generation legacy -o legacy.elf &&
	hvoinspect vmcoreinfo legacy.elf | sed "s/^SYMBOL(vmemmap)=ffffea0000000000$/SYMBOL(vmemmap)=ffffea0000000100/" >note &&
	grep -qx "SYMBOL(vmemmap)=ffffea0000000100" note &&
	mkvmcore --generation legacy --vmcoreinfo note -o offbase.elf &&
	test_expect_code 2 hvoinspect --deep report offbase.elf 2>err &&
	grep "^hvoinspect: .offbase.elf.: VMCOREINFO SYMBOL(vmemmap)=0xffffea0000000100 is not page-aligned$" err
'

test_expect_success 'legacy dump with an 80-byte struct page: refused, not scanned' '
	hvoinspect vmcoreinfo legacy.elf | sed "s/^SIZE(page)=64$/SIZE(page)=80/" >note &&
	grep -qx "SIZE(page)=80" note &&
	mkvmcore --generation legacy --vmcoreinfo note -o size80.elf &&
	{ hvoinspect --deep report size80.elf >out 2>err; test $? -ge 2; } &&
	grep "struct page of 80 bytes is not a power of two" err
'

for n in 64 1000 5000 60000; do
	test_expect_success "ELF dump truncated to $n bytes: exit 2, says truncated" '
		head -c '$n' merged.elf >cut'$n'.elf &&
		test_expect_code 2 hvoinspect report cut'$n'.elf >out 2>err &&
		test_must_be_empty out &&
		test $(wc -l <err) -eq 1 &&
		grep "^hvoinspect: .cut'$n'.elf.: .*truncated" err
	'
done

test_expect_success 'the dump file is never modified' '
	sha256sum merged.elf >before &&
	hvoinspect info merged.elf >/dev/null &&
	hvoinspect report merged.elf >/dev/null;
	hvoinspect vmcoreinfo merged.elf >/dev/null &&
	sha256sum -c before
'

test_done
