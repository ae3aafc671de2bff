/* hvo_folios.c - find hugetlb folios in the memmap and classify how their vmemmap is mapped. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvo_analyzer.h"
#include "interrupt.h"

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
static void scan_folio_mapping(struct analyzer *az, uint64_t head_vaddr,
			       uint64_t nr_pages, struct tail_scan *ts)
{
	memset(ts, 0, sizeof(*ts));
	uint64_t vaddr = head_vaddr, end = head_vaddr + nr_pages * az->page_size;
	while (vaddr < end) {
		const struct hvo_vmemmap_run *run = hvo_vmemmap_find(az->vm, vaddr, &az->run_hint);
		if (!run) {
			ts->nr_unmapped++;
			vaddr += az->page_size;
			continue;
		}
		uint64_t run_end = run->vaddr + run->nr_pages * az->page_size;
		uint64_t seg_end = run_end < end ? run_end : end;
		uint64_t index = (vaddr - run->vaddr) >> az->page_shift;
		uint64_t count = (seg_end - vaddr) >> az->page_shift;
		bool repeat = run->flags & HVO_MAP_REPEAT;
		if (!(run->flags & HVO_MAP_PTE))
			ts->nr_leaf += count;
		if (vaddr == head_vaddr) {
			ts->head_mapped = true;
			ts->head_frame = repeat ? run->paddr : run->paddr + index * az->page_size;
			ts->head_flags = run->flags;
			vaddr += az->page_size;
			index++;
			count--;
		}
		if (count) {
			if (repeat) {
				add_target(ts, run->paddr, count, vaddr);
			} else if (count <= 2 * MAX_TAIL_FRAMES) {
				for (uint64_t i = 0; i < count; i++)
					add_target(ts, run->paddr + (index + i) * az->page_size, 1,
						   vaddr + i * az->page_size);
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
	struct hvo_error *err = hvo_az_read_frame(az, frame, az->layout->size, &data);
	if (err) {
		hvo_error_destroy(hvo_az_absorb_nodata(az, err));
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

/* What the mapping of a folio's vmemmap makes it (reading a frame for legacy fake heads). */
static enum hvo_folio_state decide_state(struct analyzer *az, const struct tail_scan *ts,
					 const struct tail_target *main, uint64_t nr_vmemmap_pages)
{
	uint64_t nr_tails = nr_vmemmap_pages - 1;
	/*
	 * Remapped when the tails map few frames and one of them most pages;
	 * the others are PTEs that went astray, checked once tails are read.
	 */
	bool remapped = main && !ts->too_many_targets && ts->nr_unmapped == 0 &&
			ts->nr_leaf == 0 && main->nr_pages * 2 > nr_tails;
	/* Split, never (or no longer) remapped: every tail its own writable page. */
	bool split = !remapped && ts->nr_unmapped == 0 && ts->nr_writable == nr_tails &&
		     every_page_its_own(ts);
	if (nr_tails == 0 || ts->nr_leaf == nr_vmemmap_pages || split)
		return HVO_FOLIO_NOT_OPTIMIZED;
	/* Legacy tails may map a head page that is no longer this folio's own. */
	if (remapped && (main->frame == ts->head_frame ||
			 (!az->an->mask_mode && frame_holds_head(az, main->frame))))
		return HVO_FOLIO_FAKE_HEADS;
	return remapped ? HVO_FOLIO_SHARED_TAIL : HVO_FOLIO_BROKEN;
}

/* The addresses most findings about a folio give, in this order. */
static const char *const folio_names[] = { "head_pfn", "head_vaddr", "frame", "tail_vaddr" };

static struct hvo_error *report_mixed(struct analyzer *az, const struct hvo_folio *folio,
				      const struct tail_scan *ts, uint64_t head_vaddr)
{
	uint64_t values[] = { folio->head_pfn, head_vaddr };
	return hvo_az_finding(az, HVO_FINDING_VMEMMAP_MIXED, 2, folio_names, values,
			      "hugetlb folio at pfn 0x%" PRIx64 " (order %u) has a vmemmap that is "
			      "neither intact nor remapped (%" PRIu64 " unmapped, %" PRIu64
			      " writable of %" PRIu64 " tail pages): its struct pages are "
			      "inconsistent",
			      folio->head_pfn, folio->order, ts->nr_unmapped, ts->nr_writable,
			      folio->nr_vmemmap_pages - 1);
}

/* The PTEs of a remapped folio: stray tails, writable tails, a read-only head. */
static struct hvo_error *check_remapped_ptes(struct analyzer *az, size_t folio_index,
					     const struct tail_scan *ts,
					     const struct tail_target *main, uint64_t head_vaddr)
{
	const struct hvo_folio *folio = &az->an->folios[folio_index];
	struct hvo_error *err;
	for (size_t i = 0; i < ts->nr_targets; i++) {
		if (&ts->targets[i] != main &&
		    (err = add_deviation(az, folio_index, &ts->targets[i])))
			return err;
	}
	if (ts->nr_writable) {
		uint64_t values[] = { folio->head_pfn, head_vaddr, folio->tail_frame,
				      ts->first_writable_vaddr };
		const char *shared = folio->state == HVO_FOLIO_FAKE_HEADS ?
				     "head vmemmap" : "shared tail";
		err = hvo_az_finding(az, HVO_FINDING_TAIL_WRITABLE, 4, folio_names, values,
				     "%" PRIu64 " of %" PRIu64 " tail vmemmap pages of the hugetlb "
				     "folio at pfn 0x%" PRIx64 " are mapped writable: a stray "
				     "write through them corrupts the %s page shared with other "
				     "struct pages", ts->nr_writable, folio->nr_vmemmap_pages - 1,
				     folio->head_pfn, shared);
		if (err)
			return err;
	}
	if (!(ts->head_flags & HVO_MAP_WRITABLE)) {
		uint64_t values[] = { folio->head_pfn, head_vaddr, ts->head_frame };
		return hvo_az_finding(az, HVO_FINDING_HEAD_READONLY, 3, folio_names, values,
				      "the head vmemmap page of the hugetlb folio at pfn 0x%" PRIx64
				      " is mapped read-only: the kernel faults on its next write "
				      "to the head struct page", folio->head_pfn);
	}
	return NULL;
}

/* A remapped folio's head page must be its own: remember it, or say whose it is too. */
static struct hvo_error *check_head_frame(struct analyzer *az, size_t folio_index,
					  const struct tail_scan *ts, uint64_t head_vaddr)
{
	const struct hvo_folio *folio = &az->an->folios[folio_index];
	size_t other;
	if (!hvo_u64map_get(&az->head_frames, ts->head_frame, &other)) {
		if (!hvo_u64map_put(&az->head_frames, ts->head_frame, folio_index))
			return &hvo_error_nomem;
		return NULL;
	}
	uint64_t other_pfn = az->an->folios[other].head_pfn;
	uint64_t values[] = { folio->head_pfn, head_vaddr, ts->head_frame, other_pfn,
			      hvo_az_pfn_vaddr(az, other_pfn) };
	const char *const names[] = { "head_pfn", "head_vaddr", "frame", "other_head_pfn",
				      "other_head_vaddr" };
	return hvo_az_finding(az, HVO_FINDING_HEAD_SHARED, 5, names, values,
			      "the head vmemmap page of the hugetlb folio at pfn 0x%" PRIx64
			      " is also the head page of the folio at pfn 0x%" PRIx64
			      ": updates to one folio's head change the other's",
			      folio->head_pfn, other_pfn);
}

/* A remapped folio's tails as the kernel's generation expects them. */
static struct hvo_error *check_generation_fit(struct analyzer *az, const struct hvo_folio *folio,
					      const struct tail_scan *ts, uint64_t head_vaddr)
{
	if (folio->state == HVO_FOLIO_FAKE_HEADS && az->an->mask_mode) {
		uint64_t values[] = { folio->head_pfn, head_vaddr, ts->head_frame,
				      head_vaddr + az->page_size };
		return hvo_az_finding(az, HVO_FINDING_FAKE_HEADS_ON_MASK_KERNEL, 4, folio_names,
				      values,
				      "the tails of the hugetlb folio at pfn 0x%" PRIx64 " map its "
				      "head page (legacy fake heads) on a %s kernel, which has no "
				      "fake-head handling: every tail looks like a head",
				      folio->head_pfn, hvo_generation_name(az->an->generation));
	}
	if (folio->state == HVO_FOLIO_SHARED_TAIL && !az->an->mask_mode) {
		uint64_t values[] = { folio->head_pfn, head_vaddr, folio->tail_frame,
				      head_vaddr + az->page_size };
		return hvo_az_finding(az, HVO_FINDING_SHARED_TAIL_ON_LEGACY_KERNEL, 4, folio_names,
				      values,
				      "the tails of the hugetlb folio at pfn 0x%" PRIx64 " map a "
				      "page other than the head's on a legacy kernel, whose tails "
				      "must point at their own head", folio->head_pfn);
	}
	return NULL;
}

static struct hvo_error *report_flag_mismatch(struct analyzer *az, const struct hvo_folio *folio,
					      bool optimized, uint64_t head_vaddr)
{
	uint64_t values[] = { folio->head_pfn, head_vaddr };
	return hvo_az_finding(az, HVO_FINDING_HVO_FLAG_MISMATCH, 2, folio_names, values,
			      "the hugetlb folio at pfn 0x%" PRIx64 " %s HPG_vmemmap_optimized but "
			      "its vmemmap is %s: the kernel will %s",
			      folio->head_pfn, folio->flag_optimized ? "has" : "lacks",
			      optimized ? "remapped" : "intact",
			      folio->flag_optimized ? "try to restore pages that were never freed" :
			      "write to read-only tail pages as if they were its own");
}

/*
 * Scan the mapping of a folio's vmemmap, decide its state, then record
 * what is wrong with it.  Outputs list findings in the order they come:
 * keep it.
 */
struct hvo_error *hvo_az_classify_folio(struct analyzer *az, size_t folio_index)
{
	struct hvo_folio *folio = &az->an->folios[folio_index];
	uint64_t head_vaddr = hvo_az_pfn_vaddr(az, folio->head_pfn);
	uint64_t vmemmap_bytes = (UINT64_C(1) << folio->order) * az->layout->size;
	folio->nr_vmemmap_pages = (vmemmap_bytes + az->page_size - 1) >> az->page_shift;

	struct tail_scan ts;
	scan_folio_mapping(az, head_vaddr, folio->nr_vmemmap_pages, &ts);
	const struct tail_target *main = main_target(&ts);
	folio->head_frame = ts.head_frame;
	folio->tail_frame = main ? main->frame : 0;
	folio->nr_writable_tails = ts.nr_writable;
	folio->state = decide_state(az, &ts, main, folio->nr_vmemmap_pages);

	if (folio->state == HVO_FOLIO_BROKEN)
		return report_mixed(az, folio, &ts, head_vaddr);
	struct hvo_error *err;
	bool optimized = folio->state == HVO_FOLIO_SHARED_TAIL ||
			 folio->state == HVO_FOLIO_FAKE_HEADS;
	if (optimized && ((err = check_remapped_ptes(az, folio_index, &ts, main, head_vaddr)) ||
			  (err = check_head_frame(az, folio_index, &ts, head_vaddr)) ||
			  (err = check_generation_fit(az, folio, &ts, head_vaddr))))
		return err;
	if (optimized != folio->flag_optimized &&
	    (err = report_flag_mismatch(az, folio, optimized, head_vaddr)))
		return err;
	if (folio->state == HVO_FOLIO_SHARED_TAIL) {
		size_t index;
		return hvo_az_record_shared_tail(az, folio->tail_frame, folio->zone, &index);
	}
	return NULL;
}

static struct hvo_error *add_folio(struct analyzer *az, const struct hvo_folio *folio);

/*
 * A struct page with PG_head and the hugetlb type at pfn: record the folio
 * and set *end_pfn_ret one past it.
 */
static struct hvo_error *add_hugetlb_head(struct analyzer *az, uint64_t pfn,
					  const struct hvo_page *head, unsigned int order,
					  uint64_t *end_pfn_ret)
{
	const struct hvo_page_layout *layout = az->layout;
	if (order < az->arch->min_hugetlb_order || order > hvo_arch_max_folio_order(az->arch) ||
	    (pfn & ((UINT64_C(1) << order) - 1))) {
		const char *const names[] = { "head_pfn", "head_vaddr" };
		uint64_t values[] = { pfn, hvo_az_pfn_vaddr(az, pfn) };
		return hvo_az_finding(az, HVO_FINDING_HUGETLB_BAD_ORDER, 2, names, values,
				   "hugetlb head at pfn 0x%" PRIx64 " has folio order %u, "
				   "impossible for a hugetlb folio at that pfn", pfn, order);
	}
	struct hvo_folio folio = {
		.head_pfn = pfn,
		.order = order,
		.node = hvo_page_node(layout, head),
		.zone = hvo_page_zone(layout, head),
		.private = head->private,
		.head_flags = head->flags,
		.flag_optimized = head->private & (UINT64_C(1) << layout->hpg_vmemmap_optimized_bit),
	};
	*end_pfn_ret = pfn + (UINT64_C(1) << order);
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
	uint64_t vaddr = hvo_az_pfn_vaddr(az, pfn);
	hvo_page_decode_tail(layout, true, vaddr, page->compound, &decoded);
	const char *const names[] = { "head_pfn", "tail_pfn", "tail_vaddr", "compound_info" };
	uint64_t values[] = { cur->head_pfn, pfn, vaddr, page->compound };
	return hvo_az_finding(az, HVO_FINDING_COMPOUND_BAD_MASK, 4, names, values,
			   "tail pfn 0x%" PRIx64 " of the order-%u compound page at pfn 0x%" PRIx64
			   " holds compound_info 0x%" PRIx64 " (%s) instead of 0x%" PRIx64
			   ": compound_head() of it returns the wrong head",
			   pfn, cur->order, cur->head_pfn, page->compound,
			   decoded.kind == HVO_TAIL_MASK ? "another order's mask" :
			   decoded.kind == HVO_TAIL_NONE ? "not a tail" : "not a valid mask",
			   want);
}

/* The first vmemmap frame a filter or a corrupted table left out: one note. */
static struct hvo_error *note_missing(struct analyzer *az, uint64_t paddr)
{
	if (az->an->incomplete)
		return NULL;
	az->an->incomplete = true;
	return hvo_az_note(az->an, "incomplete: the vmemmap frame at physical 0x%" PRIx64
			   " (and maybe others) is not in the dump", paddr);
}

static struct hvo_error *note_unbacked(struct analyzer *az, const struct hvo_vmemmap_run *run)
{
	az->an->incomplete = true;
	return hvo_az_note(az->an, "%" PRIu64 " vmemmap pages from 0x%" PRIx64 " map frames from "
			   "physical 0x%" PRIx64 ", beyond the dump's memory: not read",
			   run->nr_pages, run->vaddr, run->paddr);
}

/*
 * The struct pages the scan looks at, in pfn order through the vmemmap
 * runs.  Hugetlb heads are aligned to their order, the arch's
 * min_hugetlb_order at least, so a step of that many struct pages (512)
 * finds them all: each step reads the first and the one after it (a
 * head's folio order).  With --deep a step is a frame and every struct
 * page of it is looked at.  What the dump lacks is skipped with a note,
 * and so are the pfns of folios found (page_cursor_skip_to()).
 */
struct page_cursor {
	struct analyzer *az;
	const struct hvo_page_layout *layout;	/* az's */
	uint64_t max_paddr;		/* frames from here on are beyond the dump; 0: unknown */
	uint64_t per_page;		/* struct pages in one vmemmap page */
	uint64_t step;			/* pfns from one step to the next */
	uint64_t nr_per_step;		/* struct pages a step yields */
	unsigned int nr_images;		/* struct pages a step reads */
	bool deep;
	size_t next_run;		/* index of the run to enter next */
	const struct hvo_vmemmap_run *run;	/* being walked; NULL between runs */
	uint64_t run_first_pfn, run_end_pfn;
	uint64_t step_pfn;		/* the step being made: its first pfn, a frame's first */
	const unsigned char *image;	/* its struct pages; NULL until read */
	uint64_t index;			/* of its next struct page to yield; nr_per_step: none */
	uint64_t nr_steps;		/* read or found missing, for Ctrl-C */
	uint64_t next_pfn;		/* first pfn not inside a folio already found */
	/* What page_cursor_next() yields: */
	uint64_t pfn;
	const unsigned char *page_image;	/* pfn's struct page */
	bool skipped;			/* struct pages the dump lacks came before it */
};

static void page_cursor_init(struct page_cursor *pc, struct analyzer *az)
{
	const bool deep = az->an->deep;
	const uint64_t per_page = az->page_size / az->layout->size;
	*pc = (struct page_cursor){
		.az = az,
		.layout = az->layout,
		.max_paddr = hvo_dump_max_pfn(az->prog->dump) * az->page_size,
		.per_page = per_page,
		.step = deep ? per_page : UINT64_C(1) << az->arch->min_hugetlb_order,
		.nr_per_step = deep ? per_page : 1,
		.nr_images = deep ? (unsigned int)per_page : 2,
		.deep = deep,
		.index = deep ? per_page : 1,
	};
}

/* The first step that looks at pfn or at a later one. */
static uint64_t step_from(const struct page_cursor *pc, uint64_t pfn)
{
	return pc->deep ? pfn - pfn % pc->per_page : (pfn + pc->step - 1) & ~(pc->step - 1);
}

/*
 * After a step whose vmemmap frame (at paddr) the dump lacks: the next step
 * of the run worth trying, past every frame the dump lacks, instead of one
 * probe per step (a corrupt table can map terabytes of vmemmap to them).
 * A run maps consecutive frames, or one frame again and again (repeat).
 */
static uint64_t next_stored_step(const struct page_cursor *pc, uint64_t paddr)
{
	const struct hvo_vmemmap_run *run = pc->run;
	struct analyzer *az = pc->az;
	if (run->flags & HVO_MAP_REPEAT)
		return pc->run_end_pfn;
	uint64_t next = hvo_dump_next_page(az->prog->dump, paddr);
	uint64_t last_frame = run->paddr + (run->nr_pages - 1) * az->page_size;
	if (next == UINT64_MAX || next > last_frame)
		return pc->run_end_pfn;
	uint64_t next_pfn = pc->run_first_pfn +
			    ((next - run->paddr) >> az->page_shift) * pc->per_page;
	next_pfn = (next_pfn + pc->step - 1) / pc->step * pc->step;
	return next_pfn > pc->step_pfn + pc->step ? next_pfn : pc->step_pfn + pc->step;
}

/* Enter the next run of the memmap whose frames the dump can hold; false after the last. */
static struct hvo_error *enter_run(struct page_cursor *pc, bool *entered_ret)
{
	struct analyzer *az = pc->az;
	struct hvo_error *err;
	while (pc->next_run < az->vm->nr_runs) {
		size_t r = pc->next_run++;
		const struct hvo_vmemmap_run *run = &az->vm->runs[r];
		if (az->options && az->options->progress && (r & 1023) == 0)
			az->options->progress(az->options->progress_arg, "scanning the memmap",
					      (double)r / az->vm->nr_runs);
		if (run->vaddr < az->prog->vmemmap_base)
			continue;
		/*
		 * A corrupted table can map vmemmap to frames the dump cannot hold:
		 * skip such a run whole instead of failing one read per page.
		 */
		if (pc->max_paddr && run->paddr >= pc->max_paddr) {
			if ((err = note_unbacked(az, run)))
				return err;
			continue;
		}
		pc->run = run;
		pc->run_first_pfn = (run->vaddr - az->prog->vmemmap_base) / pc->layout->size;
		pc->run_end_pfn = pc->run_first_pfn + run->nr_pages * pc->per_page;
		pc->step_pfn = step_from(pc, pc->run_first_pfn > pc->next_pfn ? pc->run_first_pfn :
					 pc->next_pfn);
		*entered_ret = true;
		return NULL;
	}
	*entered_ret = false;
	return NULL;
}

/* Read the step at step_pfn, or the first after it the dump has; false at the run's end. */
static struct hvo_error *read_step(struct page_cursor *pc, bool *read_ret)
{
	struct analyzer *az = pc->az;
	struct hvo_error *err;
	while (pc->step_pfn < pc->run_end_pfn) {
		uint64_t pfn = pc->step_pfn, paddr;
		if (pfn + pc->per_page <= pc->next_pfn) {
			pc->step_pfn = step_from(pc, pc->next_pfn);
			continue;
		}
		if ((++pc->nr_steps & 0xfff) == 0 && (err = hvo_interrupt_check()))
			return err;
		/* A frame the dump does not store: skip it without making an error. */
		if (hvo_vmemmap_translate(az->vm, hvo_az_pfn_vaddr(az, pfn), &az->run_hint, &paddr,
					  NULL) &&
		    !hvo_dump_has_page(az->prog->dump, paddr)) {
			if ((err = note_missing(az, paddr)))
				return err;
			pc->skipped = true;
			pc->step_pfn = next_stored_step(pc, paddr);
			continue;
		}
		const unsigned char *image;
		err = hvo_az_read_struct_page(az, pfn, pc->nr_images, &image);
		if (err) {
			if ((err = hvo_az_absorb_nodata(az, err)))
				return err;
			pc->skipped = true;
			pc->step_pfn += pc->step;
			continue;
		}
		/*
		 * pfn is a frame's first struct page: the base is page-aligned
		 * and the size a power of two (both checked before the scan).
		 */
		pc->image = image;
		pc->index = pc->next_pfn > pfn ? pc->next_pfn - pfn : 0;
		*read_ret = true;
		return NULL;
	}
	*read_ret = false;
	return NULL;
}

/* On to the next step with a struct page to yield; image NULL after the last run. */
static struct hvo_error *next_step(struct page_cursor *pc)
{
	struct hvo_error *err;
	bool more;
	for (;;) {
		if (pc->image) {
			pc->image = NULL;
			pc->step_pfn += pc->step;
			if (pc->next_pfn > pc->step_pfn)
				pc->step_pfn = step_from(pc, pc->next_pfn);
		}
		if (!pc->run) {
			if ((err = enter_run(pc, &more)))
				return err;
			if (!more)
				return NULL;
		}
		if ((err = read_step(pc, &more)))
			return err;
		if (!more)
			pc->run = NULL;
		else if (pc->index < pc->nr_per_step)
			return NULL;
	}
}

/* The next struct page to look at, in pc->pfn and pc->page_image; false after the last. */
static struct hvo_error *page_cursor_next(struct page_cursor *pc, bool *found_ret)
{
	struct hvo_error *err;
	pc->skipped = false;
	/* Most calls stay in the step (--deep): the hint keeps its state in registers. */
	if (__builtin_expect(pc->index >= pc->nr_per_step, 0)) {
		*found_ret = false;
		if ((err = next_step(pc)) || !pc->image)
			return err;
	}
	pc->pfn = pc->step_pfn + pc->index;
	pc->page_image = pc->image + pc->index * pc->layout->size;
	pc->index++;
	*found_ret = true;
	return NULL;
}

/* Skip the struct pages before end_pfn: a folio found holds them. */
static void page_cursor_skip_to(struct page_cursor *pc, uint64_t end_pfn)
{
	pc->next_pfn = end_pfn;
	if (end_pfn > pc->step_pfn + pc->index)
		pc->index = end_pfn - pc->step_pfn;
}

/*
 * The struct page after the one yielded: a head's folio fields.  A head
 * that is the last struct page of its frame has it in the next frame;
 * false when that is not mapped or not in the dump.
 */
static struct hvo_error *page_cursor_second(struct page_cursor *pc, struct hvo_page *second_ret,
					    bool *found_ret)
{
	struct analyzer *az = pc->az;
	*found_ret = false;
	if (pc->pfn - pc->step_pfn + 1 < pc->per_page) {
		hvo_page_parse(pc->layout, pc->page_image + pc->layout->size, second_ret);
		*found_ret = true;
		return NULL;
	}
	const unsigned char *image;
	struct hvo_error *err = hvo_az_read_struct_page(az, pc->pfn + 1, 1, &image);
	if (err) {
		if ((err = hvo_az_absorb_nodata(az, err)) && err->code != HVO_ERROR_TRANSLATE)
			return err;
		hvo_error_destroy(err);
		return NULL;
	}
	hvo_page_parse(pc->layout, image, second_ret);
	/* The cache slot may have been reused: reread ours. */
	if ((err = hvo_az_read_struct_page(az, pc->step_pfn, pc->nr_images, &image))) {
		/* What was read a moment ago cannot be read again: the scan ends. */
		pc->image = NULL;
		pc->index = pc->nr_per_step;
		pc->run = NULL;
		pc->next_run = az->vm->nr_runs;
		return hvo_az_absorb_nodata(az, err);
	}
	pc->image = image;
	*found_ret = true;
	return NULL;
}

/*
 * What the head the cursor is at is, from its second struct page: a
 * hugetlb folio is recorded and skipped; with --deep a ZONE_DEVICE head is
 * counted and, on mask-mode kernels, another compound head opens cur for
 * its tails.  A head whose second struct page cannot be read is passed by.
 */
static struct hvo_error *classify_head(struct analyzer *az, struct page_cursor *pc,
				       const struct hvo_page *head, struct compound_cursor *cur)
{
	const struct hvo_page_layout *layout = az->layout;
	struct hvo_page second;
	bool found;
	struct hvo_error *err = page_cursor_second(pc, &second, &found);
	if (err || !found)
		return err;
	unsigned int order = hvo_page_folio_order(&second);
	cur->end_pfn = 0;
	if (hvo_page_is_hugetlb(layout, head)) {
		uint64_t end_pfn = 0;
		err = add_hugetlb_head(az, pc->pfn, head, order, &end_pfn);
		if (!err && end_pfn)
			page_cursor_skip_to(pc, end_pfn);
		return err;
	}
	if (!pc->deep)
		return NULL;
	if (hvo_page_zone(layout, head) == az->arch->zone_device) {
		/*
		 * ZONE_DEVICE (DAX) compound pages dedup their vmemmap their own
		 * way: described, not checked.
		 */
		az->an->nr_device_compound++;
	} else if (order >= 1 && order <= hvo_arch_max_folio_order(az->arch) &&
		   az->an->mask_mode) {
		*cur = (struct compound_cursor){
			.head_pfn = pc->pfn, .order = order,
			.end_pfn = pc->pfn + (UINT64_C(1) << order),
		};
		az->an->nr_compound_checked++;
	}
	return NULL;
}

/*
 * One pass over every mapped vmemmap page, each frame read once: hugetlb
 * heads (found by page type) become folios and their whole range is skipped;
 * on mask-mode kernels every other compound page's tails are checked
 * against their head's order.
 */
struct hvo_error *hvo_az_find_folios(struct analyzer *az)
{
	const struct hvo_page_layout *layout = az->layout;
	struct page_cursor pc;
	struct compound_cursor cur = { 0 };
	struct hvo_error *err;
	bool found;

	page_cursor_init(&pc, az);
	while (!(err = page_cursor_next(&pc, &found)) && found) {
		struct hvo_page page;
		hvo_page_parse(layout, pc.page_image, &page);
		/* A compound page does not run on over struct pages the dump lacks. */
		if (pc.skipped)
			cur.end_pfn = 0;
		if (hvo_page_is_head(layout, &page))
			err = classify_head(az, &pc, &page, &cur);
		else if (cur.end_pfn && pc.pfn < cur.end_pfn)
			err = check_compound_tail(az, &cur, pc.pfn, &page);
		else
			cur.end_pfn = 0;
		if (err)
			return err;
	}
	return err;
}

/* Node and zone of a pfn from the zone spans; false when no zone holds it. */
static bool span_of(const struct hvo_zone_span *spans, size_t nr, uint64_t pfn,
		    unsigned int *node_ret, unsigned int *zone_ret)
{
	for (size_t i = 0; i < nr; i++) {
		if (pfn >= spans[i].start_pfn &&
		    pfn - spans[i].start_pfn < spans[i].spanned_pages) {
			*node_ret = spans[i].node;
			*zone_ret = spans[i].zone;
			return true;
		}
	}
	return false;
}

/*
 * Say how the node and zone bits of page->flags were settled, and check
 * them on the folios found: a head that names another node or zone than
 * the zone span it lies in is misread.
 */
struct hvo_error *hvo_az_check_folio_zones(struct analyzer *az)
{
	const struct hvo_program *prog = az->prog;
	struct hvo_analysis *an = az->an;
	struct hvo_error *err;
	if (prog->page_flags_layout_note &&
	    (err = hvo_az_note(an, "%s", prog->page_flags_layout_note)))
		return err;
	size_t checked = 0, misread = 0;
	for (size_t f = 0; f < an->nr_folios; f++) {
		unsigned int node, zone;
		if (!span_of(prog->zone_spans, prog->nr_zone_spans, an->folios[f].head_pfn, &node,
			     &zone))
			continue;
		checked++;
		misread += an->folios[f].node != node || an->folios[f].zone != zone;
	}
	if (!misread)
		return NULL;
	return hvo_az_note(an, "the node and zone bits of page->flags fit no known layout for %zu "
			   "of %zu folios: node and zone figures may be wrong", misread, checked);
}
