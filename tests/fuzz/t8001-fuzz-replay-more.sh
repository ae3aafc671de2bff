#!/bin/sh
# Replay the corpora of the type, symbol and page-table fuzz targets
# (tests/fuzz/local.am), seeds and crash reproducers, with the plain driver.
# Reproducers of hangs are among them: an input fails after 60 s rather
# than stalling the suite.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

for target in kallsyms ksorted btf dwarf vmemmap; do
	for input in "$top_srcdir"/tests/fuzz/corpus/$target/*; do
		test_expect_success "fuzz_$target replays $(basename "$input")" '
			timeout 60 "$top_builddir/tests/fuzz/replay_'$target'" "'"$input"'" >out &&
			grep "^ok 1 " out
		'
	done
done

test_done
