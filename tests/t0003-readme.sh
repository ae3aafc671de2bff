#!/bin/sh
# The README's examples run as written (from the top of the tree) and do
# what they say; the set-up commands name files that exist.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

sed -n '/^## Use/,/^## /s/^    hvoinspect /hvoinspect /p' "$top_srcdir/README.md" >examples
test_expect_success 'the README has examples' '
	test $(wc -l <examples) -ge 8
'

n=0
while IFS= read -r line; do
	n=$((n + 1))
	cmd=${line%%#*}
	test_expect_success "README example $n: $cmd" '
		(cd "$top_srcdir" && eval "\"$HVOINSPECT\" ${cmd#hvoinspect }") >out 2>err;
		status=$?;
		[ $status -le 1 ] || { cat err; exit 1; }
		test -s out
	'
done <examples

test_expect_success 'the set-up commands refer to files that exist' '
	grep -q "src/hvoinspect report vmcores/7.2.13-deb14-hvo-on/vmcore.slice" "$top_srcdir/README.md" &&
	test -f "$top_srcdir/vmcores/7.2.13-deb14-hvo-on/vmcore.slice" &&
	test -x "$top_srcdir/build-aux/install-deps" &&
	cmd=$(sed -n "s/^    \(build-aux\/install-deps --test .*make check -j2\)$/\1/p" "$top_srcdir/README.md") &&
	test -n "$cmd" &&
	grep -qF "($cmd)" "$top_srcdir/.ci/run"
'

test_done
