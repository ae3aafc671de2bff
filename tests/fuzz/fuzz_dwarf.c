/*
 * fuzz_dwarf.c - the DWARF provider on a hostile ELF file: libelf (build id,
 * symbol table) and libdwarf behind hvo_dwarf_open(), then every query the
 * analysis makes.  libdwarf reads from a file descriptor, so the input goes
 * to a memfd and is opened by its /proc path, as --vmlinux would be.
 *
 * Then a known-good linked file from the corpus is asked again: what one file
 * leaves in the process must not change another file's answers (libdwarf
 * 20210528's own reader left a hook that broke every later mapped file;
 * types_dwarf.c, clear_elf_flags_hook()).  After each of the first inputs
 * (all of a replayed corpus), then after every 16th: an open after every
 * input cut libFuzzer's executions per second by 4x, and such state stays
 * until the next look.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "types_dwarf.h"

#ifndef HVO_FUZZ_SRCDIR
#define HVO_FUZZ_SRCDIR "."
#endif
/* Linked (ET_DYN), so opened on a mapping. */
#define KNOWN_GOOD HVO_FUZZ_SRCDIR "/tests/fuzz/corpus/dwarf/types-shared.so"

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

/* What the known-good file answers, as text. */
static void ask_known_good(char *buf, size_t size)
{
	struct hvo_dwarf *dwarf;
	struct hvo_error *err = hvo_dwarf_open(KNOWN_GOOD, &dwarf);
	if (err) {
		snprintf(buf, size, "open: %s", err->message);
		hvo_error_destroy(err);
		return;
	}
	uint64_t struct_size = 0;
	struct hvo_member member = { 0 };
	int64_t value = 0;
	struct hvo_error *size_err = hvo_dwarf_struct_size(dwarf, "hstate", &struct_size);
	struct hvo_error *member_err = hvo_dwarf_member(dwarf, "hstate", "order", &member);
	struct hvo_error *enum_err = hvo_dwarf_enum_value(dwarf, "hugetlb_page_flags",
							  "HPG_vmemmap_optimized", &value);
	snprintf(buf, size, "size %s %" PRIu64 ", member %s %" PRIu64 ", enum %s %" PRId64,
		 size_err ? size_err->message : "ok", struct_size,
		 member_err ? member_err->message : "ok", member.offset,
		 enum_err ? enum_err->message : "ok", value);
	hvo_error_destroy(size_err);
	hvo_error_destroy(member_err);
	hvo_error_destroy(enum_err);
	hvo_dwarf_close(dwarf);
}

#define CHECK_EACH_OF_FIRST 256
#define CHECK_EVERY 16

/* The first answers are the baseline; a later difference aborts. */
static void check_known_good(void)
{
	static char baseline[1024];
	static unsigned long nr_calls;
	char now[sizeof(baseline)];
	nr_calls++;
	if (nr_calls > CHECK_EACH_OF_FIRST && nr_calls % CHECK_EVERY != 0)
		return;
	if (access(KNOWN_GOOD, R_OK) != 0)
		return;		/* run away from the source tree: nothing to compare */
	ask_known_good(now, sizeof(now));
	if (!baseline[0]) {
		memcpy(baseline, now, sizeof(baseline));
		return;
	}
	if (strcmp(baseline, now) != 0) {
		char which[64] = "";
		if (nr_calls > CHECK_EACH_OF_FIRST)
			snprintf(which, sizeof(which), " or one of the %d before it", CHECK_EVERY - 1);
		fprintf(stderr, "fuzz_dwarf: after this input%s, %s answers \"%s\", not \"%s\"\n",
			which, KNOWN_GOOD, now, baseline);
		abort();
	}
}

static void fuzz_one(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-dwarf", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct hvo_dwarf *dwarf;
	struct hvo_error *err = hvo_dwarf_open(path, &dwarf);
	if (err) {
		hvo_error_destroy(err);
		close(fd);
		return;
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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool started;
	if (!started) {
		started = true;
		check_known_good();	/* the baseline, before any input */
	}
	fuzz_one(data, size);
	check_known_good();
	return 0;
}
