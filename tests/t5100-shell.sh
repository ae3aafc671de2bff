#!/bin/sh
# The interactive shell on a real pseudo-terminal: prompt, help, completion,
# Ctrl-C, pager, history.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

test_expect_success 'shell session through a pty' '
	mkdir state &&
	timeout 60 python3 "$top_srcdir/tests/shell_pty.py" "$HVOINSPECT" \
		"$top_srcdir/vmcores/7.2.13-deb14-hvo-on/vmcore.slice" "$PWD/state"
'

test_done
