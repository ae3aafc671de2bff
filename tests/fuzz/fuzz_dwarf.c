/*
 * fuzz_dwarf.c - the DWARF provider on a hostile ELF file: libelf (build id,
 * symbol table) and libdwarf behind hvo_dwarf_open(), then every query the
 * analysis makes.  libdwarf reads from a file descriptor, so the input goes
 * to a memfd and is opened by its /proc path, as --vmlinux would be.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "types_dwarf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const structs[] = {
	"page", "folio", "zone", "pglist_data", "hstate", "mem_section", "nodemask_t",
};

static const char *const members[][2] = {
	{ "page", "flags" }, { "page", "flags.f" }, { "page", "compound_info" },
	{ "page", "compound_head" }, { "page", "private" }, { "folio", "_nr_pages" },
	{ "zone", "vmemmap_tails" }, { "pglist_data", "node_zones" },
	{ "pglist_data", "vmemmap_tails" }, { "hstate", "order" },
	{ "hstate", "nr_huge_pages_node" }, { "hstate", "order.x" },
};

static const char *const enumerators[] = {
	"HPG_vmemmap_optimized", "NR_MEMMAP_PAGES", "PG_head", "ZONE_MOVABLE",
};

static const char *const symbols[] = {
	"hstates", "node_data", "hugetlb_max_hstate", "nr_memmap_pages", "_stext",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-dwarf", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct hvo_dwarf *dwarf;
	struct hvo_error *err = hvo_dwarf_open(path, &dwarf);
	if (err) {
		hvo_error_destroy(err);
		close(fd);
		return 0;
	}
	(void)hvo_dwarf_nr_units(dwarf);
	(void)hvo_dwarf_nr_symbols(dwarf);
	(void)hvo_dwarf_build_id(dwarf);
	for (size_t i = 0; i < sizeof(structs) / sizeof(structs[0]); i++) {
		uint64_t struct_size;
		hvo_error_destroy(hvo_dwarf_struct_size(dwarf, structs[i], &struct_size));
	}
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		struct hvo_member m;
		hvo_error_destroy(hvo_dwarf_member(dwarf, members[i][0], members[i][1], &m));
	}
	int64_t value;
	hvo_error_destroy(hvo_dwarf_enum_value(dwarf, "hugetlb_page_flags", "HPG_vmemmap_optimized",
					       &value));
	for (size_t i = 0; i < sizeof(enumerators) / sizeof(enumerators[0]); i++)
		hvo_error_destroy(hvo_dwarf_enum_value(dwarf, NULL, enumerators[i], &value));
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		uint64_t address;
		hvo_error_destroy(hvo_dwarf_symbol(dwarf, symbols[i], &address));
	}
	hvo_dwarf_close(dwarf);
	close(fd);
	return 0;
}
