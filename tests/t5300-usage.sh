#!/bin/sh
# Each command's usage errors, and the type-provider options: one clear line,
# exit 2, nothing on stdout.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
S="$top_srcdir/vmcores/7.2.13-deb14-hvo-on/vmcore.slice"

# fails_with 'COMMANDS' 'MESSAGE': -c COMMANDS exits 2 with MESSAGE on stderr.
fails_with() {
	test_expect_success "'$1' is refused: $2" '
		test_expect_code 2 hvoinspect -c "'"$1"'" "$S" >out 2>err &&
		test_must_be_empty out &&
		grep -F "'"$2"'" err
	'
}

fails_with 'decode' 'decode: expects one ADDR or PFN'
fails_with 'decode banana' "decode: 'banana' is not an address, a pfn or a symbol"
fails_with 'decode 12banana' "decode: '12banana' is not an address or pfn"
fails_with 'decode 0xfffff60e80000001' 'is not the start of a struct page'
fails_with 'decode 0xffffea0000000001' "decode: pfn 0xffffea0000000001 is beyond the dump's memory"
fails_with 'page 1 2' 'page: expects one ADDR or PFN'
fails_with 'rd' 'rd: usage: rd [-p] ADDR [BYTES]'
fails_with 'rd nr_memmap_pages 0' 'rd: BYTES must be 1..1048576'
fails_with 'rd no_such_symbol_anywhere' "no symbol 'no_such_symbol_anywhere'"
fails_with 'rd nr_memmap_pages+x' "'nr_memmap_pages+x': bad offset"
fails_with 'vtop' 'vtop: usage: vtop ADDR'
fails_with 'pte' 'pte: usage: pte VALUE'
fails_with 'pte nr_memmap_pages' "pte: 'nr_memmap_pages' is not an entry value: pte decodes a page-table entry, as crash's does; vtop walks an address"
fails_with 'map' 'map: usage: map FILE.svg'
fails_with 'slice' 'slice: expects one OUTPUT file'
fails_with 'report extra' 'report: takes no arguments'
fails_with 'info extra' 'info: takes no arguments'
fails_with 'report --bogus' "report: unknown option '--bogus' (try 'help report')"
fails_with 'check --fail-on' 'check: --fail-on needs a SEVERITY'
fails_with 'check --fail-on fatal' "check: --fail-on: 'fatal' is not one of info, warning, error, critical"
fails_with 'info --json=yes' 'info: --json takes no value'
fails_with 'map x.png' "map: 'x.png': the picture is SVG; give a name ending in .svg"
fails_with 'map --deep x.svg' "map: unknown option '--deep'"
fails_with 'set pager maybe' 'set pager: on or off'
fails_with 'set fail-on fatal' "set fail-on: unknown severity 'fatal'"
fails_with 'set colour on' "set: unknown setting 'colour'"

test_expect_success 'set with no arguments shows the settings' '
	hvoinspect -c "set fail-on error; set" "$S" >out &&
	grep "^fail-on error" out && grep "^pager   on" out
'

test_expect_success '--fail-on with a bad severity is a usage error' '
	test_expect_code 2 hvoinspect --fail-on fatal report "$S" 2>err &&
	grep "unknown severity .fatal." err
'

test_expect_success '-f with a missing file names it' '
	test_expect_code 2 hvoinspect -f no-such-script "$S" 2>err &&
	grep "cannot open .no-such-script." err
'

test_expect_success 'map to a directory that does not exist names it' '
	test_expect_code 2 hvoinspect map "$S" /nonexistent/dir/x.svg 2>err &&
	grep "cannot create ./nonexistent/dir/x.svg." err
'

test_expect_success '--vmlinux that does not exist is an error, not a silent fallback' '
	test_expect_code 2 hvoinspect --vmlinux /nonexistent/vmlinux report "$S" >out 2>err &&
	test_must_be_empty out &&
	grep "/nonexistent/vmlinux" err
'

test_expect_success '--vmlinux of another build is refused, --force takes it' '
	mkvmcore --generation merged --nodes 1 --mem-per-node 2G --hugepages-2m 2 -o m.elf &&
	vml="$top_builddir/tests/mkvmcore/vmlinux-legacy" &&
	test -r "$vml" &&
	test_expect_code 2 hvoinspect --vmlinux "$vml" info m.elf 2>err &&
	grep "build id" err && grep -- "--force" err &&
	hvoinspect --vmlinux "$vml" --force info m.elf >out 2>err;
	test $? -le 1
'

test_expect_success '--vmlinux of the same build answers from DWARF' '
	hvoinspect --vmlinux "$top_builddir/tests/mkvmcore/vmlinux-merged" info m.elf >out &&
	grep "^zone.vmemmap_tails .*\[DWARF\]" out
'

test_expect_success '--no-btf --no-dwarf: VMCOREINFO only, and the report says what it skipped' '
	hvoinspect --no-btf --no-dwarf --json report "$S" >out.json &&
	python3 -c "
import json
d = json.load(open(\"out.json\"))
assert any(\"vmemmap_tails[] not read\" in n for n in d[\"notes\"]), d[\"notes\"]
assert d[\"savings\"][\"total\"][\"pages_saved\"] == 9436
"
'

test_done
