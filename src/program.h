/*
 * program.h - an opened dump plus what we know about the kernel in it.
 *
 * Every front end (report, shell, batch) works on one struct hvo_program.
 * It records, for each fact, where it came from, so `info` can say so.
 */
#ifndef HVO_PROGRAM_H
#define HVO_PROGRAM_H

#include <stdint.h>

#include "dump.h"
#include "error.h"
#include "vmcoreinfo.h"

/* x86_64 kernel layout constants (arch/x86/include/asm/page_64_types.h, pgtable_64_types.h). */
#define HVO_X86_VMEMMAP_BASE_L4 UINT64_C(0xffffea0000000000)
#define HVO_X86_VMEMMAP_BASE_L5 UINT64_C(0xffd4000000000000)

struct hvo_struct_page_layout {
	uint64_t size;			/* SIZE(page) */
	uint64_t flags_offset;		/* OFFSET(page.flags) */
	uint64_t compound_offset;	/* OFFSET(page.compound_info / compound_head) */
	uint64_t mapping_offset;	/* OFFSET(page.mapping), if exported */
	uint64_t private_offset;	/* OFFSET(page.private), if exported */
	uint64_t mapcount_offset;	/* OFFSET(page._mapcount): page_type lives here */
	uint64_t refcount_offset;
	unsigned int order_shift;	/* log2(size), for masks */
};

struct hvo_program {
	struct hvo_dump *dump;
	const struct hvo_vmcoreinfo *vmcoreinfo;	/* owned by dump */
	const char *release;				/* OSRELEASE, or "" */
	enum hvo_generation generation;
	char *generation_evidence;
	struct hvo_struct_page_layout page;
	uint64_t vmemmap_base;
	const char *vmemmap_base_source;
	unsigned int pgtable_levels;
	const char *pgtable_levels_source;
	uint64_t kernel_offset;
	int64_t phys_base;
};

/* Open the dump and derive the kernel facts everything else needs. */
struct hvo_error *hvo_program_open(const char *path, struct hvo_program **ret);
void hvo_program_close(struct hvo_program *prog);

#endif /* HVO_PROGRAM_H */
