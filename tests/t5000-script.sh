#!/bin/sh
# Scripted mode: -c, -f, stdin, JSON Lines, failing lines, --keep-going.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

test_expect_success 'setup' '
	mkvmcore --generation merged --nodes 2 --mem-per-node 1G -o d.elf
'

test_expect_success '-c runs each command in order' '
	hvoinspect -c "info; vmcoreinfo" d.elf >out &&
	grep -n "^generation  *merged" out | cut -d: -f1 >first &&
	grep -n "^OSRELEASE=" out | cut -d: -f1 >second &&
	test "$(cat first)" -lt "$(cat second)"
'

test_expect_success 'HVOINSPECT_STATS times each command, and its output is the same' '
	hvoinspect -c "savings;  tails ;savings" d.elf >plain &&
	HVOINSPECT_STATS=1 hvoinspect -c "savings;  tails ;savings" d.elf >timed 2>err &&
	test_cmp plain timed &&
	grep -c "^hvoinspect: stats: .savings. took [0-9]*\.[0-9]* ms$" err >n &&
	test "$(cat n)" -eq 2 &&
	grep "^hvoinspect: stats: .tails. took [0-9]*\.[0-9]* ms$" err &&
	grep "^hvoinspect: stats: [0-9]* reads, [0-9]* bytes" err
'

test_expect_success '-f reads commands from a file, comments ignored' '
	printf "# a script\ninfo\n\nvmcoreinfo # trailing\n" >script &&
	hvoinspect -f script d.elf >out &&
	grep "^generation " out && grep "^OSRELEASE=" out
'

test_expect_success 'commands on stdin when it is not a terminal' '
	printf "vmcoreinfo\n" | hvoinspect d.elf >out &&
	grep "^OSRELEASE=" out &&
	! grep "^generation " out
'

test_expect_success 'empty stdin runs the report' '
	hvoinspect d.elf </dev/null >out;
	grep "^generation merged" out && grep "^node " out
'

test_expect_success 'closed stdin runs the report, never reads the dump as commands' '
	hvoinspect d.elf <&- >out 2>err;
	grep "^generation merged" out &&
	! grep "unknown command" err
'

test_expect_success '--json gives one object per command (JSON Lines)' '
	hvoinspect --json -c "info; vmcoreinfo; help" d.elf >out.jsonl &&
	python3 -c "
import json
lines = open(\"out.jsonl\").read().splitlines()
objs = [json.loads(l) for l in lines]
assert [o[\"command\"] for o in objs] == [\"info\", \"vmcoreinfo\", \"help\"], objs
assert any(c[\"name\"] == \"report\" for c in objs[2][\"commands\"])
assert all(o[\"schema\"] == 1 for o in objs)
"
'

test_expect_success 'a failing command is named by line, index and text, and stops the script (exit 2)' '
	test_expect_code 2 hvoinspect -c "info; frobnicate; vmcoreinfo" d.elf >out 2>err &&
	grep "^hvoinspect: -c:1: command 2 .frobnicate.: unknown command .frobnicate." err &&
	grep "^generation " out &&
	! grep "^OSRELEASE=" out
'

test_expect_success 'the failing line number is reported for -f' '
	printf "info\n\ndecode\nvmcoreinfo\n" >bad &&
	test_expect_code 2 hvoinspect -f bad d.elf >out 2>err &&
	grep "^hvoinspect: bad:3: .decode.: decode: expects one ADDR or PFN" err
'

test_expect_success '--keep-going runs the rest and still exits 2' '
	test_expect_code 2 hvoinspect -k -c "frobnicate; vmcoreinfo" d.elf >out 2>err &&
	grep "^OSRELEASE=" out
'

test_expect_success 'quit ends a script early' '
	hvoinspect -c "vmcoreinfo; quit; info" d.elf >out &&
	! grep "^generation " out
'

test_expect_success 'help lists the command table' '
	hvoinspect -c help d.elf >out &&
	grep "^  report " out && grep "^  decode  *ADDR|PFN" out && grep "^  quit " out
'

test_expect_success 'a COMMAND and -c together are refused' '
	test_expect_code 2 hvoinspect -c info info d.elf 2>err &&
	grep "either a COMMAND or -c" err
'

test_expect_success 'unterminated quote is a clear error' '
	test_expect_code 2 hvoinspect -c "decode \"12" d.elf 2>err &&
	grep "unterminated \" quote" err
'

test_expect_success 'map draws one rectangle per folio and marks findings' '
	mkvmcore --generation merged --nodes 2 --mem-per-node 2G --hugepages-2m 6 \
		--faults tail-writable -o m.elf &&
	hvoinspect map m.elf m.svg >out &&
	grep "^wrote .m.svg." out &&
	python3 -c "
import xml.etree.ElementTree as ET
ns = \"{http://www.w3.org/2000/svg}\"
root = ET.parse(\"m.svg\").getroot()
folios = [r for r in root.iter(ns + \"rect\") if r.find(ns + \"title\") is not None]
marks = [p for p in root.iter(ns + \"path\") if p.find(ns + \"title\") is not None]
assert len(folios) == 12, len(folios)
assert len(marks) == 1 and \"tail-writable\" in marks[0].find(ns + \"title\").text, marks
"
'

test_expect_success 'a command'"'"'s options hold for that command only' '
	hvoinspect -c "info --json; info" d.elf >out &&
	head -n 1 out | grep "^{\"schema\":1,\"command\":\"info\"" &&
	grep "^generation  *merged" out
'

test_expect_success '--fail-on on a command sets the exit status of its findings' '
	test_expect_code 1 hvoinspect -c "check" m.elf >out &&
	grep tail-writable out &&
	hvoinspect -c "check --fail-on=critical; savings" m.elf >out &&
	test_expect_code 1 hvoinspect check m.elf --fail-on error >out
'

test_expect_success '--deep on a command: a deep analysis, kept for later commands' '
	test_expect_code 1 hvoinspect --json -c "savings; report --deep; report" m.elf >out &&
	test "$(grep -o "\"deep\":[a-z]*" out | tr "\n" " ")" = "\"deep\":false \"deep\":true \"deep\":true "
'

test_expect_success '"--" ends the options: a file name may start with a dash' '
	hvoinspect -c "map -- -m.svg" m.elf >out &&
	test -s ./-m.svg
'

test_done
