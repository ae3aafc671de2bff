#!/bin/sh
# The interactive shell on a real pseudo-terminal: prompt, help, completion
# of commands, options and settings, Ctrl-C at the prompt and during long
# commands, pager, history.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

test_expect_success 'shell session through a pty' '
	mkdir state &&
	timeout 60 python3 "$top_srcdir/tests/shell_pty.py" basic "$HVOINSPECT" \
		"$top_srcdir/vmcores/7.2.13-deb14-hvo-on/vmcore.slice" "$PWD/state"
'

test_expect_success 'history on a fresh account: the whole state path is made' '
	mkdir state-home &&
	timeout 60 python3 "$top_srcdir/tests/shell_pty.py" home "$HVOINSPECT" \
		"$top_srcdir/vmcores/7.2.13-deb14-hvo-on/vmcore.slice" "$PWD/state-home"
'

# 16 TiB in 1 GiB pages: a sparse 1 GB file of which ~15 MB is written, where
# slice runs for seconds; the interrupts cut each command short.
test_expect_success 'Ctrl-C stops long commands, the pager, and the shell goes on' '
	mkdir state-big &&
	mkvmcore --generation merged --format kdump --nodes 8 --mem-per-node 2T \
		--hugepages-1g-boot 2040 -o big.kdump &&
	timeout 300 python3 "$top_srcdir/tests/shell_pty.py" interrupt "$HVOINSPECT" \
		big.kdump "$PWD/state-big" &&
	rm -f big.kdump
'

test_done
