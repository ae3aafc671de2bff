/*
 * hvo_analyzer.h - the analysis' private state and the services its stages
 * share (hvo_analyzer.c): used by hvo_analyze.c (the stages in order,
 * savings), hvo_folios.c (finding and classifying folios) and hvo_tails.c
 * (shared tail pages, vmemmap_tails[], hstates).
 */
#ifndef HVO_HVO_ANALYZER_H
#define HVO_HVO_ANALYZER_H

#include <stdbool.h>
#include <stdint.h>

#include "hvo.h"
#include "u64map.h"

/*
 * The scan reads vmemmap frames in order and the later stages revisit a
 * few (shared tails, heads): 16 slots already read no frame twice on any
 * sample.  Each slot is a fresh page to fault in, ~1.6 us apiece here, so
 * 1024 slots cost ~1.5 ms of a 25 ms report.
 */
#define FRAME_CACHE_SLOTS 64
/* Bound the findings of one kind; a note says when more were dropped. */
#define MAX_FINDINGS_PER_ID 10000

struct frame_cache_slot {
	uint64_t frame;
	size_t valid_len;	/* bytes of it read, from its start; 0: none */
};

/* Tail PTEs of an optimised folio that map a frame other than its main tail. */
struct deviation {
	size_t folio_index;
	uint64_t frame;
	uint64_t vaddr;		/* first vmemmap page mapping it */
	uint64_t nr_pages;
};

struct analyzer {
	const struct hvo_program *prog;
	const struct hvo_arch *arch;		/* prog's */
	uint64_t page_size;			/* the arch's base page, vmemmap pages' too */
	unsigned int page_shift;
	struct hvo_analysis *an;
	const struct hvo_page_layout *layout;
	struct hvo_vmemmap *vm;
	size_t run_hint;			/* the run the last lookup found */
	struct frame_cache_slot *cache;		/* direct-mapped by frame number */
	unsigned char *frame_data;		/* page-aligned: slot i's page at i * page_size */
	struct hvo_u64map tail_index;		/* tail frame -> index in an->tails.data */
	struct hvo_u64map head_frames;		/* head frame -> folio index */
	size_t nr_findings_of[HVO_NR_FINDINGS];	/* recorded, by id */
	uint64_t nr_dropped_findings;
	struct deviation *deviations;
	size_t nr_deviations;
	struct hvo_u64map entry_index;		/* shared tail frame -> vmemmap_tails[] entry */
	const struct hvo_analyze_options *options;
};

static inline uint64_t hvo_az_pfn_vaddr(const struct analyzer *az, uint64_t pfn)
{
	return az->prog->vmemmap_base + pfn * az->layout->size;
}

struct hvo_error *hvo_az_note(struct hvo_analysis *an, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Record a finding at the severity its table entry gives it; addresses
 * come as parallel name and value arrays.
 */
struct hvo_error *hvo_az_finding(struct analyzer *az, enum hvo_finding_id id,
				 size_t nr_addresses, const char *const names[],
				 const uint64_t values[], const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* The same at another severity, when the table's qualifier says so. */
struct hvo_error *hvo_az_finding_at(struct analyzer *az, enum hvo_finding_id id,
				    enum hvo_severity severity, size_t nr_addresses,
				    const char *const names[], const uint64_t values[],
				    const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* The first len bytes (at most 4 KiB) of the frame at frame, read once and cached. */
struct hvo_error *hvo_az_read_frame(struct analyzer *az, uint64_t frame, size_t len,
				    const unsigned char **data_ret);
/*
 * Struct page images through the walked vmemmap mapping: pfn's, and those
 * after it up to nr in all (as many as its frame holds, at most).
 */
struct hvo_error *hvo_az_read_struct_page(struct analyzer *az, uint64_t pfn, unsigned int nr,
					  const unsigned char **image_ret);
/* NODATA becomes a note (the analysis is incomplete); other errors pass. */
struct hvo_error *hvo_az_absorb_nodata(struct analyzer *az, struct hvo_error *err);
struct hvo_error *hvo_az_record_shared_tail(struct analyzer *az, uint64_t frame,
					    unsigned int zone, size_t *index_ret);

/* The stages of hvo_analyze(), in order. */
struct hvo_error *hvo_az_read_kernel_state(struct analyzer *az, struct hvo_types *types);
struct hvo_error *hvo_az_find_folios(struct analyzer *az);
/* The settled node/zone bits of page->flags against the zone spans of the folios. */
struct hvo_error *hvo_az_check_folio_zones(struct analyzer *az);
struct hvo_error *hvo_az_classify_folio(struct analyzer *az, size_t folio_index);
struct hvo_error *hvo_az_check_shared_tails(struct analyzer *az);
struct hvo_error *hvo_az_check_tail_entries(struct analyzer *az);
struct hvo_error *hvo_az_check_hstates(struct analyzer *az);

#endif /* HVO_HVO_ANALYZER_H */
