#!/bin/sh
# Every command's --json output validates against the documented schema.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
SCHEMA="$top_srcdir/man/hvoinspect.schema.json"
ALL="report,check,savings,tails,folios,decode,vtop,pte,rd,map,info,vmcoreinfo,help"

run_all() {
	hvoinspect --json -k -c "report; check; savings; tails; folios; decode $2; vtop $3; pte 8000000140e53163; rd nr_memmap_pages 16; map m.svg; info; vmcoreinfo; help" "$1" >out.jsonl
	test $? -le 3
}

test_expect_success 'real 7.2.13 sample: all commands valid' '
	run_all "$top_srcdir/vmcores/7.2.13-deb14-hvo-on/vmcore.slice" 0x100000 nr_memmap_pages &&
	python3 "$top_srcdir/tests/jsoncheck.py" "$SCHEMA" out.jsonl "$ALL"
'

test_expect_success 'real 6.12 legacy sample: all commands valid' '
	run_all "$top_srcdir/vmcores/6.12.107-deb13-hvo-on/vmcore.slice" 0x100040 nr_memmap_pages &&
	python3 "$top_srcdir/tests/jsoncheck.py" "$SCHEMA" out.jsonl "$ALL"
'

test_expect_success 'generated v3 dump with faults: findings valid' '
	mkvmcore --generation v3 --nodes 2 --mem-per-node 2G --hugepages-2m 4 \
		--faults tail-writable,head-shared,shared-tail-corrupt -o v3.elf &&
	run_all v3.elf 0x40000 0xffffea0000000000 &&
	python3 "$top_srcdir/tests/jsoncheck.py" "$SCHEMA" out.jsonl "$ALL" &&
	grep -q "\"id\":\"head-shared\"" out.jsonl
'

test_expect_success 'slice output is valid' '
	hvoinspect --json slice v3.elf s.kdump >out.jsonl &&
	python3 "$top_srcdir/tests/jsoncheck.py" "$SCHEMA" out.jsonl slice
'

test_expect_success 'the schema rejects what it should (it is not vacuous)' '
	printf "%s\n" "{\"schema\":1,\"command\":\"report\",\"generation\":\"merged\"}" >bad1.jsonl &&
	! python3 "$top_srcdir/tests/jsoncheck.py" "$SCHEMA" bad1.jsonl &&
	printf "%s\n" "{\"schema\":2,\"command\":\"help\",\"commands\":[]}" >bad2.jsonl &&
	! python3 "$top_srcdir/tests/jsoncheck.py" "$SCHEMA" bad2.jsonl &&
	printf "%s\n" "{\"schema\":1,\"command\":\"help\",\"commands\":[{\"name\":\"x\",\"args\":\"\",\"summary\":\"s\",\"help\":\"h\",\"options\":[{\"name\":\"json\",\"help\":\"h\"}]}]}" >bad3.jsonl &&
	! python3 "$top_srcdir/tests/jsoncheck.py" "$SCHEMA" bad3.jsonl
'

test_done
