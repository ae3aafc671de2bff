/* model: physical layout, kernel image, symbols, base page tables, mm structures. */
#include "model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GIB (UINT64_C(1) << 30)
#define MIB (UINT64_C(1) << 20)
#define PFN(x) ((x) >> MKV_PAGE_SHIFT)
#define SECTIONS_PER_ROOT (MKV_PAGE_SIZE / 32)

/* Virtual layout of the kernel image, relative to _text (all 2 MiB aligned). */
#define IMG_TEXT_SIZE (16 * MIB)
#define IMG_RODATA_SIZE (8 * MIB)
#define IMG_DATA_SIZE (8 * MIB)
#define IMG_SIZE (IMG_TEXT_SIZE + IMG_RODATA_SIZE + IMG_DATA_SIZE)
#define IMG_DATA (IMG_TEXT_SIZE + IMG_RODATA_SIZE)

/* Data symbols: offsets from the start of the data section. */
static const struct {
	const char *name;
	uint64_t offset;
} data_symbols[] = {
	{ "init_top_pgt", 0x0000 },
	{ "level4_kernel_pgt", 0x1000 },
	{ "level3_kernel_pgt", 0x2000 },
	{ "level2_kernel_pgt", 0x3000 },
	{ "node_data", 0x4000 },		/* MAX_NUMNODES pointers */
	{ "node_online_map", 0x6000 },
	{ "mem_section", 0x6080 },
	{ "init_uts_ns", 0x6100 },
	{ "nr_memmap_boot_pages", 0x6400 },
	{ "nr_memmap_pages", 0x6408 },
	{ "vmemmap_base", 0x6410 },
	{ "page_offset_base", 0x6418 },
	{ "vmalloc_base", 0x6420 },
	{ "phys_base", 0x6428 },
	{ "hugetlb_max_hstate", 0x6430 },
	{ "prb", 0x6440 },
	{ "clear_seq", 0x6480 },
	{ "printk_rb_static", 0x6500 },
	{ "hstates", 0x8000 },			/* HUGE_MAX_HSTATE = 2 */
};

static void set_err(struct mkv_model *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->errbuf, sizeof(m->errbuf), fmt, ap);
	va_end(ap);
}

uint64_t mkv_model_rand(struct mkv_model *m)
{
	/* splitmix64 */
	uint64_t z = (m->rng += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static int add_symbol(struct mkv_model *m, const char *name, uint64_t vaddr)
{
	if (m->nr_syms == m->cap_syms) {
		size_t cap = m->cap_syms ? m->cap_syms * 2 : 32;
		struct mkv_symbol *s = realloc(m->syms, cap * sizeof(*s));
		if (!s)
			return -1;
		m->syms = s;
		m->cap_syms = cap;
	}
	m->syms[m->nr_syms].name = name;
	m->syms[m->nr_syms].vaddr = vaddr;
	m->nr_syms++;
	return 0;
}

uint64_t mkv_model_symbol(const struct mkv_model *m, const char *name)
{
	for (size_t i = 0; i < m->nr_syms; i++)
		if (!strcmp(m->syms[i].name, name))
			return m->syms[i].vaddr;
	return 0;
}

uint64_t mkv_model_pfn_to_vmemmap(const struct mkv_model *m, uint64_t pfn)
{
	return m->vmemmap_base + pfn * MKV_STRUCT_PAGE_SIZE;
}

uint64_t mkv_model_paddr_to_direct(const struct mkv_model *m, uint64_t paddr)
{
	return m->page_offset + paddr;
}

uint64_t mkv_model_image_to_paddr(const struct mkv_model *m, uint64_t vaddr)
{
	return vaddr - MKV_START_KERNEL_MAP + m->phys_base;
}

int mkv_model_kwrite64(struct mkv_model *m, uint64_t vaddr, uint64_t val)
{
	struct mkv_pgt_walk w;
	if (mkv_pgt_walk(&m->pgt, vaddr, &w))
		return -1;
	return mkv_phys_write64(m->mem, w.paddr, val);
}

int mkv_model_kwrite32(struct mkv_model *m, uint64_t vaddr, uint32_t val)
{
	struct mkv_pgt_walk w;
	if (mkv_pgt_walk(&m->pgt, vaddr, &w))
		return -1;
	return mkv_phys_write32(m->mem, w.paddr, val);
}

int mkv_model_kread64(const struct mkv_model *m, uint64_t vaddr, uint64_t *val_ret)
{
	struct mkv_pgt_walk w;
	if (mkv_pgt_walk(&m->pgt, vaddr, &w))
		return -1;
	*val_ret = mkv_phys_read64(m->mem, w.paddr);
	return 0;
}

uint64_t mkv_model_mem_section_paddr(const struct mkv_model *m, uint64_t section)
{
	uint64_t rv = mkv_phys_read64(m->mem, m->mem_section_root_paddr +
					      (section / SECTIONS_PER_ROOT) * 8);
	if (!rv)
		return 0;
	return rv - m->page_offset + (section % SECTIONS_PER_ROOT) * 32;
}

int mkv_model_node_of(const struct mkv_model *m, uint64_t pfn)
{
	for (unsigned i = 0; i < m->nr_nodes; i++)
		if (pfn >= m->nodes[i].start_pfn && pfn < m->nodes[i].end_pfn)
			return (int)i;
	return -1;
}

int mkv_model_zone_of(const struct mkv_model *m, int node, uint64_t pfn)
{
	const struct mkv_node *n = &m->nodes[node];
	for (int z = 0; z < MKV_MAX_NR_ZONES; z++) {
		const struct mkv_zone *zone = &n->zones[z];
		if (zone->spanned_pages && pfn >= zone->start_pfn &&
		    pfn < zone->start_pfn + zone->spanned_pages)
			return z;
	}
	return -1;
}

uint64_t mkv_model_alloc_pages(struct mkv_model *m, int node, uint64_t nr_pages,
			       uint64_t align_pages)
{
	struct mkv_node *n = &m->nodes[node];
	uint64_t pfn = (n->alloc_pfn + align_pages - 1) & ~(align_pages - 1);
	if (pfn + nr_pages > n->alloc_end_pfn || pfn + nr_pages > n->top_pfn) {
		set_err(m, "node %d: out of boot memory (need %llu pages)", node,
			(unsigned long long)nr_pages);
		return 0;
	}
	n->alloc_pfn = pfn + nr_pages;
	return pfn;
}

static uint64_t pgt_alloc(void *ctx, int node)
{
	struct mkv_model *m = ctx;
	uint64_t pfn = mkv_model_alloc_pages(m, node, 1, 1);
	if (!pfn || mkv_phys_touch(m->mem, pfn))
		return 0;
	return pfn << MKV_PAGE_SHIFT;
}

int mkv_model_add_fault(struct mkv_model *m, const struct mkv_fault_rec *rec)
{
	if (m->nr_faults == m->cap_faults) {
		size_t cap = m->cap_faults ? m->cap_faults * 2 : 8;
		struct mkv_fault_rec *f = realloc(m->faults, cap * sizeof(*f));
		if (!f)
			return -1;
		m->faults = f;
		m->cap_faults = cap;
	}
	m->faults[m->nr_faults++] = *rec;
	return 0;
}

/*
 * Nodes are laid out one after another; node 0 starts at PFN 1 and has the
 * PCI hole between 3 and 4 GiB.  Zones: DMA (below 16 MiB), DMA32 (below
 * 4 GiB), Normal, and Movable for movable_per_node bytes at each node's top.
 */
static int layout_nodes(struct mkv_model *m)
{
	const struct mkv_params *p = &m->params;
	m->nodes = calloc(p->nr_nodes, sizeof(*m->nodes));
	if (!m->nodes)
		return -1;
	m->nr_nodes = p->nr_nodes;
	uint64_t next = 0;
	for (unsigned i = 0; i < p->nr_nodes; i++) {
		struct mkv_node *n = &m->nodes[i];
		n->id = (int)i;
		if (i == 0) {
			uint64_t low = p->mem_per_node < 3 * GIB ? p->mem_per_node : 3 * GIB;
			n->ram[0] = (struct mkv_range){ 1, PFN(low) };
			n->nr_ram = 1;
			if (p->mem_per_node > 3 * GIB) {
				n->ram[1] = (struct mkv_range){ PFN(4 * GIB),
								PFN(4 * GIB + p->mem_per_node - 3 * GIB) };
				n->nr_ram = 2;
			}
		} else {
			n->ram[0] = (struct mkv_range){ next, next + PFN(p->mem_per_node) };
			n->nr_ram = 1;
		}
		n->start_pfn = n->ram[0].start_pfn;
		n->end_pfn = n->ram[n->nr_ram - 1].end_pfn;
		next = (n->end_pfn + PFN(GIB) - 1) & ~(PFN(GIB) - 1);

		uint64_t movable_start = n->end_pfn - PFN(p->movable_per_node);
		struct { int idx; uint64_t lo, hi; } zs[] = {
			{ MKV_ZONE_DMA, 0, PFN(16 * MIB) },
			{ MKV_ZONE_DMA32, PFN(16 * MIB), PFN(4 * GIB) },
			{ MKV_ZONE_NORMAL, PFN(4 * GIB), movable_start },
			{ MKV_ZONE_MOVABLE, movable_start, UINT64_MAX },
		};
		for (unsigned z = 0; z < sizeof(zs) / sizeof(zs[0]); z++) {
			struct mkv_zone *zone = &n->zones[zs[z].idx];
			zone->idx = zs[z].idx;
			uint64_t lo = zs[z].lo > n->start_pfn ? zs[z].lo : n->start_pfn;
			uint64_t hi = zs[z].hi < n->end_pfn ? zs[z].hi : n->end_pfn;
			if (zs[z].idx == MKV_ZONE_NORMAL && zs[z].lo < movable_start && lo < PFN(4 * GIB))
				lo = PFN(4 * GIB) > n->start_pfn ? PFN(4 * GIB) : n->start_pfn;
			if (lo >= hi)
				continue;
			zone->start_pfn = lo;
			zone->spanned_pages = hi - lo;
			for (int r = 0; r < n->nr_ram; r++) {
				uint64_t a = n->ram[r].start_pfn > lo ? n->ram[r].start_pfn : lo;
				uint64_t b = n->ram[r].end_pfn < hi ? n->ram[r].end_pfn : hi;
				if (a < b)
					zone->present_pages += b - a;
			}
		}
		for (int z = 0; z < MKV_MAX_NR_ZONES; z++)
			n->zones[z].idx = z;
		/* boot allocations start 64 MiB into the node (node 0: after the image) */
		n->alloc_pfn = n->start_pfn + PFN(64 * MIB);
		n->alloc_end_pfn = n->ram[0].end_pfn;
		n->top_pfn = n->end_pfn;
		m->max_pfn = n->end_pfn;
	}
	return 0;
}

static int layout_kernel(struct mkv_model *m)
{
	const struct mkv_params *p = &m->params;
	/* KASLR: virtual offset below 512 MiB, physical load address in node 0's low RAM */
	m->kaslr_offset = p->kaslr_set ? p->kaslr_offset
				      : (mkv_model_rand(m) % 256) * MKV_SIZE_2M;
	uint64_t low_end = m->nodes[0].ram[0].end_pfn << MKV_PAGE_SHIFT;
	uint64_t load = 0;
	if (p->phys_base_set) {
		m->phys_base = p->phys_base;
		load = m->phys_base + MKV_LOAD_PHYSICAL_ADDR + m->kaslr_offset;
	} else {
		uint64_t room = low_end > 768 * MIB ? 512 * MIB : low_end / 2;
		load = MKV_LOAD_PHYSICAL_ADDR + (mkv_model_rand(m) % (room / MKV_SIZE_2M)) * MKV_SIZE_2M;
		/* phys_base = load - (_text - __START_KERNEL_map); may wrap like the kernel's */
		m->phys_base = load - MKV_LOAD_PHYSICAL_ADDR - m->kaslr_offset;
	}
	if (load < MKV_LOAD_PHYSICAL_ADDR || load + IMG_SIZE + 64 * MIB > low_end) {
		set_err(m, "kernel image at 0x%llx does not fit node 0's low memory",
			(unsigned long long)load);
		return -1;
	}
	m->text_paddr = load;
	m->text_vaddr = MKV_START_KERNEL_MAP + MKV_LOAD_PHYSICAL_ADDR + m->kaslr_offset;
	/* boot allocations on node 0 go after the image */
	struct mkv_node *n0 = &m->nodes[0];
	uint64_t after = PFN(load + IMG_SIZE);
	if (n0->alloc_pfn < after)
		n0->alloc_pfn = after;

	if (add_symbol(m, "_text", m->text_vaddr) || add_symbol(m, "_stext", m->text_vaddr) ||
	    add_symbol(m, "_end", m->text_vaddr + IMG_SIZE))
		return -1;
	for (size_t i = 0; i < sizeof(data_symbols) / sizeof(data_symbols[0]); i++)
		if (add_symbol(m, data_symbols[i].name,
			       m->text_vaddr + IMG_DATA + data_symbols[i].offset))
			return -1;
	/* swapper_pg_dir is init_top_pgt on x86_64 */
	return add_symbol(m, "swapper_pg_dir", mkv_model_symbol(m, "init_top_pgt"));
}

static uint64_t sym_paddr(const struct mkv_model *m, const char *name)
{
	return mkv_model_image_to_paddr(m, mkv_model_symbol(m, name));
}

/* Kernel image tables as head_64.S sets them, with 2 MiB leaves (cleanup_highmap'd). */
static int map_kernel_image(struct mkv_model *m)
{
	uint64_t root = sym_paddr(m, "init_top_pgt");
	uint64_t l4 = sym_paddr(m, "level4_kernel_pgt");
	uint64_t l3 = sym_paddr(m, "level3_kernel_pgt");
	uint64_t l2 = sym_paddr(m, "level2_kernel_pgt");
	uint64_t v = MKV_START_KERNEL_MAP;
	int err = 0;

	mkv_pgt_init(&m->pgt, m->mem, m->params.levels, root, pgt_alloc, m);
	err |= mkv_phys_touch(m->mem, PFN(root));
	if (m->params.levels == 5) {
		err |= mkv_phys_write64(m->mem, root + ((v >> 48) & 511) * 8, l4 | MKV_PAGE_TABLE);
		err |= mkv_phys_write64(m->mem, l4 + ((v >> 39) & 511) * 8, l3 | MKV_PAGE_TABLE);
	} else {
		err |= mkv_phys_write64(m->mem, root + ((v >> 39) & 511) * 8, l3 | MKV_PAGE_TABLE);
	}
	err |= mkv_phys_write64(m->mem, l3 + ((v >> 30) & 511) * 8, l2 | MKV_KERNPG_TABLE);
	if (err)
		return -1;
	for (uint64_t off = 0; off < IMG_SIZE; off += MKV_SIZE_2M) {
		uint64_t flags = off < IMG_TEXT_SIZE ? (MKV_PAGE_KERNEL_ROX | MKV_PTE_PS)
			       : off < IMG_DATA ? (MKV_PAGE_KERNEL_RO | MKV_PTE_PS)
			       : MKV_PAGE_KERNEL_LARGE;
		if (mkv_pgt_map(&m->pgt, m->text_vaddr + off, m->text_paddr + off, MKV_SIZE_2M,
				flags, MKV_KERNPG_TABLE, 0)) {
			set_err(m, "cannot map the kernel image");
			return -1;
		}
	}
	return 0;
}

/* Direct map of all RAM with the largest leaves that fit. */
static int map_direct(struct mkv_model *m)
{
	for (unsigned i = 0; i < m->nr_nodes; i++) {
		struct mkv_node *n = &m->nodes[i];
		for (int r = 0; r < n->nr_ram; r++) {
			uint64_t pa = n->ram[r].start_pfn << MKV_PAGE_SHIFT;
			uint64_t end = n->ram[r].end_pfn << MKV_PAGE_SHIFT;
			/* the first page is mapped too: the kernel maps from 0 */
			pa &= ~(MKV_SIZE_2M - 1);
			while (pa < end) {
				uint64_t sz = !(pa & (MKV_SIZE_1G - 1)) && pa + MKV_SIZE_1G <= end
					      ? MKV_SIZE_1G
					      : !(pa & (MKV_SIZE_2M - 1)) && pa + MKV_SIZE_2M <= end
					      ? MKV_SIZE_2M : MKV_SIZE_4K;
				if (mkv_pgt_map(&m->pgt, m->page_offset + pa, pa, sz,
						MKV_PAGE_KERNEL_LARGE, MKV_PAGE_TABLE, n->id)) {
					if (!m->errbuf[0])
						set_err(m, "cannot map the direct map at 0x%llx",
							(unsigned long long)pa);
					return -1;
				}
				pa += sz;
			}
		}
	}
	return 0;
}

static int write_str(struct mkv_model *m, uint64_t paddr, const char *s, size_t max)
{
	size_t len = strlen(s);
	return mkv_phys_write(m->mem, paddr, s, len < max ? len + 1 : max);
}

static const char *const zone_names[MKV_MAX_NR_ZONES] = { "DMA", "DMA32", "Normal", "Movable",
							   "Device" };

/* Zone names live in rodata, like the kernel's zone_names[] strings. */
static uint64_t zone_name_vaddr(const struct mkv_model *m, int z)
{
	return m->text_vaddr + IMG_TEXT_SIZE + 0x1000 + (uint64_t)z * 16;
}

static int write_globals(struct mkv_model *m)
{
	const struct mkv_layout *lay = m->lay;
	int err = 0;
	/* init_uts_ns.name */
	uint64_t uts = sym_paddr(m, "init_uts_ns");
	err |= write_str(m, uts + 0, "Linux", 65);
	err |= write_str(m, uts + 65, "mkvmcore", 65);
	err |= write_str(m, uts + 130, lay->osrelease, 65);
	err |= write_str(m, uts + 195, "#1 SMP PREEMPT_DYNAMIC Debian (mkvmcore)", 65);
	err |= write_str(m, uts + 260, "x86_64", 65);
	err |= write_str(m, uts + 325, "(none)", 65);
	for (int z = 0; z < MKV_MAX_NR_ZONES; z++)
		err |= write_str(m, mkv_model_image_to_paddr(m, zone_name_vaddr(m, z)),
				 zone_names[z], 16);
	err |= mkv_phys_write64(m->mem, sym_paddr(m, "vmemmap_base"), m->vmemmap_base);
	err |= mkv_phys_write64(m->mem, sym_paddr(m, "page_offset_base"), m->page_offset);
	err |= mkv_phys_write64(m->mem, sym_paddr(m, "vmalloc_base"), m->vmalloc_base);
	err |= mkv_phys_write64(m->mem, sym_paddr(m, "phys_base"), m->phys_base);
	/* node_online_map and node_data[] */
	uint64_t online = sym_paddr(m, "node_online_map");
	uint64_t nd = sym_paddr(m, "node_data");
	for (unsigned i = 0; i < m->nr_nodes; i++) {
		uint64_t word = online + (i / 64) * 8;
		uint64_t v = mkv_phys_read64(m->mem, word) | (UINT64_C(1) << (i % 64));
		err |= mkv_phys_write64(m->mem, word, v);
		err |= mkv_phys_write64(m->mem, nd + i * 8,
					mkv_model_paddr_to_direct(m, m->nodes[i].pgdat_paddr));
	}
	/* the rest of node_data[] is zeros that the dump must still contain */
	for (uint64_t a = nd; a < nd + MKV_MAX_NUMNODES * 8; a += MKV_PAGE_SIZE)
		err |= mkv_phys_touch(m->mem, PFN(a));
	return err ? -1 : 0;
}

/* pglist_data and its zones, allocated on their node. */
static int write_pgdats(struct mkv_model *m)
{
	const struct mkv_layout *lay = m->lay;
	uint64_t nr = (lay->size_pglist_data + MKV_PAGE_SIZE - 1) >> MKV_PAGE_SHIFT;
	for (unsigned i = 0; i < m->nr_nodes; i++) {
		struct mkv_node *n = &m->nodes[i];
		uint64_t pfn = mkv_model_alloc_pages(m, n->id, nr, 1);
		if (!pfn)
			return -1;
		for (uint64_t k = 0; k < nr; k++)
			if (mkv_phys_touch(m->mem, pfn + k))
				return -1;
		n->pgdat_paddr = pfn << MKV_PAGE_SHIFT;
	}
	for (unsigned i = 0; i < m->nr_nodes; i++) {
		struct mkv_node *n = &m->nodes[i];
		uint64_t pg = n->pgdat_paddr;
		uint64_t present = 0;
		int nr_zones = 0;
		int err = 0;
		for (int z = 0; z < MKV_MAX_NR_ZONES; z++) {
			struct mkv_zone *zone = &n->zones[z];
			uint64_t za = pg + lay->pgdat_node_zones + (uint64_t)z * lay->size_zone;
			present += zone->present_pages;
			if (zone->spanned_pages)
				nr_zones = z + 1;
			err |= mkv_phys_write32(m->mem, za + lay->zone_node, (uint32_t)n->id);
			err |= mkv_phys_write64(m->mem, za + lay->zone_pgdat,
						mkv_model_paddr_to_direct(m, pg));
			err |= mkv_phys_write64(m->mem, za + lay->zone_start_pfn, zone->start_pfn);
			err |= mkv_phys_write64(m->mem, za + lay->zone_spanned_pages, zone->spanned_pages);
			err |= mkv_phys_write64(m->mem, za + lay->zone_present_pages, zone->present_pages);
			err |= mkv_phys_write64(m->mem, za + lay->zone_managed_pages, zone->present_pages);
			err |= mkv_phys_write64(m->mem, za + lay->zone_name, zone_name_vaddr(m, z));
			/* empty free lists point to themselves */
			for (int o = 0; o < MKV_NR_PAGE_ORDERS; o++) {
				for (int t = 0; t < lay->migrate_types; t++) {
					uint64_t l = za + lay->zone_free_area +
						     (uint64_t)o * lay->size_free_area + (uint64_t)t * 16;
					uint64_t lv = mkv_model_paddr_to_direct(m, l);
					err |= mkv_phys_write64(m->mem, l, lv);
					err |= mkv_phys_write64(m->mem, l + 8, lv);
				}
			}
		}
		err |= mkv_phys_write32(m->mem, pg + lay->pgdat_nr_zones, (uint32_t)nr_zones);
		err |= mkv_phys_write64(m->mem, pg + lay->pgdat_node_start_pfn, n->start_pfn);
		err |= mkv_phys_write64(m->mem, pg + lay->pgdat_node_present_pages, present);
		err |= mkv_phys_write64(m->mem, pg + lay->pgdat_node_spanned_pages,
					n->end_pfn - n->start_pfn);
		err |= mkv_phys_write32(m->mem, pg + lay->pgdat_node_id, (uint32_t)n->id);
		if (err)
			return -1;
	}
	return 0;
}

/*
 * SPARSEMEM_EXTREME: mem_section points to NR_SECTION_ROOTS pointers, each
 * to a page of 128 struct mem_section; section_mem_map holds the encoded
 * memmap (vmemmap base, as pfn_to_page(section start) - section start) and flags.
 */
#define SECTION_MARKED_PRESENT 0x1
#define SECTION_HAS_MEM_MAP 0x2
#define SECTION_IS_ONLINE 0x4
#define SECTION_IS_EARLY 0x8

static int write_mem_sections(struct mkv_model *m)
{
	uint64_t nr_sections = UINT64_C(1) << (m->max_physmem_bits - MKV_SECTION_SIZE_BITS);
	m->nr_section_roots = nr_sections / SECTIONS_PER_ROOT;
	uint64_t root_pages = (m->nr_section_roots * 8 + MKV_PAGE_SIZE - 1) >> MKV_PAGE_SHIFT;
	uint64_t root = mkv_model_alloc_pages(m, 0, root_pages, 1);
	if (!root)
		return -1;
	for (uint64_t k = 0; k < root_pages; k++)
		if (mkv_phys_touch(m->mem, root + k))
			return -1;
	m->mem_section_root_paddr = root << MKV_PAGE_SHIFT;
	if (mkv_phys_write64(m->mem, sym_paddr(m, "mem_section"),
			     mkv_model_paddr_to_direct(m, m->mem_section_root_paddr)))
		return -1;
	for (unsigned i = 0; i < m->nr_nodes; i++) {
		struct mkv_node *n = &m->nodes[i];
		for (int r = 0; r < n->nr_ram; r++) {
			uint64_t s0 = n->ram[r].start_pfn / MKV_PAGES_PER_SECTION;
			uint64_t s1 = (n->ram[r].end_pfn + MKV_PAGES_PER_SECTION - 1) /
				      MKV_PAGES_PER_SECTION;
			for (uint64_t s = s0; s < s1; s++) {
				uint64_t rp = m->mem_section_root_paddr + (s / SECTIONS_PER_ROOT) * 8;
				uint64_t rv = mkv_phys_read64(m->mem, rp);
				if (!rv) {
					uint64_t pfn = mkv_model_alloc_pages(m, n->id, 1, 1);
					if (!pfn || mkv_phys_touch(m->mem, pfn))
						return -1;
					rv = mkv_model_paddr_to_direct(m, pfn << MKV_PAGE_SHIFT);
					if (mkv_phys_write64(m->mem, rp, rv))
						return -1;
				}
				uint64_t ms = rv - m->page_offset + (s % SECTIONS_PER_ROOT) * 32;
				uint64_t coded = m->vmemmap_base | SECTION_MARKED_PRESENT |
						 SECTION_HAS_MEM_MAP | SECTION_IS_ONLINE | SECTION_IS_EARLY;
				if (mkv_phys_write64(m->mem, ms, coded))
					return -1;
			}
		}
	}
	return 0;
}

int mkv_model_build(struct mkv_model *m, const struct mkv_params *params)
{
	memset(m, 0, sizeof(*m));
	m->params = *params;
	m->lay = mkv_layout_get(params->gen);
	m->rng = params->seed;
	if (mkv_params_check(params, m->errbuf, sizeof(m->errbuf)))
		return -1;
	m->mem = mkv_phys_new();
	if (!m->mem)
		goto nomem;
	if (params->levels == 5) {
		m->page_offset = UINT64_C(0xff11000000000000);
		m->vmemmap_base = UINT64_C(0xffd4000000000000);
		m->vmalloc_base = UINT64_C(0xffa0000000000000);
		m->max_physmem_bits = 52;
	} else {
		m->page_offset = UINT64_C(0xffff888000000000);
		m->vmemmap_base = UINT64_C(0xffffea0000000000);
		m->vmalloc_base = UINT64_C(0xffffc90000000000);
		m->max_physmem_bits = 46;
	}
	/* memmap-misaligned: a vmemmap base only 2 MiB aligned breaks the tail masks of
	 * folios above order 15 (the kernel warns but keeps going) */
	if (params->faults & (UINT32_C(1) << MKV_FAULT_MEMMAP_MISALIGNED))
		m->vmemmap_base += MKV_SIZE_2M;
	for (int i = 0; i < 3; i++)
		m->build_id[i] = mkv_model_rand(m);
	if (layout_nodes(m))
		goto nomem;
	if (layout_kernel(m) || map_kernel_image(m) || write_pgdats(m) || write_globals(m) ||
	    map_direct(m) || write_mem_sections(m))
		goto fail;
	if (mkv_memmap_build(m) || mkv_faults_apply(m))
		goto fail;
	if (mkv_vmcoreinfo_build(m))
		goto fail;
	return 0;
nomem:
	set_err(m, "out of memory");
fail:
	if (!m->errbuf[0])
		set_err(m, "out of memory");
	return -1;
}

void mkv_model_free(struct mkv_model *m)
{
	mkv_phys_free(m->mem);
	free(m->syms);
	free(m->nodes);
	free(m->folios);
	free(m->faults);
	free(m->vmcoreinfo);
	memset(m, 0, sizeof(*m));
}
