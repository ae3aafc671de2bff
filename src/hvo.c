/* hvo.c - find hugetlb folios, classify their vmemmap, check shared tails, count savings. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvo.h"
#include "interrupt.h"
#include "report.h"
#include "u64map.h"

#define PAGE_SIZE_4K UINT64_C(4096)
#define FRAME_CACHE_SLOTS 1024
/* Bound the findings of one kind; a note says when more were dropped. */
#define MAX_FINDINGS_PER_ID 10000

struct frame_cache_slot {
	uint64_t frame;
	bool valid;
	unsigned char data[PAGE_SIZE_4K];
};

/* Tail PTEs of an optimised folio that map a frame other than its main tail. */
struct deviation {
	size_t folio_index;
	uint64_t frame;
	uint64_t vaddr;		/* first vmemmap page mapping it */
	uint64_t nr_pages;
};

struct analyzer {
	struct hvo_program *prog;
	struct hvo_analysis *an;
	const struct hvo_page_layout *layout;
	struct hvo_vmemmap *vm;
	struct frame_cache_slot *cache;		/* direct-mapped by frame number */
	struct hvo_u64map tail_index;		/* tail frame -> index in an->tails */
	struct hvo_u64map head_frames;		/* head frame -> folio index */
	struct hvo_u64map findings_per_id;	/* id pointer -> count */
	uint64_t nr_dropped_findings;
	struct deviation *deviations;
	size_t nr_deviations;
	struct hvo_u64map entry_index;		/* shared tail frame -> vmemmap_tails[] entry */
	const struct hvo_analyze_options *options;
};

const char *hvo_severity_name(enum hvo_severity severity)
{
	switch (severity) {
	case HVO_SEV_INFO: return "info";
	case HVO_SEV_WARNING: return "warning";
	case HVO_SEV_ERROR: return "error";
	case HVO_SEV_CRITICAL: return "critical";
	}
	return "unknown";
}

bool hvo_severity_parse(const char *name, enum hvo_severity *ret)
{
	for (int s = HVO_SEV_INFO; s <= HVO_SEV_CRITICAL; s++) {
		if (!strcmp(name, hvo_severity_name(s))) {
			*ret = s;
			return true;
		}
	}
	return false;
}

const char *hvo_folio_state_name(enum hvo_folio_state state)
{
	switch (state) {
	case HVO_FOLIO_NOT_OPTIMIZED: return "not-optimized";
	case HVO_FOLIO_SHARED_TAIL: return "hvo-shared-tail";
	case HVO_FOLIO_FAKE_HEADS: return "hvo-fake-heads";
	case HVO_FOLIO_BROKEN: return "broken";
	}
	return "unknown";
}

static struct hvo_error *add_note(struct hvo_analysis *an, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static struct hvo_error *add_note(struct hvo_analysis *an, const char *fmt, ...)
{
	char **grown = realloc(an->notes, (an->nr_notes + 1) * sizeof(*grown));
	if (!grown)
		return &hvo_error_nomem;
	an->notes = grown;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&grown[an->nr_notes], fmt, ap);
	va_end(ap);
	if (n < 0)
		return &hvo_error_nomem;
	an->nr_notes++;
	return NULL;
}

/*
 * Record a finding.  Addresses come as (name, value) pairs after the count;
 * the message is formatted from fmt.
 */
static struct hvo_error *add_finding(struct analyzer *az, const char *id,
				     enum hvo_severity severity, size_t nr_addresses,
				     const char *const names[], const uint64_t values[],
				     const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static struct hvo_error *add_finding(struct analyzer *az, const char *id,
				     enum hvo_severity severity, size_t nr_addresses,
				     const char *const names[], const uint64_t values[],
				     const char *fmt, ...)
{
	struct hvo_analysis *an = az->an;
	size_t count = 0;
	hvo_u64map_get(&az->findings_per_id, (uintptr_t)id, &count);
	if (count >= MAX_FINDINGS_PER_ID) {
		az->nr_dropped_findings++;
		return NULL;
	}
	if (!hvo_u64map_put(&az->findings_per_id, (uintptr_t)id, count + 1))
		return &hvo_error_nomem;
	struct hvo_finding *grown = realloc(an->findings, (an->nr_findings + 1) * sizeof(*grown));
	if (!grown)
		return &hvo_error_nomem;
	an->findings = grown;
	struct hvo_finding *finding = &grown[an->nr_findings];
	memset(finding, 0, sizeof(*finding));
	finding->id = id;
	finding->severity = severity;
	if (nr_addresses > HVO_FINDING_MAX_ADDRESSES)
		nr_addresses = HVO_FINDING_MAX_ADDRESSES;
	finding->nr_addresses = nr_addresses;
	for (size_t i = 0; i < nr_addresses; i++) {
		finding->addresses[i].name = names[i];
		finding->addresses[i].value = values[i];
	}
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&finding->message, fmt, ap);
	va_end(ap);
	if (n < 0)
		return &hvo_error_nomem;
	an->nr_findings++;
	return NULL;
}

static uint64_t pfn_to_vaddr(const struct analyzer *az, uint64_t pfn)
{
	return az->prog->vmemmap_base + pfn * az->layout->size;
}

/*
 * The 4 KiB frame at paddr, read once and cached.  NODATA leaves the
 * analysis incomplete but is not an error for the caller to propagate.
 */
static struct hvo_error *read_frame(struct analyzer *az, uint64_t frame,
				    const unsigned char **data_ret)
{
	struct frame_cache_slot *slot = &az->cache[(frame / PAGE_SIZE_4K) % FRAME_CACHE_SLOTS];
	if (slot->valid && slot->frame == frame) {
		*data_ret = slot->data;
		return NULL;
	}
	slot->valid = false;
	struct hvo_error *err = hvo_dump_read(az->prog->dump, HVO_PHYS, frame, slot->data,
					      PAGE_SIZE_4K, "vmemmap page");
	if (err)
		return err;
	az->an->nr_struct_page_frames_read++;
	slot->frame = frame;
	slot->valid = true;
	*data_ret = slot->data;
	return NULL;
}

/* Struct page image of pfn through the walked vmemmap mapping. */
static struct hvo_error *read_struct_page(struct analyzer *az, uint64_t pfn,
					  const unsigned char **image_ret)
{
	uint64_t vaddr = pfn_to_vaddr(az, pfn), paddr;
	if (!hvo_vmemmap_translate(az->vm, vaddr, &paddr, NULL))
		return hvo_error_create(HVO_ERROR_TRANSLATE,
					"struct page of pfn 0x%" PRIx64 " at 0x%" PRIx64
					" is not mapped", pfn, vaddr);
	/* A struct page never straddles a page when its size divides 4096. */
	if ((paddr % PAGE_SIZE_4K) + az->layout->size > PAGE_SIZE_4K)
		return hvo_error_create(HVO_ERROR_UNSUPPORTED,
					"struct page of pfn 0x%" PRIx64 " straddles a page", pfn);
	const unsigned char *data;
	struct hvo_error *err = read_frame(az, paddr & ~(PAGE_SIZE_4K - 1), &data);
	if (err)
		return err;
	*image_ret = data + paddr % PAGE_SIZE_4K;
	return NULL;
}

/* A NODATA read: note it once per kind and carry on. */
static struct hvo_error *absorb_nodata(struct analyzer *az, struct hvo_error *err)
{
	if (!err || err->code != HVO_ERROR_NODATA)
		return err;
	if (!az->an->incomplete) {
		struct hvo_error *nerr = add_note(az->an, "incomplete: %s", err->message);
		hvo_error_destroy(err);
		az->an->incomplete = true;
		return nerr;
	}
	hvo_error_destroy(err);
	return NULL;
}

#define MAX_TAIL_FRAMES 8

/* One frame the tail vmemmap pages of a folio map, and how often. */
struct tail_target {
	uint64_t frame;
	uint64_t nr_pages;
	uint64_t first_vaddr;
};

struct tail_scan {
	uint64_t head_frame;
	unsigned int head_flags;
	bool head_mapped;
	struct tail_target targets[MAX_TAIL_FRAMES];
	size_t nr_targets;
	bool too_many_targets;		/* more distinct frames than we track */
	uint64_t nr_writable;
	uint64_t first_writable_vaddr;
	uint64_t nr_unmapped;
	uint64_t nr_leaf;		/* pages mapped by PMD/PUD leaves */
};

static void add_target(struct tail_scan *ts, uint64_t frame, uint64_t count, uint64_t vaddr)
{
	for (size_t i = 0; i < ts->nr_targets; i++) {
		if (ts->targets[i].frame == frame) {
			ts->targets[i].nr_pages += count;
			return;
		}
	}
	if (ts->nr_targets == MAX_TAIL_FRAMES) {
		ts->too_many_targets = true;
		return;
	}
	ts->targets[ts->nr_targets++] = (struct tail_target){
		.frame = frame, .nr_pages = count, .first_vaddr = vaddr,
	};
}

/* Summarise how the vmemmap pages of a folio are mapped, run by run. */
static void scan_folio_mapping(const struct analyzer *az, uint64_t head_vaddr,
			       uint64_t nr_pages, struct tail_scan *ts)
{
	memset(ts, 0, sizeof(*ts));
	uint64_t vaddr = head_vaddr, end = head_vaddr + nr_pages * PAGE_SIZE_4K;
	while (vaddr < end) {
		const struct hvo_vmemmap_run *run = hvo_vmemmap_find(az->vm, vaddr);
		if (!run) {
			ts->nr_unmapped++;
			vaddr += PAGE_SIZE_4K;
			continue;
		}
		uint64_t run_end = run->vaddr + run->nr_pages * PAGE_SIZE_4K;
		uint64_t seg_end = run_end < end ? run_end : end;
		uint64_t index = (vaddr - run->vaddr) / PAGE_SIZE_4K;
		uint64_t count = (seg_end - vaddr) / PAGE_SIZE_4K;
		bool repeat = run->flags & HVO_MAP_REPEAT;
		if (!(run->flags & HVO_MAP_PTE))
			ts->nr_leaf += count;
		if (vaddr == head_vaddr) {
			ts->head_mapped = true;
			ts->head_frame = repeat ? run->paddr : run->paddr + index * PAGE_SIZE_4K;
			ts->head_flags = run->flags;
			vaddr += PAGE_SIZE_4K;
			index++;
			count--;
		}
		if (count) {
			if (repeat) {
				add_target(ts, run->paddr, count, vaddr);
			} else if (count <= 2 * MAX_TAIL_FRAMES) {
				for (uint64_t i = 0; i < count; i++)
					add_target(ts, run->paddr + (index + i) * PAGE_SIZE_4K, 1,
						   vaddr + i * PAGE_SIZE_4K);
			} else {
				ts->too_many_targets = true;	/* an intact vmemmap */
			}
			if (run->flags & HVO_MAP_WRITABLE) {
				if (!ts->nr_writable)
					ts->first_writable_vaddr = vaddr;
				ts->nr_writable += count;
			}
		}
		vaddr = seg_end;
	}
}

/* Whether the first struct page in a frame says PG_head (a legacy fake-head page). */
static bool frame_holds_head(struct analyzer *az, uint64_t frame)
{
	const unsigned char *data;
	struct hvo_error *err = read_frame(az, frame, &data);
	if (err) {
		hvo_error_destroy(absorb_nodata(az, err));
		return false;
	}
	struct hvo_page page;
	hvo_page_parse(az->layout, data, &page);
	return hvo_page_is_head(az->layout, &page);
}

/* An intact vmemmap: every tail page maps a frame of its own. */
static bool every_page_its_own(const struct tail_scan *ts)
{
	if (ts->too_many_targets)
		return true;
	for (size_t i = 0; i < ts->nr_targets; i++) {
		if (ts->targets[i].nr_pages != 1 || ts->targets[i].frame == ts->head_frame)
			return false;
	}
	return true;
}

/* The frame most tail pages map: the folio's shared tail (or head, legacy). */
static const struct tail_target *main_target(const struct tail_scan *ts)
{
	const struct tail_target *best = NULL;
	for (size_t i = 0; i < ts->nr_targets; i++) {
		if (!best || ts->targets[i].nr_pages > best->nr_pages)
			best = &ts->targets[i];
	}
	return best;
}

static struct hvo_error *record_shared_tail(struct analyzer *az, uint64_t frame,
					    unsigned int zone, size_t *index_ret)
{
	struct hvo_analysis *an = az->an;
	size_t index;
	if (hvo_u64map_get(&az->tail_index, frame, &index)) {
		an->tails[index].nr_folios++;
		*index_ret = index;
		return NULL;
	}
	struct hvo_shared_tail *grown = realloc(an->tails, (an->nr_tails + 1) * sizeof(*grown));
	if (!grown)
		return &hvo_error_nomem;
	an->tails = grown;
	index = an->nr_tails++;
	memset(&grown[index], 0, sizeof(grown[index]));
	grown[index].frame = frame;
	grown[index].nr_folios = 1;
	grown[index].first_folio_zone = zone;
	if (!hvo_u64map_put(&az->tail_index, frame, index))
		return &hvo_error_nomem;
	*index_ret = index;
	return NULL;
}

static struct hvo_error *add_deviation(struct analyzer *az, size_t folio_index,
				       const struct tail_target *target)
{
	if ((az->nr_deviations & (az->nr_deviations + 1)) == 0 || !az->deviations) {
		size_t capacity = az->nr_deviations ? (az->nr_deviations + 1) * 2 : 16;
		struct deviation *grown = realloc(az->deviations, capacity * sizeof(*grown));
		if (!grown)
			return &hvo_error_nomem;
		az->deviations = grown;
	}
	az->deviations[az->nr_deviations++] = (struct deviation){
		.folio_index = folio_index, .frame = target->frame,
		.vaddr = target->first_vaddr, .nr_pages = target->nr_pages,
	};
	return NULL;
}

static struct hvo_error *classify_folio(struct analyzer *az, size_t folio_index)
{
	struct hvo_error *err;
	struct hvo_folio *folio = &az->an->folios[folio_index];
	const struct hvo_page_layout *layout = az->layout;
	uint64_t head_vaddr = pfn_to_vaddr(az, folio->head_pfn);
	uint64_t vmemmap_bytes = (UINT64_C(1) << folio->order) * layout->size;
	folio->nr_vmemmap_pages = (vmemmap_bytes + PAGE_SIZE_4K - 1) / PAGE_SIZE_4K;

	struct tail_scan ts;
	scan_folio_mapping(az, head_vaddr, folio->nr_vmemmap_pages, &ts);
	const struct tail_target *main = main_target(&ts);
	folio->head_frame = ts.head_frame;
	folio->tail_frame = main ? main->frame : 0;
	folio->nr_writable_tails = ts.nr_writable;

	uint64_t nr_tails = folio->nr_vmemmap_pages - 1;
	/*
	 * Remapped when the tails map few frames and one of them most pages;
	 * the others are PTEs that went astray, checked once tails are read.
	 */
	bool remapped = main && !ts.too_many_targets && ts.nr_unmapped == 0 &&
			ts.nr_leaf == 0 && main->nr_pages * 2 > nr_tails;
	if (nr_tails == 0 || ts.nr_leaf == folio->nr_vmemmap_pages)
		folio->state = HVO_FOLIO_NOT_OPTIMIZED;
	else if (remapped && (main->frame == ts.head_frame ||
			      (!az->an->mask_mode && frame_holds_head(az, main->frame))))
		/* Legacy tails may map a head page that is no longer this folio's own. */
		folio->state = HVO_FOLIO_FAKE_HEADS;
	else if (remapped)
		folio->state = HVO_FOLIO_SHARED_TAIL;
	else if (ts.nr_unmapped == 0 && ts.nr_writable == nr_tails && every_page_its_own(&ts))
		folio->state = HVO_FOLIO_NOT_OPTIMIZED;	/* split, never (or no longer) remapped */
	else
		folio->state = HVO_FOLIO_BROKEN;

	const char *const head_names[] = { "head_pfn", "head_vaddr", "frame", "tail_vaddr" };
	bool optimized = folio->state == HVO_FOLIO_SHARED_TAIL ||
			 folio->state == HVO_FOLIO_FAKE_HEADS;

	if (folio->state == HVO_FOLIO_BROKEN) {
		uint64_t values[] = { folio->head_pfn, head_vaddr };
		err = add_finding(az, "vmemmap-mixed", HVO_SEV_ERROR, 2, head_names, values,
				  "hugetlb folio at pfn 0x%" PRIx64 " (order %u) has a vmemmap that is "
				  "neither intact nor remapped (%" PRIu64 " unmapped, %" PRIu64
				  " writable of %" PRIu64 " tail pages): its struct pages are inconsistent",
				  folio->head_pfn, folio->order, ts.nr_unmapped, ts.nr_writable, nr_tails);
		if (err)
			return err;
	}
	if (optimized) {
		for (size_t i = 0; i < ts.nr_targets; i++) {
			if (&ts.targets[i] != main &&
			    (err = add_deviation(az, folio_index, &ts.targets[i])))
				return err;
		}
	}
	if (optimized && ts.nr_writable) {
		uint64_t values[] = { folio->head_pfn, head_vaddr, folio->tail_frame,
				      ts.first_writable_vaddr };
		err = add_finding(az, "tail-writable", HVO_SEV_ERROR, 4, head_names, values,
				  "%" PRIu64 " of %" PRIu64 " tail vmemmap pages of the hugetlb folio at pfn 0x%"
				  PRIx64 " are mapped writable: a stray write through them corrupts the %s "
				  "page shared with other struct pages",
				  ts.nr_writable, nr_tails, folio->head_pfn,
				  folio->state == HVO_FOLIO_FAKE_HEADS ? "head vmemmap" : "shared tail");
		if (err)
			return err;
	}
	if (optimized && !(ts.head_flags & HVO_MAP_WRITABLE)) {
		uint64_t values[] = { folio->head_pfn, head_vaddr, ts.head_frame };
		err = add_finding(az, "head-readonly", HVO_SEV_ERROR, 3, head_names, values,
				  "the head vmemmap page of the hugetlb folio at pfn 0x%" PRIx64
				  " is mapped read-only: the kernel faults on its next write to the head "
				  "struct page", folio->head_pfn);
		if (err)
			return err;
	}
	if (optimized) {
		size_t other;
		if (hvo_u64map_get(&az->head_frames, ts.head_frame, &other)) {
			uint64_t other_pfn = az->an->folios[other].head_pfn;
			uint64_t values[] = { folio->head_pfn, head_vaddr, ts.head_frame, other_pfn,
					      pfn_to_vaddr(az, other_pfn) };
			const char *const names[] = { "head_pfn", "head_vaddr", "frame", "other_head_pfn",
						      "other_head_vaddr" };
			err = add_finding(az, "head-shared", HVO_SEV_CRITICAL, 5, names, values,
					  "the head vmemmap page of the hugetlb folio at pfn 0x%" PRIx64
					  " is also the head page of the folio at pfn 0x%" PRIx64
					  ": updates to one folio's head change the other's",
					  folio->head_pfn, az->an->folios[other].head_pfn);
			if (err)
				return err;
		} else if (!hvo_u64map_put(&az->head_frames, ts.head_frame, folio_index)) {
			return &hvo_error_nomem;
		}
	}
	if (folio->state == HVO_FOLIO_FAKE_HEADS && az->an->mask_mode) {
		uint64_t values[] = { folio->head_pfn, head_vaddr, ts.head_frame,
				      head_vaddr + PAGE_SIZE_4K };
		err = add_finding(az, "fake-heads-on-mask-kernel", HVO_SEV_CRITICAL, 4, head_names,
				  values,
				  "the tails of the hugetlb folio at pfn 0x%" PRIx64 " map its head page "
				  "(legacy fake heads) on a %s kernel, which has no fake-head handling: "
				  "every tail looks like a head",
				  folio->head_pfn, hvo_generation_name(az->an->generation));
		if (err)
			return err;
	}
	if (folio->state == HVO_FOLIO_SHARED_TAIL && !az->an->mask_mode) {
		uint64_t values[] = { folio->head_pfn, head_vaddr, folio->tail_frame,
				      head_vaddr + PAGE_SIZE_4K };
		err = add_finding(az, "shared-tail-on-legacy-kernel", HVO_SEV_CRITICAL, 4, head_names,
				  values,
				  "the tails of the hugetlb folio at pfn 0x%" PRIx64 " map a page other "
				  "than the head's on a legacy kernel, whose tails must point at their "
				  "own head", folio->head_pfn);
		if (err)
			return err;
	}
	if (optimized != folio->flag_optimized && folio->state != HVO_FOLIO_BROKEN) {
		uint64_t values[] = { folio->head_pfn, head_vaddr };
		err = add_finding(az, "hvo-flag-mismatch", HVO_SEV_ERROR, 2, head_names, values,
				  "the hugetlb folio at pfn 0x%" PRIx64 " %s HPG_vmemmap_optimized but its "
				  "vmemmap is %s: the kernel will %s",
				  folio->head_pfn, folio->flag_optimized ? "has" : "lacks",
				  optimized ? "remapped" : "intact",
				  folio->flag_optimized ? "try to restore pages that were never freed" :
				  "write to read-only tail pages as if they were its own");
		if (err)
			return err;
	}
	if (folio->state == HVO_FOLIO_SHARED_TAIL) {
		size_t index;
		err = record_shared_tail(az, folio->tail_frame, folio->zone, &index);
		if (err)
			return err;
	}
	return NULL;
}

static struct hvo_error *add_folio(struct analyzer *az, const struct hvo_folio *folio);

/* A struct page with PG_head and the hugetlb type at pfn: record the folio. */
static struct hvo_error *add_hugetlb_head(struct analyzer *az, uint64_t pfn,
					  const struct hvo_page *head, unsigned int order,
					  uint64_t *next_pfn_ret)
{
	const struct hvo_page_layout *layout = az->layout;
	if (order < HVO_MIN_HUGETLB_ORDER || order > HVO_MAX_FOLIO_ORDER ||
	    (pfn & ((UINT64_C(1) << order) - 1))) {
		const char *const names[] = { "head_pfn", "head_vaddr" };
		uint64_t values[] = { pfn, pfn_to_vaddr(az, pfn) };
		return add_finding(az, "hugetlb-bad-order", HVO_SEV_ERROR, 2, names, values,
				   "hugetlb head at pfn 0x%" PRIx64 " has folio order %u, "
				   "impossible for a hugetlb folio at that pfn", pfn, order);
	}
	struct hvo_folio folio = {
		.head_pfn = pfn,
		.order = order,
		.node = hvo_page_node(layout, head),
		.zone = hvo_page_zone(layout, head),
		.private = head->private,
		.flag_optimized = head->private & (UINT64_C(1) << HVO_HPG_VMEMMAP_OPTIMIZED_BIT),
	};
	*next_pfn_ret = pfn + (UINT64_C(1) << order);
	return add_folio(az, &folio);
}

static struct hvo_error *add_folio(struct analyzer *az, const struct hvo_folio *folio)
{
	struct hvo_analysis *an = az->an;
	if ((an->nr_folios & (an->nr_folios - 1)) == 0) {
		size_t capacity = an->nr_folios ? an->nr_folios * 2 : 64;
		struct hvo_folio *grown = realloc(an->folios, capacity * sizeof(*grown));
		if (!grown)
			return &hvo_error_nomem;
		an->folios = grown;
	}
	an->folios[an->nr_folios++] = *folio;
	return NULL;
}

/* The compound page whose tails the scan is walking through. */
struct compound_cursor {
	uint64_t head_pfn;
	uint64_t end_pfn;	/* 0 when no compound page is open */
	unsigned int order;
};

/* A tail of a non-hugetlb compound page must hold its head's order mask. */
static struct hvo_error *check_compound_tail(struct analyzer *az, const struct compound_cursor *cur,
					     uint64_t pfn, const struct hvo_page *page)
{
	const struct hvo_page_layout *layout = az->layout;
	uint64_t want = hvo_page_tail_mask(layout, cur->order);
	if (page->compound == want)
		return NULL;
	struct hvo_tail decoded;
	uint64_t vaddr = pfn_to_vaddr(az, pfn);
	hvo_page_decode_tail(layout, true, vaddr, page->compound, &decoded);
	const char *const names[] = { "head_pfn", "tail_pfn", "tail_vaddr", "compound_info" };
	uint64_t values[] = { cur->head_pfn, pfn, vaddr, page->compound };
	return add_finding(az, "compound-bad-mask", HVO_SEV_ERROR, 4, names, values,
			   "tail pfn 0x%" PRIx64 " of the order-%u compound page at pfn 0x%" PRIx64
			   " holds compound_info 0x%" PRIx64 " (%s) instead of 0x%" PRIx64
			   ": compound_head() of it returns the wrong head",
			   pfn, cur->order, cur->head_pfn, page->compound,
			   decoded.kind == HVO_TAIL_MASK ? "another order's mask" :
			   decoded.kind == HVO_TAIL_NONE ? "not a tail" : "not a valid mask",
			   want);
}

/*
 * One pass over every mapped vmemmap page, each frame read once: hugetlb
 * heads (found by page type) become folios and their whole range is skipped;
 * on mask-mode kernels every other compound page's tails are checked
 * against their head's order.
 */
static struct hvo_error *find_folios(struct analyzer *az)
{
	const struct hvo_page_layout *layout = az->layout;
	const uint64_t per_page = PAGE_SIZE_4K / layout->size;
	/*
	 * Hugetlb heads are aligned to their order (at least 512 pages), so
	 * every 512th struct page finds them all; --deep reads every one.
	 */
	const bool deep = az->an->deep;
	const uint64_t step = deep ? per_page : UINT64_C(1) << HVO_MIN_HUGETLB_ORDER;
	uint64_t next_pfn = 0;	/* first pfn not inside a folio already found */
	struct compound_cursor cur = { 0 };
	struct hvo_error *err;
	uint64_t nr_pages_scanned = 0;

	for (size_t r = 0; r < az->vm->nr_runs; r++) {
		const struct hvo_vmemmap_run *run = &az->vm->runs[r];
		if (az->options && az->options->progress && (r & 1023) == 0)
			az->options->progress(az->options->progress_arg, "scanning the memmap",
					      (double)r / az->vm->nr_runs);
		if (run->vaddr < az->prog->vmemmap_base)
			continue;
		uint64_t run_first_pfn = (run->vaddr - az->prog->vmemmap_base) / layout->size;
		uint64_t run_end_pfn = run_first_pfn + run->nr_pages * per_page;
		uint64_t pfn = run_first_pfn > next_pfn ? run_first_pfn : next_pfn;
		pfn = deep ? pfn - pfn % per_page : (pfn + step - 1) & ~(step - 1);
		while (pfn < run_end_pfn) {
			if (pfn + per_page <= next_pfn) {
				pfn = deep ? next_pfn - next_pfn % per_page :
					(next_pfn + step - 1) & ~(step - 1);
				continue;
			}
			if ((++nr_pages_scanned & 0xfff) == 0 && (err = hvo_interrupt_check()))
				return err;
			const unsigned char *image;
			err = read_struct_page(az, pfn, &image);
			if (err) {
				if ((err = absorb_nodata(az, err)))
					return err;
				cur.end_pfn = 0;
				pfn += step;
				continue;
			}
			for (uint64_t i = 0; i < (deep ? per_page : 1); i++) {
				uint64_t this_pfn = pfn + i;
				if (this_pfn < next_pfn)
					continue;
				struct hvo_page page;
				hvo_page_parse(layout, image + i * layout->size, &page);
				if (hvo_page_is_head(layout, &page)) {
					struct hvo_page second;
					if (i + 1 < per_page) {
						hvo_page_parse(layout, image + (i + 1) * layout->size, &second);
					} else {
						const unsigned char *next_image;
						err = read_struct_page(az, this_pfn + 1, &next_image);
						if (err) {
							if ((err = absorb_nodata(az, err)) &&
							    err->code != HVO_ERROR_TRANSLATE)
								return err;
							hvo_error_destroy(err);
							continue;
						}
						hvo_page_parse(layout, next_image, &second);
						/* The cache slot may have been reused: reread ours. */
						if ((err = read_struct_page(az, pfn, &image)))
							return absorb_nodata(az, err);
					}
					unsigned int order = hvo_page_folio_order(&second);
					cur.end_pfn = 0;
					if (hvo_page_is_hugetlb(layout, &page)) {
						err = add_hugetlb_head(az, this_pfn, &page, order, &next_pfn);
						if (err)
							return err;
						if (next_pfn > pfn + per_page)
							break;
					} else if (deep && hvo_page_zone(layout, &page) == HVO_ZONE_DEVICE) {
						/*
						 * ZONE_DEVICE (DAX) compound pages dedup their vmemmap
						 * their own way: described, not checked.
						 */
						az->an->nr_device_compound++;
						cur.end_pfn = 0;
					} else if (deep && order >= 1 && order <= HVO_MAX_FOLIO_ORDER &&
						   az->an->mask_mode) {
						cur = (struct compound_cursor){
							.head_pfn = this_pfn, .order = order,
							.end_pfn = this_pfn + (UINT64_C(1) << order),
						};
						az->an->nr_compound_checked++;
					}
				} else if (cur.end_pfn && this_pfn < cur.end_pfn) {
					if ((err = check_compound_tail(az, &cur, this_pfn, &page)))
						return err;
				} else {
					cur.end_pfn = 0;
				}
			}
			pfn += step;
			if (next_pfn > pfn)
				pfn = deep ? next_pfn - next_pfn % per_page :
					(next_pfn + step - 1) & ~(step - 1);
		}
	}
	return NULL;
}

/*
 * Read a frame tails are mapped to and say what its content encodes: the
 * order of its mask, node and zone (merged), whether all its struct pages
 * are pristine, and the node the frame itself lives on.
 */
static struct hvo_error *describe_tail_frame(struct analyzer *az, struct hvo_shared_tail *tail)
{
	const struct hvo_page_layout *layout = az->layout;
	const unsigned char *data;
	struct hvo_error *err = read_frame(az, tail->frame, &data);
	if (err)
		return absorb_nodata(az, err);
	struct hvo_page first;
	hvo_page_parse(layout, data, &first);
	struct hvo_tail decoded;
	hvo_page_decode_tail(layout, true, 0, first.compound, &decoded);
	tail->order = decoded.kind == HVO_TAIL_MASK ? decoded.order : 0;
	/* v3 tails carry no node or zone: the tail serves its frame's node. */
	bool full_init = az->an->generation != HVO_GEN_V3;
	tail->node = hvo_page_node(layout, &first);
	tail->zone = hvo_page_zone(layout, &first);
	tail->content_valid = decoded.kind == HVO_TAIL_MASK;
	tail->content_problem = tail->content_valid ? NULL : "compound_info is not a tail mask";
	tail->first_bad_index = 0;
	for (unsigned int i = 0; i < PAGE_SIZE_4K / layout->size && tail->content_valid; i++) {
		const char *why;
		if (!hvo_page_is_pristine_tail(layout, data + i * layout->size, tail->order,
					       full_init, tail->node, tail->zone, &why)) {
			tail->content_valid = false;
			tail->content_problem = why;
			tail->first_bad_index = i;
		}
	}
	size_t entry;
	if (hvo_u64map_get(&az->entry_index, tail->frame, &entry)) {
		tail->in_vmemmap_tails = true;
		/* v3: the slot's node is the node the tail serves. */
		if (!full_init) {
			tail->node = az->an->tail_entries[entry].node;
			tail->frame_node_known = true;	/* node is known, from the slot */
		}
	}
	/* The node of the frame itself: its own struct page says. */
	const unsigned char *frame_image;
	err = read_struct_page(az, tail->frame / PAGE_SIZE_4K, &frame_image);
	if (!err) {
		struct hvo_page frame_page;
		hvo_page_parse(layout, frame_image, &frame_page);
		tail->frame_node = hvo_page_node(layout, &frame_page);
		tail->frame_node_known = true;
		if (!full_init && !tail->in_vmemmap_tails)
			tail->node = tail->frame_node;
	} else if (err->code == HVO_ERROR_TRANSLATE) {
		hvo_error_destroy(err);
	} else if ((err = absorb_nodata(az, err))) {
		return err;
	}
	return NULL;
}

/* Node of the page at frame, from its own struct page; -1 when unknown. */
static int describe_frame_node(struct analyzer *az, uint64_t frame)
{
	const unsigned char *image;
	struct hvo_error *err = read_struct_page(az, frame / PAGE_SIZE_4K, &image);
	if (err) {
		hvo_error_destroy(absorb_nodata(az, err));
		return -1;
	}
	struct hvo_page page;
	hvo_page_parse(az->layout, image, &page);
	return (int)hvo_page_node(az->layout, &page);
}

/*
 * A folio's tails (all, or the stray PTEs at tail_vaddr) map a tail page
 * whose content is for another order, node or zone.
 */
static struct hvo_error *check_tail_fits(struct analyzer *az, const struct hvo_folio *folio,
					 const struct hvo_shared_tail *tail, uint64_t tail_vaddr,
					 uint64_t nr_pages)
{
	const struct hvo_analysis *an = az->an;
	if (tail->order == 0)
		return NULL;	/* unreadable or not a tail page: reported elsewhere */
	uint64_t values[] = { folio->head_pfn, pfn_to_vaddr(az, folio->head_pfn), tail->frame,
			      tail_vaddr };
	const char *const names[] = { "head_pfn", "head_vaddr", "frame", "tail_vaddr" };
	if (tail->order != folio->order)
		return add_finding(az, "tail-wrong-order", HVO_SEV_CRITICAL, 4, names, values,
				   "%" PRIu64 " tail vmemmap pages of the order-%u hugetlb folio at pfn 0x%"
				   PRIx64 " map the shared tail page for order %u at physical 0x%" PRIx64
				   ": compound_head() of those tails returns a wrong head",
				   nr_pages, folio->order, folio->head_pfn, tail->order, tail->frame);
	if ((an->generation != HVO_GEN_V3 || tail->frame_node_known) && tail->node != folio->node)
		return add_finding(az, "tail-cross-node", HVO_SEV_ERROR, 4, names, values,
				   "%" PRIu64 " tail vmemmap pages of the hugetlb folio at pfn 0x%" PRIx64
				   " on node %u map the shared tail page of node %u at physical 0x%" PRIx64
				   ": those tails report the wrong node and every access is remote",
				   nr_pages, folio->head_pfn, folio->node, tail->node, tail->frame);
	if (an->generation != HVO_GEN_V3 && tail->zone != folio->zone)
		return add_finding(az, "tail-cross-zone", HVO_SEV_ERROR, 4, names, values,
				   "%" PRIu64 " tail vmemmap pages of the hugetlb folio at pfn 0x%" PRIx64
				   " in zone %s map the shared tail page of zone %s at physical 0x%" PRIx64
				   ": page_zone() of those tails is wrong", nr_pages, folio->head_pfn,
				   hvo_zone_name(folio->zone), hvo_zone_name(tail->zone), tail->frame);
	return NULL;
}

/* Check each distinct shared tail page once against what its folios need. */
static struct hvo_error *check_shared_tails(struct analyzer *az)
{
	struct hvo_analysis *an = az->an;
	struct hvo_error *err;

	for (size_t t = 0; t < an->nr_tails; t++) {
		struct hvo_shared_tail *tail = &an->tails[t];
		if ((err = describe_tail_frame(az, tail)))
			return err;
		const char *const names[] = { "frame", "struct_page_paddr" };
		if (!tail->content_valid && tail->order) {
			uint64_t values[] = { tail->frame,
					      tail->frame + tail->first_bad_index * az->layout->size };
			err = add_finding(az, "shared-tail-corrupt", HVO_SEV_CRITICAL, 2, names, values,
					  "struct page %u of the shared tail page at physical 0x%" PRIx64
					  " (used by %" PRIu64 " folios) is not what the kernel writes: %s; "
					  "every tail of those folios reads it", tail->first_bad_index,
					  tail->frame, tail->nr_folios, tail->content_problem);
			if (err)
				return err;
		} else if (!tail->content_valid) {
			uint64_t values[] = { tail->frame };
			err = add_finding(az, "shared-tail-corrupt", HVO_SEV_CRITICAL, 1, names, values,
					  "the page at physical 0x%" PRIx64 " that %" PRIu64 " folios map "
					  "their tails to holds no tail struct pages: %s",
					  tail->frame, tail->nr_folios, tail->content_problem);
			if (err)
				return err;
		}
		if (an->generation != HVO_GEN_V3 && tail->frame_node_known && tail->content_valid &&
		    tail->frame_node != tail->node) {
			const char *const mnames[] = { "frame", "frame_page_vaddr" };
			uint64_t values[] = { tail->frame,
					      pfn_to_vaddr(az, tail->frame / PAGE_SIZE_4K) };
			err = add_finding(az, "vmemmap-tails-misplaced", HVO_SEV_WARNING, 2, mnames,
					  values,
					  "shared tail page at physical 0x%" PRIx64 " for node %u lives on "
					  "node %u: every tail access of its folios is remote",
					  tail->frame, tail->node, tail->frame_node);
			if (err)
				return err;
		}
	}

	/* Each folio against the tail it maps: order, node and zone must agree. */
	for (size_t f = 0; f < an->nr_folios; f++) {
		const struct hvo_folio *folio = &an->folios[f];
		size_t index;
		if (folio->state != HVO_FOLIO_SHARED_TAIL ||
		    !hvo_u64map_get(&az->tail_index, folio->tail_frame, &index))
			continue;
		uint64_t head_vaddr = pfn_to_vaddr(az, folio->head_pfn);
		err = check_tail_fits(az, folio, &an->tails[index], head_vaddr + PAGE_SIZE_4K,
				      folio->nr_vmemmap_pages - 1);
		if (err)
			return err;
	}

	/* Stray PTEs: a few tails of a folio map some other page. */
	for (size_t d = 0; d < az->nr_deviations; d++) {
		const struct deviation *dev = &az->deviations[d];
		const struct hvo_folio *folio = &an->folios[dev->folio_index];
		struct hvo_shared_tail other = { .frame = dev->frame };
		size_t index;
		if (hvo_u64map_get(&az->tail_index, dev->frame, &index))
			other = an->tails[index];
		else if ((err = describe_tail_frame(az, &other)))
			return err;
		if (other.order && dev->frame != folio->head_frame) {
			err = check_tail_fits(az, folio, &other, dev->vaddr, dev->nr_pages);
		} else {
			const char *const names[] = { "head_pfn", "head_vaddr", "frame", "tail_vaddr" };
			uint64_t values[] = { folio->head_pfn, pfn_to_vaddr(az, folio->head_pfn),
					      dev->frame, dev->vaddr };
			err = add_finding(az, "vmemmap-mixed", HVO_SEV_ERROR, 4, names, values,
					  "%" PRIu64 " tail vmemmap pages of the hugetlb folio at pfn 0x%"
					  PRIx64 " map physical 0x%" PRIx64 ", which is %s, while the rest "
					  "map 0x%" PRIx64 ": those tails read the wrong struct pages",
					  dev->nr_pages, folio->head_pfn, dev->frame,
					  dev->frame == folio->head_frame ? "the folio's own head page" :
					  "not a tail page", folio->tail_frame);
		}
		if (err)
			return err;
	}
	return NULL;
}

/* Read vmemmap_tails[] (needs type information) and the memmap counters. */
static struct hvo_error *read_kernel_state(struct analyzer *az, struct hvo_types *types)
{
	struct hvo_analysis *an = az->an;
	struct hvo_error *err;
	if (!types) {
		if (an->mask_mode)
			return add_note(an, "vmemmap_tails[] not read: no type information");
		return NULL;
	}
	enum hvo_types_provider provider;
	err = hvo_kstate_vmemmap_tails(az->prog, types, &an->tail_entries, &an->nr_tail_entries,
				       &provider);
	if (!err) {
		an->tail_entries_known = an->mask_mode;
		for (size_t i = 0; i < an->nr_tail_entries; i++) {
			if (!hvo_u64map_put(&az->entry_index, an->tail_entries[i].frame, i))
				return &hvo_error_nomem;
		}
	} else if (err == &hvo_error_not_found) {
		err = add_note(an, "vmemmap_tails[] not read: no provider knows %s.vmemmap_tails "
			       "(give --vmlinux FILE, or use a kernel with BTF)",
			       an->generation == HVO_GEN_V3 ? "pglist_data" : "zone");
	} else if (err->code == HVO_ERROR_NODATA || err->code == HVO_ERROR_INVALID ||
		   err->code == HVO_ERROR_TRANSLATE) {
		struct hvo_error *nerr = add_note(an, "vmemmap_tails[] not read: %s", err->message);
		an->incomplete |= err->code == HVO_ERROR_NODATA;
		hvo_error_destroy(err);
		err = nerr;
	}
	if (err)
		return err;

	err = hvo_kstate_hstates(az->prog, types, &an->hstates, &an->nr_hstates);
	if (!err) {
		an->hstates_known = true;
	} else if (err == &hvo_error_not_found) {
		err = add_note(an, "hstates not read: no type information for struct hstate");
	} else if (err->code == HVO_ERROR_NODATA || err->code == HVO_ERROR_INVALID ||
		   err->code == HVO_ERROR_TRANSLATE) {
		struct hvo_error *nerr = add_note(an, "hstates not read: %s", err->message);
		hvo_error_destroy(err);
		err = nerr;
	}
	if (err)
		return err;

	err = hvo_kstate_memmap_counters(az->prog, types, &an->counters);
	if (!err) {
		an->counters_known = true;
	} else if (err == &hvo_error_not_found) {
		err = add_note(an, "memmap counters not read: no symbol nr_memmap_pages");
	} else if (err->code == HVO_ERROR_NODATA || err->code == HVO_ERROR_TRANSLATE) {
		struct hvo_error *nerr = add_note(an, "memmap counters not read: %s", err->message);
		hvo_error_destroy(err);
		err = nerr;
	}
	return err;
}

/* The kernel's hstate counts against the folios found by page type. */
static struct hvo_error *check_hstates(struct analyzer *az)
{
	struct hvo_analysis *an = az->an;
	if (!an->hstates_known)
		return NULL;
	struct hvo_u64map found;	/* (node << 8 | order) -> folios found */
	struct hvo_error *err = NULL;
	hvo_u64map_init(&found);
	for (size_t f = 0; f < an->nr_folios; f++) {
		uint64_t key = ((uint64_t)an->folios[f].node << 8) | an->folios[f].order;
		size_t count = 0;
		hvo_u64map_get(&found, key, &count);
		if (!hvo_u64map_put(&found, key, count + 1)) {
			err = &hvo_error_nomem;
			goto out;
		}
	}
	/* Every hstate count must be met, and every found group must have one. */
	struct hvo_u64map counted;
	hvo_u64map_init(&counted);
	for (size_t i = 0; i < an->nr_hstates && !err; i++) {
		const struct hvo_hstate_count *h = &an->hstates[i];
		uint64_t key = ((uint64_t)h->node << 8) | h->order;
		size_t count = 0;
		hvo_u64map_get(&found, key, &count);
		if (!hvo_u64map_put(&counted, key, 1))
			err = &hvo_error_nomem;
		else if (count != h->nr_huge_pages)
			err = add_finding(az, "hstate-count-mismatch", HVO_SEV_WARNING, 0, NULL, NULL,
					  "the kernel counts %" PRIu64 " order-%u huge pages on node %u "
					  "(hstate nr_huge_pages_node), the memmap holds %zu hugetlb "
					  "folios of that order there", h->nr_huge_pages, h->order,
					  h->node, count);
	}
	for (size_t f = 0; f < an->nr_folios && !err; f++) {
		uint64_t key = ((uint64_t)an->folios[f].node << 8) | an->folios[f].order;
		size_t seen;
		if (hvo_u64map_get(&counted, key, &seen))
			continue;
		size_t count = 0;
		hvo_u64map_get(&found, key, &count);
		if (!hvo_u64map_put(&counted, key, 1))
			err = &hvo_error_nomem;
		else
			err = add_finding(az, "hstate-count-mismatch", HVO_SEV_WARNING, 0, NULL, NULL,
					  "the memmap holds %zu order-%u hugetlb folios on node %u but "
					  "no hstate counts any there", count, an->folios[f].order,
					  an->folios[f].node);
	}
	hvo_u64map_deinit(&counted);
out:
	hvo_u64map_deinit(&found);
	return err;
}

/* vmemmap_tails[] slots no folio maps, or whose page sits on another node. */
static struct hvo_error *check_tail_entries(struct analyzer *az)
{
	struct hvo_analysis *an = az->an;
	struct hvo_error *err;
	for (size_t i = 0; i < an->nr_tail_entries; i++) {
		const struct hvo_tail_entry *entry = &an->tail_entries[i];
		size_t index;
		const char *const names[] = { "frame_page_vaddr", "frame", "entry_vaddr", "pfn" };
		uint64_t values[] = { pfn_to_vaddr(az, entry->frame / PAGE_SIZE_4K), entry->frame,
				      entry->entry_vaddr, entry->frame / PAGE_SIZE_4K };
		if (hvo_u64map_get(&az->tail_index, entry->frame, &index)) {
			const struct hvo_shared_tail *tail = &an->tails[index];
			if (an->generation == HVO_GEN_V3 && tail->frame_node_known &&
			    describe_frame_node(az, entry->frame) >= 0 &&
			    (unsigned int)describe_frame_node(az, entry->frame) != entry->node) {
				err = add_finding(az, "vmemmap-tails-misplaced", HVO_SEV_WARNING, 4, names,
						  values,
						  "vmemmap_tails[%u] of node %u points to the page at physical 0x%"
						  PRIx64 " on node %d: every tail access of its folios is remote",
						  entry->order - HVO_VMEMMAP_TAIL_MIN_ORDER, entry->node,
						  entry->frame, describe_frame_node(az, entry->frame));
				if (err)
					return err;
			}
			continue;
		}
		/* Spent but unused: it still counts against the savings. */
		if ((err = record_shared_tail(az, entry->frame, entry->zone, &index)))
			return err;
		an->tails[index].nr_folios = 0;
		if ((err = describe_tail_frame(az, &an->tails[index])))
			return err;
		if (an->generation == HVO_GEN_V3) {
			an->tails[index].node = entry->node;
			an->tails[index].order = entry->order;
		}
		err = add_finding(az, "vmemmap-tails-unused", HVO_SEV_INFO, 4, names, values,
				  "vmemmap_tails[%u] of node %u%s%s (order %u) names the page at physical 0x%"
				  PRIx64 " but no hugetlb folio maps it: a page spent for nothing",
				  entry->order - HVO_VMEMMAP_TAIL_MIN_ORDER, entry->node,
				  an->generation == HVO_GEN_V3 ? "" : " zone ",
				  an->generation == HVO_GEN_V3 ? "" : hvo_zone_name(entry->zone),
				  entry->order, entry->frame);
		if (err)
			return err;
	}
	return NULL;
}

static int compare_rows(const void *a, const void *b)
{
	const struct hvo_savings_row *x = a, *y = b;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	if (x->zone != y->zone)
		return x->zone < y->zone ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return 0;
}

static struct hvo_savings_row *row_for(struct hvo_analysis *an, struct hvo_u64map *rows,
				       unsigned int node, unsigned int zone, unsigned int order)
{
	uint64_t key = ((uint64_t)node << 32) | (zone << 8) | order;
	size_t index;
	if (hvo_u64map_get(rows, key, &index))
		return &an->rows[index];
	struct hvo_savings_row *grown = realloc(an->rows, (an->nr_rows + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	an->rows = grown;
	index = an->nr_rows++;
	grown[index] = (struct hvo_savings_row){ .node = node, .zone = zone, .order = order };
	if (!hvo_u64map_put(rows, key, index))
		return NULL;
	return &grown[index];
}

static struct hvo_error *count_savings(struct analyzer *az)
{
	struct hvo_analysis *an = az->an;
	struct hvo_u64map rows;
	struct hvo_error *err = NULL;
	hvo_u64map_init(&rows);
	for (size_t f = 0; f < an->nr_folios; f++) {
		const struct hvo_folio *folio = &an->folios[f];
		struct hvo_savings_row *row = row_for(an, &rows, folio->node, folio->zone,
						      folio->order);
		if (!row) {
			err = &hvo_error_nomem;
			goto out;
		}
		row->folios++;
		row->vmemmap_pages_per_folio = folio->nr_vmemmap_pages;
		if (folio->state == HVO_FOLIO_SHARED_TAIL || folio->state == HVO_FOLIO_FAKE_HEADS) {
			row->optimized++;
			row->pages_saved += folio->nr_vmemmap_pages - 1;
		}
	}
	/*
	 * A shared tail counts where its content says it belongs (merged: per
	 * zone); a v3 tail serves a whole node, so it counts in the zone of the
	 * first folio that maps it.
	 */
	for (size_t t = 0; t < an->nr_tails; t++) {
		struct hvo_shared_tail *tail = &an->tails[t];
		if (an->generation == HVO_GEN_V3)
			tail->zone = tail->first_folio_zone;
		struct hvo_savings_row *row = row_for(an, &rows, tail->node, tail->zone, tail->order);
		if (!row) {
			err = &hvo_error_nomem;
			goto out;
		}
		row->shared_tail_pages++;
		if (!row->vmemmap_pages_per_folio && tail->order)
			row->vmemmap_pages_per_folio =
				((UINT64_C(1) << tail->order) * az->layout->size) / PAGE_SIZE_4K;
	}
	if (an->nr_rows)
		qsort(an->rows, an->nr_rows, sizeof(*an->rows), compare_rows);
	for (size_t r = 0; r < an->nr_rows; r++) {
		an->total.folios += an->rows[r].folios;
		an->total.optimized += an->rows[r].optimized;
		an->total.pages_saved += an->rows[r].pages_saved;
		an->total.shared_tail_pages += an->rows[r].shared_tail_pages;
	}
out:
	hvo_u64map_deinit(&rows);
	return err;
}

static struct hvo_error *check_memmap_alignment(struct analyzer *az)
{
	if (!az->an->mask_mode)
		return NULL;
	uint64_t align = (UINT64_C(1) << HVO_MAX_FOLIO_ORDER) * az->layout->size;
	uint64_t base = az->prog->vmemmap_base;
	if (base % align == 0)
		return NULL;
	/* Which folios actually get a wrong head from the mask? */
	uint64_t nr_bad = 0, first_bad = 0;
	for (size_t f = 0; f < az->an->nr_folios; f++) {
		const struct hvo_folio *folio = &az->an->folios[f];
		uint64_t head_vaddr = pfn_to_vaddr(az, folio->head_pfn);
		if (head_vaddr & ~hvo_page_tail_mask(az->layout, folio->order) & ~UINT64_C(1)) {
			if (!nr_bad++)
				first_bad = folio->head_pfn;
		}
	}
	const char *const names[] = { "vmemmap_base", "first_bad_head_pfn" };
	uint64_t values[] = { base, first_bad };
	return add_finding(az, "memmap-misaligned", nr_bad ? HVO_SEV_CRITICAL : HVO_SEV_WARNING,
			   nr_bad ? 2 : 1, names, values,
			   "the memmap at 0x%" PRIx64 " is not aligned to 0x%" PRIx64
			   " (MAX_FOLIO_ORDER struct pages): %" PRIu64 " hugetlb folios have heads the "
			   "tail mask cannot reach, so compound_head() of their tails is wrong",
			   base, align, nr_bad);
}

/* The scratch state of one analysis; the result lives on in the analysis. */
static void analyzer_deinit(struct analyzer *az)
{
	hvo_u64map_deinit(&az->tail_index);
	hvo_u64map_deinit(&az->head_frames);
	hvo_u64map_deinit(&az->findings_per_id);
	hvo_u64map_deinit(&az->entry_index);
	free(az->cache);
	free(az->deviations);
}

struct hvo_error *hvo_analyze(struct hvo_program *prog,
			      const struct hvo_analyze_options *options,
			      struct hvo_analysis **ret)
{
	struct hvo_error *err;
	if (prog->generation == HVO_GEN_UNKNOWN)
		return hvo_error_create(HVO_ERROR_UNSUPPORTED,
					"cannot analyse HVO: %s", prog->generation_evidence);
	if (!prog->page.size_shift && prog->generation != HVO_GEN_LEGACY)
		return hvo_error_create(HVO_ERROR_UNSUPPORTED,
					"struct page of %u bytes is not a power of two: no mask "
					"encoding and no HVO", prog->page.size);

	struct hvo_analysis *an = calloc(1, sizeof(*an));
	struct analyzer az = { .prog = prog, .an = an, .layout = &prog->page, .options = options };
	if (!an)
		return &hvo_error_nomem;
	an->generation = prog->generation;
	an->mask_mode = prog->generation != HVO_GEN_LEGACY;
	an->deep = options && options->deep;
	hvo_u64map_init(&az.tail_index);
	hvo_u64map_init(&az.head_frames);
	hvo_u64map_init(&az.findings_per_id);
	hvo_u64map_init(&az.entry_index);
	az.cache = calloc(FRAME_CACHE_SLOTS, sizeof(*az.cache));
	if (!az.cache) {
		err = &hvo_error_nomem;
		goto err;
	}

	/* The vmemmap spans 2^(levels*9+12-6) bytes at most; MAX_PHYSMEM_BITS bounds it. */
	uint64_t max_physmem_bits;
	err = hvo_vmcoreinfo_u64(prog->vmcoreinfo, "NUMBER(MAX_PHYSMEM_BITS)", &max_physmem_bits);
	if (err == &hvo_error_not_found) {
		max_physmem_bits = prog->pgtable_levels == 5 ? 52 : 46;
		err = NULL;
	}
	if (err)
		goto err;
	if (max_physmem_bits < 30 || max_physmem_bits > 52) {
		err = hvo_error_create(HVO_ERROR_INVALID,
				       "VMCOREINFO NUMBER(MAX_PHYSMEM_BITS)=%" PRIu64 " is not plausible",
				       max_physmem_bits);
		goto err;
	}
	uint64_t vmemmap_size = (UINT64_C(1) << (max_physmem_bits - 12)) * prog->page.size;
	err = hvo_vmemmap_walk(prog, prog->vmemmap_base, prog->vmemmap_base + vmemmap_size,
			       &an->vmemmap);
	if (err)
		goto err;
	az.vm = an->vmemmap;
	an->incomplete = az.vm->incomplete;
	for (size_t i = 0; i < az.vm->nr_problems; i++) {
		if ((err = add_note(an, "page tables: %s", az.vm->problems[i].what)))
			goto err;
	}
	if ((err = read_kernel_state(&az, options ? options->types : NULL)))
		goto err;
	if ((err = find_folios(&az)))
		goto err;
	if (options && options->progress)
		options->progress(options->progress_arg, "scanning the memmap", 1.0);
	for (size_t f = 0; f < an->nr_folios; f++) {
		if ((err = classify_folio(&az, f)))
			goto err;
	}
	if ((err = check_shared_tails(&az)) || (err = check_tail_entries(&az)) ||
	    (err = check_hstates(&az)) ||
	    (err = check_memmap_alignment(&az)) || (err = count_savings(&az)))
		goto err;
	if (!an->deep && an->mask_mode &&
	    (err = add_note(an, "tails of compound pages other than hugetlb folios were not "
			    "checked (--deep reads every struct page)")))
		goto err;
	if (an->nr_device_compound &&
	    (err = add_note(an, "%" PRIu64 " ZONE_DEVICE (DAX) compound pages keep their own "
			    "vmemmap deduplication: counted, not checked", an->nr_device_compound)))
		goto err;
	if (az.nr_dropped_findings &&
	    (err = add_note(an, "%" PRIu64 " more findings not listed (over %d of one kind)",
			    az.nr_dropped_findings, MAX_FINDINGS_PER_ID)))
		goto err;
	analyzer_deinit(&az);
	*ret = an;
	return NULL;

err:
	analyzer_deinit(&az);
	hvo_analysis_free(an);
	return err;
}

void hvo_analysis_free(struct hvo_analysis *an)
{
	if (!an)
		return;
	for (size_t i = 0; i < an->nr_findings; i++)
		free(an->findings[i].message);
	for (size_t i = 0; i < an->nr_notes; i++)
		free(an->notes[i]);
	free(an->findings);
	free(an->notes);
	free(an->folios);
	free(an->tails);
	free(an->rows);
	free(an->tail_entries);
	free(an->hstates);
	hvo_vmemmap_free(an->vmemmap);
	free(an);
}

int hvo_analysis_worst_severity(const struct hvo_analysis *an)
{
	int worst = -1;
	for (size_t i = 0; i < an->nr_findings; i++) {
		if ((int)an->findings[i].severity > worst)
			worst = an->findings[i].severity;
	}
	return worst;
}
