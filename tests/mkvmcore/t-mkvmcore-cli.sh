#!/bin/sh
# mkvmcore's command line: spec files, options, errors, determinism.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

test_expect_success 'help lists the options' '
	mkvmcore --help >out &&
	grep -q "usage: mkvmcore" out &&
	grep -q -- "--generation" out
'

cat >small.spec <<SPEC
# a small merged host
generation = merged
format     = kdump
nodes      = 2
mem_per_node = 2G
hugepages_2m = 4
hugepages_1g = 1
thp = 1
seed = 3
SPEC

test_expect_success 'a spec file gives a kdump file and truth' '
	mkvmcore --spec small.spec -o a.kdump --truth a.json &&
	test -s a.kdump && test -s a.json &&
	head -c 8 a.kdump >sig && printf "KDUMP   " >expect && test_cmp expect sig &&
	grep -q "\"schema\": 1" a.json &&
	grep -q "\"generation\": \"merged\"" a.json
'

test_expect_success 'options after the spec override it' '
	mkvmcore --spec small.spec --format elf --generation legacy -o b.elf --truth b.json &&
	head -c 4 b.elf | od -An -c | grep -q "E   L   F" &&
	grep -q "\"generation\": \"legacy\"" b.json
'

test_expect_success 'same spec and seed: byte-identical dump and truth' '
	mkvmcore --spec small.spec -o c.kdump --truth c.json &&
	cmp a.kdump c.kdump && cmp a.json c.json &&
	mkvmcore --spec small.spec --format elf -o d1.elf &&
	mkvmcore --spec small.spec --format elf -o d2.elf &&
	cmp d1.elf d2.elf
'

test_expect_success 'another seed moves the kernel' '
	mkvmcore --spec small.spec --seed 4 -o e.kdump --truth e.json &&
	! cmp -s a.kdump e.kdump &&
	! cmp -s a.json e.json
'

test_expect_success 'unknown key in a spec file names file and line' '
	printf "nodes = 1\nbogus = 2\n" >bad.spec &&
	test_expect_code 1 mkvmcore --spec bad.spec -o x 2>err &&
	grep -q "bad.spec:2: unknown key .bogus." err
'

test_expect_success 'unknown fault id is refused' '
	test_expect_code 1 mkvmcore --faults tail-upside-down -o x 2>err &&
	grep -q "unknown fault" err
'

test_expect_success 'shared-tail faults need a mask generation' '
	test_expect_code 1 mkvmcore --generation legacy --faults vmemmap-tails-unused -o x 2>err &&
	grep -q "v3 or merged" err
'

test_expect_success 'more RAM than 4-level paging addresses needs levels 5' '
	test_expect_code 1 mkvmcore --nodes 64 --mem-per-node 2T -o x 2>err &&
	grep -q "MAX_PHYSMEM_BITS=46" err
'

test_expect_success 'no output file is an error' '
	test_expect_code 1 mkvmcore --nodes 1 2>err &&
	grep -q "no output file" err
'

test_expect_success 'flattened and QEMU-style kdump files' '
	mkvmcore --spec small.spec --flattened yes -o flat.kdump &&
	head -c 12 flat.kdump >sig && printf "makedumpfile" >expect && test_cmp expect sig &&
	mkvmcore --spec small.spec --quirks qemu -o qemu.kdump &&
	head -c 12 qemu.kdump >sig && test_cmp expect sig &&
	mkvmcore --spec small.spec --format elf --quirks qemu -o qemu.elf &&
	od -An -tu8 -j40 -N8 qemu.elf | grep -q "^ *64$"
'

test_expect_success 'the example specs build' '
	for s in small-merged qemu-legacy; do
		mkvmcore --spec "$top_srcdir/tests/mkvmcore/specs/$s.spec" -o $s.dump \
			--truth $s.json || return 1
	done
'

test_expect_success 'VMCOREINFO from a file, or none, and another machine' '
	printf "OSRELEASE=9.9.9\n" >vmci &&
	mkvmcore --vmcoreinfo vmci -o v1.elf &&
	grep -q "OSRELEASE=9.9.9" v1.elf &&
	mkvmcore --no-vmcoreinfo -o v2.elf &&
	! grep -q "VMCOREINFO" v2.elf &&
	mkvmcore --e-machine 183 -o v3.elf &&
	od -An -tu2 -j18 -N2 v3.elf | grep -q 183 &&
	mkvmcore --e-machine 183 --format kdump -o v3.kdump &&
	file v3.kdump 2>/dev/null | grep -q aarch64 || head -c 400 v3.kdump | grep -a -q aarch64
'

test_expect_success 'every fault id alone (merged, kdump)' '
	for f in tail-wrong-order tail-cross-zone tail-cross-node tail-writable \
		shared-tail-corrupt head-shared head-readonly hvo-flag-mismatch \
		fake-heads-on-mask-kernel vmemmap-tails-unused vmemmap-tails-misplaced \
		memmap-misaligned compound-bad-mask; do
		mkvmcore --spec small.spec --faults $f -o f.kdump --truth f.json &&
		grep -q "\"id\": \"$f\"" f.json || return 1
	done
'

test_done
