/*
 * pgtable: real x86_64 page tables (4- or 5-level) built in modelled
 * physical memory, with entry bits as the kernel sets them.
 */
#ifndef MKV_PGTABLE_H
#define MKV_PGTABLE_H

#include <stdint.h>

#include "physmem.h"

#define MKV_PTE_P	(UINT64_C(1) << 0)
#define MKV_PTE_RW	(UINT64_C(1) << 1)
#define MKV_PTE_US	(UINT64_C(1) << 2)
#define MKV_PTE_A	(UINT64_C(1) << 5)
#define MKV_PTE_D	(UINT64_C(1) << 6)
#define MKV_PTE_PS	(UINT64_C(1) << 7)
#define MKV_PTE_G	(UINT64_C(1) << 8)
#define MKV_PTE_NX	(UINT64_C(1) << 63)
#define MKV_PTE_ADDR_MASK UINT64_C(0x000ffffffffff000)

/* arch/x86/include/asm/pgtable_types.h */
#define MKV_PAGE_TABLE	(MKV_PTE_P | MKV_PTE_RW | MKV_PTE_US | MKV_PTE_A | MKV_PTE_D)
#define MKV_KERNPG_TABLE (MKV_PTE_P | MKV_PTE_RW | MKV_PTE_A | MKV_PTE_D)
#define MKV_PAGE_KERNEL	(MKV_PTE_P | MKV_PTE_RW | MKV_PTE_A | MKV_PTE_NX | MKV_PTE_D | MKV_PTE_G)
#define MKV_PAGE_KERNEL_RO (MKV_PTE_P | MKV_PTE_A | MKV_PTE_NX | MKV_PTE_G)
#define MKV_PAGE_KERNEL_ROX (MKV_PTE_P | MKV_PTE_A | MKV_PTE_G)
#define MKV_PAGE_KERNEL_LARGE (MKV_PAGE_KERNEL | MKV_PTE_PS)
#define MKV_PAGE_KERNEL_LARGE_EXEC (MKV_PTE_P | MKV_PTE_RW | MKV_PTE_A | MKV_PTE_D | \
				    MKV_PTE_PS | MKV_PTE_G)

#define MKV_SIZE_4K (UINT64_C(1) << 12)
#define MKV_SIZE_2M (UINT64_C(1) << 21)
#define MKV_SIZE_1G (UINT64_C(1) << 30)

/* Allocates one zeroed page-table page on a node; returns its paddr or 0. */
typedef uint64_t mkv_pgt_alloc_fn(void *ctx, int node);

struct mkv_pgt {
	struct mkv_phys *mem;
	int levels;		/* 4 or 5 */
	uint64_t root_paddr;	/* init_top_pgt */
	mkv_pgt_alloc_fn *alloc;
	void *alloc_ctx;
	uint64_t nr_tables;
};

/* Flags of intermediate entries created by mkv_pgt_map. */
void mkv_pgt_init(struct mkv_pgt *pgt, struct mkv_phys *mem, int levels, uint64_t root_paddr,
		  mkv_pgt_alloc_fn *alloc, void *alloc_ctx);

/*
 * Map [vaddr, vaddr + size) to paddr with one leaf of that size (4K, 2M or 1G).
 * Missing tables are allocated on @node with @table_flags.  Fails (-1) when
 * a larger leaf is in the way or allocation fails.
 */
int mkv_pgt_map(struct mkv_pgt *pgt, uint64_t vaddr, uint64_t paddr, uint64_t size,
		uint64_t leaf_flags, uint64_t table_flags, int node);

/* Replace a 2 MiB leaf by a PTE table mapping the same frames with @pte_flags. */
int mkv_pgt_split_pmd(struct mkv_pgt *pgt, uint64_t vaddr, uint64_t pte_flags, int node);

struct mkv_pgt_walk {
	uint64_t paddr;		/* translated address */
	uint64_t entry;		/* leaf entry */
	uint64_t entry_paddr;	/* where the leaf entry lives */
	uint64_t leaf_size;
};

/* Walk; returns 0 when mapped, -1 otherwise. */
int mkv_pgt_walk(const struct mkv_pgt *pgt, uint64_t vaddr, struct mkv_pgt_walk *ret);

/*
 * Point the PMD entry for vaddr at an already written PTE table (creating the
 * upper tables on @node); the PMD must be empty.
 */
int mkv_pgt_install_pte_table(struct mkv_pgt *pgt, uint64_t vaddr, uint64_t table_paddr,
			      uint64_t table_flags, int node);

/* Overwrite the leaf PTE (4 KiB) for vaddr; the PTE table must exist. */
int mkv_pgt_set_pte(struct mkv_pgt *pgt, uint64_t vaddr, uint64_t entry);

#endif
