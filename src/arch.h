/*
 * arch.h - what hvoinspect knows of one architecture, in one place.
 *
 * The page size, the kernel page-table format, the kernel's layout
 * defaults, the hugetlb orders and the zones differ between architectures.
 * Each architecture is one file, arch_NAME.c, defining a const struct
 * hvo_arch (as libdrgn's arch_*.c and libaddrxlat's per-arch files); no
 * other file names an architecture's entry bits or addresses.  To add one:
 * write arch_NAME.c, list it in hvo_arches[] (arch.c) and src/local.am.
 */
#ifndef HVO_ARCH_H
#define HVO_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "vmcoreinfo.h"

/* A page-table entry as the walker needs it, whatever the architecture. */
#define HVO_PTE_PRESENT 0x1u
#define HVO_PTE_WRITABLE 0x2u	/* this entry allows writes (levels above may not) */
#define HVO_PTE_LEAF 0x4u	/* maps memory: level 1, or a huge page above it */
#define HVO_PTE_USER 0x8u
#define HVO_PTE_NOEXEC 0x10u

struct hvo_pte {
	uint64_t paddr;		/* the next table, or the first byte a leaf maps */
	unsigned int flags;	/* HVO_PTE_* */
};

/* One bit of a page-table entry, named as the kernel names it (_PAGE_RW: "RW"). */
struct hvo_pte_bit {
	uint64_t mask;
	const char *name;
};

struct hvo_arch {
	const char *name;		/* libkdumpfile's KDUMP_ATTR_ARCH_NAME */
	/*
	 * A VMCOREINFO key only this architecture's kernels export: it names
	 * the architecture when the dump header does not (QEMU's diskdumps).
	 */
	const char *vmcoreinfo_mark;
	unsigned int page_shift;	/* base page: 12 is 4 KiB */
	unsigned int table_shift;	/* log2 of the entries in one table page */
	unsigned int pte_size;		/* bytes of one entry */
	/* Levels below the top one, 1 the last-level (PTE) table; the top is "pgd". */
	const char *const *level_names;
	/* How many levels the kernel's page tables have, and where that was read. */
	struct hvo_error *(*pgtable_levels)(const struct hvo_vmcoreinfo *vi,
					    unsigned int *levels_ret, const char **source_ret);
	/* Decode one entry of a table at level (1 = PTE). */
	void (*decode_pte)(uint64_t entry, unsigned int level, struct hvo_pte *ret);
	/* The entry's bits by name, for `pte VALUE`; ends with a zero mask. */
	const struct hvo_pte_bit *pte_bits;
	/* The vmemmap base of a kernel that does not export SYMBOL(vmemmap). */
	uint64_t (*default_vmemmap_base)(unsigned int levels);
	const char *default_vmemmap_base_source;
	/*
	 * page->flags node/zone field widths of distribution configs
	 * (CONFIG_NODES_SHIFT, the zone count), with no section bits.
	 */
	unsigned int default_nodes_shift, default_zones_shift;
	const char *default_page_flags_source;
	/* Smallest hugetlb order: hugetlb heads are aligned to it. */
	unsigned int min_hugetlb_order;
	/* enum zone_type in distribution configs, and ZONE_DEVICE's index in it. */
	const char *const *zone_names;
	unsigned int nr_zones;
	unsigned int zone_device;
};

extern const struct hvo_arch hvo_arch_x86_64;

/* The description of libkdumpfile's architecture name; NULL if unsupported. */
const struct hvo_arch *hvo_arch_find(const char *name);
/* The description whose vmcoreinfo_mark vi has; NULL if none. */
const struct hvo_arch *hvo_arch_from_vmcoreinfo(const struct hvo_vmcoreinfo *vi);
/* Whether some description has pages of page_size bytes. */
bool hvo_arch_page_size_known(uint64_t page_size);
/*
 * For messages, every description's: names ("x86_64"), VMCOREINFO marks
 * ("SYMBOL(init_top_pgt)"), page sizes once each ("4096").
 */
const char *hvo_arch_names(void);
const char *hvo_arch_vmcoreinfo_marks(void);
const char *hvo_arch_page_sizes(void);

static inline uint64_t hvo_arch_page_size(const struct hvo_arch *arch)
{
	return UINT64_C(1) << arch->page_shift;
}

/* Bytes of virtual address one entry at level maps (level 1 = PTE). */
static inline uint64_t hvo_arch_entry_span(const struct hvo_arch *arch, unsigned int level)
{
	return UINT64_C(1) << (arch->page_shift + arch->table_shift * (level - 1));
}

/* MAX_FOLIO_ORDER with hugetlb on 64-bit: ilog2(16G) - PAGE_SHIFT. */
static inline unsigned int hvo_arch_max_folio_order(const struct hvo_arch *arch)
{
	return 34 - arch->page_shift;
}

/* "pte", "pmd" ... and "pgd" for the top level, whether paging has 4 or 5. */
const char *hvo_arch_level_name(const struct hvo_arch *arch, unsigned int level,
				unsigned int levels);
/* "DMA", "Normal" ...; "?" past the arch's zones. */
const char *hvo_arch_zone_name(const struct hvo_arch *arch, unsigned int zone);

#endif /* HVO_ARCH_H */
