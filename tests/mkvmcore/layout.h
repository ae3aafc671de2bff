/*
 * layout: per-generation structure layouts and constants of the modelled
 * kernels.  Offsets are from the BTF of Debian's images (pahole -F btf):
 * legacy = 6.12.107+deb13-amd64, merged = 7.2.13+deb14-amd64; v3 is the
 * merged layout with vmemmap_tails[] moved from struct zone to the end of
 * pglist_data as the PATCHv3 10/15 posting does.
 */
#ifndef MKV_LAYOUT_H
#define MKV_LAYOUT_H

#include <stdint.h>


#define MKV_MAX_NUMNODES 1024	/* CONFIG_NODES_SHIFT=10 */
#define MKV_MAX_NR_ZONES 5	/* DMA, DMA32, Normal, Movable, Device */
#define MKV_NR_VMEMMAP_TAILS 16
#define MKV_VMEMMAP_TAIL_MIN_ORDER 7
#define MKV_NR_PAGE_ORDERS 11
#define MKV_STRUCT_PAGE_SIZE 64

/* struct page / folio */
#define MKV_PAGE_FLAGS 0
#define MKV_PAGE_LRU 8		/* lru.next == compound_info/compound_head */
#define MKV_PAGE_COMPOUND 8
#define MKV_PAGE_LRU_PREV 16
#define MKV_PAGE_MAPPING 24
#define MKV_PAGE_INDEX 32
#define MKV_PAGE_PRIVATE 40
#define MKV_PAGE_MAPCOUNT 48	/* _mapcount / page_type */
#define MKV_PAGE_REFCOUNT 52

/* page flags (include/linux/page-flags.h) and the fields above them */
#define MKV_PG_HEAD 6
#define MKV_PG_RESERVED 13
#define MKV_ZONES_PGSHIFT 51	/* ZONES_WIDTH 3 below NODES_WIDTH 10 */
#define MKV_NODES_PGSHIFT 54
#define MKV_PGTY_BUDDY 0xf0u
#define MKV_PGTY_TABLE 0xf2u
#define MKV_PGTY_HUGETLB 0xf4u
#define MKV_PGTY_SLAB 0xf5u
#define MKV_TAIL_MAPPING UINT64_C(0xdead000000000400)

/* enum hugetlb_page_flags (include/linux/hugetlb.h, 6.12 and 7.2) */
#define MKV_HPG_MIGRATABLE 1
#define MKV_HPG_FREED 3
#define MKV_HPG_VMEMMAP_OPTIMIZED 4	/* the default of spec key hpg_vmemmap_optimized */
#define MKV_HPG_VMEMMAP_OPTIMIZED_MAX 60	/* bits above it name the flags after it */

/* vmlinux.c wants only the constants above, not these types in its DWARF. */
#ifndef MKV_LAYOUT_CONSTANTS_ONLY
enum mkv_gen { MKV_GEN_LEGACY, MKV_GEN_V3, MKV_GEN_MERGED };

enum mkv_zone_idx { MKV_ZONE_DMA, MKV_ZONE_DMA32, MKV_ZONE_NORMAL, MKV_ZONE_MOVABLE,
		    MKV_ZONE_DEVICE };

struct mkv_layout {
	enum mkv_gen gen;
	const char *name;		/* "legacy", "v3", "merged" */
	const char *osrelease;
	const char *compound_field;	/* "compound_head" or "compound_info" */
	int compound_mask;		/* tails encode a mask (v3, merged) */
	int tails_per_zone;		/* merged: zone.vmemmap_tails[] of struct page * */
	int tails_per_node;		/* v3: pglist_data.vmemmap_tails[] of PFNs */
	int migrate_types;

	uint32_t size_pglist_data, size_zone, size_free_area, size_hstate;
	/* pglist_data */
	uint32_t pgdat_node_zones, pgdat_nr_zones, pgdat_node_start_pfn,
		pgdat_node_present_pages, pgdat_node_spanned_pages, pgdat_node_id,
		pgdat_vm_stat, pgdat_vmemmap_tails;
	/* zone */
	uint32_t zone_node, zone_pgdat, zone_start_pfn, zone_managed_pages,
		zone_spanned_pages, zone_present_pages, zone_name, zone_free_area,
		zone_vm_stat, zone_vmemmap_tails;
	/* hstate */
	uint32_t hstate_order, hstate_mask, hstate_max_huge_pages, hstate_nr_huge_pages,
		hstate_free_huge_pages, hstate_activelist, hstate_freelists,
		hstate_max_huge_pages_node, hstate_nr_huge_pages_node,
		hstate_free_huge_pages_node, hstate_name;
	/* second/third struct page of a folio */
	uint32_t folio_large_mapcount, folio_entire_mapcount, folio_nr_pages_mapped,
		folio_pincount, folio_nr_pages;
	/* tails from this index on keep TAIL_MAPPING (lower ones hold folio fields) */
	uint32_t first_tail_mapping;
	int pg_hwpoison;
	int has_unaccepted_number;	/* NUMBER(PAGE_UNACCEPTED_MAPCOUNT_VALUE) */
	int has_kallsyms_relative_base;
	uint32_t size_printk_info, printk_info_dev_info;
};

const struct mkv_layout *mkv_layout_get(enum mkv_gen gen);
int mkv_layout_parse_gen(const char *name, enum mkv_gen *gen_ret);
#endif

#endif
