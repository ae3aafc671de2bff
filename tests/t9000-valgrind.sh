#!/bin/sh
# valgrind memcheck stays clean (no invalid accesses, no leaks) on a real
# sample and on a generated dump with faults, for every command.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_require_prog valgrind

vg() {
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--suppressions="$top_srcdir/tests/valgrind.supp" "$HVOINSPECT" "$@"
}
cmds='info; vmcoreinfo; report; savings; tails; folios; decode 0x140000; check'

test_expect_success 'real 7.2.13 sample: every command clean under memcheck' '
	vg -k -c "$cmds" "$top_srcdir/vmcores/7.2.13-deb14-hvo-on/vmcore.slice" >out 2>err;
	test $? -ne 99 || { cat err; exit 1; }
'

test_expect_success 'generated legacy dump with faults: clean under memcheck' '
	mkvmcore --generation legacy --nodes 1 --mem-per-node 2G --hugepages-2m 4 \
		--faults tail-writable,head-readonly -o l.elf &&
	vg -k -c "$cmds; slice s.kdump" l.elf >out 2>err;
	test $? -ne 99 || { cat err; exit 1; }
'

test_done
