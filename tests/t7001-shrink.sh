#!/bin/sh
# A dump that shrinks while it is open.  The dump file is mapped (faster
# than libkdumpfile's read(2) path), so reading past its new end is a
# SIGBUS: the guard must name the file and exit 2, for ELF and kdump.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

SHRINK=${SHRINK:-$top_builddir/tests/dump_shrink}
test_require_prog "$SHRINK"

test_expect_success 'setup: an ELF and a kdump dump' '
	mkvmcore --generation merged --nodes 1 --mem-per-node 1G --hugepages-2m 2 -o d.elf &&
	mkvmcore --generation merged --nodes 1 --mem-per-node 1G --hugepages-2m 2 \
		--format kdump -o d.kdump
'

for f in d.elf d.kdump; do
	test_expect_success "$f truncated while open: the guard names it, exit 2" '
		cp '$f' shrinking &&
		# A page the dump holds (one info reads), and a file cut to its first 4 KiB.
		HVOINSPECT_READ_LOG=pfns hvoinspect info shrinking >/dev/null &&
		pfn=$(head -n 1 pfns) &&
		{ "$SHRINK" shrinking 4096 $((pfn * 4096)) >out 2>err; status=$?; } &&
		cat err &&
		test $status -eq 2 &&
		grep -q "^hvoinspect: '"'"'shrinking'"'"': the file ended under a read (truncated or changed while open)$" err &&
		test ! -s out
	'
done

test_done
