/*
 * vmlinux.c: C declarations that reproduce, for the fields hvoinspect uses,
 * the layouts of each modelled kernel (offsets from the BTF of Debian's
 * 6.12.107 and 7.2.13 images; v3 = 7.2 with vmemmap_tails[] moved to the end
 * of pglist_data).  Compiled with -g and linked by the script that
 * "mkvmcore --print-lds" writes, it gives a "vmlinux" with a symbol table and
 * DWARF whose variables sit at the model's link-time addresses (the dump's
 * addresses minus KERNELOFFSET).  Regions the tool does not use are padding;
 * the _Static_asserts pin every offset to the numbers in layout.c.
 *
 * Build with -DMKV_VMLINUX_GEN=0 (legacy), 1 (v3) or 2 (merged).
 */
#include <stddef.h>

#define MKV_LAYOUT_CONSTANTS_ONLY
#include "layout.h"

#if !defined(MKV_VMLINUX_GEN)
#error "define MKV_VMLINUX_GEN"
#endif
#define LEGACY (MKV_VMLINUX_GEN == 0)
#define V3 (MKV_VMLINUX_GEN == 1)
#define MERGED (MKV_VMLINUX_GEN == 2)

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define PAD(n) char CAT(__pad_, __LINE__)[n]
#define CHECK(type, member, off) \
	_Static_assert(offsetof(type, member) == (off), #type "." #member)

typedef struct { int counter; } atomic_t;
typedef struct { long counter; } atomic_long_t;
typedef struct { unsigned long pgd; } pgd_t;
typedef struct { unsigned long bits[MKV_MAX_NUMNODES / 64]; } nodemask_t;

struct list_head {
	struct list_head *next, *prev;
};

struct address_space;
struct page_pool;
struct dev_pagemap;

#if LEGACY
#define MIGRATE_TYPES 5
#else
#define MIGRATE_TYPES 6
typedef struct { unsigned long f; } memdesc_flags_t;
#endif

enum pageflags {
	PG_locked, PG_writeback, PG_referenced, PG_uptodate, PG_dirty, PG_lru,
	PG_head = MKV_PG_HEAD, PG_waiters, PG_active, PG_workingset, PG_owner_priv_1,
	PG_owner_2, PG_arch_1, PG_reserved = MKV_PG_RESERVED, PG_private, PG_private_2,
	PG_reclaim, PG_swapbacked, PG_unevictable,
	PG_hwpoison = LEGACY ? 20 : 21,
	PG_swapcache = PG_owner_priv_1,
};

enum pagetype {
	PGTY_buddy = 0xf0, PGTY_offline = 0xf1, PGTY_table = 0xf2, PGTY_guard = 0xf3,
	PGTY_hugetlb = 0xf4, PGTY_slab = 0xf5, PGTY_zsmalloc = 0xf6, PGTY_unaccepted = 0xf7,
	PGTY_mapcount_underflow = 0xff,
};

enum hugetlb_page_flags {
	HPG_restore_reserve = 0, HPG_migratable, HPG_temporary, HPG_freed,
	HPG_vmemmap_optimized, HPG_raw_hwp_unreliable,
#if !LEGACY
	HPG_cma,
#endif
	__NR_HPAGEFLAGS,
};

enum zone_type { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE, ZONE_DEVICE, __MAX_NR_ZONES };

struct page {
#if LEGACY
	unsigned long flags;
#else
	memdesc_flags_t flags;
#endif
	union {
		struct {
			union {
				struct list_head lru;
				struct list_head buddy_list;
				struct list_head pcp_list;
			};
			struct address_space *mapping;
			union {
#if LEGACY
				unsigned long index;
#else
				unsigned long __folio_index;
#endif
				unsigned long share;
			};
			unsigned long private;
		};
		struct {
			unsigned long pp_magic;
			struct page_pool *pp;
			unsigned long _pp_mapping_pad;
			unsigned long dma_addr;
			atomic_long_t pp_ref_count;
		};
		struct {
#if LEGACY
			unsigned long compound_head;
#else
			unsigned long compound_info;
#endif
		};
		struct {
			struct dev_pagemap *pgmap;
			void *zone_device_data;
		};
	};
	union {
		unsigned int page_type;
		atomic_t _mapcount;
	};
	atomic_t _refcount;
	unsigned long memcg_data;
};
_Static_assert(sizeof(struct page) == MKV_STRUCT_PAGE_SIZE, "struct page");
#if LEGACY
CHECK(struct page, compound_head, MKV_PAGE_COMPOUND);
#else
CHECK(struct page, compound_info, MKV_PAGE_COMPOUND);
#endif
CHECK(struct page, mapping, MKV_PAGE_MAPPING);
CHECK(struct page, private, MKV_PAGE_PRIVATE);
CHECK(struct page, _mapcount, MKV_PAGE_MAPCOUNT);
CHECK(struct page, _refcount, MKV_PAGE_REFCOUNT);

struct folio {
	union {
		struct {
#if LEGACY
			unsigned long flags;
#else
			memdesc_flags_t flags;
#endif
			struct list_head lru;
			struct address_space *mapping;
			unsigned long index;
			void *private;
			atomic_t _mapcount;
			atomic_t _refcount;
			unsigned long memcg_data;
		};
		struct page page;
	};
	union {
		struct {
			unsigned long _flags_1;
			unsigned long _head_1;
#if LEGACY
			atomic_t _large_mapcount;
			atomic_t _entire_mapcount;
			atomic_t _nr_pages_mapped;
			atomic_t _pincount;
			unsigned int _folio_nr_pages;
#else
			atomic_t _large_mapcount;
			atomic_t _nr_pages_mapped;
			atomic_t _entire_mapcount;
			atomic_t _pincount;
			unsigned long _mm_id_mapcount;
			unsigned long _mm_ids;
			atomic_t _mapcount_1;
			atomic_t _refcount_1;
			unsigned int _nr_pages;
#endif
		};
		struct page __page_1;
	};
	union {
		struct {
			unsigned long _flags_2;
			unsigned long _head_2;
#if LEGACY
			void *_hugetlb_subpool;
			void *_hugetlb_cgroup;
			void *_hugetlb_cgroup_rsvd;
			void *_hugetlb_hwpoison;
#else
			struct list_head _deferred_list;
#endif
		};
		struct page __page_2;
	};
#if !LEGACY
	union {
		struct {
			unsigned long _flags_3;
			unsigned long _head_3;
			void *_hugetlb_subpool;
			void *_hugetlb_cgroup;
			void *_hugetlb_cgroup_rsvd;
			void *_hugetlb_hwpoison;
		};
		struct page __page_3;
	};
#endif
};
#if LEGACY
CHECK(struct folio, _folio_nr_pages, 64 + 32);
CHECK(struct folio, _hugetlb_subpool, 144);
#else
CHECK(struct folio, _nr_pages, 64 + 56);
CHECK(struct folio, _entire_mapcount, 64 + 24);
CHECK(struct folio, _hugetlb_subpool, 208);
#endif

struct free_area {
	struct list_head free_list[MIGRATE_TYPES];
	unsigned long nr_free;
};

struct pglist_data;

#if LEGACY
#define ZONE_NAME_OFF 184
#define ZONE_FREE_AREA_OFF 256
#define ZONE_VM_STAT_OFF 1344
#define ZONE_SIZE 1536
#elif V3
#define ZONE_NAME_OFF 192
#define ZONE_FREE_AREA_OFF 256
#define ZONE_VM_STAT_OFF 1536
#define ZONE_SIZE 1728
#else
#define ZONE_NAME_OFF 192
#define ZONE_FREE_AREA_OFF 256
#define ZONE_VM_STAT_OFF 1536
#define ZONE_SIZE 1856
#endif

struct zone {
	unsigned long _watermark[4];
	PAD(64);
	int node;
	PAD(4);
	struct pglist_data *zone_pgdat;
	PAD(32);
	unsigned long zone_start_pfn;
	atomic_long_t managed_pages;
	unsigned long spanned_pages;
	unsigned long present_pages;
	PAD(ZONE_NAME_OFF - 176);
	const char *name;
	PAD(ZONE_FREE_AREA_OFF - ZONE_NAME_OFF - 8);
	struct free_area free_area[MKV_NR_PAGE_ORDERS];
	PAD(ZONE_VM_STAT_OFF - ZONE_FREE_AREA_OFF - MKV_NR_PAGE_ORDERS * 8 * (2 * MIGRATE_TYPES + 1));
	atomic_long_t vm_stat[12];
	atomic_long_t vm_numa_event[6];
#if MERGED
	struct page *vmemmap_tails[MKV_NR_VMEMMAP_TAILS];
	PAD(ZONE_SIZE - 1680 - 8 * MKV_NR_VMEMMAP_TAILS);
#else
	PAD(ZONE_SIZE - ZONE_VM_STAT_OFF - 18 * 8);
#endif
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct zone) == ZONE_SIZE, "struct zone");
CHECK(struct zone, node, 96);
CHECK(struct zone, zone_pgdat, 104);
CHECK(struct zone, zone_start_pfn, 144);
CHECK(struct zone, managed_pages, 152);
CHECK(struct zone, spanned_pages, 160);
CHECK(struct zone, present_pages, 168);
CHECK(struct zone, name, ZONE_NAME_OFF);
CHECK(struct zone, free_area, ZONE_FREE_AREA_OFF);
CHECK(struct zone, vm_stat, ZONE_VM_STAT_OFF);
#if MERGED
CHECK(struct zone, vmemmap_tails, 1680);
#endif

#if LEGACY
#define PGDAT_NR_ZONES 171552
#define PGDAT_VM_STAT 174024
#define PGDAT_NR_STAT 47
#define PGDAT_SIZE 174464
#elif V3
#define PGDAT_NR_ZONES (173152 - 640)
#define PGDAT_VM_STAT (175624 - 640)
#define PGDAT_NR_STAT 67
#define PGDAT_TAILS (176208 - 640)
#define PGDAT_SIZE 175744
#else
#define PGDAT_NR_ZONES 173152
#define PGDAT_VM_STAT 175624
#define PGDAT_NR_STAT 67
#define PGDAT_SIZE 176256
#endif

struct pglist_data {
	struct zone node_zones[__MAX_NR_ZONES];
	PAD(PGDAT_NR_ZONES - __MAX_NR_ZONES * ZONE_SIZE);
	int nr_zones;
	PAD(4);
	unsigned long node_start_pfn;
	unsigned long node_present_pages;
	unsigned long node_spanned_pages;
	int node_id;
	PAD(PGDAT_VM_STAT - PGDAT_NR_ZONES - 36);
	atomic_long_t vm_stat[PGDAT_NR_STAT];
#if V3
	PAD(PGDAT_TAILS - PGDAT_VM_STAT - PGDAT_NR_STAT * 8);
	unsigned long vmemmap_tails[MKV_NR_VMEMMAP_TAILS];
	PAD(PGDAT_SIZE - PGDAT_TAILS - 8 * MKV_NR_VMEMMAP_TAILS);
#else
	PAD(PGDAT_SIZE - PGDAT_VM_STAT - PGDAT_NR_STAT * 8);
#endif
} __attribute__((aligned(64)));
typedef struct pglist_data pg_data_t;
_Static_assert(sizeof(struct pglist_data) == PGDAT_SIZE, "struct pglist_data");
CHECK(struct pglist_data, nr_zones, PGDAT_NR_ZONES);
CHECK(struct pglist_data, node_start_pfn, PGDAT_NR_ZONES + 8);
CHECK(struct pglist_data, node_spanned_pages, PGDAT_NR_ZONES + 24);
CHECK(struct pglist_data, node_id, PGDAT_NR_ZONES + 32);
CHECK(struct pglist_data, vm_stat, PGDAT_VM_STAT);
#if V3
CHECK(struct pglist_data, vmemmap_tails, PGDAT_TAILS);
#endif

struct hstate {
	char resize_lock[LEGACY ? 32 : 24];	/* struct mutex */
	int next_nid_to_alloc;
	int next_nid_to_free;
	unsigned int order;
	unsigned int demote_order;
	unsigned long mask;
	unsigned long max_huge_pages;
	unsigned long nr_huge_pages;
	unsigned long free_huge_pages;
	unsigned long resv_huge_pages;
	unsigned long surplus_huge_pages;
	unsigned long nr_overcommit_huge_pages;
	struct list_head hugepage_activelist;
	struct list_head hugepage_freelists[MKV_MAX_NUMNODES];
	unsigned int max_huge_pages_node[MKV_MAX_NUMNODES];
	unsigned int nr_huge_pages_node[MKV_MAX_NUMNODES];
	unsigned int free_huge_pages_node[MKV_MAX_NUMNODES];
	unsigned int surplus_huge_pages_node[MKV_MAX_NUMNODES];
	char name[32];
};
_Static_assert(sizeof(struct hstate) == (LEGACY ? 32920 : 32912), "struct hstate");
CHECK(struct hstate, order, LEGACY ? 40 : 32);
CHECK(struct hstate, nr_huge_pages_node, LEGACY ? 20600 : 20592);
CHECK(struct hstate, name, LEGACY ? 32888 : 32880);

struct mem_section_usage;
struct page_ext;
struct mem_section {
	unsigned long section_mem_map;
	struct mem_section_usage *usage;
	struct page_ext *page_ext;
	unsigned long pad;
};

struct new_utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

struct uts_namespace {
	struct new_utsname name;
	char __rest[432 - 390];
};

/* The kernel image's variables, each in the section the linker script places. */
#define AT(name) __attribute__((section(".data.mkv." #name), used))

AT(init_top_pgt) pgd_t init_top_pgt[512];
AT(level4_kernel_pgt) pgd_t level4_kernel_pgt[512];
AT(level3_kernel_pgt) pgd_t level3_kernel_pgt[512];
AT(level2_kernel_pgt) pgd_t level2_kernel_pgt[512];
AT(node_data) struct pglist_data *node_data[MKV_MAX_NUMNODES];
AT(node_online_map) nodemask_t node_online_map;
AT(mem_section) struct mem_section **mem_section;
AT(init_uts_ns) struct uts_namespace init_uts_ns;
AT(nr_memmap_boot_pages) static atomic_long_t nr_memmap_boot_pages;
AT(nr_memmap_pages) static atomic_long_t nr_memmap_pages;
AT(vmemmap_base) unsigned long vmemmap_base;
AT(page_offset_base) unsigned long page_offset_base;
AT(vmalloc_base) unsigned long vmalloc_base;
AT(phys_base) unsigned long phys_base;
AT(hugetlb_max_hstate) int hugetlb_max_hstate;
AT(prb) void *prb;
AT(clear_seq) unsigned long clear_seq[3];
AT(printk_rb_static) char printk_rb_static[88];
AT(hstates) struct hstate hstates[2];
AT(vmemmap_optimize_enabled) static _Bool vmemmap_optimize_enabled;
#if !MERGED
struct static_key {
	atomic_t enabled;
	unsigned long type;
};
struct static_key_false {
	struct static_key key;
};
AT(hugetlb_optimize_vmemmap_key) struct static_key_false hugetlb_optimize_vmemmap_key;
#endif

/* Keep every type in the DWARF even where no variable uses it. */
struct folio *mkv_vmlinux_folio;
struct page *mkv_vmlinux_page;
enum pageflags mkv_vmlinux_pageflags;
enum pagetype mkv_vmlinux_pagetype;
enum hugetlb_page_flags mkv_vmlinux_hpg;
enum zone_type mkv_vmlinux_zone_type;

void start_kernel(void);
void start_kernel(void)
{
}
