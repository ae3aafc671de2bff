#!/bin/sh
# Opt-in, not in "make check": real Debian dumps, in-dump kallsyms and BTF
# against VMCOREINFO and against the release's -dbg vmlinux (DWARF).
# Run with "make check-debuginfo".
#   HVO_REAL_VMCORES=DIR      dumps as DIR/<name>/vmcore.kdump|vmcore.elf
#                             (tests/mkdump's layout); unset: skip
#   HVO_DEBUGINFO_CACHE=DIR   per release, DIR/<release>/usr/lib/debug/...;
#                             a missing release is fetched with
#                             "apt-get download linux-image-<release>-dbg"
#                             (1.2 GB for 7.2.13; only the vmlinux is kept)
#                             when HVO_DEBUGINFO_FETCH=yes
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

QUERY=${QUERY:-$top_builddir/tests/unit_types_query}
test_require_prog "$QUERY"
if [ -z "${HVO_REAL_VMCORES:-}" ] || [ ! -d "$HVO_REAL_VMCORES" ]; then
	echo "1..0 # SKIP set HVO_REAL_VMCORES to a directory of real dumps"
	exit 0
fi
CACHE=${HVO_DEBUGINFO_CACHE:-${HOME:-/tmp}/.cache/hvoinspect/debuginfo}

FACTS="size:zone size:pglist_data size:hstate size:page
member:zone.vmemmap_tails member:pglist_data.node_zones member:pglist_data.vmemmap_tails
member:hstate.order member:hstate.nr_huge_pages_node member:hstate.free_huge_pages_node
member:hstate.name member:page.compound_info member:page.compound_head
enum:NR_MEMMAP_PAGES enum:NR_MEMMAP_BOOT_PAGES enum:HPG_vmemmap_optimized
enum:hugetlb_page_flags.HPG_vmemmap_optimized enum:node_stat_item.HPG_vmemmap_optimized
sym:hstates sym:hugetlb_max_hstate sym:vm_node_stat sym:node_data sym:__start_BTF"

# debug_root RELEASE: the cached usr/lib/debug for it, fetched if allowed.
debug_root() {
	root=$CACHE/$1/usr/lib/debug
	if [ ! -r "$root/lib/modules/$1/vmlinux" ] && [ "${HVO_DEBUGINFO_FETCH:-}" = yes ]; then
		mkdir -p "$CACHE/$1" &&
		(cd "$CACHE/$1" && apt-get download "linux-image-$1-dbg" >&2 &&
		 # 7.2 ships lib/modules/R/vmlinux with boot/vmlinux-R a symlink, 6.12 the reverse
		 dpkg-deb --fsys-tarfile linux-image-*-dbg_*.deb |
			tar -x "./usr/lib/debug/lib/modules/$1/vmlinux" "./usr/lib/debug/boot/vmlinux-$1" &&
		 rm -f linux-image-*-dbg_*.deb) >&2
	fi
	echo "$root"
}

without_provider() {
	sed -e 's/ \(DWARF\|BTF\|VMCOREINFO\|kallsyms\|vmlinux symtab\)$//' "$@"
}

for dir in "$HVO_REAL_VMCORES"/*/; do
	name=$(basename "$dir")
	for dump in "$dir"vmcore.kdump "$dir"vmcore.elf; do
		[ -r "$dump" ] || continue
		what="$name $(basename "$dump")"
		release=$(hvoinspect vmcoreinfo "$dump" | sed -n "s/^OSRELEASE=//p")
		hvoinspect vmcoreinfo "$dump" >"$name.vmcoreinfo"

		test_expect_success "$what: kallsyms agrees with VMCOREINFO SYMBOL()" '
			syms=$(sed -n "s/^SYMBOL(\(.*\))=.*/sym:\1/p" '$name'.vmcoreinfo) &&
			"$QUERY" --no-dwarf --no-btf '"$dump"' $syms >syms &&
			n=0 &&
			while IFS="=" read -r key value; do
				sym=${key#SYMBOL(}; sym=${sym%)}
				# VMCOREINFO gives the value of these pointers, not their address
				case $sym in mem_section|vmemmap) continue;; esac
				got=$(awk -v s="$sym" "\$1 == \"sym\" && \$2 == s { print \$3, \$4 }" syms)
				case $got in
				"0x$value kallsyms") n=$((n + 1));;
				"0x$value VMCOREINFO") ;;	# not a kallsyms symbol
				*) echo "$sym: VMCOREINFO $value, got $got"; return 1;;
				esac
			done <<-EOF &&
			$(grep "^SYMBOL(" '$name'.vmcoreinfo)
			EOF
			test $n -ge 10
		'

		test_expect_success "$what: in-dump BTF answers every fact" '
			"$QUERY" --no-dwarf '"$dump"' $FACTS notes >btf &&
			grep "^note BTF: [0-9]* bytes" btf &&
			case '"$release"' in
			7.2.13*)
				grep "^size zone 1856 BTF$" btf &&
				grep "^member zone.vmemmap_tails offset=1680 size=128 len=16 elem=8 BTF$" btf &&
				grep "^member:pglist_data.vmemmap_tails not found$" btf &&
				grep "^member page.compound_info offset=8 " btf;;
			6.12.*)
				grep "^size zone 1536 BTF$" btf &&
				grep "^member:zone.vmemmap_tails not found$" btf &&
				grep "^member page.compound_head offset=8 " btf;;
			esac &&
			grep "^enum HPG_vmemmap_optimized 4 BTF$" btf &&
			grep "^enum hugetlb_page_flags.HPG_vmemmap_optimized 4 BTF$" btf &&
			grep "^enum:node_stat_item.HPG_vmemmap_optimized not found$" btf &&
			grep "^sym hstates 0x[0-9a-f]* kallsyms$" btf
		'

		root=$(debug_root "$release")
		if [ -r "$root/lib/modules/$release/vmlinux" ]; then
			test_expect_success "$what: DWARF of the -dbg vmlinux gives identical answers" '
				"$QUERY" --debug-root '"$root"' '"$dump"' $FACTS notes >dwarf &&
				grep "^note DWARF: .* (found by release; [0-9]* units, [0-9]* symbols)$" dwarf &&
				grep -v "^note" dwarf | without_provider >a &&
				grep -v "^note" btf | without_provider >b &&
				test_cmp b a &&
				grep -c " DWARF$" dwarf
			'
			test_expect_success "$what: every kallsyms name resolves to its nm address" '
				"$QUERY" --no-dwarf --no-btf '"$dump"' allsyms >allsyms &&
				grep "^# kallsyms: .* looked up by kallsyms_seqs_of_names" allsyms &&
				nm '"$root/lib/modules/$release/vmlinux"' >nm.out &&
				python3 "$top_srcdir/tests/nmcmp.py" allsyms nm.out
			'
		else
			test_skip "$what: DWARF of the -dbg vmlinux" \
				"no $root/lib/modules/$release/vmlinux (HVO_DEBUGINFO_FETCH=yes fetches it)"
		fi
	done
done

# The whole analysis with the release's vmlinux equals the analysis with
# nothing but the dump (BTF and kallsyms): only the named sources differ.
for dir in "$HVO_REAL_VMCORES"/*/; do
	dump="${dir}vmcore.kdump"
	[ -r "$dump" ] || continue
	release=$(hvoinspect vmcoreinfo "$dump" | sed -n "s/^OSRELEASE=//p")
	vmlinux="$(debug_root "$release")/lib/modules/$release/vmlinux"
	[ -r "$vmlinux" ] || vmlinux="$(debug_root "$release")/boot/vmlinux-$release"
	if [ ! -r "$vmlinux" ]; then
		test_skip "$(basename "$dir"): report with and without vmlinux" "no vmlinux for $release"
		continue
	fi
	test_expect_success "$(basename "$dir"): report with its vmlinux equals report without" '
		{ hvoinspect --deep --json -c "report; tails; folios" --no-dwarf "'"$dump"'";
		  test $? -le 1; } | sed "s/\"source\":\"[^\"]*\"//" >without &&
		{ hvoinspect --deep --json -c "report; tails; folios" --vmlinux "'"$vmlinux"'" "'"$dump"'";
		  test $? -le 1; } | sed "s/\"source\":\"[^\"]*\"//" >with &&
		test_cmp without with
	'
done

test_done
