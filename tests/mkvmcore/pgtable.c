/* pgtable: x86_64 page tables in modelled physical memory. */
#include "pgtable.h"

void mkv_pgt_init(struct mkv_pgt *pgt, struct mkv_phys *mem, int levels, uint64_t root_paddr,
		  mkv_pgt_alloc_fn *alloc, void *alloc_ctx)
{
	pgt->mem = mem;
	pgt->levels = levels;
	pgt->root_paddr = root_paddr;
	pgt->alloc = alloc;
	pgt->alloc_ctx = alloc_ctx;
	pgt->nr_tables = 0;
}

/* Index shift of a level: 1 = PTE (12), 2 = PMD (21), 3 = PUD (30), 4 = P4D/PGD (39), 5 = PGD (48). */
static unsigned level_shift(int level)
{
	return 12 + 9 * (unsigned)(level - 1);
}

static uint64_t entry_paddr_of(uint64_t table, uint64_t vaddr, int level)
{
	return table + ((vaddr >> level_shift(level)) & 511) * 8;
}

static int leaf_level(uint64_t size)
{
	switch (size) {
	case MKV_SIZE_4K:
		return 1;
	case MKV_SIZE_2M:
		return 2;
	case MKV_SIZE_1G:
		return 3;
	default:
		return 0;
	}
}

/*
 * The table of level `target` on vaddr's path, allocating the missing
 * tables above it; -1 when a huge leaf is in the way.
 */
static int descend(struct mkv_pgt *pgt, uint64_t vaddr, int target, uint64_t table_flags,
		   int node, uint64_t *table_ret)
{
	uint64_t table = pgt->root_paddr;
	for (int level = pgt->levels; level > target; level--) {
		uint64_t ep = entry_paddr_of(table, vaddr, level);
		uint64_t e = mkv_phys_read64(pgt->mem, ep);
		if (!(e & MKV_PTE_P)) {
			uint64_t t = pgt->alloc(pgt->alloc_ctx, node);
			if (!t)
				return -1;
			pgt->nr_tables++;
			e = t | table_flags;
			if (mkv_phys_write64(pgt->mem, ep, e))
				return -1;
		} else if (level <= 3 && (e & MKV_PTE_PS)) {
			return -1;
		}
		table = e & MKV_PTE_ADDR_MASK;
	}
	*table_ret = table;
	return 0;
}

int mkv_pgt_map(struct mkv_pgt *pgt, uint64_t vaddr, uint64_t paddr, uint64_t size,
		uint64_t leaf_flags, uint64_t table_flags, int node)
{
	int target = leaf_level(size);
	uint64_t table;
	if (!target || (vaddr | paddr) & (size - 1) ||
	    descend(pgt, vaddr, target, table_flags, node, &table))
		return -1;
	uint64_t flags = leaf_flags;
	if (target == 1)
		flags &= ~MKV_PTE_PS;
	return mkv_phys_write64(pgt->mem, entry_paddr_of(table, vaddr, target), paddr | flags);
}

int mkv_pgt_walk(const struct mkv_pgt *pgt, uint64_t vaddr, struct mkv_pgt_walk *ret)
{
	uint64_t table = pgt->root_paddr;
	for (int level = pgt->levels; level >= 1; level--) {
		uint64_t ep = entry_paddr_of(table, vaddr, level);
		uint64_t e = mkv_phys_read64(pgt->mem, ep);
		if (!(e & MKV_PTE_P))
			return -1;
		if (level == 1 || (level <= 3 && (e & MKV_PTE_PS))) {
			uint64_t sz = UINT64_C(1) << level_shift(level);
			uint64_t base = e & MKV_PTE_ADDR_MASK & ~(sz - 1);
			ret->paddr = base | (vaddr & (sz - 1));
			ret->entry = e;
			ret->entry_paddr = ep;
			ret->leaf_size = sz;
			return 0;
		}
		table = e & MKV_PTE_ADDR_MASK;
	}
	return -1;
}

/* Address of the PMD entry for vaddr, or 0 if the path is missing. */
static uint64_t pmd_entry_paddr(const struct mkv_pgt *pgt, uint64_t vaddr)
{
	uint64_t table = pgt->root_paddr;
	for (int level = pgt->levels; level > 2; level--) {
		uint64_t e = mkv_phys_read64(pgt->mem, entry_paddr_of(table, vaddr, level));
		if (!(e & MKV_PTE_P) || (level == 3 && (e & MKV_PTE_PS)))
			return 0;
		table = e & MKV_PTE_ADDR_MASK;
	}
	return entry_paddr_of(table, vaddr, 2);
}

int mkv_pgt_split_pmd(struct mkv_pgt *pgt, uint64_t vaddr, uint64_t pte_flags, int node)
{
	uint64_t ep = pmd_entry_paddr(pgt, vaddr);
	if (!ep)
		return -1;
	uint64_t e = mkv_phys_read64(pgt->mem, ep);
	if (!(e & MKV_PTE_P) || !(e & MKV_PTE_PS))
		return -1;
	uint64_t base = e & MKV_PTE_ADDR_MASK & ~(MKV_SIZE_2M - 1);
	uint64_t t = pgt->alloc(pgt->alloc_ctx, node);
	if (!t)
		return -1;
	pgt->nr_tables++;
	uint64_t ptes[512];
	for (unsigned i = 0; i < 512; i++)
		ptes[i] = (base + i * MKV_SIZE_4K) | pte_flags;
	if (mkv_phys_write(pgt->mem, t, ptes, sizeof(ptes)))
		return -1;
	/* pmd_populate_kernel() */
	return mkv_phys_write64(pgt->mem, ep, t | MKV_PAGE_TABLE);
}

int mkv_pgt_set_pte(struct mkv_pgt *pgt, uint64_t vaddr, uint64_t entry)
{
	uint64_t ep = pmd_entry_paddr(pgt, vaddr);
	if (!ep)
		return -1;
	uint64_t e = mkv_phys_read64(pgt->mem, ep);
	if (!(e & MKV_PTE_P) || (e & MKV_PTE_PS))
		return -1;
	return mkv_phys_write64(pgt->mem, entry_paddr_of(e & MKV_PTE_ADDR_MASK, vaddr, 1), entry);
}

int mkv_pgt_install_pte_table(struct mkv_pgt *pgt, uint64_t vaddr, uint64_t table_paddr,
			      uint64_t table_flags, int node)
{
	uint64_t table;
	if (descend(pgt, vaddr, 2, table_flags, node, &table))
		return -1;
	uint64_t ep = entry_paddr_of(table, vaddr, 2);
	if (mkv_phys_read64(pgt->mem, ep) & MKV_PTE_P)
		return -1;
	pgt->nr_tables++;
	return mkv_phys_write64(pgt->mem, ep, table_paddr | table_flags);
}
