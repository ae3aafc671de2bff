/*
 * arch_x86_64.c - the x86_64 description: 4 KiB pages, 4- or 5-level
 * page tables (arch/x86/include/asm/pgtable_types.h, page_64_types.h,
 * pgtable_64_types.h).
 */
#include "arch.h"

#define X86_PTE_PRESENT UINT64_C(0x1)
#define X86_PTE_RW UINT64_C(0x2)
#define X86_PTE_USER UINT64_C(0x4)
#define X86_PTE_PSE UINT64_C(0x80)
#define X86_PTE_NX (UINT64_C(1) << 63)
#define X86_PTE_ADDR_MASK UINT64_C(0x000ffffffffff000)

#define X86_VMEMMAP_BASE_L4 UINT64_C(0xffffea0000000000)
#define X86_VMEMMAP_BASE_L5 UINT64_C(0xffd4000000000000)

static struct hvo_error *x86_64_pgtable_levels(const struct hvo_vmcoreinfo *vi,
					       unsigned int *levels_ret,
					       const char **source_ret)
{
	uint64_t l5;
	struct hvo_error *err = hvo_vmcoreinfo_u64(vi, "NUMBER(pgtable_l5_enabled)", &l5);
	if (!err) {
		*levels_ret = l5 ? 5 : 4;
		*source_ret = "VMCOREINFO NUMBER(pgtable_l5_enabled)";
	} else if (err == &hvo_error_not_found) {
		*levels_ret = 4;
		*source_ret = "default (no NUMBER(pgtable_l5_enabled))";
		err = NULL;
	}
	return err;
}

static void x86_64_decode_pte(uint64_t entry, unsigned int level, struct hvo_pte *ret)
{
	unsigned int flags = 0;
	uint64_t paddr = entry & X86_PTE_ADDR_MASK;
	if (entry & X86_PTE_PRESENT)
		flags |= HVO_PTE_PRESENT;
	if (entry & X86_PTE_RW)
		flags |= HVO_PTE_WRITABLE;
	if (entry & X86_PTE_USER)
		flags |= HVO_PTE_USER;
	if (entry & X86_PTE_NX)
		flags |= HVO_PTE_NOEXEC;
	if (level == 1) {
		flags |= HVO_PTE_LEAF;
	} else if ((level == 2 || level == 3) && (entry & X86_PTE_PSE)) {
		/* A 2 MiB or 1 GiB leaf: bit 12 is PAT here, not address. */
		flags |= HVO_PTE_LEAF;
		paddr &= ~((UINT64_C(1) << (12 + 9 * (level - 1))) - 1);
	}
	ret->paddr = paddr;
	ret->flags = flags;
}

static uint64_t x86_64_default_vmemmap_base(unsigned int levels)
{
	return levels == 5 ? X86_VMEMMAP_BASE_L5 : X86_VMEMMAP_BASE_L4;
}

/* pgtable_types.h's _PAGE_BIT_*; bit 7 is PSE above the last level, PAT in it. */
static const struct hvo_pte_bit x86_64_pte_bits[] = {
	{ UINT64_C(1) << 0, "PRESENT" }, { UINT64_C(1) << 1, "RW" }, { UINT64_C(1) << 2, "USER" },
	{ UINT64_C(1) << 3, "PWT" }, { UINT64_C(1) << 4, "PCD" }, { UINT64_C(1) << 5, "ACCESSED" },
	{ UINT64_C(1) << 6, "DIRTY" }, { UINT64_C(1) << 7, "PSE" }, { UINT64_C(1) << 8, "GLOBAL" },
	{ UINT64_C(1) << 63, "NX" }, { 0, NULL },
};

static const char *const x86_64_level_names[] = { "pte", "pmd", "pud", "p4d", NULL };
/* enum zone_type with ZONE_DMA, ZONE_DMA32 and ZONE_DEVICE (x86_64 distributions). */
static const char *const x86_64_zone_names[] = { "DMA", "DMA32", "Normal", "Movable", "Device" };

const struct hvo_arch hvo_arch_x86_64 = {
	.name = "x86_64",
	.vmcoreinfo_mark = "SYMBOL(init_top_pgt)",
	.page_shift = 12,
	.table_shift = 9,
	.pte_size = 8,
	.level_names = x86_64_level_names,
	.pgtable_levels = x86_64_pgtable_levels,
	.decode_pte = x86_64_decode_pte,
	.pte_bits = x86_64_pte_bits,
	.default_vmemmap_base = x86_64_default_vmemmap_base,
	.default_vmemmap_base_source = "x86_64 default (no SYMBOL(vmemmap))",
	/* Node in bits 54-63, zone in bits 51-53. */
	.default_nodes_shift = 10,
	.default_zones_shift = 3,
	.default_page_flags_source = "x86_64 default (NODES_SHIFT=10, 5 zones, no section bits)",
	.min_hugetlb_order = 9,
	.zone_names = x86_64_zone_names,
	.nr_zones = 5,
	.zone_device = 4,
};
