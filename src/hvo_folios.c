/* hvo_folios.c - find hugetlb folios in the memmap and classify how their vmemmap is mapped. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvo_internal.h"
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

struct hvo_error *hvo_az_record_shared_tail(struct analyzer *az, uint64_t frame,
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

struct hvo_error *hvo_az_classify_folio(struct analyzer *az, size_t folio_index)
{
	struct hvo_error *err;
	struct hvo_folio *folio = &az->an->folios[folio_index];
	const struct hvo_page_layout *layout = az->layout;
	uint64_t head_vaddr = hvo_az_pfn_vaddr(az, folio->head_pfn);
	uint64_t vmemmap_bytes = (UINT64_C(1) << folio->order) * layout->size;
	folio->nr_vmemmap_pages = (vmemmap_bytes + az->page_size - 1) >> az->page_shift;

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
	/* Split, never (or no longer) remapped: every tail its own writable page. */
	bool split = !remapped && ts.nr_unmapped == 0 && ts.nr_writable == nr_tails &&
		     every_page_its_own(&ts);
	if (nr_tails == 0 || ts.nr_leaf == folio->nr_vmemmap_pages || split)
		folio->state = HVO_FOLIO_NOT_OPTIMIZED;
	else if (remapped && (main->frame == ts.head_frame ||
			      (!az->an->mask_mode && frame_holds_head(az, main->frame))))
		/* Legacy tails may map a head page that is no longer this folio's own. */
		folio->state = HVO_FOLIO_FAKE_HEADS;
	else if (remapped)
		folio->state = HVO_FOLIO_SHARED_TAIL;
	else
		folio->state = HVO_FOLIO_BROKEN;

	const char *const head_names[] = { "head_pfn", "head_vaddr", "frame", "tail_vaddr" };
	bool optimized = folio->state == HVO_FOLIO_SHARED_TAIL ||
			 folio->state == HVO_FOLIO_FAKE_HEADS;

	if (folio->state == HVO_FOLIO_BROKEN) {
		uint64_t values[] = { folio->head_pfn, head_vaddr };
		err = hvo_az_finding(az, HVO_FINDING_VMEMMAP_MIXED, 2, head_names, values,
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
		err = hvo_az_finding(az, HVO_FINDING_TAIL_WRITABLE, 4, head_names, values,
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
		err = hvo_az_finding(az, HVO_FINDING_HEAD_READONLY, 3, head_names, values,
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
					      hvo_az_pfn_vaddr(az, other_pfn) };
			const char *const names[] = { "head_pfn", "head_vaddr", "frame", "other_head_pfn",
						      "other_head_vaddr" };
			err = hvo_az_finding(az, HVO_FINDING_HEAD_SHARED, 5, names, values,
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
				      head_vaddr + az->page_size };
		err = hvo_az_finding(az, HVO_FINDING_FAKE_HEADS_ON_MASK_KERNEL, 4, head_names, values,
				  "the tails of the hugetlb folio at pfn 0x%" PRIx64 " map its head page "
				  "(legacy fake heads) on a %s kernel, which has no fake-head handling: "
				  "every tail looks like a head",
				  folio->head_pfn, hvo_generation_name(az->an->generation));
		if (err)
			return err;
	}
	if (folio->state == HVO_FOLIO_SHARED_TAIL && !az->an->mask_mode) {
		uint64_t values[] = { folio->head_pfn, head_vaddr, folio->tail_frame,
				      head_vaddr + az->page_size };
		err = hvo_az_finding(az, HVO_FINDING_SHARED_TAIL_ON_LEGACY_KERNEL, 4, head_names, values,
				  "the tails of the hugetlb folio at pfn 0x%" PRIx64 " map a page other "
				  "than the head's on a legacy kernel, whose tails must point at their "
				  "own head", folio->head_pfn);
		if (err)
			return err;
	}
	if (optimized != folio->flag_optimized && folio->state != HVO_FOLIO_BROKEN) {
		uint64_t values[] = { folio->head_pfn, head_vaddr };
		err = hvo_az_finding(az, HVO_FINDING_HVO_FLAG_MISMATCH, 2, head_names, values,
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
		err = hvo_az_record_shared_tail(az, folio->tail_frame, folio->zone, &index);
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

/*
 * One pass over every mapped vmemmap page, each frame read once: hugetlb
 * heads (found by page type) become folios and their whole range is skipped;
 * on mask-mode kernels every other compound page's tails are checked
 * against their head's order.
 */
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
 * After a struct page whose vmemmap frame the dump lacks: the next pfn of
 * the run worth trying, past every frame the dump lacks, instead of one
 * probe per step (a corrupt table can map terabytes of vmemmap to them).
 * A run maps consecutive frames, or one frame again and again (repeat).
 */
static uint64_t next_stored_pfn(struct analyzer *az, const struct hvo_vmemmap_run *run,
				uint64_t run_first_pfn, uint64_t run_end_pfn, uint64_t pfn,
				uint64_t paddr, uint64_t step, uint64_t per_page)
{
	if (run->flags & HVO_MAP_REPEAT)
		return run_end_pfn;
	uint64_t next = hvo_dump_next_page(az->prog->dump, paddr);
	uint64_t last_frame = run->paddr + (run->nr_pages - 1) * az->page_size;
	if (next == UINT64_MAX || next > last_frame)
		return run_end_pfn;
	uint64_t next_pfn = run_first_pfn + ((next - run->paddr) >> az->page_shift) * per_page;
	next_pfn = (next_pfn + step - 1) / step * step;
	return next_pfn > pfn + step ? next_pfn : pfn + step;
}

struct hvo_error *hvo_az_find_folios(struct analyzer *az)
{
	const uint64_t max_paddr = hvo_dump_max_pfn(az->prog->dump) * az->page_size;
	const struct hvo_page_layout *layout = az->layout;
	const uint64_t per_page = az->page_size / layout->size;
	/*
	 * Hugetlb heads are aligned to their order (at least 512 pages), so
	 * every 512th struct page finds them all; --deep reads every one.
	 */
	const bool deep = az->an->deep;
	const uint64_t step = deep ? per_page : UINT64_C(1) << az->arch->min_hugetlb_order;
	/* What a step looks at: every struct page of the frame, or one and the next. */
	const unsigned int nr_images = deep ? (unsigned int)per_page : 2;
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
		/*
		 * A corrupted table can map vmemmap to frames the dump cannot hold:
		 * skip such a run whole instead of failing one read per page.
		 */
		if (max_paddr && run->paddr >= max_paddr) {
			if ((err = note_unbacked(az, run)))
				return err;
			continue;
		}
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
			uint64_t paddr;
			/* A frame the dump does not store: skip it without making an error. */
			if (hvo_vmemmap_translate(az->vm, hvo_az_pfn_vaddr(az, pfn), &az->run_hint,
						  &paddr, NULL) &&
			    !hvo_dump_has_page(az->prog->dump, paddr)) {
				if ((err = note_missing(az, paddr)))
					return err;
				cur.end_pfn = 0;
				pfn = next_stored_pfn(az, run, run_first_pfn, run_end_pfn, pfn, paddr,
						      step, per_page);
				continue;
			}
			err = hvo_az_read_struct_page(az, pfn, nr_images, &image);
			if (err) {
				if ((err = hvo_az_absorb_nodata(az, err)))
					return err;
				cur.end_pfn = 0;
				pfn += step;
				continue;
			}
			/*
			 * pfn is a frame's first struct page: the base is page-aligned
			 * and the size a power of two (both checked before the scan).
			 */
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
						err = hvo_az_read_struct_page(az, this_pfn + 1, 1,
									      &next_image);
						if (err) {
							if ((err = hvo_az_absorb_nodata(az, err)) &&
							    err->code != HVO_ERROR_TRANSLATE)
								return err;
							hvo_error_destroy(err);
							continue;
						}
						hvo_page_parse(layout, next_image, &second);
						/* The cache slot may have been reused: reread ours. */
						if ((err = hvo_az_read_struct_page(az, pfn, nr_images,
											   &image)))
							return hvo_az_absorb_nodata(az, err);
					}
					unsigned int order = hvo_page_folio_order(&second);
					cur.end_pfn = 0;
					if (hvo_page_is_hugetlb(layout, &page)) {
						err = add_hugetlb_head(az, this_pfn, &page, order, &next_pfn);
						if (err)
							return err;
						if (next_pfn > pfn + per_page)
							break;
					} else if (deep && hvo_page_zone(layout, &page) ==
							    az->arch->zone_device) {
						/*
						 * ZONE_DEVICE (DAX) compound pages dedup their vmemmap
						 * their own way: described, not checked.
						 */
						az->an->nr_device_compound++;
						cur.end_pfn = 0;
					} else if (deep && order >= 1 &&
						   order <= hvo_arch_max_folio_order(az->arch) &&
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
