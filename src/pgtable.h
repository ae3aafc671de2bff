/*
 * pgtable.h - one walker over the kernel's page tables.
 *
 * The vmemmap walk (a range, recorded as runs) and the single-address
 * commands (pte) both go through it; the entry format comes from the
 * architecture description (arch.h).  It reads each table page once,
 * whole, refuses a table it has already walked, bounds the number of
 * tables a corrupted dump can make it read, and lets Ctrl-C in.
 */
#ifndef HVO_PGTABLE_H
#define HVO_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "error.h"
#include "program.h"

#define HVO_PGTABLE_MAX_LEVELS 5

struct hvo_pgtable_ops {
	/*
	 * Every entry inside the range, present or not, in walk order, before
	 * it is followed; NULL when not wanted (the vmemmap walk).
	 */
	struct hvo_error *(*entry)(void *arg, unsigned int level, uint64_t entry_paddr,
				   uint64_t value, struct hvo_pte pte);
	/*
	 * nr consecutive leaves of one table from vaddr, each mapping the
	 * level's span: the first maps paddr, the others paddr + i * step
	 * (step 0: all the same frame).  writable: these entries and every one
	 * above them allow writes.  Only last-level leaves come more than one
	 * at a time.
	 */
	struct hvo_error *(*leaves)(void *arg, unsigned int level, uint64_t vaddr,
				    uint64_t paddr, uint64_t nr, uint64_t step, bool writable);
	/*
	 * A table that was not walked: it could not be read (err's code
	 * HVO_ERROR_NODATA or HVO_ERROR_FORMAT) or was referenced a second time
	 * (HVO_ERROR_INVALID).  Takes err: return it (or another) to stop the
	 * walk, NULL to go on without that table.
	 */
	struct hvo_error *(*bad_table)(void *arg, uint64_t vaddr, uint64_t table_paddr,
				       struct hvo_error *err);
};

struct hvo_pgtable_stats {
	uint64_t nr_table_pages;	/* table pages read */
	/* Entries at each level that point to a table below (index = level). */
	uint64_t nr_tables_below[HVO_PGTABLE_MAX_LEVELS + 1];
};

/* The first address of the kernel half: the top bit of the table's reach set, sign-extended. */
uint64_t hvo_pgtable_kernel_start(const struct hvo_program *prog);

/*
 * Walk the kernel page tables (from the kernel's top-level table) over
 * [start, end) - or up to the end of the address space when end is 0 -
 * calling ops for what it finds.  stats, if not NULL, is added to.
 */
struct hvo_error *hvo_pgtable_walk(const struct hvo_program *prog, uint64_t start,
				   uint64_t end, const struct hvo_pgtable_ops *ops, void *arg,
				   struct hvo_pgtable_stats *stats);

#endif /* HVO_PGTABLE_H */
