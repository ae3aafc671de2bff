#!/bin/sh
# slice keeps exactly what the analysis needs; flattened dumps read like the
# file they flatten.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

views='report; folios; tails'
strip_notes() { python3 -c "
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    print(json.dumps(d, sort_keys=True))"; }

test_expect_success 'setup: a merged dump with faults, THP and compound pages' '
	mkvmcore --generation merged --nodes 2 --mem-per-node 4G --hugepages-2m 8 \
		--hugepages-1g-boot 1 --thp 2 --compound 2 \
		--faults tail-writable,tail-wrong-order,compound-bad-mask -o full.elf
'

test_expect_success 'the slice gives the same analysis as the full dump' '
	hvoinspect slice full.elf part.kdump >msg &&
	grep "^wrote .part.kdump.: [0-9]* pages" msg &&
	{ hvoinspect --json -c "$views" full.elf; test $? -le 1; } | strip_notes >full.json &&
	{ hvoinspect --json -c "$views" part.kdump; test $? -le 1; } | strip_notes >part.json &&
	test_cmp full.json part.json
'

test_expect_success 'the slice is smaller and leaves other pages out' '
	test $(stat -c %s part.kdump) -lt $(stat -c %s full.elf) &&
	hvoinspect info part.kdump | grep "^dump format  *diskdump "
'

test_expect_success 'a slice of the slice is the same analysis again' '
	hvoinspect slice part.kdump part2.kdump >/dev/null &&
	{ hvoinspect --json -c "$views" part2.kdump; test $? -le 1; } | strip_notes >part2.json &&
	test_cmp full.json part2.json
'

test_expect_success 'slice refuses to overwrite its input' '
	cp part.kdump again.kdump &&
	sha256sum again.kdump >sum &&
	test_expect_code 2 hvoinspect slice again.kdump again.kdump 2>err &&
	grep "is the input dump" err &&
	sha256sum -c sum
'

test_expect_success 'a flattened dump reads like the file it flattens' '
	python3 "$top_srcdir/tests/flatten.py" part.kdump flat.kdump 8192 &&
	hvoinspect info flat.kdump >info &&
	grep "^dump format  *diskdump (flattened, reassembled in memory)" info &&
	{ hvoinspect --json -c "$views" flat.kdump; test $? -le 1; } | strip_notes >flat.json &&
	test_cmp full.json flat.json
'

test_expect_success 'a flattened dump of many small records (runs of 1024 and more) reads alike' '
	python3 "$top_srcdir/tests/flatten.py" part.kdump small.kdump 512 &&
	test $(stat -c %s part.kdump) -gt $((2048 * 512)) &&
	{ hvoinspect --json -c "$views" small.kdump; test $? -le 1; } | strip_notes >small.json &&
	test_cmp full.json small.json
'

test_expect_success 'HVOINSPECT_FLAT_DIR rebuilds it in an unnamed file there, read alike' '
	mkdir rebuild &&
	HVOINSPECT_FLAT_DIR="$PWD/rebuild" hvoinspect info flat.kdump >info &&
	grep "^dump format  *diskdump (flattened, reassembled in a temporary file in .$PWD/rebuild.)" info &&
	{ HVOINSPECT_FLAT_DIR="$PWD/rebuild" hvoinspect --json -c "$views" flat.kdump; test $? -le 1; } |
		strip_notes >file.json &&
	test_cmp full.json file.json &&
	test -z "$(ls -A rebuild)"
'

test_expect_success 'a rebuild directory that is missing or full is refused, naming it' '
	(export HVOINSPECT_FLAT_DIR="$PWD/missing" &&
	 test_expect_code 2 hvoinspect info flat.kdump 2>err) &&
	grep "rebuilding the flattened dump in .$PWD/missing.: No such file or directory" err &&
	# procfs has no free blocks: the room check, not the write, refuses it.
	(export HVOINSPECT_FLAT_DIR=/proc && test_expect_code 2 hvoinspect info flat.kdump 2>err) &&
	grep "needs up to [0-9.]* MiB and ./proc. has 0.0 MiB free (set HVOINSPECT_FLAT_DIR" err
'

test_expect_success 'one over half of the memory available goes to $TMPDIR, which must have room' '
	# Sparse: the room is checked before a byte is read or written.
	kib=$(awk "/^MemTotal:/ { print \$2 }" /proc/meminfo) &&
	head -c 4096 flat.kdump >big.kdump &&
	truncate -s $((kib * 1024 + 4096)) big.kdump &&
	(export TMPDIR=/proc && test_expect_code 2 hvoinspect info big.kdump 2>err) &&
	grep "over half of the [0-9.]* [MG]iB of memory available, and ./proc. has 0.0 MiB free" err
'

test_expect_success 'a truncated flattened dump is refused with one line' '
	head -c 100000 flat.kdump >cut.kdump &&
	test_expect_code 2 hvoinspect info cut.kdump >out 2>err &&
	test_must_be_empty out &&
	test $(wc -l <err) -eq 1 &&
	grep "^hvoinspect: .cut.kdump.: flattened dump truncated" err
'

test_expect_success 'a flattened record with an absurd size is refused' '
	python3 -c "
import struct
d = bytearray(open(\"flat.kdump\", \"rb\").read())
d[4096 + 8:4096 + 16] = struct.pack(\">q\", 1 << 40)
open(\"bad.kdump\", \"wb\").write(d)" &&
	test_expect_code 2 hvoinspect info bad.kdump 2>err &&
	grep "out of range" err
'

# Ctrl-C while the slice is written: exit 130, a message, and no file that
# would open as a valid (but partial) dump.  The signal goes once the
# temporary file exists, so it lands while pages are being written.
test_expect_success 'an interrupted slice leaves no file and says so' '
	mkvmcore --generation merged --nodes 2 --mem-per-node 8G --hugepages-2m 8 -o big.elf &&
	# hvoinspect itself, not the shell function: the signal goes to its pid.
	{ "$HVOINSPECT" slice big.elf intr.kdump >out 2>err & pid=$!; } &&
	tries=0 &&
	until ls intr.kdump.?????? >/dev/null 2>&1; do
		tries=$((tries + 1)) && test $tries -lt 3000 && sleep 0.01 || break
	done &&
	kill -INT $pid &&
	{ wait $pid; code=$?; } &&
	test $code -eq 130 &&
	grep "^hvoinspect: slice: interrupted, .intr.kdump. not written$" err &&
	! ls intr.kdump* 2>/dev/null &&
	rm -f big.elf
'

test_expect_success 'a slice is written under a temporary name and renamed whole' '
	hvoinspect slice full.elf whole.kdump >out &&
	! ls whole.kdump.?????? 2>/dev/null &&
	hvoinspect info whole.kdump >/dev/null
'

test_done
