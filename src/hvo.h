/*
 * hvo.h - the HVO analysis: hugetlb folios, how their vmemmap is mapped,
 * the shared tail pages, savings and findings.
 *
 * The result is one data model that every renderer (text, JSON) and every
 * front end (report, shell, batch) reads.  Findings about the dump are data
 * here, not errors: an error means the analysis itself could not run.
 */
#ifndef HVO_HVO_H
#define HVO_HVO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "findings.h"
#include "program.h"
#include "kstate.h"
#include "types.h"
#include "vector.h"
#include "vmemmap.h"

#define HVO_FINDING_MAX_ADDRESSES 6

struct hvo_finding {
	const char *id;			/* its kind's stable id, e.g. "tail-writable" */
	enum hvo_severity severity;
	size_t nr_addresses;
	struct {
		const char *name;	/* "head_pfn", "pte_vaddr", "frame", ... */
		uint64_t value;
	} addresses[HVO_FINDING_MAX_ADDRESSES];
	char *message;			/* one sentence on what and the consequence */
};

enum hvo_folio_state {
	HVO_FOLIO_NOT_OPTIMIZED,	/* every vmemmap page its own */
	HVO_FOLIO_SHARED_TAIL,		/* tails map one shared tail page (v3, merged) */
	HVO_FOLIO_FAKE_HEADS,		/* tails map the head's page (legacy) */
	HVO_FOLIO_BROKEN,		/* a mapping none of the above */
};

const char *hvo_folio_state_name(enum hvo_folio_state state);

struct hvo_folio {
	uint64_t head_pfn;
	unsigned int order;
	unsigned int node, zone;	/* from the head's flags */
	enum hvo_folio_state state;
	bool flag_optimized;		/* HPG_vmemmap_optimized in head->private */
	uint64_t private;
	uint64_t head_flags;		/* the head's page->flags, raw */
	uint64_t head_frame;		/* frame backing the head's vmemmap page */
	uint64_t tail_frame;		/* frame the tails map (shared tail or head) */
	uint64_t nr_vmemmap_pages;
	uint64_t nr_writable_tails;	/* tail vmemmap pages mapped writable */
};

struct hvo_shared_tail {
	uint64_t frame;			/* physical address of the shared page */
	unsigned int order, node, zone;	/* what its content says */
	bool content_valid;		/* 64 pristine init_compound_tail() pages */
	const char *content_problem;
	unsigned int first_bad_index;	/* struct page within the frame that differs */
	unsigned int frame_node;	/* node of the frame itself, from its struct page */
	bool frame_node_known;
	uint64_t nr_folios;		/* folios whose tails map it */
	unsigned int first_folio_zone;	/* zone of the first folio mapping it */
	bool in_vmemmap_tails;		/* a vmemmap_tails[] slot names it */
};

struct hvo_savings_row {
	unsigned int node, zone, order;
	uint64_t folios;
	uint64_t optimized;
	uint64_t vmemmap_pages_per_folio;
	uint64_t pages_saved;
	uint64_t shared_tail_pages;
};

HVO_VECTOR(hvo_shared_tails, struct hvo_shared_tail)
HVO_VECTOR(hvo_savings_rows, struct hvo_savings_row)
HVO_VECTOR(hvo_findings, struct hvo_finding)

struct hvo_analysis {
	const struct hvo_arch *arch;	/* the kernel's: page size, zone names */
	enum hvo_generation generation;
	bool mask_mode;
	struct hvo_folio *folios;
	size_t nr_folios;
	struct hvo_shared_tails tails;
	struct hvo_savings_rows rows;	/* sorted by node, zone, order */
	struct hvo_savings_row total;	/* node/zone/order unused */
	struct hvo_findings findings;
	struct hvo_diags diags;		/* what was skipped or could not be read, and why */
	bool incomplete;		/* pages the analysis needed were not in the dump */
	struct hvo_vmemmap *vmemmap;
	bool deep;			/* every struct page was read */
	bool counters_known;		/* counters below were read from the dump */
	struct hvo_memmap_counters counters;
	struct hvo_tail_entry *tail_entries;	/* vmemmap_tails[] slots, if read */
	size_t nr_tail_entries;
	bool tail_entries_known;
	struct hvo_hstate_count *hstates;	/* the kernel's own counts, if read */
	size_t nr_hstates;
	bool hstates_known;
	uint64_t nr_compound_checked;	/* non-hugetlb compound heads whose tails were checked */
	uint64_t nr_device_compound;	/* ZONE_DEVICE compound heads seen (--deep) */
	uint64_t nr_struct_page_frames_read;
};

struct hvo_analyze_options {
	/*
	 * Read every struct page, not just every 512th: also checks the tails of
	 * every non-hugetlb compound page (THP, slab).  Costs one read per
	 * vmemmap page of all memory instead of one per 2 MiB.
	 */
	bool deep;
	/*
	 * Type and symbol information, or NULL: with it the analysis also reads
	 * vmemmap_tails[] and the kernel's memmap counters.
	 */
	struct hvo_types *types;
	/*
	 * Called now and then during the scan with the share done (0..1), for
	 * a progress bar; NULL for none.
	 */
	void (*progress)(void *arg, const char *what, double done);
	void *progress_arg;
};

/*
 * Analyse prog, whose page layout is settled (hvo_program_settle_layout());
 * prog is not changed.
 */
struct hvo_error *hvo_analyze(const struct hvo_program *prog,
			      const struct hvo_analyze_options *options,
			      struct hvo_analysis **ret);
void hvo_analysis_free(struct hvo_analysis *analysis);

/* Highest severity among the findings; -1 when there are none. */
int hvo_analysis_worst_severity(const struct hvo_analysis *analysis);

#endif /* HVO_HVO_H */
