/*
 * program.h - an opened dump plus what we know about the kernel in it.
 *
 * Every front end (report, shell, batch) works on one struct hvo_program.
 * It records, for each fact, where it came from, so `info` can say so.
 */
#ifndef HVO_PROGRAM_H
#define HVO_PROGRAM_H

#include <stdint.h>

#include "arch.h"
#include "dump.h"
#include "error.h"
#include "page.h"
#include "vmcoreinfo.h"

struct hvo_program {
	struct hvo_dump *dump;
	const struct hvo_arch *arch;			/* the dump's architecture */
	const struct hvo_vmcoreinfo *vmcoreinfo;	/* owned by dump */
	const char *release;				/* OSRELEASE, or "" */
	enum hvo_generation generation;
	char *generation_evidence;
	struct hvo_page_layout page;
	/* VMEMMAP_TAIL_MIN_ORDER: ilog2(2 * PAGE_SIZE / sizeof(struct page)). */
	unsigned int vmemmap_tail_min_order;
	const char *page_flags_layout_source;
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
