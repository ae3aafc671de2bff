#!/bin/sh
# Every provider gives the same answer where they overlap: DWARF of the
# generator's vmlinux-<generation>, the BTF and kallsyms it writes into the
# dump, and VMCOREINFO, for each generation and dump format.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

QUERY=${QUERY:-$top_builddir/tests/unit_types_query}
VMLINUX_DIR=${VMLINUX_DIR:-$top_builddir/tests/mkvmcore}
test_require_prog "$MKVMCORE"
test_require_prog "$QUERY"
for gen in legacy v3 merged; do
	if [ ! -r "$VMLINUX_DIR/vmlinux-$gen" ]; then
		echo "1..0 # SKIP $VMLINUX_DIR/vmlinux-$gen not built"
		exit 77
	fi
done
query() { "$QUERY" --debug-root "$TEST_TMP/empty-root" "$@"; }
mkdir empty-root

QUERIES="size:page size:zone size:pglist_data size:hstate size:free_area
member:page.flags member:page.compound_info member:page.compound_head
member:page.mapping member:page.private member:page._mapcount member:page._refcount
member:zone.vmemmap_tails member:zone.free_area member:zone.spanned_pages
member:pglist_data.node_zones member:pglist_data.vmemmap_tails
member:pglist_data.node_id member:pglist_data.nr_zones
member:hstate.order member:hstate.nr_huge_pages_node member:hstate.free_huge_pages_node
member:hstate.name enum:HPG_vmemmap_optimized
sym:hstates sym:hugetlb_max_hstate sym:node_data sym:init_top_pgt sym:mem_section"

# Answers without the provider name; VMCOREINFO members know only offset and length.
strip_provider() {
	sed -e 's/ \(DWARF\|BTF\|VMCOREINFO\|kallsyms\|vmlinux symtab\)$//' "$@"
}
offsets_only() {
	sed -e 's/^\(member [^ ]* offset=[0-9]*\) .*/\1/' "$@"
}

for gen in legacy v3 merged; do
	for format in elf kdump; do
		dump=$gen.$format
		test_expect_success "$gen $format: DWARF, BTF and kallsyms answer alike" '
			mkvmcore --generation '$gen' --format '$format' -o '$dump' &&
			query --vmlinux "$VMLINUX_DIR/vmlinux-'$gen'" '$dump' $QUERIES notes >dwarf &&
			grep "^note DWARF: .*vmlinux-'$gen'" dwarf &&
			grep "^note kallsyms: [0-9]* symbols" dwarf &&
			grep "^note BTF: [0-9]* bytes" dwarf &&
			query --no-dwarf '$dump' $QUERIES >btf &&
			grep -v "^note" dwarf | strip_provider >a &&
			strip_provider btf >b &&
			test_cmp a b
		'
		test_expect_success "$gen $format: VMCOREINFO agrees where it answers" '
			query --no-dwarf --no-btf '$dump' $QUERIES >vi &&
			grep " VMCOREINFO$" vi | strip_provider | offsets_only >want &&
			test -s want &&
			strip_provider dwarf | offsets_only | grep -F -x -f want >got &&
			test_cmp want got
		'
	done
done

# patch_phys ELF PADDR HEX: overwrite bytes at a physical address of an ELF dump.
patch_phys() {
	python3 - "$@" <<-\EOF
	import struct, sys
	path, paddr, data = sys.argv[1], int(sys.argv[2], 0), bytes.fromhex(sys.argv[3])
	f = open(path, "r+b")
	head = f.read(64)
	phoff, phentsize, phnum = struct.unpack_from("<Q", head, 32)[0], *struct.unpack_from("<HH", head, 54)
	for i in range(phnum):
	    f.seek(phoff + i * phentsize)
	    ptype, _, off, _, pa, filesz = struct.unpack("<IIQQQQ", f.read(40))
	    if ptype == 1 and pa <= paddr and paddr + len(data) <= pa + filesz:
	        f.seek(off + paddr - pa)
	        f.write(data)
	        sys.exit(0)
	sys.exit("0x%x is not in a PT_LOAD" % paddr)
	EOF
}

for gen in legacy merged; do
	test_expect_success "$gen: kallsyms_seqs_of_names finds every name the hashed names find" '
		mkvmcore --generation '$gen' -o sorted.elf &&
		query --no-dwarf --no-btf sorted.elf allsyms >sorted &&
		grep "^# kallsyms: [0-9]* symbols (.* looked up by kallsyms_seqs_of_names)" sorted &&
		# The generator'"'"'s truth: its vmlinux-'$gen' symbol table.
		nm "$VMLINUX_DIR/vmlinux-'$gen'" >nm.out &&
		python3 "$top_srcdir/tests/nmcmp.py" sorted nm.out 20 &&
		# Break the markers before kallsyms_token_table: the sorted table
		# is refused and every name is hashed instead, with the same answers.
		tt=$(hvoinspect vmcoreinfo sorted.elf | sed -n "s/^SYMBOL(kallsyms_token_table)=//p") &&
		paddr=$(hvoinspect --json -c "vtop 0x$tt" sorted.elf |
			sed -n "s/.*\"paddr\":\"\(0x[0-9a-f]*\)\".*/\1/p") &&
		test -n "$paddr" &&
		patch_phys sorted.elf $((paddr - 8)) ffffffffffffffff &&
		query --no-dwarf --no-btf sorted.elf allsyms >hashed &&
		grep "^# kallsyms: [0-9]* symbols (.* looked up by hashed names)" hashed &&
		grep -v "^#" sorted >a && grep -v "^#" hashed >b &&
		test_cmp a b
	'
done

test_expect_success 'the generation-specific members are where they belong' '
	query --no-dwarf merged.elf member:zone.vmemmap_tails >out &&
	grep "^member zone.vmemmap_tails offset=1680 size=128 len=16 elem=8 BTF$" out &&
	query --no-dwarf v3.elf member:pglist_data.vmemmap_tails member:zone.vmemmap_tails >out &&
	grep "^member pglist_data.vmemmap_tails offset=[0-9]* size=128 len=16 elem=8 BTF$" out &&
	grep "^member:zone.vmemmap_tails not found$" out &&
	query --no-dwarf legacy.elf member:page.compound_head member:page.compound_info >out &&
	grep "^member page.compound_head offset=8 size=8 " out &&
	grep "^member:page.compound_info not found$" out
'

# A provider the dump carries that cannot be read is damage (the analysis is
# then incomplete); a broken debuginfo file found on this host is not.
test_expect_success 'a broken vmlinux under the debug root is not damage to the dump' '
	release=$(hvoinspect vmcoreinfo merged.elf | sed -n "s/^OSRELEASE=//p") &&
	mkdir -p broken-root/boot &&
	printf "not an ELF file" >"broken-root/boot/vmlinux-$release" &&
	"$QUERY" --debug-root broken-root merged.elf notes >out &&
	grep "^note DWARF: not used: .*broken-root/boot/vmlinux-$release" out &&
	! grep "^damaged" out
'

test_expect_success 'a kallsyms or BTF page with a bad descriptor is damage to the dump' '
	hvoinspect slice merged.elf sliced.kdump >/dev/null &&
	HVOINSPECT_READ_LOG=types.log hvoinspect info sliced.kdump >/dev/null &&
	python3 "$top_srcdir/tests/corrupt.py" sliced.kdump badtypes.kdump pd-read types.log \
		>/dev/null &&
	query --no-dwarf badtypes.kdump notes >out &&
	grep "^damaged \(kallsyms\|BTF\): not used: .*corrupt kdump-compressed dump: page descriptor" out
'

# A fuzzed input (tests/fuzz/corpus/dwarf): a DW_AT_sibling that points at
# its own DIE, inside a subtree libdwarf 20210528 steps through, where it
# used to spin forever. libdwarf 0.x (trixie's 0.11.1) refuses the link
# itself before our walk reaches it, with its own words for the same fault
# (offset 450 = 0x1c2).
test_expect_success 'DWARF: a sibling link to its own DIE is an error naming the file' '
	test_expect_code 1 timeout 60 "$QUERY" --debug-root "$TEST_TMP/empty-root" --force \
		--no-btf --vmlinux "$top_srcdir/tests/fuzz/corpus/dwarf/timeout-sibling-self.rel" \
		merged.elf member:page.compound_info 2>err &&
	grep -e "DWARF of .*/timeout-sibling-self.rel.: the sibling of the DIE at 0x1c2 is at 0x1c2, not after it" \
	     -e "DWARF of .*/timeout-sibling-self.rel.: .*DW_DLE_SIBLING_OFFSET_WRONG the DW_AT_sibling offset (450)" err
'

test_expect_success 'vmlinux symbols are dropped when _stext + KERNELOFFSET disagrees with kallsyms' '
	hvoinspect vmcoreinfo merged.elf | sed "s/^KERNELOFFSET=.*/KERNELOFFSET=2000000/" >vi &&
	mkvmcore --generation merged --vmcoreinfo vi -o wrong-offset.elf &&
	query --vmlinux "$VMLINUX_DIR/vmlinux-merged" wrong-offset.elf sym:hstates notes >out &&
	grep "^sym hstates 0x[0-9a-f]* kallsyms$" out &&
	grep "^note vmlinux symtab: not used: _stext 0x[0-9a-f]* + KERNELOFFSET 0x2000000 differs" out
'

# edit_symbol NAME VALUE <in >out: change SYMBOL(NAME) in a VMCOREINFO text.
edit_symbol() {
	sed "s/^SYMBOL($1)=.*/SYMBOL($1)=$2/"
}

test_expect_success 'hostile kallsyms locations: noted, VMCOREINFO still answers' '
	hvoinspect vmcoreinfo merged.elf >vi &&
	table=$(sed -n "s/^SYMBOL(kallsyms_token_table)=//p" vi) &&
	edit_symbol kallsyms_token_table ffffffff80000000 <vi >vi-order &&
	mkvmcore --generation merged --vmcoreinfo vi-order -o order.elf &&
	query --no-dwarf order.elf sym:node_data notes >out &&
	grep "^sym node_data 0x[0-9a-f]* VMCOREINFO$" out &&
	grep "^note kallsyms: not used: reading kallsyms: cannot bound kallsyms_names" out &&
	grep "^note BTF: not used: no kallsyms" out &&
	edit_symbol kallsyms_num_syms $table <vi >vi-count &&
	mkvmcore --generation merged --vmcoreinfo vi-count -o count.elf &&
	query --no-dwarf count.elf notes >out &&
	grep "^note kallsyms: not used: .*kallsyms_num_syms=[0-9]* is not plausible" out &&
	edit_symbol kallsyms_num_syms ffffffff80000000 <vi >vi-unmapped &&
	mkvmcore --generation merged --vmcoreinfo vi-unmapped -o unmapped.elf &&
	query --no-dwarf unmapped.elf notes >out &&
	grep "^note kallsyms: not used: reading kallsyms: reading kallsyms_num_syms: " out
'

test_done
