/* page.c - decode struct page images and tail encodings. */
#include <string.h>

#include "page.h"

static uint64_t get_u64(const unsigned char *image, unsigned int offset)
{
	uint64_t value;
	memcpy(&value, image + offset, sizeof(value));
	return value;
}

static uint32_t get_u32(const unsigned char *image, unsigned int offset)
{
	uint32_t value;
	memcpy(&value, image + offset, sizeof(value));
	return value;
}

void hvo_page_parse(const struct hvo_page_layout *layout, const void *image,
		    struct hvo_page *ret)
{
	const unsigned char *bytes = image;
	ret->flags = get_u64(bytes, layout->flags_offset);
	ret->compound = get_u64(bytes, layout->compound_offset);
	ret->mapping = get_u64(bytes, layout->mapping_offset);
	ret->private = get_u64(bytes, layout->private_offset);
	ret->mapcount = get_u32(bytes, layout->mapcount_offset);
	ret->refcount = get_u32(bytes, layout->refcount_offset);
}

uint64_t hvo_page_tail_mask(const struct hvo_page_layout *layout, unsigned int order)
{
	unsigned int low = order + layout->size_shift;
	if (low >= 64)
		return 1;
	return (~UINT64_C(0) << low) | 1;
}

void hvo_page_decode_tail(const struct hvo_page_layout *layout, bool mask_mode,
			  uint64_t page_vaddr, uint64_t word, struct hvo_tail *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->raw = word;
	if (!(word & 1)) {
		ret->kind = HVO_TAIL_NONE;
		return;
	}
	if (!mask_mode || !layout->size_shift) {
		ret->kind = HVO_TAIL_POINTER;
		ret->head_vaddr = word - 1;
		return;
	}
	uint64_t mask = word & ~UINT64_C(1);
	/* A valid mask is all ones from bit n up, with n above the struct page size bits. */
	if (mask == 0 || (mask | (mask - 1)) != ~UINT64_C(0) ||
	    (unsigned int)__builtin_ctzll(mask) <= layout->size_shift) {
		ret->kind = HVO_TAIL_BAD_MASK;
		return;
	}
	ret->kind = HVO_TAIL_MASK;
	ret->order = __builtin_ctzll(mask) - layout->size_shift;
	ret->head_vaddr = page_vaddr & word;
}

bool hvo_page_is_pristine_tail(const struct hvo_page_layout *layout,
			       const void *image, unsigned int order, bool full_init,
			       unsigned int node, unsigned int zone, const char **why_ret)
{
	struct hvo_page page;
	hvo_page_parse(layout, image, &page);
	uint64_t want_flags = ((uint64_t)node << layout->node_shift) |
			      ((uint64_t)zone << layout->zone_shift);
	const char *why = NULL;
	if (page.compound != hvo_page_tail_mask(layout, order))
		why = "compound_info is not this order's mask";
	else if (page.mapping != HVO_TAIL_MAPPING)
		why = "mapping is not TAIL_MAPPING";
	else if (page.private != 0)
		why = "private is not 0";
	if (!full_init || why) {
		if (why_ret)
			*why_ret = why;
		return !why;
	}
	/*
	 * Boot-time (bootmem) tails are first written by memmap_init()'s
	 * __init_single_page() through the tails' own addresses, then by
	 * init_compound_tail() (mm/hugetlb.c, hugetlb_bootmem_struct_page_init):
	 * the LAST_CPUPID field, just below the zone field, stays all ones,
	 * _refcount stays 1 and lru.prev points at some struct page's lru.
	 * Seen in a real Debian 7.2.13 dump; runtime tails are all zero there.
	 */
	uint64_t node_zone_mask = ((((uint64_t)1 << layout->node_bits) - 1) << layout->node_shift) |
				  ((((uint64_t)1 << layout->zone_bits) - 1) << layout->zone_shift);
	uint64_t extra_flags = page.flags & ~node_zone_mask;
	bool cpupid_reset = extra_flags &&
		extra_flags + (extra_flags & -extra_flags) == (uint64_t)1 << layout->zone_shift;
	uint64_t lru_prev = 0;
	if (layout->compound_offset + 16 <= layout->size)
		memcpy(&lru_prev, (const unsigned char *)image + layout->compound_offset + 8,
		       sizeof(lru_prev));
	if ((page.flags & node_zone_mask) != want_flags || (extra_flags && !cpupid_reset))
		why = "flags are not exactly the zone's node and zone bits";
	else if (page.mapcount != UINT32_MAX)
		why = "_mapcount is not -1";
	else if (page.refcount != 0 && page.refcount != 1)
		why = "_refcount is neither 0 nor 1";
	else if (lru_prev && ((lru_prev >> 63) == 0 || (lru_prev & (layout->size - 1)) !=
						  layout->compound_offset))
		why = "lru.prev is neither empty nor a struct page's own list head";
	if (!why) {
		/* Everything else in the page was zeroed before init_compound_tail(). */
		const unsigned char *bytes = image;
		unsigned int known[][2] = {
			{ layout->flags_offset, 8 }, { layout->compound_offset, 16 },
			{ layout->mapping_offset, 8 }, { layout->private_offset, 8 },
			{ layout->mapcount_offset, 4 }, { layout->refcount_offset, 4 },
		};
		for (unsigned int i = 0; i < layout->size && !why; i++) {
			bool is_known = false;
			for (unsigned int k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
				if (i >= known[k][0] && i < known[k][0] + known[k][1])
					is_known = true;
			}
			if (!is_known && bytes[i])
				why = "a field init_compound_tail() leaves zero is not zero";
		}
	}
	if (why_ret)
		*why_ret = why;
	return !why;
}
