/* hvo_tails.c - shared tail pages, vmemmap_tails[], hstates and memmap counters. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvo_analyzer.h"

/*
 * Read a frame tails are mapped to and say what its content encodes: the
 * order of its mask, node and zone (merged), whether all its struct pages
 * are pristine, and the node the frame itself lives on.
 */
static struct hvo_error *describe_tail_frame(struct analyzer *az, struct hvo_shared_tail *tail)
{
	const struct hvo_page_layout *layout = az->layout;
	const unsigned char *data;
	struct hvo_error *err = hvo_az_read_frame(az, tail->frame, az->page_size, &data);
	if (err)
		return hvo_az_absorb_nodata(az, err);
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
	for (unsigned int i = 0; i < az->page_size / layout->size && tail->content_valid; i++) {
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
	err = hvo_az_read_struct_page(az, tail->frame >> az->page_shift, 1, &frame_image);
	if (!err) {
		struct hvo_page frame_page;
		hvo_page_parse(layout, frame_image, &frame_page);
		tail->frame_node = hvo_page_node(layout, &frame_page);
		tail->frame_node_known = true;
		if (!full_init && !tail->in_vmemmap_tails)
			tail->node = tail->frame_node;
	} else if (err->code == HVO_ERROR_TRANSLATE) {
		hvo_error_destroy(err);
	} else if ((err = hvo_az_absorb_nodata(az, err))) {
		return err;
	}
	return NULL;
}

/* Node of the page at frame, from its own struct page; -1 when unknown. */
static int describe_frame_node(struct analyzer *az, uint64_t frame)
{
	const unsigned char *image;
	struct hvo_error *err = hvo_az_read_struct_page(az, frame >> az->page_shift, 1, &image);
	if (err) {
		hvo_error_destroy(hvo_az_absorb_nodata(az, err));
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
	uint64_t values[] = { folio->head_pfn, hvo_az_pfn_vaddr(az, folio->head_pfn), tail->frame,
			      tail_vaddr };
	const char *const names[] = { "head_pfn", "head_vaddr", "frame", "tail_vaddr" };
	if (tail->order != folio->order)
		return hvo_az_finding(az, HVO_FINDING_TAIL_WRONG_ORDER, 4, names, values,
				   "%" PRIu64 " tail vmemmap pages of the order-%u hugetlb folio at pfn 0x%"
				   PRIx64 " map the shared tail page for order %u at physical 0x%" PRIx64
				   ": compound_head() of those tails returns a wrong head",
				   nr_pages, folio->order, folio->head_pfn, tail->order, tail->frame);
	if ((an->generation != HVO_GEN_V3 || tail->frame_node_known) && tail->node != folio->node)
		return hvo_az_finding(az, HVO_FINDING_TAIL_CROSS_NODE, 4, names, values,
				   "%" PRIu64 " tail vmemmap pages of the hugetlb folio at pfn 0x%" PRIx64
				   " on node %u map the shared tail page of node %u at physical 0x%" PRIx64
				   ": those tails report the wrong node and every access is remote",
				   nr_pages, folio->head_pfn, folio->node, tail->node, tail->frame);
	if (an->generation != HVO_GEN_V3 && tail->zone != folio->zone)
		return hvo_az_finding(az, HVO_FINDING_TAIL_CROSS_ZONE, 4, names, values,
				   "%" PRIu64 " tail vmemmap pages of the hugetlb folio at pfn 0x%" PRIx64
				   " in zone %s map the shared tail page of zone %s at physical 0x%" PRIx64
				   ": page_zone() of those tails is wrong", nr_pages, folio->head_pfn,
				   hvo_arch_zone_name(az->arch, folio->zone),
				   hvo_arch_zone_name(az->arch, tail->zone), tail->frame);
	return NULL;
}

/* Check each distinct shared tail page once against what its folios need. */
struct hvo_error *hvo_az_check_shared_tails(struct analyzer *az)
{
	struct hvo_analysis *an = az->an;
	struct hvo_error *err;

	for (size_t t = 0; t < an->tails.size; t++) {
		struct hvo_shared_tail *tail = &an->tails.data[t];
		if ((err = describe_tail_frame(az, tail)))
			return err;
		const char *const names[] = { "frame", "struct_page_paddr" };
		if (!tail->content_valid && tail->order) {
			uint64_t values[] = { tail->frame,
					      tail->frame + tail->first_bad_index * az->layout->size };
			err = hvo_az_finding(az, HVO_FINDING_SHARED_TAIL_CORRUPT, 2, names, values,
					  "struct page %u of the shared tail page at physical 0x%" PRIx64
					  " (used by %" PRIu64 " folios) is not what the kernel writes: %s; "
					  "every tail of those folios reads it", tail->first_bad_index,
					  tail->frame, tail->nr_folios, tail->content_problem);
			if (err)
				return err;
		} else if (!tail->content_valid) {
			uint64_t values[] = { tail->frame };
			err = hvo_az_finding(az, HVO_FINDING_SHARED_TAIL_CORRUPT, 1, names, values,
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
					      hvo_az_pfn_vaddr(az, tail->frame >> az->page_shift) };
			err = hvo_az_finding(az, HVO_FINDING_VMEMMAP_TAILS_MISPLACED, 2, mnames, values,
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
		uint64_t head_vaddr = hvo_az_pfn_vaddr(az, folio->head_pfn);
		err = check_tail_fits(az, folio, &an->tails.data[index], head_vaddr + az->page_size,
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
			other = an->tails.data[index];
		else if ((err = describe_tail_frame(az, &other)))
			return err;
		if (other.order && dev->frame != folio->head_frame) {
			err = check_tail_fits(az, folio, &other, dev->vaddr, dev->nr_pages);
		} else {
			const char *const names[] = { "head_pfn", "head_vaddr", "frame", "tail_vaddr" };
			uint64_t values[] = { folio->head_pfn, hvo_az_pfn_vaddr(az, folio->head_pfn),
					      dev->frame, dev->vaddr };
			err = hvo_az_finding(az, HVO_FINDING_VMEMMAP_MIXED, 4, names, values,
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

/*
 * Read vmemmap_tails[] and the hstates (they need type information) and
 * the memmap counters; say how HPG_vmemmap_optimized's bit was settled.
 */
struct hvo_error *hvo_az_read_kernel_state(struct analyzer *az, struct hvo_types *types)
{
	struct hvo_analysis *an = az->an;
	struct hvo_error *err;
	const struct hvo_diag *damaged =
		types ? hvo_diags_find(hvo_types_diags(types), HVO_DIAG_MISSING) : NULL;
	if (damaged) {
		an->incomplete = true;
		if ((err = hvo_az_note(an, "incomplete: the dump's type information is damaged "
				       "(%s)", damaged->message)))
			return err;
	}
	if (az->prog->hpg_vmemmap_optimized_note &&
	    (err = hvo_az_note(an, "%s", az->prog->hpg_vmemmap_optimized_note)))
		return err;
	if (!types) {
		if (an->mask_mode)
			return hvo_az_note(an, "vmemmap_tails[] not read: no type information");
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
		err = hvo_az_note(an, "vmemmap_tails[] not read: no provider knows %s.vmemmap_tails "
			       "(give --vmlinux FILE, or use a kernel with BTF)",
			       an->generation == HVO_GEN_V3 ? "pglist_data" : "zone");
	} else if (err->code == HVO_ERROR_NODATA || err->code == HVO_ERROR_INVALID ||
		   err->code == HVO_ERROR_TRANSLATE) {
		struct hvo_error *nerr = hvo_az_note(an, "vmemmap_tails[] not read: %s", err->message);
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
		err = hvo_az_note(an, "hstates not read: no type information for struct hstate");
	} else if (err->code == HVO_ERROR_NODATA || err->code == HVO_ERROR_INVALID ||
		   err->code == HVO_ERROR_TRANSLATE) {
		struct hvo_error *nerr = hvo_az_note(an, "hstates not read: %s", err->message);
		hvo_error_destroy(err);
		err = nerr;
	}
	if (err)
		return err;

	err = hvo_kstate_memmap_counters(az->prog, types, &an->counters);
	if (!err) {
		an->counters_known = true;
	} else if (err == &hvo_error_not_found) {
		err = hvo_az_note(an, "memmap counters not read: no symbol nr_memmap_pages");
	} else if (err->code == HVO_ERROR_NODATA || err->code == HVO_ERROR_TRANSLATE) {
		struct hvo_error *nerr = hvo_az_note(an, "memmap counters not read: %s", err->message);
		hvo_error_destroy(err);
		err = nerr;
	}
	return err;
}

/* The kernel's hstate counts against the folios found by page type. */
struct hvo_error *hvo_az_check_hstates(struct analyzer *az)
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
			err = hvo_az_finding(az, HVO_FINDING_HSTATE_COUNT_MISMATCH, 0, NULL, NULL,
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
			err = hvo_az_finding(az, HVO_FINDING_HSTATE_COUNT_MISMATCH, 0, NULL, NULL,
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
struct hvo_error *hvo_az_check_tail_entries(struct analyzer *az)
{
	struct hvo_analysis *an = az->an;
	struct hvo_error *err;
	for (size_t i = 0; i < an->nr_tail_entries; i++) {
		const struct hvo_tail_entry *entry = &an->tail_entries[i];
		size_t index;
		const char *const names[] = { "frame_page_vaddr", "frame", "entry_vaddr", "pfn" };
		uint64_t values[] = { hvo_az_pfn_vaddr(az, entry->frame >> az->page_shift),
				      entry->frame,
				      entry->entry_vaddr, entry->frame >> az->page_shift };
		if (hvo_u64map_get(&az->tail_index, entry->frame, &index)) {
			const struct hvo_shared_tail *tail = &an->tails.data[index];
			if (an->generation == HVO_GEN_V3 && tail->frame_node_known &&
			    describe_frame_node(az, entry->frame) >= 0 &&
			    (unsigned int)describe_frame_node(az, entry->frame) != entry->node) {
				err = hvo_az_finding(az, HVO_FINDING_VMEMMAP_TAILS_MISPLACED, 4, names, values,
						  "vmemmap_tails[%u] of node %u points to the page at physical 0x%"
						  PRIx64 " on node %d: every tail access of its folios is remote",
						  entry->order - az->prog->vmemmap_tail_min_order, entry->node,
						  entry->frame, describe_frame_node(az, entry->frame));
				if (err)
					return err;
			}
			continue;
		}
		/* Spent but unused: it still counts against the savings. */
		if ((err = hvo_az_record_shared_tail(az, entry->frame, entry->zone, &index)))
			return err;
		an->tails.data[index].nr_folios = 0;
		if ((err = describe_tail_frame(az, &an->tails.data[index])))
			return err;
		if (an->generation == HVO_GEN_V3) {
			an->tails.data[index].node = entry->node;
			an->tails.data[index].order = entry->order;
		}
		err = hvo_az_finding(az, HVO_FINDING_VMEMMAP_TAILS_UNUSED, 4, names, values,
				  "vmemmap_tails[%u] of node %u%s%s (order %u) names the page at physical 0x%"
				  PRIx64 " but no hugetlb folio maps it: a page spent for nothing",
				  entry->order - az->prog->vmemmap_tail_min_order, entry->node,
				  an->generation == HVO_GEN_V3 ? "" : " zone ",
				  an->generation == HVO_GEN_V3 ? "" : hvo_arch_zone_name(az->arch, entry->zone),
				  entry->order, entry->frame);
		if (err)
			return err;
	}
	return NULL;
}

