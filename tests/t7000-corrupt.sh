#!/bin/sh
# Corrupted dumps: random flips, broken headers, zeroed blocks, truncation
# and page-table garbage.  Whatever the damage, hvoinspect must answer with
# a documented exit status (0-3) within a time limit, never crash, hang or
# trip a sanitizer, and never print a partial result on a fatal error.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

CASES=${HVO_CORRUPT_CASES:-8}

test_expect_success 'setup: ELF and kdump dumps of a merged and a legacy host' '
	mkvmcore --generation merged --nodes 2 --mem-per-node 2G --hugepages-2m 4 \
		--hugepages-1g-boot 1 --thp 1 --compound 1 -o merged.elf &&
	mkvmcore --generation legacy --nodes 1 --mem-per-node 2G --hugepages-2m 4 -o legacy.elf &&
	hvoinspect slice merged.elf merged.kdump >/dev/null
'

# ("ptes" also points entries at their own page, so tables loop and alias.)
# run_one FILE: exit status must be documented, no crash, no sanitizer report,
# no stdout when the status says the dump could not be read.
run_one() {
	timeout 60 "$HVOINSPECT" --json -c "report; folios; tails" "$1" >out 2>err
	status=$?
	if [ $status -gt 3 ]; then
		echo "exit status $status on $1"; cat err; return 1
	fi
	if grep -q "Sanitizer\|runtime error" err; then
		echo "sanitizer report on $1"; cat err; return 1
	fi
	# The file does not change here: a read past its end is a check missing.
	if grep -q "the file ended under a read" err; then
		echo "SIGBUS guard on $1 (a read past the end was not refused up front)"
		cat err; return 1
	fi
	if [ $status -eq 2 ] && [ -s out ] && ! grep -q "^{" out; then
		echo "non-JSON output with a fatal error on $1"; return 1
	fi
	return 0
}

# Targeted: what libkdumpfile reads must be what was checked.
test_expect_success 'kdump with the DISKDUMP signature: read like KDUMP' '
	python3 "$top_srcdir/tests/corrupt.py" merged.kdump disk.kdump diskdump 0 &&
	hvoinspect --json report merged.kdump >a.json &&
	hvoinspect --json report disk.kdump >b.json &&
	test_cmp a.json b.json
'

# Its page cannot be read (as one whose data is damaged); what needs it is
# incomplete (exit 3) or, if the report cannot go on, refused (exit 2).
test_expect_success 'DISKDUMP signature and a descriptor of 3 pages: its page refused' '
	python3 "$top_srcdir/tests/corrupt.py" merged.kdump diskpd.kdump diskdump-pd 0 &&
	{ hvoinspect report diskpd.kdump >out 2>err; status=$?; } &&
	{ test $status = 2 || test $status = 3; } &&
	grep "corrupt kdump-compressed dump: page descriptor 0 has 12288 bytes" out err
'

# The count comes from libkdumpfile's page map, the bitmap popcounted here.
test_expect_success 'kdump cut in its descriptor table: refused with their count, exit 2' '
	python3 "$top_srcdir/tests/corrupt.py" merged.kdump pdcut.kdump pd-cut 0 >counts &&
	read count offset <counts && test "$count" -gt 100 &&
	test_expect_code 2 hvoinspect report pdcut.kdump >out 2>err &&
	test_must_be_empty out &&
	size=$(wc -c <pdcut.kdump) &&
	grep "^hvoinspect: .pdcut.kdump.: corrupt or truncated kdump-compressed dump: $count page descriptors at $offset end past the end of the file ($size bytes)\$" err
'

# Descriptors are checked a chunk of 4096 at a time, when a page of the chunk
# is first read: a file that stores every page (as QEMU's dumps do) opens in
# the time its bitmap takes, not in 24 bytes per page.
test_expect_success 'setup: a kdump file that stores every page' '
	mkvmcore --generation merged --format kdump --store-all yes --nodes 2 \
		--mem-per-node 4G --hugepages-2m 8 -o all.kdump &&
	HVOINSPECT_READ_LOG=read.log hvoinspect --json report all.kdump >all.json &&
	test -s read.log
'

test_expect_success 'a bad descriptor of a page the report reads: refused when read, exit 2' '
	index=$(python3 "$top_srcdir/tests/corrupt.py" all.kdump pdread.kdump pd-read read.log) &&
	test "$index" -gt 4096 &&
	test_expect_code 2 hvoinspect report pdread.kdump >out 2>err &&
	test_must_be_empty out &&
	grep "^hvoinspect: .pdread.kdump.: corrupt kdump-compressed dump: page descriptor $index has 12288 bytes" err
'

# Checked a chunk at a time, refused one descriptor at a time.
test_expect_success 'a bad descriptor beside pages the report reads: the same report' '
	python3 "$top_srcdir/tests/corrupt.py" all.kdump pdnear.kdump pd-neighbour read.log &&
	hvoinspect --json report pdnear.kdump >near.json &&
	test_cmp all.json near.json
'

test_expect_success 'a bad descriptor of a page nothing reads: the same report' '
	python3 "$top_srcdir/tests/corrupt.py" all.kdump pdunread.kdump pd-unread read.log &&
	hvoinspect --json report pdunread.kdump >unread.json &&
	test_cmp all.json unread.json
'

test_expect_success 'a header libkdumpfile would read in the 32-bit layout: refused, exit 2' '
	python3 "$top_srcdir/tests/corrupt.py" merged.kdump l32.kdump layout32 0 &&
	test_expect_code 2 hvoinspect report l32.kdump >out 2>err &&
	test_must_be_empty out &&
	grep "^hvoinspect: .l32.kdump.: kdump-compressed dump whose header reads as the 32-bit little-endian layout" err
'

test_expect_success 'ELF section headers of 0 bytes: refused before libkdumpfile, exit 2' '
	python3 "$top_srcdir/tests/corrupt.py" merged.elf shdrs.elf elf-shdrs 0 &&
	test_expect_code 2 hvoinspect report shdrs.elf >out 2>err &&
	test_must_be_empty out &&
	grep "^hvoinspect: .shdrs.elf.: corrupt ELF dump: 0 program and 64 section headers, where libelf counts" err ||
	grep "^hvoinspect: .shdrs.elf.: corrupt ELF dump: program and section header entries of 56 and 0 bytes" err
'

# Frames of the memmap left out (as a filter would): the scan skips to the
# next stored frame instead of probing every page, and still finds every
# folio stored after the holes.  HVO off keeps the folios' struct pages in
# the one memmap run the holes cut (they sit at the top of memory).
test_expect_success 'memmap frames left out: incomplete, and every stored folio found' '
	for gen in merged legacy; do
		mkvmcore --generation $gen --nodes 1 --mem-per-node 1G --hugepages-2m 4 \
			--hvo off -o off.elf &&
		python3 "$top_srcdir/tests/corrupt.py" off.elf holes.elf elf-holes 0 &&
		hvoinspect --json --deep folios off.elf >all.json &&
		{ hvoinspect --json --deep folios holes.elf >holes.json; test $? -eq 3; } &&
		python3 -c "
import json
full = json.load(open(\"all.json\"))[\"folios\"]
part = json.load(open(\"holes.json\"))
assert part[\"incomplete\"], part[\"notes\"]
assert any(\"is not in the dump\" in n for n in part[\"notes\"]), part[\"notes\"]
assert len(full) == 4 and part[\"folios\"] == full, (part[\"folios\"], full)
" || return 1
	done
'

test_expect_success 'an incomplete report says so on its first line, not only in a note' '
	mkvmcore --generation merged --nodes 1 --mem-per-node 1G --hugepages-2m 4 \
		--hvo off -o off2.elf &&
	python3 "$top_srcdir/tests/corrupt.py" off2.elf holes2.elf elf-holes 0 &&
	test_expect_code 3 hvoinspect report holes2.elf >out &&
	head -n 1 out | grep "^INCOMPLETE pages the analysis needs could not be read" &&
	hvoinspect report off2.elf >full &&
	! grep INCOMPLETE full
'

for base in merged.elf merged.kdump legacy.elf; do
	for mode in flip header zero truncate ptes; do
		test_expect_success "$base: $CASES cases of '$mode' give a documented answer" '
			i=0 &&
			while [ $i -lt '"$CASES"' ]; do
				python3 "$top_srcdir/tests/corrupt.py" '"$base"' bad '"$mode"' $i &&
				run_one bad || exit 1
				i=$((i + 1))
			done
		'
	done
done

test_done
