#!/bin/sh
# Replay the fuzz corpora (seeds and any crash reproducers kept in
# tests/fuzz/corpus) through the fuzz targets, built with a plain driver.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

for target in vmcoreinfo dump; do
	for input in "$top_srcdir"/tests/fuzz/corpus/$target/*; do
		test_expect_success "fuzz_$target replays $(basename "$input")" '
			"$top_builddir/tests/fuzz/replay_'$target'" "'"$input"'" >out &&
			grep "^ok 1 " out
		'
	done
done

test_done
