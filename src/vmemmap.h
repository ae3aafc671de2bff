/*
 * vmemmap.h - the vmemmap as its page tables map it.
 *
 * One walk over the kernel page tables below the vmemmap range reads each
 * page-table page once and records the mapping as runs: consecutive vmemmap
 * pages that map consecutive frames (a 2 MiB PMD leaf, a split PMD that was
 * never optimised) or the same frame again and again (HVO tails).  A 1 GiB
 * HVO folio is then two runs, whatever its size, so the analysis never has
 * to look at 4096 PTEs one by one.
 */
#ifndef HVO_VMEMMAP_H
#define HVO_VMEMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "error.h"
#include "program.h"

#define HVO_MAP_WRITABLE 0x1u	/* _PAGE_RW set at the leaf (and above) */
#define HVO_MAP_PTE 0x2u	/* mapped by last-level PTEs, not a huge leaf */
#define HVO_MAP_REPEAT 0x4u	/* every page of the run maps the same frame */

struct hvo_vmemmap_run {
	uint64_t vaddr;		/* first vmemmap address, page aligned */
	uint64_t nr_pages;	/* vmemmap pages (base pages) in the run */
	uint64_t paddr;		/* frame of the first page */
	unsigned int flags;	/* HVO_MAP_* */
};

struct hvo_vmemmap {
	const struct hvo_arch *arch;		/* its page size is a vmemmap page's */
	uint64_t start_vaddr, end_vaddr;	/* walked range */
	struct hvo_vmemmap_run *runs;		/* sorted by vaddr, no overlap */
	size_t nr_runs, runs_capacity;
	/* Tables not walked: not in the dump (missing) or referenced twice (warning). */
	struct hvo_diags diags;
	uint64_t nr_table_pages;	/* page-table pages read */
	uint64_t nr_mapped_pages;	/* vmemmap pages mapped */
	uint64_t nr_pte_tables;		/* PMDs split into PTE tables */
	uint64_t nr_pmd_leaves;
	bool incomplete;		/* a table could not be read */
};

/*
 * Walk the kernel page tables for [start, end) of the vmemmap.  Tables that
 * are not in the dump are recorded as problems (and make the walk
 * incomplete) rather than failing the whole walk.
 */
struct hvo_error *hvo_vmemmap_walk(const struct hvo_program *prog, uint64_t start_vaddr,
				   uint64_t end_vaddr, struct hvo_vmemmap **ret);
void hvo_vmemmap_free(struct hvo_vmemmap *vm);

/*
 * The run containing vaddr, or NULL when it is not mapped.  hint, if not
 * NULL, holds a run index to search forward from and is set to the one
 * found: lookups in address order (the scan's) then find their run a few
 * steps on instead of searching a million runs each time.
 */
const struct hvo_vmemmap_run *hvo_vmemmap_find(const struct hvo_vmemmap *vm,
					       uint64_t vaddr, size_t *hint);

/* Frame that maps the vmemmap page containing vaddr; false if unmapped. */
bool hvo_vmemmap_translate(const struct hvo_vmemmap *vm, uint64_t vaddr, size_t *hint,
			   uint64_t *paddr_ret, unsigned int *flags_ret);

#endif /* HVO_VMEMMAP_H */
