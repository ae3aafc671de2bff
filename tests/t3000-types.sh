#!/bin/sh
# Type providers (src/types.h): VMCOREINFO only, DWARF from a compiled vmlinux
# stand-in, build-id checks and discovery under a debug root, hostile DWARF.
# The dumps here carry no kallsyms or BTF, so DWARF meets VMCOREINFO alone;
# t3001-types-providers.sh compares all providers.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

QUERY=${QUERY:-$top_builddir/tests/unit_types_query}
export QUERY
SHRINK=${SHRINK:-$top_builddir/tests/dump_shrink}
test_require_prog "$MKVMCORE"
test_require_prog "$QUERY"
test_require_prog "$SHRINK"
test_require_prog gcc
test_require_prog ld
test_require_prog python3
query() { "$QUERY" --debug-root "$TEST_TMP/empty-root" "$@"; }
mkdir empty-root

# The layouts the generator's merged (7.2.13) VMCOREINFO claims, plus what
# VMCOREINFO lacks; padding arrays put members where Debian's BTF has them.
cat >kernel.c <<'EOF'
typedef struct { unsigned long f; } memdesc_flags_t;
struct list_head { struct list_head *next, *prev; };
struct free_area { struct list_head free_list[6]; unsigned long nr_free; };
typedef struct { long counter; } atomic_long_t;
struct page {
	memdesc_flags_t flags;
	union {
		struct { unsigned long compound_info; };
		struct list_head lru;
	};
	void *mapping;
	unsigned long index, private;
	int _mapcount, _refcount;
	unsigned long memcg_data;
};
struct zone {
	char pad0[160];
	unsigned long spanned_pages;
	char pad1[256 - 168];
	struct free_area free_area[11];
	char pad2[1536 - 256 - 11 * 104];
	atomic_long_t vm_stat[12];
	char pad3[1680 - 1536 - 96];
	struct page *vmemmap_tails[16];
	char pad4[1856 - 1680 - 128];
};
struct pglist_data {
	struct zone node_zones[5];
	char pad0[173152 - 5 * 1856];
	int nr_zones;
	unsigned long node_start_pfn;
	unsigned long node_present_pages;
	unsigned long node_spanned_pages;
	int node_id;
	char pad1[176256 - 173188];
};
struct hstate {
	int next_nid_to_alloc, next_nid_to_free;
	unsigned int order, demote_order;
	unsigned long mask;
	unsigned int nr_huge_pages_node[1024];
	unsigned int free_huge_pages_node[1024];
	char name[32];
};
enum node_stat_item { NR_LRU_BASE, NR_MEMMAP_PAGES = 42, NR_MEMMAP_BOOT_PAGES };
enum hugetlb_page_flags { HPG_restore_reserve, HPG_vmemmap_optimized = 4 };
enum negative { NEGATIVE = -5 };
struct absurd { char huge[1UL << 45]; };
struct hstate hstates[2];
int hugetlb_max_hstate = 2;
struct pglist_data *node_data[1024];
unsigned long vm_node_stat[50];
struct pglist_data pgdat; struct page page; struct absurd *absurd;
enum node_stat_item nsi; enum hugetlb_page_flags hpf; enum negative neg;
EOF

build_id() { readelf -n "$1" | sed -n 's/.*Build ID: //p'; }

test_expect_success 'setup: a vmlinux stand-in and a dump with its build id' '
	gcc -g -c kernel.c -o kernel.o &&
	ld --build-id=sha1 -e 0 kernel.o -o vmlinux &&
	bid=$(build_id vmlinux) && test -n "$bid" &&
	mkvmcore --generation merged --kallsyms no --btf no -o other.elf &&
	hvoinspect vmcoreinfo other.elf | sed "s/^BUILD-ID=.*/BUILD-ID=$bid/" >vi.txt &&
	mkvmcore --generation merged --kallsyms no --btf no --vmcoreinfo vi.txt -o dump.elf
'

test_expect_success 'VMCOREINFO only: exported facts answered, the rest not found' '
	query --no-btf dump.elf size:zone member:page.compound_info member:zone.free_area \
		sym:node_data member:zone.vmemmap_tails enum:HPG_vmemmap_optimized \
		notes >out &&
	grep "^size zone 1856 VMCOREINFO$" out &&
	grep "^member page.compound_info offset=8 .* VMCOREINFO$" out &&
	grep "^member zone.free_area offset=256 size=0 len=11 .* VMCOREINFO$" out &&
	grep "^sym node_data 0xffffffff[0-9a-f]* VMCOREINFO$" out &&
	grep "^member:zone.vmemmap_tails not found$" out &&
	grep "^enum:HPG_vmemmap_optimized not found$" out &&
	grep "^note DWARF: not used: no --vmlinux" out &&
	grep "^note kallsyms: not used" out &&
	grep "^note VMCOREINFO only" out
'

test_expect_success 'DWARF answers what VMCOREINFO lacks' '
	query --vmlinux vmlinux dump.elf size:zone member:zone.vmemmap_tails \
		member:pglist_data.vmemmap_tails member:hstate.order \
		member:hstate.nr_huge_pages_node member:hstate.free_huge_pages_node \
		member:hstate.name size:pglist_data member:pglist_data.node_zones \
		enum:NR_MEMMAP_PAGES enum:NR_MEMMAP_BOOT_PAGES enum:HPG_vmemmap_optimized \
		enum:hugetlb_page_flags.HPG_vmemmap_optimized \
		enum:node_stat_item.HPG_vmemmap_optimized \
		enum:NEGATIVE member:page.flags.f size:atomic_long_t \
		member:atomic_long_t.counter >out &&
	cat >expect <<-\EOF &&
	size zone 1856 DWARF
	member zone.vmemmap_tails offset=1680 size=128 len=16 elem=8 DWARF
	member:pglist_data.vmemmap_tails not found
	member hstate.order offset=8 size=4 len=0 elem=0 DWARF
	member hstate.nr_huge_pages_node offset=24 size=4096 len=1024 elem=4 DWARF
	member hstate.free_huge_pages_node offset=4120 size=4096 len=1024 elem=4 DWARF
	member hstate.name offset=8216 size=32 len=32 elem=1 DWARF
	size pglist_data 176256 DWARF
	member pglist_data.node_zones offset=0 size=9280 len=5 elem=1856 DWARF
	enum NR_MEMMAP_PAGES 42 DWARF
	enum NR_MEMMAP_BOOT_PAGES 43 DWARF
	enum HPG_vmemmap_optimized 4 DWARF
	enum hugetlb_page_flags.HPG_vmemmap_optimized 4 DWARF
	enum:node_stat_item.HPG_vmemmap_optimized not found
	enum NEGATIVE -5 DWARF
	member page.flags.f offset=0 size=8 len=0 elem=0 DWARF
	size atomic_long_t 8 DWARF
	member atomic_long_t.counter offset=0 size=8 len=0 elem=0 DWARF
	EOF
	test_cmp expect out
'

# types_dwarf.c remembers what each walk found: questions asked in one
# process, again and in the other order, get what each gets in a process
# of its own (and a miss in one enum is not answered from any enum's hit).
test_expect_success 'DWARF answers asked again in one process are unchanged' '
	qs="size:zone member:zone.vmemmap_tails member:pglist_data.vmemmap_tails
		member:hstate.order member:hstate.name enum:HPG_vmemmap_optimized
		enum:hugetlb_page_flags.HPG_vmemmap_optimized
		enum:node_stat_item.HPG_vmemmap_optimized enum:NEGATIVE
		member:page.flags.f size:atomic_long_t size:nosuch enum:NOSUCH" &&
	rev=$(printf "%s\n" $qs | tac) &&
	for q in $qs; do query --vmlinux vmlinux dump.elf $q || return 1; done >once &&
	grep -q "^enum:node_stat_item.HPG_vmemmap_optimized not found$" once &&
	grep -q "^member:pglist_data.vmemmap_tails not found$" once &&
	query --vmlinux vmlinux dump.elf $qs $rev $qs >thrice &&
	{ cat once; tac once; cat once; } >expect &&
	test_cmp expect thrice
'

test_expect_success 'DWARF and VMCOREINFO agree where both answer' '
	for q in size:page size:zone size:pglist_data size:free_area size:atomic_long_t \
		member:page.flags member:page._refcount member:page.mapping member:page.lru \
		member:page._mapcount member:page.private member:page.compound_info \
		member:pglist_data.node_zones member:pglist_data.nr_zones \
		member:pglist_data.node_start_pfn member:pglist_data.node_spanned_pages \
		member:pglist_data.node_id member:zone.free_area member:zone.vm_stat \
		member:zone.spanned_pages member:free_area.free_list; do
		query --vmlinux vmlinux dump.elf $q | sed -e "s/ DWARF$//" \
			-e "s/\(offset=[0-9]*\) .*/\1/" >dwarf &&
		query --no-btf dump.elf $q | sed -e "s/ VMCOREINFO$//" \
			-e "s/\(offset=[0-9]*\) .*/\1/" >vmcoreinfo &&
		test_cmp vmcoreinfo dwarf || return 1
	done
'

test_expect_success 'symbols come from the vmlinux symbol table, KERNELOFFSET applied' '
	link=$(nm vmlinux | sed -n "s/ [A-Za-z] hstates$//p") &&
	koff=$(sed -n "s/^KERNELOFFSET=//p" vi.txt) &&
	want=$(printf "0x%x" $((0x$link + 0x$koff))) &&
	query --vmlinux vmlinux dump.elf sym:hstates sym:hugetlb_max_hstate >out &&
	grep "^sym hstates $want vmlinux symtab$" out &&
	grep "^sym hugetlb_max_hstate 0x[0-9a-f]* vmlinux symtab$" out
'

# The notes' unit count: from the units' length fields where libdwarf
# reads a mapping, by listing every unit where it reads (and decompresses)
# the file itself.  readelf is the independent count.
test_expect_success 'the units noted are the units readelf lists, mapped or not' '
	printf "int unit_two;\n" >two.c && printf "int unit_three;\n" >three.c &&
	gcc -g -c two.c -o two.o && gcc -g -c three.c -o three.o &&
	ld --build-id=sha1 -e 0 kernel.o two.o three.o -o vmlinux3 &&
	objcopy --compress-debug-sections=zlib vmlinux3 vmlinux3z &&
	readelf -SW vmlinux3z | grep -q "\.debug_info .* C " &&
	want=$(readelf --debug-dump=info vmlinux3 | grep -c "^  Compilation Unit @") &&
	test "$want" -eq 3 &&
	for f in vmlinux3 vmlinux3z; do
		query --force --vmlinux $f dump.elf size:zone member:hstate.order notes >$f.out &&
		grep "^note DWARF: .$f. (--vmlinux; $want units, [0-9]* symbols)$" $f.out ||
		return 1
	done &&
	grep -v "^note" vmlinux3.out >mapped &&
	grep -v "^note" vmlinux3z.out >read &&
	grep -q "^size zone 1856 DWARF$" mapped &&
	test_cmp mapped read
'

# A walk for a named type passes over the units whose bytes hold neither
# the name nor one of its .debug_str offsets (types_dwarf.c, may_name()).
# Three units, the types in the last; "hstate" is the tail of the second
# unit's "xhstate" in .debug_str; DWARF 4, 5, and 5 with the names inline.
# Each must answer as the compressed copy does, which libdwarf reads
# itself and every unit of which is walked.
test_expect_success 'walks that pass over units find what walking every unit finds' '
	printf "int plain_one;\n" >u1.c &&
	printf "struct other { int xhstate; long hugetlb_page_flags_not; };\nstruct other o2;\n" >u2.c &&
	cat >u3.c <<-\EOF &&
	struct hstate { int a; long order; };
	enum hugetlb_page_flags { HPG_x = 3, HPG_vmemmap_optimized = 9 };
	struct hstate h3;
	enum hugetlb_page_flags f3;
	EOF
	cat >expect <<-\EOF &&
	member hstate.order offset=8 size=8 len=0 elem=0 DWARF
	enum hugetlb_page_flags.HPG_vmemmap_optimized 9 DWARF
	size other 16 DWARF
	size:nosuch not found
	enum:nosuch.HPG_x not found
	enum HPG_x 3 DWARF
	EOF
	for v in "-gdwarf-4" "-gdwarf-5" "-gdwarf-5 -fno-merge-debug-strings"; do
		for u in u1 u2 u3; do gcc $v -g -c $u.c -o $u.o || return 1; done &&
		ld --build-id=sha1 -e 0 u1.o u2.o u3.o -o units &&
		objcopy --compress-debug-sections=zlib units units-z &&
		for f in units units-z; do
			query --force --vmlinux $f dump.elf member:hstate.order \
				enum:hugetlb_page_flags.HPG_vmemmap_optimized size:other size:nosuch \
				enum:nosuch.HPG_x enum:HPG_x >$f.out || return 1
		done &&
		test_cmp expect units.out &&
		test_cmp units-z.out units.out || { echo "with $v"; return 1; }
	done
'

# libdwarf 20210528's own reader (a compressed or relocatable file) leaves
# a process-wide ELF flags hook that a later init on our mapping would call
# on our object, reading past it (types_dwarf.c, clear_elf_flags_hook();
# found by fuzz_dwarf).  In one process, after such files, the mapped file
# answers as it does alone, and the hook never sees a mapped object.
test_expect_success 'a mapped vmlinux after libdwarf read others itself, in one process' '
	open_each() { "$top_builddir/tests/unit_dwarf_open" "$@"; } &&
	open_each units >alone.out &&
	grep -q "^units: size hstate 16$" alone.out &&
	grep -q "^units: member hstate.order 8$" alone.out &&
	grep -q "^units: enum hugetlb_page_flags.HPG_vmemmap_optimized 9$" alone.out &&
	open_each units-z units kernel.o units >mixed.out &&
	grep "^units:" alone.out >one &&
	cat one one >want &&
	grep "^units:" mixed.out >have &&
	test_cmp want have &&
	grep "^units-z:" mixed.out | sed "s/^units-z:/units:/" >have-z &&
	test_cmp one have-z &&
	grep -q "^kernel.o: size hstate" mixed.out &&
	grep -q "^mapped objects given to libdwarf.s ELF flags hook: 0$" mixed.out
'

# Symbols are found through a hash of their names (types_dwarf.c): every
# global resolves to readelf's value, and a name defined more than once (a
# static in several units) to the lowest of its addresses.
test_expect_success 'symbol lookups: the values readelf lists, the lowest of a name defined again' '
	printf "static int twice = 2;\nint *ref_a = &twice;\n" >a.c &&
	printf "static int twice = 3;\nint *ref_b = &twice;\n" >b.c &&
	gcc -g -c a.c -o a.o && gcc -g -c b.c -o b.o &&
	ld --build-id=sha1 -e 0 kernel.o a.o b.o -o linked &&
	# Two more definitions after those: the lowest address of the four is
	# neither the first nor the last in the table.
	objcopy --add-symbol twice=0x1000,local,object \
		--add-symbol twice=0x900000,local,object linked vmlinux-twice &&
	readelf -sW vmlinux-twice | awk "\$8 == \"twice\" { print \$2 }" >in-table &&
	test $(wc -l <in-table) -eq 4 &&
	sort in-table >twice &&
	test "$(sed -n 3p in-table)" = "$(sed -n 1p twice)" &&
	koff=$(sed -n "s/^KERNELOFFSET=//p" vi.txt) &&
	readelf -sW vmlinux-twice | awk "\$5 == \"GLOBAL\" && \$7 != \"UND\" { print \$8, \$2 }" >globals &&
	test $(wc -l <globals) -ge 5 &&
	{ echo "twice $(sed -n 1p twice)"; cat globals; } >want &&
	query --force --vmlinux vmlinux-twice dump.elf $(awk "{ print \"sym:\" \$1 }" want) \
		sym:nosuch >out &&
	while read -r name value; do
		printf "sym %s 0x%x vmlinux symtab\n" $name $((0x$value + 0x$koff))
	done <want >expect &&
	echo "sym:nosuch not found" >>expect &&
	test_cmp expect out
'

test_expect_success 'a vmlinux with another build id is refused, --force overrides' '
	test_expect_code 1 query --vmlinux vmlinux other.elf size:zone 2>err &&
	grep "build id $(build_id vmlinux) but the dump.s kernel has" err &&
	grep "use --force" err &&
	query --force --vmlinux vmlinux other.elf size:zone notes >out &&
	grep "^size zone 1856 DWARF$" out &&
	grep "^note DWARF: .* differs .* (forced)$" out
'

test_expect_success 'debuginfo is found by build id, then by release' '
	bid=$(build_id vmlinux) && rel=$(sed -n "s/^OSRELEASE=//p" vi.txt) &&
	mkdir -p root1/.build-id/$(echo $bid | cut -c1-2) &&
	cp vmlinux root1/.build-id/$(echo $bid | cut -c1-2)/$(echo $bid | cut -c3-).debug &&
	"$QUERY" --debug-root root1 dump.elf size:zone notes >out &&
	grep "^size zone 1856 DWARF$" out &&
	grep "^note DWARF: .*\.debug. (found by build id; 1 units, [0-9]* symbols)$" out &&
	mkdir -p root2/boot root3/lib/modules/$rel &&
	cp vmlinux root2/boot/vmlinux-$rel &&
	"$QUERY" --debug-root root2 dump.elf size:zone notes >out &&
	grep "^note DWARF: .*vmlinux-$rel. (found by release; " out &&
	cp vmlinux root3/lib/modules/$rel/vmlinux &&
	"$QUERY" --debug-root root3 dump.elf size:zone >out &&
	grep "^size zone 1856 DWARF$" out
'

test_expect_success 'a discovered file with the wrong build id is skipped, not used' '
	rel=$(sed -n "s/^OSRELEASE=//p" vi.txt) &&
	"$QUERY" --debug-root root2 other.elf size:zone notes >out &&
	grep "^size zone 1856 VMCOREINFO$" out &&
	grep "^note DWARF: not used: .*build id" out
'

# Discovery in one process: a compressed .build-id file, which libdwarf
# reads itself and which is refused for its build id, then the mapped
# boot/vmlinux-RELEASE (the order clear_elf_flags_hook() is for).
test_expect_success 'a compressed file refused for its build id, then a mapped one by release' '
	bid=$(build_id vmlinux) && rel=$(sed -n "s/^OSRELEASE=//p" vi.txt) &&
	dir=root4/.build-id/$(echo $bid | cut -c1-2) &&
	mkdir -p $dir root4/boot &&
	ld --build-id=0x0123456789abcdef -e 0 kernel.o -o wrong-id &&
	objcopy --compress-debug-sections=zlib wrong-id $dir/$(echo $bid | cut -c3-).debug &&
	readelf -SW $dir/*.debug | grep -q "\.debug_info .* C " &&
	cp vmlinux root4/boot/vmlinux-$rel &&
	"$QUERY" --debug-root root4 dump.elf size:zone member:hstate.order notes >out &&
	grep "^size zone 1856 DWARF$" out &&
	grep "^member hstate.order offset=[0-9]* .* DWARF$" out &&
	grep "^note DWARF: .*has build id 0123456789abcdef but the dump" out &&
	grep "^note DWARF: .*vmlinux-$rel. (found by release; " out
'

test_expect_success 'hostile files: not ELF, no DWARF, truncated' '
	echo "not elf" >junk &&
	test_expect_code 1 query --vmlinux junk dump.elf 2>err &&
	grep "cannot use vmlinux .junk.: .junk. is not an ELF file" err &&
	test_expect_code 1 query --vmlinux missing dump.elf 2>err &&
	grep "cannot open .missing.: No such file" err &&
	strip --strip-debug -o nodebug vmlinux &&
	test_expect_code 1 query --force --vmlinux nodebug dump.elf 2>err &&
	grep "has no DWARF" err &&
	size=$(wc -c <vmlinux) &&
	for len in 0 64 500 2000 4500 $((size / 2)) $((size - 100)); do
		head -c $len vmlinux >trunc &&
		query --force --vmlinux trunc dump.elf size:zone member:zone.vmemmap_tails \
			>/dev/null 2>err
		rc=$? &&
		test $rc -le 1 || { echo "length $len: exit $rc"; return 1; }
	done
'

# libdwarf reads the vmlinux out of a mapping (types_dwarf.c): a vmlinux
# cut while open is a SIGBUS, and the guard must name it, not the dump.
test_expect_success 'a vmlinux truncated while open: the SIGBUS guard names it, exit 2' '
	cp vmlinux shrinking-vmlinux &&
	{ "$SHRINK" dump.elf 0 vmlinux shrinking-vmlinux page.compound_info >out 2>err
	  status=$?; } &&
	cat err &&
	test $status -eq 2 &&
	grep -q "^hvoinspect: .shrinking-vmlinux.: the file ended under a read (truncated or changed while open)$" err &&
	test ! -s out
'

test_expect_success 'absurd sizes are refused' '
	test_expect_code 1 query --vmlinux vmlinux dump.elf member:absurd.huge 2>err &&
	grep "out of range" err
'

test_expect_success 'a typedef that refers to itself gives an error, not a hang' '
	python3 - <<-\EOF &&
	import re, subprocess
	info = subprocess.check_output(["readelf", "--debug-dump=info", "vmlinux"]).decode()
	sec = subprocess.check_output(["readelf", "-SW", "vmlinux"]).decode()
	base = int(re.search(r"\.debug_info\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)", sec).group(1), 16)
	die = re.search(r"<1><([0-9a-f]+)>: Abbrev Number: \d+ \(DW_TAG_typedef\)\n"
	                r"(?:.*\n)*?\s+<([0-9a-f]+)>\s+DW_AT_type", info)
	data = bytearray(open("vmlinux", "rb").read())
	# ref4 is relative to the unit, which starts at 0 in this one-unit file
	at = base + int(die.group(2), 16)
	data[at:at + 4] = int(die.group(1), 16).to_bytes(4, "little")
	open("cyclic", "wb").write(bytes(data))
	EOF
	test_expect_code 1 timeout 20 "$QUERY" --debug-root empty-root --force \
		--vmlinux cyclic dump.elf member:page.flags.f 2>err &&
	grep "cyclic" err
'

test_expect_success 'corrupted DWARF never crashes or hangs' '
	python3 - <<-\EOF
	import os, random, re, subprocess, sys
	sec = subprocess.check_output(["readelf", "-SW", "vmlinux"]).decode()
	spans = [(int(m.group(2), 16), int(m.group(3), 16)) for m in re.finditer(
	    r"(\.debug_(?:info|abbrev|str))\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)", sec)]
	data = open("vmlinux", "rb").read()
	rng = random.Random(3000)
	for i in range(60):
	    d = bytearray(data)
	    for _ in range(rng.randint(1, 4)):
	        off, size = rng.choice(spans)
	        d[off + rng.randrange(size)] = rng.randrange(256)
	    open("fuzz", "wb").write(bytes(d))
	    r = subprocess.run(["timeout", "20", os.environ["QUERY"], "--force",
	                        "--vmlinux", "fuzz", "dump.elf", "size:zone",
	                        "member:zone.vmemmap_tails", "member:page.compound_info",
	                        "member:page.flags.f", "enum:NEGATIVE", "enum:NOPE",
	                        "sym:hstates"], capture_output=True)
	    if r.returncode not in (0, 1):
	        open("fuzz-fail-%d" % i, "wb").write(bytes(d))
	        sys.exit("iteration %d: exit %d: %s" % (i, r.returncode, r.stderr[-300:]))
	EOF
'

test_done
