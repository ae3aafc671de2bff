#!/bin/sh
# A dump that shrinks while it is open.  ELF dumps are mapped (faster than
# libkdumpfile's read(2) path), so reading past the new end is a SIGBUS:
# the guard names the file and exits 2.  kdump-compressed dumps are read,
# and a short read comes back as zeros: the size check turns that into an
# error instead of an answer.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

SHRINK=${SHRINK:-$top_builddir/tests/dump_shrink}
test_require_prog "$SHRINK"

test_expect_success 'setup: an ELF and a kdump dump' '
	mkvmcore --generation merged --nodes 1 --mem-per-node 1G --hugepages-2m 2 -o d.elf &&
	mkvmcore --generation merged --nodes 1 --mem-per-node 1G --hugepages-2m 2 \
		--format kdump -o d.kdump
'

# shrink DUMP MODE [last]: run dump_shrink on a copy cut to its first 4 KiB,
# reading a page the dump holds (the first one info reads, or the last one
# report reads).
shrink() {
	cp "$1" shrinking &&
	if [ "${3:-}" = last ]; then
		HVOINSPECT_READ_LOG=pfns hvoinspect report shrinking >/dev/null &&
		pfn=$(tail -n 1 pfns)
	else
		HVOINSPECT_READ_LOG=pfns hvoinspect info shrinking >/dev/null &&
		pfn=$(head -n 1 pfns)
	fi &&
	{ "$SHRINK" shrinking 4096 $((pfn * 4096)) "$2" >out 2>err; status=$?; } &&
	cat err
}

test_expect_success 'ELF truncated while open: the SIGBUS guard names it, exit 2' '
	shrink d.elf read &&
	test $status -eq 2 &&
	grep -q "^hvoinspect: '"'"'shrinking'"'"': the file ended under a read (truncated or changed while open)$" err &&
	test ! -s out
'

test_expect_success 'kdump truncated while open: the read is refused, not zeros' '
	shrink d.kdump read &&
	test $status -eq 1 &&
	grep -q "^dump_shrink: '"'"'shrinking'"'"': the file changed size while open ([0-9]* -> 4096 bytes); what was read from it cannot be trusted$" err &&
	test ! -s out
'

# libkdumpfile < 0.5.5 would keep every mapped window of a large ELF dump, so
# past 16 GiB hvoinspect reads it like a kdump file (dump.c, limit_mapping):
# past the windows mapped while opening (the headers' 4 MiB), no SIGBUS but
# the size check.  Later versions map it whole, and the SIGBUS guard answers.
test_expect_success 'large ELF truncated while open: the read is refused, not zeros' '
	mkvmcore --generation merged --nodes 2 --mem-per-node 16G --hugepages-2m 2 -o big.elf &&
	shrink big.elf read last &&
	if printf "0.5.5\n%s\n" "${HVO_KDUMPFILE_VERSION:?}" | sort -V -C; then
		test $status -eq 2 &&
		grep -q "^hvoinspect: '"'"'shrinking'"'"': the file ended under a read (truncated or changed while open)$" err
	else
		test $status -eq 1 &&
		grep -q "^dump_shrink: '"'"'shrinking'"'"': the file changed size while open ([0-9]* -> 4096 bytes); what was read from it cannot be trusted$" err
	fi &&
	test ! -s out &&
	rm -f big.elf shrinking
'

# vtop reads page tables outside the analysis; libkdumpfile may answer from
# its cache, but the file under it changed: an error, not a translation.
test_expect_success 'kdump truncated before vtop: the command fails, exit 2' '
	cp d.kdump shrinking &&
	{ "$SHRINK" shrinking 4096 cmd vtop init_top_pgt >out 2>err; status=$?; } &&
	cat err &&
	test $status -eq 2 &&
	grep -q "^hvoinspect: '"'"'shrinking'"'"': the file changed size while open ([0-9]* -> 4096 bytes)" err &&
	! grep -q "physical" out
'

# info read kallsyms and BTF after the file shrank, noted the failures as
# "type information: not used" and exited 0; every command now checks.
test_expect_success 'kdump truncated before info: the command fails, exit 2' '
	cp d.kdump shrinking &&
	{ "$SHRINK" shrinking 4096 cmd info >out 2>err; status=$?; } &&
	cat err &&
	test $status -eq 2 &&
	grep -q "^hvoinspect: '"'"'shrinking'"'"': the file changed size while open ([0-9]* -> 4096 bytes)" err
'

test_expect_success 'kdump unchanged: the same vtop command answers' '
	cp d.kdump shrinking &&
	size=$(wc -c <d.kdump) &&
	"$SHRINK" shrinking $size cmd vtop init_top_pgt >out &&
	grep -q " -> physical 0x" out
'

test_done
