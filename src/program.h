/*
 * program.h - an opened dump plus what we know about the kernel in it.
 *
 * Every front end (report, shell, batch) works on one struct hvo_program.
 * It records, for each fact, where it came from, so `info` can say so.
 */
#ifndef HVO_PROGRAM_H
#define HVO_PROGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "dump.h"
#include "error.h"
#include "page.h"
#include "vmcoreinfo.h"

struct hvo_types;

/* A zone's page frame range, from its struct zone. */
struct hvo_zone_span {
	unsigned int node, zone;
	uint64_t start_pfn, spanned_pages;
};

struct hvo_program {
	struct hvo_dump *dump;
	const struct hvo_arch *arch;			/* the dump's architecture */
	const struct hvo_vmcoreinfo *vmcoreinfo;	/* owned by dump */
	const char *release;				/* OSRELEASE, or "" */
	enum hvo_generation generation;
	char *generation_evidence;
	struct hvo_page_layout page;
	/*
	 * The node and zone bits of page->flags and HPG_vmemmap_optimized's
	 * bit in page, settled by hvo_program_settle_layout(): the defaults
	 * until type information is open.  The notes are for the analysis
	 * to pass on (NULL: none); the source is for `info`.
	 */
	const char *page_flags_layout_source;
	char *page_flags_layout_note;
	char *hpg_vmemmap_optimized_note;
	struct hvo_zone_span *zone_spans;	/* zones with pages, if read */
	size_t nr_zone_spans;
	/* VMEMMAP_TAIL_MIN_ORDER: ilog2(2 * PAGE_SIZE / sizeof(struct page)). */
	unsigned int vmemmap_tail_min_order;
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

/*
 * Settle the node and zone bits of page->flags and HPG_vmemmap_optimized's
 * bit with type information (NULL: the defaults), before struct pages are
 * decoded with them; again with other types starts afresh.  Type
 * information or zones that are missing or unusable leave the defaults;
 * other errors (a malformed provider, a corrupt dump) leave prog as it was.
 */
struct hvo_error *hvo_program_settle_layout(struct hvo_program *prog, struct hvo_types *types);

#endif /* HVO_PROGRAM_H */
