/*
 * kstate.h - kernel structures the analysis reads through type information:
 * the memmap counters, the vmemmap_tails[] arrays and the hstates.
 *
 * Each reader says where its layout came from; a layout no provider knows
 * is &hvo_error_not_found, and the analysis notes what it had to skip.
 */
#ifndef HVO_KSTATE_H
#define HVO_KSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "program.h"
#include "types.h"

struct hvo_memmap_counters {
	int64_t nr_memmap_pages;	/* mm/vmstat.c nr_memmap_pages */
	int64_t nr_memmap_boot_pages;	/* mm/vmstat.c nr_memmap_boot_pages */
	enum hvo_types_provider provider;	/* where the symbols came from */
};

struct hvo_error *hvo_kstate_memmap_counters(const struct hvo_program *prog,
					     struct hvo_types *types,
					     struct hvo_memmap_counters *ret);

/* One non-empty vmemmap_tails[] slot. */
struct hvo_tail_entry {
	unsigned int node;
	unsigned int zone;	/* zone index (merged); unused for v3 (per node) */
	unsigned int order;
	uint64_t frame;		/* physical address of the shared tail page */
	uint64_t entry_vaddr;	/* where the slot itself is */
};

/*
 * Every set vmemmap_tails[] slot: zone.vmemmap_tails[] (struct page *) on
 * merged kernels, pglist_data.vmemmap_tails[] (PFNs) on the v3 posting.
 * The caller frees *entries_ret.
 */
struct hvo_error *hvo_kstate_vmemmap_tails(const struct hvo_program *prog,
					   struct hvo_types *types,
					   struct hvo_tail_entry **entries_ret, size_t *nr_ret,
					   enum hvo_types_provider *provider_ret);

/* Every zone with pages; the caller frees *spans_ret. */
struct hvo_error *hvo_kstate_zone_spans(const struct hvo_program *prog,
					struct hvo_types *types,
					struct hvo_zone_span **spans_ret, size_t *nr_ret);

/*
 * HPG_vmemmap_optimized's bit of a hugetlb head's private (enum
 * hugetlb_page_flags); &hvo_error_not_found when no provider names it.
 */
struct hvo_error *hvo_kstate_hpg_vmemmap_optimized(struct hvo_types *types, unsigned int *bit_ret,
						   enum hvo_types_provider *provider_ret);

/* hstates[]: how many huge pages of an order the kernel counts on a node. */
struct hvo_hstate_count {
	unsigned int node;
	unsigned int order;
	uint64_t nr_huge_pages;		/* hstate.nr_huge_pages_node[node] */
};

/* Nonzero per-node counts of every hstate; the caller frees *counts_ret. */
struct hvo_error *hvo_kstate_hstates(const struct hvo_program *prog,
				     struct hvo_types *types,
				     struct hvo_hstate_count **counts_ret, size_t *nr_ret);

#endif /* HVO_KSTATE_H */
