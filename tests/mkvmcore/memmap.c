/*
 * memmap: huge page placement, vmemmap population, struct pages for all
 * present memory, HVO (boot-time vmemmap_populate_hvo and runtime PMD split
 * + remap), shared tail pages, hstates, free lists and the kernel's memmap
 * counters.  Faults are applied afterwards by faults.c.
 */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BUDDY_ORDER 10
#define MIGRATE_MOVABLE 1
#define SECTION_IS_VMEMMAP_PREINIT 0x20
#define PAGES_PER_PMD_OF_VMEMMAP 32768	/* 2 MiB of vmemmap describes 128 MiB */
#define SP_PER_PAGE (MKV_PAGE_SIZE / MKV_STRUCT_PAGE_SIZE)

struct vec {
	uint64_t *v;
	size_t n, cap;
};

static int vec_push(struct vec *v, uint64_t x)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		uint64_t *n = realloc(v->v, cap * sizeof(*n));
		if (!n)
			return -1;
		v->v = n;
		v->cap = cap;
	}
	v->v[v->n++] = x;
	return 0;
}

/* RESERVED: memblock (PG_reserved); FREED: back in the buddy allocator;
 * ALLOCATED: taken from the buddy allocator at run time (HVO head and tail pages). */
enum ext_kind { EXT_FOLIO, EXT_RESERVED, EXT_FREED, EXT_ALLOCATED };

struct extent {
	uint64_t start, end;
	enum ext_kind kind;
	size_t folio;
};

struct ctx {
	struct mkv_model *m;
	struct vec freed;		/* vmemmap frames HVO gave back to the buddy allocator */
	struct vec singles;		/* freed and run-time allocated frames: pfn << 2 | kind */
	struct vec *buddy;		/* [node][zone][order]: head vaddrs of free blocks */
	struct vec hp_free[2][64];	/* [hstate][node]: free hugetlb folio heads */
	struct vec hp_active[2];
	uint64_t *orig_head_frame;	/* per folio: runtime HVO, the original first frame */
};

static struct vec *buddy_list(struct ctx *c, int node, int zone, int order)
{
	return &c->buddy[((size_t)node * MKV_MAX_NR_ZONES + (size_t)zone) * MKV_NR_PAGE_ORDERS +
			 (size_t)order];
}

static int hstate_of(unsigned order)
{
	return order == 18 ? 1 : 0;
}

/* ---- placement ---------------------------------------------------------- */

static int in_one_ram_range(const struct mkv_node *n, uint64_t pfn, uint64_t nr)
{
	for (int r = 0; r < n->nr_ram; r++)
		if (pfn >= n->ram[r].start_pfn && pfn + nr <= n->ram[r].end_pfn)
			return 1;
	return 0;
}

static uint64_t nr_present_sections(const struct mkv_node *n)
{
	uint64_t s = 0;
	for (int r = 0; r < n->nr_ram; r++)
		s += (n->ram[r].end_pfn + MKV_PAGES_PER_SECTION - 1) / MKV_PAGES_PER_SECTION -
		     n->ram[r].start_pfn / MKV_PAGES_PER_SECTION;
	return s;
}

static int add_folio(struct mkv_model *m, const struct mkv_folio *f)
{
	if (m->nr_folios == m->cap_folios) {
		size_t cap = m->cap_folios ? m->cap_folios * 2 : 256;
		struct mkv_folio *n = realloc(m->folios, cap * sizeof(*n));
		if (!n)
			return -1;
		m->folios = n;
		m->cap_folios = cap;
	}
	m->folios[m->nr_folios++] = *f;
	return 0;
}

/* Take an aligned block from the top of the node, inside one RAM range and one zone. */
static int place(struct mkv_model *m, struct mkv_node *n, unsigned order, uint64_t floor_pfn,
		 uint64_t *pfn_ret)
{
	uint64_t size = UINT64_C(1) << order;
	uint64_t top = n->top_pfn;
	while (top >= size) {
		uint64_t p = (top - size) & ~(size - 1);
		if (p < floor_pfn)
			break;
		int z = mkv_model_zone_of(m, n->id, p);
		if (z >= 0 && z == mkv_model_zone_of(m, n->id, p + size - 1) &&
		    in_one_ram_range(n, p, size)) {
			n->top_pfn = p;
			*pfn_ret = p;
			return 0;
		}
		top = p;
	}
	snprintf(m->errbuf, sizeof(m->errbuf),
		 "node %d: no room for another order-%u folio (mem_per_node too small)", n->id, order);
	return -1;
}

static int cmp_folio(const void *a, const void *b)
{
	const struct mkv_folio *x = a, *y = b;
	return x->head_pfn < y->head_pfn ? -1 : x->head_pfn > y->head_pfn;
}

static int plan_folios(struct mkv_model *m)
{
	const struct mkv_params *p = &m->params;
	bool pre_hvo = m->lay->compound_mask;	/* vmemmap_populate_hvo exists (7.x, v3) */
	for (unsigned i = 0; i < m->nr_nodes; i++) {
		struct mkv_node *n = &m->nodes[i];
		uint64_t sections = nr_present_sections(n);
		/* boot memory still needed below the folios: memmap, tables, HVO pages */
		uint64_t slack = 8192 + sections * 2 + 4 * (uint64_t)(p->hp2m_boot + p->hp2m_runtime) +
				 16 * (uint64_t)(p->hp1g_boot + p->hp1g_runtime);
		uint64_t preinit_sections = 0;
		struct {
			unsigned count, order, in_use, no_hvo, first;
			enum mkv_folio_kind kind;
			bool boot;
		} plan[] = {
			{ p->hp1g_boot, 18, 0, 0, 0, MKV_FOLIO_HUGETLB, true },
			{ p->hp1g_runtime, 18, 0, 0, p->hp1g_boot, MKV_FOLIO_HUGETLB, false },
			{ p->hp2m_boot, 9, 0, 0, 0, MKV_FOLIO_HUGETLB, true },
			{ p->hp2m_runtime, 9, 0, 0, p->hp2m_boot, MKV_FOLIO_HUGETLB, false },
			{ p->thp_per_node, 9, 0, 0, 0, MKV_FOLIO_THP, false },
			{ p->compound_per_node, 3, 0, 0, 0, MKV_FOLIO_COMPOUND, false },
		};
		for (unsigned k = 0; k < sizeof(plan) / sizeof(plan[0]); k++) {
			unsigned total = plan[k].order == 18 ? p->hp1g_boot + p->hp1g_runtime
							     : p->hp2m_boot + p->hp2m_runtime;
			unsigned in_use = plan[k].order == 18 ? p->hp1g_in_use : p->hp2m_in_use;
			unsigned no_hvo = plan[k].order == 18 ? p->hp1g_no_hvo : p->hp2m_no_hvo;
			for (unsigned j = 0; j < plan[k].count; j++) {
				struct mkv_folio f = { 0 };
				unsigned idx = plan[k].first + j;	/* among folios of this size */
				f.order = (uint8_t)plan[k].order;
				f.kind = (uint8_t)plan[k].kind;
				f.node = (uint16_t)n->id;
				f.boot = plan[k].boot;
				if (plan[k].kind == MKV_FOLIO_HUGETLB) {
					f.in_use = idx < in_use;
					f.hvo = p->hvo && idx < total - no_hvo;
				} else {
					f.in_use = true;
				}
				bool preinit = pre_hvo && f.hvo && f.boot && f.order == 18;
				if (preinit)
					preinit_sections += 8;
				uint64_t memmap = sections > preinit_sections
						  ? (sections - preinit_sections) * 512 : 0;
				if (place(m, n, f.order, n->alloc_pfn + slack + memmap, &f.head_pfn))
					return -1;
				f.zone = (uint8_t)mkv_model_zone_of(m, n->id, f.head_pfn);
				if (add_folio(m, &f))
					return -1;
			}
		}
	}
	if (m->nr_folios)
		qsort(m->folios, m->nr_folios, sizeof(*m->folios), cmp_folio);
	return 0;
}

/* The folio containing pfn, or NULL. */
static struct mkv_folio *folio_at(struct mkv_model *m, uint64_t pfn)
{
	size_t lo = 0, hi = m->nr_folios;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->folios[mid].head_pfn <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	struct mkv_folio *f = &m->folios[lo - 1];
	return pfn < f->head_pfn + (UINT64_C(1) << f->order) ? f : NULL;
}

static bool is_preinit(const struct mkv_model *m, const struct mkv_folio *f)
{
	return m->lay->compound_mask && f->kind == MKV_FOLIO_HUGETLB && f->hvo && f->boot &&
	       f->order == 18;
}

/* ---- vmemmap population ------------------------------------------------- */

static int populate_sections(struct mkv_model *m)
{
	for (unsigned i = 0; i < m->nr_nodes; i++) {
		struct mkv_node *n = &m->nodes[i];
		for (int r = 0; r < n->nr_ram; r++) {
			uint64_t s0 = n->ram[r].start_pfn / MKV_PAGES_PER_SECTION;
			uint64_t s1 = (n->ram[r].end_pfn + MKV_PAGES_PER_SECTION - 1) /
				      MKV_PAGES_PER_SECTION;
			for (uint64_t s = s0; s < s1; s++) {
				struct mkv_folio *f = folio_at(m, s * MKV_PAGES_PER_SECTION);
				if (f && is_preinit(m, f))
					continue;	/* sparse_init skips preinited sections */
				uint64_t vaddr = mkv_model_pfn_to_vmemmap(m, s * MKV_PAGES_PER_SECTION);
				uint64_t pfn = mkv_model_alloc_pages(m, n->id, 512, 512);
				if (!pfn)
					return -1;
				if (mkv_pgt_map(&m->pgt, vaddr, pfn << MKV_PAGE_SHIFT, MKV_SIZE_2M,
						MKV_PAGE_KERNEL_LARGE, MKV_PAGE_TABLE, n->id))
					return -1;
				m->nr_memmap_boot_pages += 512;
			}
		}
	}
	return 0;
}

/*
 * The shared tail frame for (node, zone, order), allocated on first use:
 * from memblock at boot (@runtime NULL), else from the buddy allocator,
 * recorded in @runtime.
 */
static uint64_t get_tail(struct mkv_model *m, int node, int zone, unsigned order,
			 struct vec *runtime)
{
	unsigned idx = order - MKV_VMEMMAP_TAIL_MIN_ORDER;
	uint64_t *slot = m->lay->tails_per_zone ? &m->nodes[node].zones[zone].tails_pfn[idx]
						: &m->nodes[node].tails_pfn[idx];
	if (!*slot) {
		uint64_t pfn = mkv_model_alloc_pages(m, node, 1, 1);
		if (!pfn || mkv_phys_touch(m->mem, pfn) ||
		    (runtime && vec_push(runtime, pfn << 2 | EXT_ALLOCATED)))
			return 0;
		*slot = pfn;
	}
	if (m->lay->tails_per_zone)
		m->nodes[node].zones[zone].tails_used[idx]++;
	else
		m->nodes[node].tails_used[idx]++;
	return *slot;
}

/* vmemmap_populate_hvo(): head page RW, every other PTE to the shared tail, wrprotected. */
static int populate_hvo(struct mkv_model *m, struct mkv_folio *f)
{
	uint64_t tail = get_tail(m, f->node, f->zone, f->order, NULL);
	uint64_t head = mkv_model_alloc_pages(m, f->node, 1, 1);
	if (!tail || !head || mkv_phys_touch(m->mem, head))
		return -1;
	f->head_vmemmap_pfn = head;
	uint64_t nr_vpages = (UINT64_C(1) << f->order) / SP_PER_PAGE;
	uint64_t vstart = mkv_model_pfn_to_vmemmap(m, f->head_pfn);
	uint64_t table[512];
	for (uint64_t t = 0; t < nr_vpages / 512; t++) {
		for (unsigned i = 0; i < 512; i++) {
			uint64_t g = t * 512 + i;
			table[i] = g == 0 ? (head << MKV_PAGE_SHIFT) | MKV_PAGE_KERNEL
					  : (tail << MKV_PAGE_SHIFT) | (MKV_PAGE_KERNEL & ~MKV_PTE_RW);
		}
		uint64_t tpfn = mkv_model_alloc_pages(m, f->node, 1, 1);
		if (!tpfn || mkv_phys_put_page(m->mem, tpfn, table) ||
		    mkv_pgt_install_pte_table(&m->pgt, vstart + t * MKV_SIZE_2M, tpfn << MKV_PAGE_SHIFT,
					      MKV_PAGE_TABLE, f->node))
			return -1;
	}
	m->nr_memmap_boot_pages += 1;
	/* SECTION_IS_VMEMMAP_PREINIT on the folio's sections */
	for (uint64_t s = f->head_pfn / MKV_PAGES_PER_SECTION;
	     s < (f->head_pfn + (UINT64_C(1) << f->order)) / MKV_PAGES_PER_SECTION; s++) {
		uint64_t ms = mkv_model_mem_section_paddr(m, s);
		if (!ms || mkv_phys_write64(m->mem, ms, mkv_phys_read64(m->mem, ms) |
							 SECTION_IS_VMEMMAP_PREINIT))
			return -1;
	}
	return 0;
}

/* Runtime HVO, first half: allocations and accounting (the remap comes after the struct pages). */
static int plan_runtime_hvo(struct ctx *c, size_t fi)
{
	struct mkv_model *m = c->m;
	struct mkv_folio *f = &m->folios[fi];
	uint64_t nr_vpages = (UINT64_C(1) << f->order) / SP_PER_PAGE;
	uint64_t vstart = mkv_model_pfn_to_vmemmap(m, f->head_pfn);
	for (uint64_t k = 0; k < nr_vpages; k++) {
		struct mkv_pgt_walk w;
		if (mkv_pgt_walk(&m->pgt, vstart + k * MKV_PAGE_SIZE, &w))
			return -1;
		if (k == 0)
			c->orig_head_frame[fi] = w.paddr >> MKV_PAGE_SHIFT;
		if (vec_push(&c->freed, w.paddr >> MKV_PAGE_SHIFT) ||
		    vec_push(&c->singles, (w.paddr >> MKV_PAGE_SHIFT) << 2 | EXT_FREED))
			return -1;
		/* vmemmap_split_pmd(): same frames, now through a PTE table */
		if (w.leaf_size == MKV_SIZE_2M &&
		    mkv_pgt_split_pmd(&m->pgt, vstart + k * MKV_PAGE_SIZE, MKV_PAGE_KERNEL, f->node))
			return -1;
	}
	/* the new head page: alloc_pages_node() + copy_page() */
	uint64_t head = mkv_model_alloc_pages(m, f->node, 1, 1);
	if (!head || vec_push(&c->singles, head << 2 | EXT_ALLOCATED))
		return -1;
	f->head_vmemmap_pfn = head;
	if (m->lay->compound_mask && !get_tail(m, f->node, f->zone, f->order, &c->singles))
		return -1;
	/* memblock-allocated memmap pages are PageReserved: boot counter */
	m->nr_memmap_boot_pages -= (int64_t)nr_vpages;
	m->nr_memmap_pages += 1;
	return 0;
}

/* Runtime HVO, second half: split the PMDs, copy the head page, remap and free. */
static int apply_runtime_hvo(struct ctx *c, size_t fi)
{
	struct mkv_model *m = c->m;
	struct mkv_folio *f = &m->folios[fi];
	uint64_t nr_vpages = (UINT64_C(1) << f->order) / SP_PER_PAGE;
	uint64_t vstart = mkv_model_pfn_to_vmemmap(m, f->head_pfn);
	const uint8_t *orig = mkv_phys_page(m->mem, c->orig_head_frame[fi]);
	if (!orig || mkv_phys_put_page(m->mem, f->head_vmemmap_pfn, orig))
		return -1;
	uint64_t tail = f->head_vmemmap_pfn;
	if (m->lay->compound_mask) {
		unsigned idx = f->order - MKV_VMEMMAP_TAIL_MIN_ORDER;
		tail = m->lay->tails_per_zone ? m->nodes[f->node].zones[f->zone].tails_pfn[idx]
					      : m->nodes[f->node].tails_pfn[idx];
	}
	for (uint64_t k = 0; k < nr_vpages; k++) {
		uint64_t v = vstart + k * MKV_PAGE_SIZE;
		uint64_t e = k == 0 ? (f->head_vmemmap_pfn << MKV_PAGE_SHIFT) | MKV_PAGE_KERNEL
				    : (tail << MKV_PAGE_SHIFT) | MKV_PAGE_KERNEL_RO;
		if (mkv_pgt_set_pte(&m->pgt, v, e))
			return -1;
	}
	return 0;
}

/* ---- struct pages ------------------------------------------------------- */

struct sp {
	uint64_t flags, w8, w16, mapping, index, private_;
	uint32_t mapcount, refcount;
	uint64_t w56;
};

static void sp_put(uint8_t *dst, const struct sp *s)
{
	memcpy(dst + 0, &s->flags, 8);
	memcpy(dst + 8, &s->w8, 8);
	memcpy(dst + 16, &s->w16, 8);
	memcpy(dst + 24, &s->mapping, 8);
	memcpy(dst + 32, &s->index, 8);
	memcpy(dst + 40, &s->private_, 8);
	memcpy(dst + 48, &s->mapcount, 4);
	memcpy(dst + 52, &s->refcount, 4);
	memcpy(dst + 56, &s->w56, 8);
}

static uint64_t nz_flags(int node, int zone)
{
	return ((uint64_t)node << MKV_NODES_PGSHIFT) | ((uint64_t)zone << MKV_ZONES_PGSHIFT);
}

static uint64_t tail_info(const struct mkv_model *m, uint64_t head_vaddr, unsigned order)
{
	if (!m->lay->compound_mask)
		return head_vaddr | 1;
	return (~UINT64_C(0) << (order + 6)) | 1;
}

/* Struct page i of a compound folio, as prep_compound_page/hugetlb set it. */
static void folio_sp(const struct mkv_model *m, const struct mkv_folio *f, uint64_t i, struct sp *s)
{
	const struct mkv_layout *lay = m->lay;
	uint64_t head_vaddr = mkv_model_pfn_to_vmemmap(m, f->head_pfn);
	memset(s, 0, sizeof(*s));
	s->flags = nz_flags(f->node, f->zone);
	s->mapcount = UINT32_MAX;
	if (i == 0) {
		s->flags |= UINT64_C(1) << MKV_PG_HEAD;
		if (f->kind == MKV_FOLIO_HUGETLB) {
			s->mapcount = MKV_PGTY_HUGETLB << 24;
			s->refcount = f->in_use;
			s->private_ = f->in_use ? UINT64_C(1) << MKV_HPG_MIGRATABLE
						: UINT64_C(1) << MKV_HPG_FREED;
			if (f->hvo)
				s->private_ |= UINT64_C(1) << m->params.hpg_vmemmap_optimized;
		} else if (f->kind == MKV_FOLIO_THP) {
			s->flags |= (UINT64_C(1) << 5) | (UINT64_C(1) << 17);	/* lru, swapbacked */
			s->refcount = 1;
			/* anon_vma | PAGE_MAPPING_ANON: a direct-map address on the node */
			s->mapping = m->page_offset + (m->nodes[f->node].pgdat_paddr + 0x100) + 1;
			s->index = f->head_pfn;
		} else {
			s->mapcount = MKV_PGTY_SLAB << 24;
			s->refcount = 1;
		}
		/* lru: empty list until the lists are linked */
		s->w8 = head_vaddr + 8;
		s->w16 = head_vaddr + 8;
		return;
	}
	s->w8 = tail_info(m, head_vaddr, f->order);
	if (i >= lay->first_tail_mapping)
		s->mapping = MKV_TAIL_MAPPING;
	if (i == 1) {
		s->flags |= f->order;	/* folio->_flags_1 low byte: the order */
		uint8_t raw[MKV_STRUCT_PAGE_SIZE];
		sp_put(raw, s);
		int32_t minus1 = -1, zero = 0;
		uint32_t nr = 1u << f->order;
		memcpy(raw + lay->folio_large_mapcount, f->kind == MKV_FOLIO_THP ? &zero : &minus1, 4);
		memcpy(raw + lay->folio_entire_mapcount, f->kind == MKV_FOLIO_THP ? &zero : &minus1, 4);
		memcpy(raw + lay->folio_nr_pages_mapped, &zero, 4);
		memcpy(raw + lay->folio_pincount, &zero, 4);
		memcpy(raw + lay->folio_nr_pages, &nr, 4);
		if (lay->gen != MKV_GEN_LEGACY) {
			/* CONFIG_MM_ID: _mm_id_mapcount[0..1] = -1, _mm_ids = 0 */
			memcpy(raw + 32, &minus1, 4);
			memcpy(raw + 36, &minus1, 4);
		}
		memcpy(&s->w16, raw + 16, 8);
		memcpy(&s->mapping, raw + 24, 8);
		memcpy(&s->index, raw + 32, 8);
		memcpy(&s->w56, raw + 56, 8);
	} else if (i == 2 && f->order > 1 &&
		   (lay->gen != MKV_GEN_LEGACY || f->kind != MKV_FOLIO_HUGETLB)) {
		/*
		 * prep_compound_head(): INIT_LIST_HEAD(&folio->_deferred_list), in the
		 * third struct page at +16.  In 6.12 hugetlb's subpool/cgroup
		 * pointers share those words and are NULL.
		 */
		uint64_t self = head_vaddr + 2 * MKV_STRUCT_PAGE_SIZE + 16;
		s->w16 = self;
		s->mapping = self;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_extent(const void *a, const void *b)
{
	const struct extent *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Reserved ranges, folios and freed vmemmap frames of one node, sorted, disjoint. */
static int node_extents(struct ctx *c, struct mkv_node *n, struct extent **ret, size_t *nr_ret)
{
	struct mkv_model *m = c->m;
	size_t cap = 16 + m->nr_folios + c->singles.n * 2, nr = 0;
	struct extent *e = malloc(cap * sizeof(*e));
	if (!e)
		return -1;
	uint64_t rs = n->id == 0 ? (m->text_paddr >> MKV_PAGE_SHIFT) : n->start_pfn + (64 << 8);
	if (n->id == 0)
		e[nr++] = (struct extent){ 1, 256, EXT_RESERVED, 0 };	/* BIOS, real mode */
	/* the image (node 0) and the boot allocations, minus the single frames */
	uint64_t cur = rs;
	for (size_t i = 0; i < c->singles.n; i++) {
		uint64_t p = c->singles.v[i] >> 2;
		if (p < rs || p >= n->alloc_pfn)
			continue;
		if (p > cur)
			e[nr++] = (struct extent){ cur, p, EXT_RESERVED, 0 };
		e[nr++] = (struct extent){ p, p + 1, (enum ext_kind)(c->singles.v[i] & 3), 0 };
		cur = p + 1;
	}
	if (cur < n->alloc_pfn)
		e[nr++] = (struct extent){ cur, n->alloc_pfn, EXT_RESERVED, 0 };
	for (size_t i = 0; i < m->nr_folios; i++)
		if (m->folios[i].node == n->id)
			e[nr++] = (struct extent){ m->folios[i].head_pfn,
						   m->folios[i].head_pfn +
							   (UINT64_C(1) << m->folios[i].order),
						   EXT_FOLIO, i };
	qsort(e, nr, sizeof(*e), cmp_extent);
	*ret = e;
	*nr_ret = nr;
	return 0;
}

struct walker {
	struct extent *ext;
	size_t nr, cur;
	uint64_t buddy_end;	/* end of the current free block */
};

static int write_node_memmap(struct ctx *c, struct mkv_node *n)
{
	struct mkv_model *m = c->m;
	struct walker wk = { 0 };
	uint8_t page[MKV_PAGE_SIZE];
	int ret = -1;

	if (node_extents(c, n, &wk.ext, &wk.nr))
		return -1;
	for (int r = 0; r < n->nr_ram; r++) {
		uint64_t ram_lo = n->ram[r].start_pfn, ram_hi = n->ram[r].end_pfn;
		uint64_t p = ram_lo & ~(SP_PER_PAGE - 1);
		while (p < ram_hi) {
			/* skip what HVO maps elsewhere: only an HVO folio's first vmemmap page is its own */
			while (wk.cur < wk.nr && wk.ext[wk.cur].end <= p)
				wk.cur++;
			if (wk.cur < wk.nr && wk.ext[wk.cur].kind == EXT_FOLIO && p > wk.ext[wk.cur].start &&
			    m->folios[wk.ext[wk.cur].folio].hvo) {
				p = wk.ext[wk.cur].end;
				continue;
			}
			size_t scan = wk.cur;
			for (unsigned i = 0; i < SP_PER_PAGE; i++) {
				uint64_t pfn = p + i;
				struct sp s;
				while (scan < wk.nr && wk.ext[scan].end <= pfn)
					scan++;
				const struct extent *x = scan < wk.nr && wk.ext[scan].start <= pfn
							 ? &wk.ext[scan] : NULL;
				int zone = mkv_model_zone_of(m, n->id, pfn);
				if (zone < 0)
					zone = MKV_ZONE_DMA;
				memset(&s, 0, sizeof(s));
				s.flags = nz_flags(n->id, zone);
				s.mapcount = UINT32_MAX;
				if (pfn < ram_lo || pfn >= ram_hi) {
					/* init_unavailable_range(): reserved */
					s.flags |= UINT64_C(1) << MKV_PG_RESERVED;
					s.refcount = 1;
				} else if (x && x->kind == EXT_FOLIO) {
					folio_sp(m, &m->folios[x->folio], pfn - x->start, &s);
				} else if (x && x->kind == EXT_RESERVED) {
					s.flags |= UINT64_C(1) << MKV_PG_RESERVED;
					s.refcount = 1;
				} else if (x && x->kind == EXT_ALLOCATED) {
					s.refcount = 1;
				} else {
					/* free: a buddy block head, or inside one */
					unsigned order = 0;
					bool head = x && x->kind == EXT_FREED;
					if (!head && pfn >= wk.buddy_end) {
						uint64_t lim = ram_hi;
						if (scan < wk.nr && wk.ext[scan].start < lim)
							lim = wk.ext[scan].start;
						const struct mkv_zone *z = &n->zones[zone];
						if (z->start_pfn + z->spanned_pages < lim)
							lim = z->start_pfn + z->spanned_pages;
						while (order < MAX_BUDDY_ORDER &&
						       !(pfn & ((UINT64_C(2) << order) - 1)) &&
						       pfn + (UINT64_C(2) << order) <= lim)
							order++;
						wk.buddy_end = pfn + (UINT64_C(1) << order);
						head = true;
					}
					if (head) {
						uint64_t v = mkv_model_pfn_to_vmemmap(m, pfn);
						s.mapcount = MKV_PGTY_BUDDY << 24;
						s.private_ = order;
						s.w8 = v + 8;
						s.w16 = v + 8;
						if (vec_push(buddy_list(c, n->id, zone, (int)order), v))
							goto out;
					}
				}
				sp_put(page + i * MKV_STRUCT_PAGE_SIZE, &s);
			}
			struct mkv_pgt_walk w;
			if (mkv_pgt_walk(&m->pgt, mkv_model_pfn_to_vmemmap(m, p), &w)) {
				snprintf(m->errbuf, sizeof(m->errbuf), "no vmemmap for pfn 0x%llx",
					 (unsigned long long)p);
				goto out;
			}
			if (mkv_phys_put_page(m->mem, w.paddr >> MKV_PAGE_SHIFT, page))
				goto out;
			p += SP_PER_PAGE;
		}
	}
	ret = 0;
out:
	free(wk.ext);
	return ret;
}

/* ---- lists, shared tails, hstates, counters ----------------------------- */

/* Link the lru of each struct page in @v into the list at @head_vaddr. */
static int link_list(struct mkv_model *m, uint64_t head_vaddr, const struct vec *v)
{
	uint64_t prev = head_vaddr;
	int err = 0;
	for (size_t i = 0; i < v->n; i++) {
		uint64_t lru = v->v[i] + MKV_PAGE_LRU;
		err |= mkv_model_kwrite64(m, prev, lru);		/* prev->next */
		err |= mkv_model_kwrite64(m, lru + 8, prev);	/* lru.prev */
		prev = lru;
	}
	err |= mkv_model_kwrite64(m, prev, head_vaddr);
	err |= mkv_model_kwrite64(m, head_vaddr + 8, prev);
	return err ? -1 : 0;
}

static uint64_t zone_vaddr(const struct mkv_model *m, int node, int zone)
{
	return m->page_offset + m->nodes[node].pgdat_paddr + m->lay->pgdat_node_zones +
	       (uint64_t)zone * m->lay->size_zone;
}

static int write_free_lists(struct ctx *c)
{
	struct mkv_model *m = c->m;
	const struct mkv_layout *lay = m->lay;
	for (unsigned n = 0; n < m->nr_nodes; n++) {
		for (int z = 0; z < MKV_MAX_NR_ZONES; z++) {
			uint64_t nr_free = 0;
			for (int o = 0; o < MKV_NR_PAGE_ORDERS; o++) {
				struct vec *v = buddy_list(c, (int)n, z, o);
				uint64_t fa = zone_vaddr(m, (int)n, z) + lay->zone_free_area +
					      (uint64_t)o * lay->size_free_area;
				if (v->n && link_list(m, fa + MIGRATE_MOVABLE * 16, v))
					return -1;
				if (mkv_model_kwrite64(m, fa + (uint64_t)lay->migrate_types * 16, v->n))
					return -1;
				nr_free += v->n << o;
			}
			/* zone vm_stat[NR_FREE_PAGES] */
			if (mkv_model_kwrite64(m, zone_vaddr(m, (int)n, z) + lay->zone_vm_stat, nr_free))
				return -1;
		}
	}
	return 0;
}

/* Shared tail pages: init_compound_tail() (merged) or prep_compound_tail() (v3). */
static int write_tail_page(struct mkv_model *m, uint64_t pfn, int node, int zone, unsigned order)
{
	uint8_t page[MKV_PAGE_SIZE];
	struct sp s = { 0 };
	s.mapping = MKV_TAIL_MAPPING;
	s.w8 = (~UINT64_C(0) << (order + 6)) | 1;
	if (m->lay->tails_per_zone) {
		s.mapcount = UINT32_MAX;
		s.flags = nz_flags(node, zone);
	}
	for (unsigned i = 0; i < SP_PER_PAGE; i++)
		sp_put(page + i * MKV_STRUCT_PAGE_SIZE, &s);
	return mkv_phys_put_page(m->mem, pfn, page);
}

static int write_tails(struct mkv_model *m)
{
	const struct mkv_layout *lay = m->lay;
	for (unsigned n = 0; n < m->nr_nodes; n++) {
		struct mkv_node *node = &m->nodes[n];
		for (unsigned idx = 0; idx < MKV_NR_VMEMMAP_TAILS; idx++) {
			unsigned order = idx + MKV_VMEMMAP_TAIL_MIN_ORDER;
			if (lay->tails_per_node && node->tails_pfn[idx]) {
				if (write_tail_page(m, node->tails_pfn[idx], (int)n, 0, order) ||
				    mkv_phys_write64(m->mem, node->pgdat_paddr + lay->pgdat_vmemmap_tails +
								     idx * 8, node->tails_pfn[idx]))
					return -1;
			}
			for (int z = 0; lay->tails_per_zone && z < MKV_MAX_NR_ZONES; z++) {
				uint64_t pfn = node->zones[z].tails_pfn[idx];
				if (!pfn)
					continue;
				if (write_tail_page(m, pfn, (int)n, z, order) ||
				    mkv_model_kwrite64(m, zone_vaddr(m, (int)n, z) +
							      lay->zone_vmemmap_tails + idx * 8,
						       mkv_model_pfn_to_vmemmap(m, pfn)))
					return -1;
			}
		}
	}
	return 0;
}

static int write_hstates(struct ctx *c)
{
	struct mkv_model *m = c->m;
	const struct mkv_layout *lay = m->lay;
	uint64_t base = mkv_model_symbol(m, "hstates");
	static const unsigned orders[2] = { 9, 18 };
	static const char *const names[2] = { "hugepages-2048kB", "hugepages-1048576kB" };
	int err = 0;
	for (int h = 0; h < 2; h++) {
		uint64_t hs = base + (uint64_t)h * lay->size_hstate;
		uint64_t nr = 0, nr_free = 0;
		for (unsigned n = 0; n < m->nr_nodes; n++) {
			uint32_t nn = 0, nf = 0;
			for (size_t i = 0; i < m->nr_folios; i++) {
				const struct mkv_folio *f = &m->folios[i];
				if (f->kind != MKV_FOLIO_HUGETLB || f->node != n || f->order != orders[h])
					continue;
				nn++;
				nf += !f->in_use;
			}
			nr += nn;
			nr_free += nf;
			err |= mkv_model_kwrite32(m, hs + lay->hstate_nr_huge_pages_node + n * 4, nn);
			err |= mkv_model_kwrite32(m, hs + lay->hstate_free_huge_pages_node + n * 4, nf);
			err |= mkv_model_kwrite32(m, hs + lay->hstate_max_huge_pages_node + n * 4, nn);
		}
		err |= mkv_model_kwrite32(m, hs + lay->hstate_order, orders[h]);
		err |= mkv_model_kwrite64(m, hs + lay->hstate_mask,
					  ~((UINT64_C(1) << (orders[h] + MKV_PAGE_SHIFT)) - 1));
		err |= mkv_model_kwrite64(m, hs + lay->hstate_max_huge_pages, nr);
		err |= mkv_model_kwrite64(m, hs + lay->hstate_nr_huge_pages, nr);
		err |= mkv_model_kwrite64(m, hs + lay->hstate_free_huge_pages, nr_free);
		for (size_t k = 0; k < strlen(names[h]) + 1; k += 8) {
			uint64_t w = 0;
			memcpy(&w, names[h] + k, strlen(names[h]) + 1 - k < 8 ? strlen(names[h]) + 1 - k : 8);
			err |= mkv_model_kwrite64(m, hs + lay->hstate_name + k, w);
		}
		err |= link_list(m, hs + lay->hstate_activelist, &c->hp_active[h]);
		for (unsigned n = 0; n < MKV_MAX_NUMNODES; n++) {
			uint64_t l = hs + lay->hstate_freelists + (uint64_t)n * 16;
			if (n < m->nr_nodes)
				err |= link_list(m, l, &c->hp_free[h][n]);
			else
				err |= mkv_model_kwrite64(m, l, l) | mkv_model_kwrite64(m, l + 8, l);
		}
	}
	err |= mkv_model_kwrite32(m, mkv_model_symbol(m, "hugetlb_max_hstate"), 2);
	return err ? -1 : 0;
}

int mkv_memmap_build(struct mkv_model *m)
{
	struct ctx c = { .m = m };
	int ret = -1;

	if (plan_folios(m) || populate_sections(m))
		goto out;
	c.orig_head_frame = calloc(m->nr_folios ? m->nr_folios : 1, sizeof(*c.orig_head_frame));
	c.buddy = calloc((size_t)m->nr_nodes * MKV_MAX_NR_ZONES * MKV_NR_PAGE_ORDERS, sizeof(*c.buddy));
	if (!c.orig_head_frame || !c.buddy)
		goto out;
	/* boot time (memblock) first, then what the running kernel optimised */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < m->nr_folios; i++) {
			struct mkv_folio *f = &m->folios[i];
			if (f->kind != MKV_FOLIO_HUGETLB || !f->hvo || is_preinit(m, f) != !pass)
				continue;
			if (pass ? plan_runtime_hvo(&c, i) : populate_hvo(m, f))
				goto out;
		}
	}
	if (c.freed.n)
		qsort(c.freed.v, c.freed.n, sizeof(*c.freed.v), cmp_u64);
	if (c.singles.n)
		qsort(c.singles.v, c.singles.n, sizeof(*c.singles.v), cmp_u64);
	for (unsigned n = 0; n < m->nr_nodes; n++)
		if (write_node_memmap(&c, &m->nodes[n]))
			goto out;
	for (size_t i = 0; i < m->nr_folios; i++) {
		struct mkv_folio *f = &m->folios[i];
		if (f->kind == MKV_FOLIO_HUGETLB && f->hvo && !is_preinit(m, f) &&
		    apply_runtime_hvo(&c, i))
			goto out;
	}
	for (size_t i = 0; i < c.freed.n; i++)
		mkv_phys_drop(m->mem, c.freed.v[i]);
	for (size_t i = 0; i < m->nr_folios; i++) {
		const struct mkv_folio *f = &m->folios[i];
		if (f->kind != MKV_FOLIO_HUGETLB)
			continue;
		int h = hstate_of(f->order);
		struct vec *v = f->in_use ? &c.hp_active[h] : &c.hp_free[h][f->node];
		if (vec_push(v, mkv_model_pfn_to_vmemmap(m, f->head_pfn)))
			goto out;
	}
	if (write_tails(m) || write_free_lists(&c) || write_hstates(&c))
		goto out;
	for (size_t i = 0; i < m->nr_folios; i++)
		m->nr_hvo_folios += m->folios[i].kind == MKV_FOLIO_HUGETLB && m->folios[i].hvo;
	uint64_t key = mkv_model_symbol(m, "hugetlb_optimize_vmemmap_key");
	/* static_branch_inc() once per optimised folio */
	if (key && mkv_model_kwrite32(m, key, (uint32_t)m->nr_hvo_folios))
		goto out;
	uint64_t enabled = mkv_model_symbol(m, "vmemmap_optimize_enabled");
	uint64_t word = 0;
	if (mkv_model_kread64(m, enabled, &word) ||
	    mkv_model_kwrite64(m, enabled, (word & ~UINT64_C(0xff)) | m->params.hvo))
		goto out;
	if (mkv_model_kwrite64(m, mkv_model_symbol(m, "nr_memmap_pages"),
			       (uint64_t)m->nr_memmap_pages) ||
	    mkv_model_kwrite64(m, mkv_model_symbol(m, "nr_memmap_boot_pages"),
			       (uint64_t)m->nr_memmap_boot_pages))
		goto out;
	ret = 0;
out:
	if (ret && !m->errbuf[0])
		snprintf(m->errbuf, sizeof(m->errbuf), "out of memory or boot memory while building the memmap");
	if (c.buddy)
		for (size_t i = 0; i < (size_t)m->nr_nodes * MKV_MAX_NR_ZONES * MKV_NR_PAGE_ORDERS; i++)
			free(c.buddy[i].v);
	free(c.buddy);
	for (int h = 0; h < 2; h++) {
		free(c.hp_active[h].v);
		for (int n = 0; n < 64; n++)
			free(c.hp_free[h][n].v);
	}
	free(c.freed.v);
	free(c.singles.v);
	free(c.orig_head_frame);
	return ret;
}
