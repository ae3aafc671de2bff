/*
 * unit_dwarf_open - open vmlinux files one after another in one process and
 * ask each the same questions (a test helper for tests/t3000-types.sh).
 *
 *   unit_dwarf_open FILE...
 *
 * Per file: "FILE: size hstate N", "FILE: member hstate.order OFFSET",
 * "FILE: enum hugetlb_page_flags.HPG_vmemmap_optimized V" (or "... error:
 * MESSAGE"), then, last, "mapped objects given to libdwarf's ELF flags
 * hook: N".  libdwarf 20210528's own ELF reader leaves a process-wide hook
 * that a later dwarf_object_init_b() would call on our mapped object
 * (types_dwarf.c, clear_elf_flags_hook()); before each open, a hook left
 * there is wrapped to count such calls.  libdwarf 0.x has no hook: 0.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <libdwarf.h>

#include "types_dwarf.h"

static unsigned long nr_calls_on_mapped;

#ifndef HVO_LIBDWARF_NEW_API
typedef int elf_flags_hook_t(void *object, Dwarf_Half index, Dwarf_Unsigned *flags,
			     Dwarf_Unsigned *addralign, int *error);
extern elf_flags_hook_t *_dwarf_get_elf_flags_func_ptr __attribute__((weak));

static elf_flags_hook_t *wrapped_hook;

/* Our mapped objects start with 'H'; libdwarf's own readers' with 'E'..'P'. */
static int counting_hook(void *object, Dwarf_Half index, Dwarf_Unsigned *flags,
			 Dwarf_Unsigned *addralign, int *error)
{
	if (*(const char *)object == 'H') {
		nr_calls_on_mapped++;
		return DW_DLV_OK;	/* not passed on: the reader would read past it */
	}
	return wrapped_hook(object, index, flags, addralign, error);
}

static void wrap_hook(void)
{
	if (!&_dwarf_get_elf_flags_func_ptr || !_dwarf_get_elf_flags_func_ptr ||
	    _dwarf_get_elf_flags_func_ptr == counting_hook)
		return;
	wrapped_hook = _dwarf_get_elf_flags_func_ptr;
	_dwarf_get_elf_flags_func_ptr = counting_hook;
}
#else
static void wrap_hook(void)
{
}
#endif

static void print_error(const char *path, const char *what, struct hvo_error *err)
{
	printf("%s: %s error: %s\n", path, what, err->message);
	hvo_error_destroy(err);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: unit_dwarf_open FILE...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		const char *path = argv[i];
		struct hvo_dwarf *dwarf;
		wrap_hook();
		struct hvo_error *err = hvo_dwarf_open(path, &dwarf);
		if (err) {
			print_error(path, "open", err);
			continue;
		}
		uint64_t size;
		if ((err = hvo_dwarf_struct_size(dwarf, "hstate", &size)))
			print_error(path, "size hstate", err);
		else
			printf("%s: size hstate %" PRIu64 "\n", path, size);
		struct hvo_member member;
		if ((err = hvo_dwarf_member(dwarf, "hstate", "order", &member)))
			print_error(path, "member hstate.order", err);
		else
			printf("%s: member hstate.order %" PRIu64 "\n", path, member.offset);
		int64_t value;
		if ((err = hvo_dwarf_enum_value(dwarf, "hugetlb_page_flags",
						"HPG_vmemmap_optimized", &value)))
			print_error(path, "enum", err);
		else
			printf("%s: enum hugetlb_page_flags.HPG_vmemmap_optimized %" PRId64 "\n",
			       path, value);
		hvo_dwarf_close(dwarf);
	}
	printf("mapped objects given to libdwarf's ELF flags hook: %lu\n", nr_calls_on_mapped);
	return 0;
}
