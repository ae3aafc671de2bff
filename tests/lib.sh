# tests/lib.sh - a small TAP test library for the shell tests, in the style
# of git's t/test-lib.sh.  Source it, then call test_expect_success and
# finish with test_done.  test_require_prog skips a whole script.
#
#   test_expect_success 'what is checked' '
#       hvoinspect info "$dump" >out &&
#       grep "generation *merged" out
#   '

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
HVOINSPECT=${HVOINSPECT:-$top_builddir/src/hvoinspect}
MKVMCORE=${MKVMCORE:-$top_builddir/tests/mkvmcore/mkvmcore}
export HVOINSPECT MKVMCORE top_srcdir top_builddir

test_count=0
test_failed=0
test_name=$(basename "$0" .sh)
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hvo-$test_name.XXXXXX") || exit 99
trap 'rm -rf "$TEST_TMP"' EXIT
cd "$TEST_TMP" || exit 99

hvoinspect() { "$HVOINSPECT" "$@"; }
mkvmcore() { "$MKVMCORE" "$@"; }

say_diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

test_expect_success() {
	test_count=$((test_count + 1))
	if (eval "$2") >"$TEST_TMP/.out" 2>&1; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		say_diag "commands:" "$2" "output:"
		sed 's/^/#   /' "$TEST_TMP/.out" | head -n 60
	fi
}

# A known breakage: reported as TAP TODO, so Automake counts it as XFAIL
# while it fails and as XPASS (a failure) once it starts to pass.
test_expect_failure() {
	test_count=$((test_count + 1))
	if (eval "$2") >"$TEST_TMP/.out" 2>&1; then
		echo "ok $test_count - $1 # TODO known breakage vanished"
	else
		echo "not ok $test_count - $1 # TODO known breakage"
		sed 's/^/#   /' "$TEST_TMP/.out" | head -n 20
	fi
}

test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1 # SKIP $2"
}

# test_expect_code N command...: the command exits with status N.
test_expect_code() {
	want=$1
	shift
	"$@"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "expected exit status $want, got $got: $*" >&2
		return 1
	fi
	return 0
}

# test_cmp expected actual: files are equal, with a diff when not.
test_cmp() {
	diff -u "$1" "$2"
}

# test_must_be_empty file
test_must_be_empty() {
	if [ -s "$1" ]; then
		echo "'$1' is not empty:" >&2
		cat "$1" >&2
		return 1
	fi
}

# Skip the whole script when a needed program is missing.  Under the TAP
# driver a skipped script is a "1..0 # SKIP" plan and exit 0 (77 is an error).
test_require_prog() {
	if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "$1" ]; then
		echo "1..0 # SKIP $1 not available"
		exit 0
	fi
}

test_done() {
	echo "1..$test_count"
	[ "$test_failed" -eq 0 ]
}
