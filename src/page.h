/*
 * page.h - pure decoding of struct page images: no I/O.
 *
 * Tail encodings (include/linux/page-flags.h, _compound_head()):
 *   legacy   compound_head = address of the head | 1
 *   v3/7.1+  compound_info = GENMASK(63, order + log2(sizeof(struct page))) | 1,
 *            head = address of the tail & compound_info
 * A fake head (legacy HVO) is a struct page image that says PG_head although
 * it sits at a tail's address, because the tail's vmemmap page maps the
 * head's.
 */
#ifndef HVO_PAGE_H
#define HVO_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "vmcoreinfo.h"

/* Fields hvoinspect reads from one struct page. */
struct hvo_page {
	uint64_t flags;
	uint64_t compound;	/* compound_info or compound_head */
	uint64_t mapping;
	uint64_t private;
	uint32_t mapcount;	/* _mapcount / page_type word */
	uint32_t refcount;
};

struct hvo_page_layout {
	unsigned int size;
	unsigned int flags_offset, compound_offset, mapping_offset;
	unsigned int private_offset, mapcount_offset, refcount_offset;
	unsigned int size_shift;	/* log2(size); 0 if not a power of two */
	uint64_t pg_head_mask;		/* NUMBER(PG_head_mask) */
	uint32_t hugetlb_type;		/* page type in the top byte of the mapcount word */
	unsigned int hpg_vmemmap_optimized_bit;	/* of a hugetlb head's private */
	/* page->flags node and zone fields (include/linux/page-flags-layout.h). */
	unsigned int node_shift, node_bits, zone_shift, zone_bits;
};

/* TAIL_MAPPING = 0x400 + POISON_POINTER_DELTA (x86_64). */
#define HVO_TAIL_MAPPING UINT64_C(0xdead000000000400)
/* enum hugetlb_page_flags: HPG_vmemmap_optimized in 6.12 and 7.2, when no type says. */
#define HVO_HPG_VMEMMAP_OPTIMIZED_DEFAULT 4

void hvo_page_parse(const struct hvo_page_layout *layout, const void *image,
		    struct hvo_page *ret);

static inline bool hvo_page_is_head(const struct hvo_page_layout *layout,
				    const struct hvo_page *page)
{
	return page->flags & layout->pg_head_mask;
}

static inline bool hvo_page_is_hugetlb(const struct hvo_page_layout *layout,
				       const struct hvo_page *page)
{
	return (page->mapcount >> 24) == (layout->hugetlb_type >> 24);
}

static inline unsigned int hvo_page_node(const struct hvo_page_layout *layout,
					 const struct hvo_page *page)
{
	/* A kernel without NUMA keeps no node bits: everything is node 0. */
	if (!layout->node_bits)
		return 0;
	return (page->flags >> layout->node_shift) & ((1u << layout->node_bits) - 1);
}

static inline unsigned int hvo_page_zone(const struct hvo_page_layout *layout,
					 const struct hvo_page *page)
{
	return (page->flags >> layout->zone_shift) & ((1u << layout->zone_bits) - 1);
}

/* Folio order, from the flags of the second struct page (folio->_flags_1). */
static inline unsigned int hvo_page_folio_order(const struct hvo_page *second)
{
	return second->flags & 0xff;
}

enum hvo_tail_kind {
	HVO_TAIL_NONE,		/* bit 0 clear: not a tail */
	HVO_TAIL_POINTER,	/* head | 1 */
	HVO_TAIL_MASK,		/* GENMASK(63, n) | 1 */
	HVO_TAIL_BAD_MASK,	/* bit 0 set, mask-mode kernel, but not a valid mask */
};

struct hvo_tail {
	enum hvo_tail_kind kind;
	uint64_t raw;
	uint64_t head_vaddr;	/* where this tail says its head is */
	unsigned int order;	/* encoded by the mask (HVO_TAIL_MASK only) */
};

/*
 * Decode word 1 of the struct page at page_vaddr.  mask_mode: the kernel
 * encodes tails as masks (v3, merged) rather than pointers (legacy).
 */
void hvo_page_decode_tail(const struct hvo_page_layout *layout, bool mask_mode,
			  uint64_t page_vaddr, uint64_t word, struct hvo_tail *ret);

/* The compound_info value a mask-mode tail of this order holds. */
uint64_t hvo_page_tail_mask(const struct hvo_page_layout *layout, unsigned int order);

/*
 * Whether a struct page image is what the kernel writes into a shared tail
 * page.  Merged kernels zero the page and run init_compound_tail(): every
 * byte is defined (_mapcount -1, node and zone bits, TAIL_MAPPING, the mask,
 * private 0).  The v3 posting runs only prep_compound_tail() on a page that
 * is not zeroed at run time: only mapping, compound_info and private are
 * defined (node and zone come from the head, patch 7 of the series).
 * why_ret names the first field that differs.
 */
bool hvo_page_is_pristine_tail(const struct hvo_page_layout *layout,
			       const void *image, unsigned int order, bool full_init,
			       unsigned int node, unsigned int zone, const char **why_ret);

#endif /* HVO_PAGE_H */
