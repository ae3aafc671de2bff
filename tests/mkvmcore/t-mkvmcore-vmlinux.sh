#!/bin/sh
# The per-generation "vmlinux" files: symbols at the model's link-time
# addresses (dump address - KERNELOFFSET), DWARF with each generation's types.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
test_require_prog nm
test_require_prog readelf

VMLINUX_DIR=$top_builddir/tests/mkvmcore

for gen in legacy v3 merged; do
	test_expect_success "vmlinux-$gen symbols match a $gen dump" '
		mkvmcore --generation $gen --seed 11 -o $gen.elf --truth $gen.json &&
		koff=$(sed -n "s/.*\"kernel_offset\": \"\(0x[0-9a-f]*\)\".*/\1/p" $gen.json) &&
		for sym in init_top_pgt node_data mem_section hstates nr_memmap_pages \
			nr_memmap_boot_pages init_uts_ns _text; do
			dump=$(sed -n "s/.*\"$sym\": \"0xffffffff\([0-9a-f]*\)\".*/\1/p" $gen.json | head -n 1) &&
			link=$(nm "$VMLINUX_DIR/vmlinux-$gen" | sed -n "s/^ffffffff\([0-9a-f]*\) . $sym\$/\1/p") &&
			test -n "$dump" && test -n "$link" &&
			test $((0x$dump - koff)) -eq $((0x$link)) || {
				echo "$sym: dump ffffffff$dump, vmlinux ffffffff$link, offset $koff"; return 1; }
		done
	'
done

test_expect_success "vmlinux build ids match the dumps' BUILD-ID" '
	for gen in legacy v3 merged; do
		id=$(mkvmcore --generation $gen --print-build-id) &&
		readelf -n "$VMLINUX_DIR/vmlinux-$gen" | grep -q "Build ID: $id" &&
		grep -a -q "BUILD-ID=$id" $gen.elf || return 1
	done &&
	mkvmcore --build-id 00112233445566778899aabbccddeeff00112233 -o other.elf &&
	grep -a -q "BUILD-ID=00112233445566778899aabbccddeeff00112233" other.elf
'

test_expect_success 'DWARF: struct page word 1 is named per generation' '
	readelf --debug-dump=info "$VMLINUX_DIR/vmlinux-legacy" >legacy.dw &&
	grep -q "DW_AT_name.*: compound_head" legacy.dw &&
	! grep -q "DW_AT_name.*: compound_info" legacy.dw &&
	readelf --debug-dump=info "$VMLINUX_DIR/vmlinux-merged" >merged.dw &&
	grep -q "DW_AT_name.*: compound_info" merged.dw
'

test_expect_success 'DWARF: vmemmap_tails only where the generation has it' '
	! grep -q ": vmemmap_tails$" legacy.dw &&
	grep -q ": vmemmap_tails$" merged.dw &&
	readelf --debug-dump=info "$VMLINUX_DIR/vmlinux-v3" >v3.dw &&
	grep -q ": vmemmap_tails$" v3.dw &&
	grep -q "HPG_vmemmap_optimized" merged.dw &&
	grep -q "hugepage_freelists" merged.dw
'

test_done
