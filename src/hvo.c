/* hvo.c - find hugetlb folios, classify their vmemmap, check shared tails, count savings. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvo.h"
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

struct tail_scan {
	uint64_t head_frame;
	unsigned int head_flags;
	bool head_mapped;
	uint64_t tail_frame;		/* first tail's frame */
	bool tails_same;		/* every tail page maps tail_frame */
	uint64_t nr_writable;
	uint64_t first_writable_vaddr;
	uint64_t nr_unmapped;
	uint64_t nr_leaf;		/* pages mapped by PMD/PUD leaves */
};

/* Summarise how the vmemmap pages of a folio are mapped, run by run. */
static void scan_folio_mapping(const struct analyzer *az, uint64_t head_vaddr,
			       uint64_t nr_pages, struct tail_scan *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->tails_same = true;
	uint64_t vaddr = head_vaddr, end = head_vaddr + nr_pages * PAGE_SIZE_4K;
	bool have_tail = false;
	while (vaddr < end) {
		const struct hvo_vmemmap_run *run = hvo_vmemmap_find(az->vm, vaddr);
		if (!run) {
			/* Count unmapped pages up to the next run (or the end). */
			ts->nr_unmapped++;
			if (vaddr == head_vaddr)
				ts->tails_same = true;
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
			uint64_t first = repeat ? run->paddr : run->paddr + index * PAGE_SIZE_4K;
			if (!have_tail) {
				have_tail = true;
				ts->tail_frame = first;
			} else if (first != ts->tail_frame) {
				ts->tails_same = false;
			}
			if (!repeat && count > 1)
				ts->tails_same = false;
			if (run->flags & HVO_MAP_WRITABLE) {
				if (!ts->nr_writable)
					ts->first_writable_vaddr = vaddr;
				ts->nr_writable += count;
			}
		}
		vaddr = seg_end;
	}
	if (ts->nr_unmapped)
		ts->tails_same = false;
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

static struct hvo_error *classify_folio(struct analyzer *az, struct hvo_folio *folio)
{
	struct hvo_error *err;
	const struct hvo_page_layout *layout = az->layout;
	uint64_t head_vaddr = pfn_to_vaddr(az, folio->head_pfn);
	uint64_t vmemmap_bytes = (UINT64_C(1) << folio->order) * layout->size;
	folio->nr_vmemmap_pages = (vmemmap_bytes + PAGE_SIZE_4K - 1) / PAGE_SIZE_4K;

	struct tail_scan ts;
	scan_folio_mapping(az, head_vaddr, folio->nr_vmemmap_pages, &ts);
	folio->head_frame = ts.head_frame;
	folio->tail_frame = ts.tail_frame;
	folio->nr_writable_tails = ts.nr_writable;

	uint64_t nr_tails = folio->nr_vmemmap_pages - 1;
	if (nr_tails == 0 || ts.nr_leaf == folio->nr_vmemmap_pages)
		folio->state = HVO_FOLIO_NOT_OPTIMIZED;
	else if (ts.tails_same && ts.tail_frame == ts.head_frame)
		folio->state = HVO_FOLIO_FAKE_HEADS;
	else if (ts.tails_same)
		folio->state = HVO_FOLIO_SHARED_TAIL;
	else if (ts.nr_unmapped == 0 && ts.nr_writable == nr_tails)
		folio->state = HVO_FOLIO_NOT_OPTIMIZED;	/* split, never (or no longer) remapped */
	else
		folio->state = HVO_FOLIO_BROKEN;

	const char *const head_names[] = { "head_pfn", "head_vaddr", "frame", "pte_vaddr" };
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
	if (optimized && ts.nr_writable) {
		uint64_t values[] = { folio->head_pfn, head_vaddr, ts.tail_frame,
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
			uint64_t values[] = { folio->head_pfn, head_vaddr, ts.head_frame,
					      az->an->folios[other].head_pfn };
			const char *const names[] = { "head_pfn", "head_vaddr", "frame", "other_head_pfn" };
			err = add_finding(az, "head-shared", HVO_SEV_CRITICAL, 4, names, values,
					  "the head vmemmap page of the hugetlb folio at pfn 0x%" PRIx64
					  " is also the head page of the folio at pfn 0x%" PRIx64
					  ": updates to one folio's head change the other's",
					  folio->head_pfn, az->an->folios[other].head_pfn);
			if (err)
				return err;
		} else if (!hvo_u64map_put(&az->head_frames, ts.head_frame,
					   folio - az->an->folios)) {
			return &hvo_error_nomem;
		}
	}
	if (folio->state == HVO_FOLIO_FAKE_HEADS && az->an->mask_mode) {
		uint64_t values[] = { folio->head_pfn, head_vaddr, ts.head_frame };
		err = add_finding(az, "fake-heads-on-mask-kernel", HVO_SEV_CRITICAL, 3, head_names,
				  values,
				  "the tails of the hugetlb folio at pfn 0x%" PRIx64 " map its head page "
				  "(legacy fake heads) on a %s kernel, which has no fake-head handling: "
				  "every tail looks like a head",
				  folio->head_pfn, hvo_generation_name(az->an->generation));
		if (err)
			return err;
	}
	if (folio->state == HVO_FOLIO_SHARED_TAIL && !az->an->mask_mode) {
		uint64_t values[] = { folio->head_pfn, head_vaddr, ts.tail_frame };
		err = add_finding(az, "shared-tail-on-legacy-kernel", HVO_SEV_CRITICAL, 3, head_names,
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
		err = record_shared_tail(az, ts.tail_frame, folio->zone, &index);
		if (err)
			return err;
	}
	return NULL;
}

/* Check the tails of a non-hugetlb compound page that share the head's vmemmap page. */
static struct hvo_error *check_compound_tails(struct analyzer *az, uint64_t head_pfn,
					      const unsigned char *head_image, unsigned int order)
{
	const struct hvo_page_layout *layout = az->layout;
	uint64_t in_page = (PAGE_SIZE_4K - (pfn_to_vaddr(az, head_pfn) % PAGE_SIZE_4K)) /
			   layout->size;
	uint64_t nr = UINT64_C(1) << order;
	if (nr > in_page)
		nr = in_page;
	uint64_t want = hvo_page_tail_mask(layout, order);
	az->an->nr_compound_checked++;
	for (uint64_t i = 1; i < nr; i++) {
		struct hvo_page tail;
		hvo_page_parse(layout, head_image + i * layout->size, &tail);
		if (tail.compound == want)
			continue;
		struct hvo_tail decoded;
		hvo_page_decode_tail(layout, true, pfn_to_vaddr(az, head_pfn + i), tail.compound,
				     &decoded);
		const char *const names[] = { "head_pfn", "tail_pfn", "tail_vaddr", "compound_info" };
		uint64_t values[] = { head_pfn, head_pfn + i, pfn_to_vaddr(az, head_pfn + i),
				      tail.compound };
		return add_finding(az, "compound-bad-mask", HVO_SEV_ERROR, 4, names, values,
				   "tail pfn 0x%" PRIx64 " of the order-%u compound page at pfn 0x%" PRIx64
				   " holds compound_info 0x%" PRIx64 " (%s) instead of 0x%" PRIx64
				   ": compound_head() of it returns the wrong head",
				   head_pfn + i, order, head_pfn, tail.compound,
				   decoded.kind == HVO_TAIL_MASK ? "another order's mask" :
				   decoded.kind == HVO_TAIL_NONE ? "not a tail" : "not a valid mask",
				   want);
	}
	return NULL;
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

/*
 * Hugetlb heads are aligned to their order, so a scan of every 512th struct
 * page (one per 2 MiB) finds all of them; each folio found is skipped whole.
 */
static struct hvo_error *find_folios(struct analyzer *az)
{
	const struct hvo_page_layout *layout = az->layout;
	const uint64_t stride = UINT64_C(1) << HVO_MIN_HUGETLB_ORDER;
	uint64_t next_pfn = 0;
	struct hvo_error *err;

	for (size_t r = 0; r < az->vm->nr_runs; r++) {
		const struct hvo_vmemmap_run *run = &az->vm->runs[r];
		if (run->vaddr < az->prog->vmemmap_base)
			continue;
		uint64_t first_pfn = (run->vaddr - az->prog->vmemmap_base) / layout->size;
		uint64_t end_pfn = (run->vaddr + run->nr_pages * PAGE_SIZE_4K -
				    az->prog->vmemmap_base) / layout->size;
		uint64_t pfn = first_pfn > next_pfn ? first_pfn : next_pfn;
		pfn = (pfn + stride - 1) & ~(stride - 1);
		for (; pfn < end_pfn; pfn += stride) {
			const unsigned char *image;
			err = read_struct_page(az, pfn, &image);
			if (err) {
				if ((err = absorb_nodata(az, err)))
					return err;
				continue;
			}
			struct hvo_page head;
			hvo_page_parse(layout, image, &head);
			if (!hvo_page_is_head(layout, &head))
				continue;
			struct hvo_page second;
			hvo_page_parse(layout, image + layout->size, &second);
			unsigned int order = hvo_page_folio_order(&second);
			if (!hvo_page_is_hugetlb(layout, &head)) {
				if (order >= 1 && order <= HVO_MAX_FOLIO_ORDER && az->an->mask_mode) {
					err = check_compound_tails(az, pfn, image, order);
					if (err)
						return err;
				}
				continue;
			}
			if (order < HVO_MIN_HUGETLB_ORDER || order > HVO_MAX_FOLIO_ORDER ||
			    (pfn & ((UINT64_C(1) << order) - 1))) {
				const char *const names[] = { "head_pfn", "head_vaddr" };
				uint64_t values[] = { pfn, pfn_to_vaddr(az, pfn) };
				err = add_finding(az, "hugetlb-bad-order", HVO_SEV_ERROR, 2, names, values,
						  "hugetlb head at pfn 0x%" PRIx64 " has folio order %u, "
						  "impossible for a hugetlb folio at that pfn", pfn, order);
				if (err)
					return err;
				continue;
			}
			struct hvo_folio folio = {
				.head_pfn = pfn,
				.order = order,
				.node = hvo_page_node(layout, &head),
				.zone = hvo_page_zone(layout, &head),
				.private = head.private,
				.flag_optimized = head.private &
					(UINT64_C(1) << HVO_HPG_VMEMMAP_OPTIMIZED_BIT),
			};
			err = add_folio(az, &folio);
			if (err)
				return err;
			next_pfn = pfn + (UINT64_C(1) << order);
			if (next_pfn > pfn + stride)
				pfn = next_pfn - stride;	/* the loop adds stride back */
		}
	}
	return NULL;
}

/* Check each distinct shared tail page once against what its folios need. */
static struct hvo_error *check_shared_tails(struct analyzer *az)
{
	struct hvo_analysis *an = az->an;
	const struct hvo_page_layout *layout = az->layout;
	struct hvo_error *err;

	for (size_t t = 0; t < an->nr_tails; t++) {
		struct hvo_shared_tail *tail = &an->tails[t];
		const unsigned char *data;
		err = read_frame(az, tail->frame, &data);
		if (err) {
			if ((err = absorb_nodata(az, err)))
				return err;
			continue;
		}
		struct hvo_page first;
		hvo_page_parse(layout, data, &first);
		struct hvo_tail decoded;
		hvo_page_decode_tail(layout, true, 0, first.compound, &decoded);
		tail->order = decoded.kind == HVO_TAIL_MASK ? decoded.order : 0;
		/* v3 tails carry no node or zone: the tail serves its frame's node. */
		bool full_init = an->generation != HVO_GEN_V3;
		tail->node = hvo_page_node(layout, &first);
		tail->zone = hvo_page_zone(layout, &first);
		tail->content_valid = true;
		for (unsigned int i = 0; i < PAGE_SIZE_4K / layout->size; i++) {
			const char *why;
			if (!hvo_page_is_pristine_tail(layout, data + i * layout->size, tail->order,
						       full_init, tail->node, tail->zone, &why)) {
				tail->content_valid = false;
				tail->content_problem = why;
				break;
			}
		}
		if (decoded.kind != HVO_TAIL_MASK) {
			tail->content_valid = false;
			tail->content_problem = "compound_info is not a tail mask";
		}
		/* The node of the frame itself: its own struct page says. */
		const unsigned char *frame_image;
		err = read_struct_page(az, tail->frame / PAGE_SIZE_4K, &frame_image);
		if (!err) {
			struct hvo_page frame_page;
			hvo_page_parse(layout, frame_image, &frame_page);
			tail->frame_node = hvo_page_node(layout, &frame_page);
			tail->frame_node_known = true;
			if (!full_init)
				tail->node = tail->frame_node;
		} else if ((err = absorb_nodata(az, err))) {
			if (err->code != HVO_ERROR_TRANSLATE)
				return err;
			hvo_error_destroy(err);
		}

		const char *const names[] = { "frame", "first_head_pfn", "first_head_vaddr" };
		if (!tail->content_valid) {
			uint64_t values[] = { tail->frame };
			err = add_finding(az, "shared-tail-corrupt", HVO_SEV_CRITICAL, 1, names, values,
					  "shared tail page at physical 0x%" PRIx64 " (used by %" PRIu64
					  " folios) is not what init_compound_tail() writes: %s; every "
					  "tail of those folios reads it",
					  tail->frame, tail->nr_folios, tail->content_problem);
			if (err)
				return err;
		}
		if (full_init && tail->frame_node_known && tail->content_valid &&
		    tail->frame_node != tail->node) {
			uint64_t values[] = { tail->frame };
			err = add_finding(az, "vmemmap-tails-misplaced", HVO_SEV_WARNING, 1, names, values,
					  "shared tail page at physical 0x%" PRIx64 " for node %u lives on "
					  "node %u: every tail access of its folios is remote",
					  tail->frame, tail->node, tail->frame_node);
			if (err)
				return err;
		}
	}

	/* Each folio against the tail it maps: order, node and zone must agree. */
	for (size_t f = 0; f < an->nr_folios; f++) {
		struct hvo_folio *folio = &an->folios[f];
		size_t index;
		if (folio->state != HVO_FOLIO_SHARED_TAIL ||
		    !hvo_u64map_get(&az->tail_index, folio->tail_frame, &index))
			continue;
		const struct hvo_shared_tail *tail = &an->tails[index];
		if (tail->order == 0)
			continue;	/* unreadable or corrupt: reported above */
		uint64_t values[] = { folio->head_pfn, pfn_to_vaddr(az, folio->head_pfn),
				      tail->frame };
		const char *const names[] = { "head_pfn", "head_vaddr", "frame" };
		err = NULL;
		if (tail->order != folio->order) {
			err = add_finding(az, "tail-wrong-order", HVO_SEV_CRITICAL, 3, names, values,
					  "the order-%u hugetlb folio at pfn 0x%" PRIx64 " maps the shared "
					  "tail page for order %u at physical 0x%" PRIx64 ": compound_head() "
					  "of its tails returns a wrong head",
					  folio->order, folio->head_pfn, tail->order, tail->frame);
		} else if ((an->generation != HVO_GEN_V3 || tail->frame_node_known) &&
			   tail->node != folio->node) {
			err = add_finding(az, "tail-cross-node", HVO_SEV_ERROR, 3, names, values,
					  "the hugetlb folio at pfn 0x%" PRIx64 " on node %u maps the shared "
					  "tail page of node %u at physical 0x%" PRIx64 ": its tails report "
					  "the wrong node", folio->head_pfn, folio->node, tail->node,
					  tail->frame);
		} else if (an->generation != HVO_GEN_V3 && tail->zone != folio->zone) {
			err = add_finding(az, "tail-cross-zone", HVO_SEV_ERROR, 3, names, values,
					  "the hugetlb folio at pfn 0x%" PRIx64 " in zone %u maps the shared "
					  "tail page of zone %u at physical 0x%" PRIx64 ": page_zone() of its "
					  "tails is wrong", folio->head_pfn, folio->zone, tail->zone,
					  tail->frame);
		}
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

struct hvo_error *hvo_analyze(struct hvo_program *prog, struct hvo_analysis **ret)
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
	struct analyzer az = { .prog = prog, .an = an, .layout = &prog->page };
	if (!an)
		return &hvo_error_nomem;
	an->generation = prog->generation;
	an->mask_mode = prog->generation != HVO_GEN_LEGACY;
	hvo_u64map_init(&az.tail_index);
	hvo_u64map_init(&az.head_frames);
	hvo_u64map_init(&az.findings_per_id);
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
	if (az.vm->incomplete) {
		an->incomplete = true;
		for (size_t i = 0; i < az.vm->nr_problems; i++) {
			if ((err = add_note(an, "incomplete: %s", az.vm->problems[i].what)))
				goto err;
		}
	}
	if ((err = find_folios(&az)))
		goto err;
	for (size_t f = 0; f < an->nr_folios; f++) {
		if ((err = classify_folio(&az, &an->folios[f])))
			goto err;
	}
	if ((err = check_shared_tails(&az)) ||
	    (err = check_memmap_alignment(&az)) || (err = count_savings(&az)))
		goto err;
	if (az.nr_dropped_findings &&
	    (err = add_note(an, "%" PRIu64 " more findings not listed (over %d of one kind)",
			    az.nr_dropped_findings, MAX_FINDINGS_PER_ID)))
		goto err;
	an->total.vmemmap_pages_per_folio = 0;

	hvo_u64map_deinit(&az.tail_index);
	hvo_u64map_deinit(&az.head_frames);
	hvo_u64map_deinit(&az.findings_per_id);
	free(az.cache);
	*ret = an;
	return NULL;

err:
	hvo_u64map_deinit(&az.tail_index);
	hvo_u64map_deinit(&az.head_frames);
	hvo_u64map_deinit(&az.findings_per_id);
	free(az.cache);
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
