/*
 * faults: one deliberate mistake per fault id, applied to a healthy model,
 * each recorded with the exact addresses involved (see README, "Faults").
 * Targets are chosen from the eligible folios with the model's seeded RNG.
 */
#include "model.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define SP_PER_PAGE (MKV_PAGE_SIZE / MKV_STRUCT_PAGE_SIZE)
#define BIT(n) (UINT32_C(1) << (n))

static int fail(struct mkv_model *m, enum mkv_fault id, const char *why)
{
	snprintf(m->errbuf, sizeof(m->errbuf), "fault %s: %s", mkv_fault_name(id), why);
	return -1;
}

static void rec_init(struct mkv_fault_rec *r, enum mkv_fault id)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->head_pfn = UINT64_MAX;
	r->node = r->zone = r->order = -1;
}

static void rec_folio(struct mkv_fault_rec *r, const struct mkv_folio *f)
{
	r->head_pfn = f->head_pfn;
	r->node = f->node;
	r->zone = f->zone;
	r->order = f->order;
}

typedef bool folio_pred(const struct mkv_model *m, const struct mkv_folio *f, const void *arg);

static bool is_hvo(const struct mkv_model *m, const struct mkv_folio *f, const void *arg)
{
	(void)m;
	(void)arg;
	return f->kind == MKV_FOLIO_HUGETLB && f->hvo;
}

/* The k-th eligible folio, k seeded; skips folios already hit by a fault. */
static struct mkv_folio *pick(struct mkv_model *m, folio_pred *pred, const void *arg,
			      const struct mkv_folio *avoid)
{
	size_t n = 0;
	for (size_t i = 0; i < m->nr_folios; i++)
		if (&m->folios[i] != avoid && pred(m, &m->folios[i], arg))
			n++;
	if (!n)
		return NULL;
	size_t k = mkv_model_rand(m) % n;
	for (size_t i = 0; i < m->nr_folios; i++)
		if (&m->folios[i] != avoid && pred(m, &m->folios[i], arg) && !k--)
			return &m->folios[i];
	return NULL;
}

static uint64_t vmemmap_page(const struct mkv_model *m, const struct mkv_folio *f, uint64_t k)
{
	return mkv_model_pfn_to_vmemmap(m, f->head_pfn) + k * MKV_PAGE_SIZE;
}

static uint64_t nr_vpages(const struct mkv_folio *f)
{
	return (UINT64_C(1) << f->order) / SP_PER_PAGE;
}

/* Read the PTE that maps vaddr; fills the record's pte_address. */
static int pte_of(struct mkv_model *m, uint64_t vaddr, struct mkv_pgt_walk *w, struct mkv_fault_rec *r)
{
	if (mkv_pgt_walk(&m->pgt, vaddr, w) || w->leaf_size != MKV_SIZE_4K)
		return -1;
	r->pte_address = m->page_offset + w->entry_paddr;
	return 0;
}

static int set_pte(struct mkv_model *m, uint64_t vaddr, uint64_t entry, struct mkv_fault_rec *r)
{
	struct mkv_pgt_walk w;
	if (pte_of(m, vaddr, &w, r))
		return -1;
	r->expected = w.entry;
	r->actual = entry;
	r->has_values = true;
	return mkv_phys_write64(m->mem, w.entry_paddr, entry);
}

static uint64_t *tail_slot(struct mkv_model *m, int node, int zone, unsigned order)
{
	unsigned idx = order - MKV_VMEMMAP_TAIL_MIN_ORDER;
	return m->lay->tails_per_zone ? &m->nodes[node].zones[zone].tails_pfn[idx]
				      : &m->nodes[node].tails_pfn[idx];
}

/* A page of tail struct pages as the generation's kernel initialises it. */
static int write_tail_content(struct mkv_model *m, uint64_t pfn, int node, int zone, unsigned order)
{
	uint8_t page[MKV_PAGE_SIZE];
	uint64_t flags = 0, info = (~UINT64_C(0) << (order + 6)) | 1, mapping = MKV_TAIL_MAPPING;
	uint32_t mapcount = 0;
	if (m->lay->tails_per_zone) {
		flags = ((uint64_t)node << MKV_NODES_PGSHIFT) | ((uint64_t)zone << MKV_ZONES_PGSHIFT);
		mapcount = UINT32_MAX;
	}
	memset(page, 0, sizeof(page));
	for (unsigned i = 0; i < SP_PER_PAGE; i++) {
		uint8_t *sp = page + i * MKV_STRUCT_PAGE_SIZE;
		memcpy(sp + MKV_PAGE_FLAGS, &flags, 8);
		memcpy(sp + MKV_PAGE_COMPOUND, &info, 8);
		memcpy(sp + MKV_PAGE_MAPPING, &mapping, 8);
		memcpy(sp + MKV_PAGE_MAPCOUNT, &mapcount, 4);
	}
	return mkv_phys_put_page(m->mem, pfn, page);
}

/*
 * A tail page for (node, zone, order): the registered one if it exists, else
 * a stray page allocated on @alloc_node with that content (not registered).
 */
static uint64_t tail_page_for(struct mkv_model *m, int node, int zone, unsigned order, int alloc_node)
{
	uint64_t pfn = *tail_slot(m, node, zone, order);
	if (pfn)
		return pfn;
	pfn = mkv_model_alloc_pages(m, alloc_node, 1, 1);
	if (!pfn || write_tail_content(m, pfn, node, zone, order))
		return 0;
	return pfn;
}

static uint64_t tail_pfn_of(struct mkv_model *m, const struct mkv_folio *f)
{
	return *tail_slot(m, f->node, f->zone, f->order);
}

/* Point one tail PTE of an HVO folio at another page (read-only, as a remap would). */
static int retarget_tail(struct mkv_model *m, struct mkv_folio *f, uint64_t target_pfn,
			 struct mkv_fault_rec *r)
{
	uint64_t k = 1 + mkv_model_rand(m) % (nr_vpages(f) - 1);
	rec_folio(r, f);
	r->address = vmemmap_page(m, f, k);
	r->extra_name = "target_pfn";
	r->extra_addr = target_pfn;
	return set_pte(m, r->address, (target_pfn << MKV_PAGE_SHIFT) | MKV_PAGE_KERNEL_RO, r);
}

static int tail_wrong_order(struct mkv_model *m, struct mkv_fault_rec *r)
{
	struct mkv_folio *f = pick(m, is_hvo, NULL, NULL);
	if (!f)
		return fail(m, r->id, "needs an HVO folio");
	unsigned other = f->order == 9 ? 18 : 9;
	uint64_t pfn = tail_page_for(m, f->node, f->zone, other, f->node);
	if (!pfn)
		return -1;
	snprintf(r->detail, sizeof(r->detail), "tail PTE maps the order-%u tail page (pfn 0x%" PRIx64
		 ") instead of order %u's", other, pfn, f->order);
	return retarget_tail(m, f, pfn, r);
}

static bool other_zone_on_node(const struct mkv_model *m, const struct mkv_folio *f, const void *arg)
{
	(void)arg;
	if (!is_hvo(m, f, NULL))
		return false;
	for (int z = 0; z < MKV_MAX_NR_ZONES; z++)
		if (z != f->zone && m->nodes[f->node].zones[z].present_pages)
			return true;
	return false;
}

static int tail_cross_zone(struct mkv_model *m, struct mkv_fault_rec *r)
{
	struct mkv_folio *f = pick(m, other_zone_on_node, NULL, NULL);
	if (!f)
		return fail(m, r->id, "needs an HVO folio on a node with two zones");
	int z;
	for (z = 0; z < MKV_MAX_NR_ZONES; z++)
		if (z != f->zone && m->nodes[f->node].zones[z].present_pages)
			break;
	uint64_t pfn = tail_page_for(m, f->node, z, f->order, f->node);
	if (!pfn)
		return -1;
	snprintf(r->detail, sizeof(r->detail), "tail PTE maps zone %d's tail page (pfn 0x%" PRIx64
		 ") instead of zone %d's", z, pfn, f->zone);
	return retarget_tail(m, f, pfn, r);
}

static int tail_cross_node(struct mkv_model *m, struct mkv_fault_rec *r)
{
	struct mkv_folio *f = pick(m, is_hvo, NULL, NULL);
	if (!f)
		return fail(m, r->id, "needs an HVO folio");
	int other = (f->node + 1) % (int)m->nr_nodes;
	int z = m->nodes[other].zones[f->zone].present_pages ? f->zone : MKV_ZONE_NORMAL;
	uint64_t pfn = tail_page_for(m, other, z, f->order, other);
	if (!pfn)
		return -1;
	snprintf(r->detail, sizeof(r->detail), "tail PTE maps node %d's tail page (pfn 0x%" PRIx64
		 ") instead of node %d's", other, pfn, f->node);
	return retarget_tail(m, f, pfn, r);
}

static int tail_writable(struct mkv_model *m, struct mkv_fault_rec *r)
{
	struct mkv_folio *f = pick(m, is_hvo, NULL, NULL);
	if (!f)
		return fail(m, r->id, "needs an HVO folio");
	uint64_t k = 1 + mkv_model_rand(m) % (nr_vpages(f) - 1);
	struct mkv_pgt_walk w;
	rec_folio(r, f);
	r->address = vmemmap_page(m, f, k);
	if (pte_of(m, r->address, &w, r))
		return -1;
	snprintf(r->detail, sizeof(r->detail), "tail vmemmap PTE %" PRIu64 " has _PAGE_RW set", k);
	return set_pte(m, r->address, w.entry | MKV_PTE_RW | MKV_PTE_D, r);
}

static int shared_tail_corrupt(struct mkv_model *m, struct mkv_fault_rec *r)
{
	struct mkv_folio *f = pick(m, is_hvo, NULL, NULL);
	if (!f)
		return fail(m, r->id, "needs an HVO folio");
	uint64_t tail = tail_pfn_of(m, f);
	unsigned j = (unsigned)(mkv_model_rand(m) % SP_PER_PAGE);
	uint64_t pa = (tail << MKV_PAGE_SHIFT) + (uint64_t)j * MKV_STRUCT_PAGE_SIZE + MKV_PAGE_COMPOUND;
	r->node = f->node;
	r->zone = f->zone;
	r->order = f->order;
	r->address = m->page_offset + (tail << MKV_PAGE_SHIFT) + (uint64_t)j * MKV_STRUCT_PAGE_SIZE;
	r->extra_name = "tail_pfn";
	r->extra_addr = tail;
	r->expected = mkv_phys_read64(m->mem, pa);
	r->actual = r->expected & ~UINT64_C(1);	/* no longer a tail: looks like a head */
	r->has_values = true;
	snprintf(r->detail, sizeof(r->detail), "struct page %u of the shared tail page lost the "
		 "tail bit of compound_info", j);
	return mkv_phys_write64(m->mem, pa, r->actual);
}

static bool hvo_node_pair(const struct mkv_model *m, const struct mkv_folio *f, const void *arg)
{
	const struct mkv_folio *first = arg;
	return is_hvo(m, f, NULL) && f->node == first->node;
}

static int head_shared(struct mkv_model *m, struct mkv_fault_rec *r)
{
	struct mkv_folio *a = pick(m, is_hvo, NULL, NULL);
	struct mkv_folio *b = a ? pick(m, hvo_node_pair, a, a) : NULL;
	if (!b)
		return fail(m, r->id, "needs two HVO folios on one node");
	rec_folio(r, b);
	r->address = vmemmap_page(m, b, 0);
	r->extra_name = "shared_with_head_pfn";
	r->extra_addr = a->head_pfn;
	snprintf(r->detail, sizeof(r->detail), "head vmemmap PTE maps the head page of the folio "
		 "at pfn 0x%" PRIx64, a->head_pfn);
	return set_pte(m, r->address, (a->head_vmemmap_pfn << MKV_PAGE_SHIFT) | MKV_PAGE_KERNEL, r);
}

static int head_readonly(struct mkv_model *m, struct mkv_fault_rec *r)
{
	struct mkv_folio *f = pick(m, is_hvo, NULL, NULL);
	if (!f)
		return fail(m, r->id, "needs an HVO folio");
	struct mkv_pgt_walk w;
	rec_folio(r, f);
	r->address = vmemmap_page(m, f, 0);
	if (pte_of(m, r->address, &w, r))
		return -1;
	snprintf(r->detail, sizeof(r->detail), "head vmemmap PTE is read-only");
	return set_pte(m, r->address, w.entry & ~MKV_PTE_RW, r);
}

static int hvo_flag_mismatch(struct mkv_model *m, struct mkv_fault_rec *r)
{
	struct mkv_folio *f = pick(m, is_hvo, NULL, NULL);
	if (!f)
		return fail(m, r->id, "needs an HVO folio");
	uint64_t v = mkv_model_pfn_to_vmemmap(m, f->head_pfn) + MKV_PAGE_PRIVATE;
	rec_folio(r, f);
	r->address = mkv_model_pfn_to_vmemmap(m, f->head_pfn);
	if (mkv_model_kread64(m, v, &r->expected))
		return -1;
	r->actual = r->expected & ~(UINT64_C(1) << m->params.hpg_vmemmap_optimized);
	r->has_values = true;
	snprintf(r->detail, sizeof(r->detail), "vmemmap is optimised but the head's private lacks "
		 "HPG_vmemmap_optimized");
	return mkv_model_kwrite64(m, v, r->actual);
}

static int fake_heads(struct mkv_model *m, struct mkv_fault_rec *r)
{
	struct mkv_folio *f = pick(m, is_hvo, NULL, NULL);
	if (!f)
		return fail(m, r->id, "needs an HVO folio");
	rec_folio(r, f);
	r->address = vmemmap_page(m, f, 1);
	struct mkv_pgt_walk w;
	if (pte_of(m, r->address, &w, r))
		return -1;
	r->expected = w.entry;
	r->actual = (f->head_vmemmap_pfn << MKV_PAGE_SHIFT) | MKV_PAGE_KERNEL_RO;
	r->has_values = true;
	for (uint64_t k = 1; k < nr_vpages(f); k++) {
		struct mkv_fault_rec scratch;
		rec_init(&scratch, r->id);
		if (set_pte(m, vmemmap_page(m, f, k), r->actual, &scratch))
			return -1;
	}
	unsigned idx = f->order - MKV_VMEMMAP_TAIL_MIN_ORDER;
	if (m->lay->tails_per_zone)
		m->nodes[f->node].zones[f->zone].tails_used[idx]--;
	else
		m->nodes[f->node].tails_used[idx]--;
	snprintf(r->detail, sizeof(r->detail), "all %" PRIu64 " tail vmemmap PTEs map the folio's "
		 "own head page (legacy fake heads)", nr_vpages(f) - 1);
	return 0;
}

static uint64_t tails_entry_vaddr(const struct mkv_model *m, int node, int zone, unsigned idx)
{
	const struct mkv_layout *lay = m->lay;
	uint64_t pg = m->page_offset + m->nodes[node].pgdat_paddr;
	if (lay->tails_per_zone)
		return pg + lay->pgdat_node_zones + (uint64_t)zone * lay->size_zone +
		       lay->zone_vmemmap_tails + idx * 8;
	return pg + lay->pgdat_vmemmap_tails + idx * 8;
}

static uint64_t tails_entry_value(const struct mkv_model *m, uint64_t pfn)
{
	return m->lay->tails_per_zone ? mkv_model_pfn_to_vmemmap(m, pfn) : pfn;
}

static int tails_unused(struct mkv_model *m, struct mkv_fault_rec *r)
{
	/* order 10 (4 MiB): no hugetlb size uses it on x86_64 */
	unsigned order = 10, idx = order - MKV_VMEMMAP_TAIL_MIN_ORDER;
	int node = (int)(mkv_model_rand(m) % m->nr_nodes), zone = MKV_ZONE_NORMAL;
	if (!m->nodes[node].zones[zone].present_pages)
		zone = MKV_ZONE_DMA32;
	uint64_t pfn = mkv_model_alloc_pages(m, node, 1, 1);
	if (!pfn || write_tail_content(m, pfn, node, zone, order))
		return -1;
	*tail_slot(m, node, zone, order) = pfn;
	r->node = node;
	r->zone = m->lay->tails_per_zone ? zone : -1;
	r->order = (int)order;
	r->address = tails_entry_value(m, pfn);
	r->extra_name = "entry_address";
	r->extra_addr = tails_entry_vaddr(m, node, zone, idx);
	snprintf(r->detail, sizeof(r->detail), "vmemmap_tails[%u] (order %u) is set but no folio "
		 "maps it (tail pfn 0x%" PRIx64 ")", idx, order, pfn);
	return mkv_phys_write64(m->mem, r->extra_addr - m->page_offset, r->address);
}

static int tails_misplaced(struct mkv_model *m, struct mkv_fault_rec *r)
{
	struct mkv_folio *f = pick(m, is_hvo, NULL, NULL);
	if (!f)
		return fail(m, r->id, "needs an HVO folio");
	unsigned idx = f->order - MKV_VMEMMAP_TAIL_MIN_ORDER;
	int other = (f->node + 1) % (int)m->nr_nodes;
	uint64_t old = tail_pfn_of(m, f);
	uint64_t pfn = mkv_model_alloc_pages(m, other, 1, 1);
	if (!pfn || write_tail_content(m, pfn, f->node, f->zone, f->order))
		return -1;
	/* every folio that used the old page now maps the misplaced one */
	for (size_t i = 0; i < m->nr_folios; i++) {
		struct mkv_folio *g = &m->folios[i];
		if (!is_hvo(m, g, NULL) || g->order != f->order || g->node != f->node ||
		    (m->lay->tails_per_zone && g->zone != f->zone))
			continue;
		for (uint64_t k = 1; k < nr_vpages(g); k++) {
			struct mkv_pgt_walk w;
			uint64_t v = vmemmap_page(m, g, k);
			if (mkv_pgt_walk(&m->pgt, v, &w))
				return -1;
			if ((w.entry & MKV_PTE_ADDR_MASK) >> MKV_PAGE_SHIFT != old)
				continue;
			uint64_t e = (w.entry & ~MKV_PTE_ADDR_MASK) | (pfn << MKV_PAGE_SHIFT);
			if (mkv_phys_write64(m->mem, w.entry_paddr, e))
				return -1;
		}
	}
	*tail_slot(m, f->node, f->zone, f->order) = pfn;
	mkv_phys_drop(m->mem, old);
	r->node = f->node;
	r->zone = m->lay->tails_per_zone ? f->zone : -1;
	r->order = f->order;
	r->address = tails_entry_value(m, pfn);
	r->extra_name = "entry_address";
	r->extra_addr = tails_entry_vaddr(m, f->node, f->zone, idx);
	snprintf(r->detail, sizeof(r->detail), "vmemmap_tails[%u] of node %d points to pfn 0x%" PRIx64
		 " on node %d", idx, f->node, pfn, other);
	return mkv_phys_write64(m->mem, r->extra_addr - m->page_offset, r->address);
}

static int memmap_misaligned(struct mkv_model *m, struct mkv_fault_rec *r)
{
	r->address = m->vmemmap_base;
	snprintf(r->detail, sizeof(r->detail), "vmemmap base is 2 MiB aligned only: tail masks of "
		 "folios above order 15 give wrong heads");
	for (size_t i = 0; i < m->nr_folios; i++) {
		if (m->folios[i].order > 15) {
			rec_folio(r, &m->folios[i]);
			break;
		}
	}
	return 0;
}

static bool is_other_compound(const struct mkv_model *m, const struct mkv_folio *f, const void *arg)
{
	(void)m;
	(void)arg;
	return f->kind != MKV_FOLIO_HUGETLB;
}

static int compound_bad_mask(struct mkv_model *m, struct mkv_fault_rec *r)
{
	struct mkv_folio *f = pick(m, is_other_compound, NULL, NULL);
	if (!f)
		return fail(m, r->id, "needs thp or compound folios");
	uint64_t nr = UINT64_C(1) << f->order;
	uint64_t i = m->lay->first_tail_mapping + mkv_model_rand(m) % (nr - m->lay->first_tail_mapping);
	uint64_t head = mkv_model_pfn_to_vmemmap(m, f->head_pfn);
	rec_folio(r, f);
	r->address = head + i * MKV_STRUCT_PAGE_SIZE;
	if (mkv_model_kread64(m, r->address + MKV_PAGE_COMPOUND, &r->expected))
		return -1;
	r->actual = m->lay->compound_mask ? ((~UINT64_C(0) << (f->order - 1 + 6)) | 1)
					  : ((head + MKV_STRUCT_PAGE_SIZE) | 1);
	r->has_values = true;
	snprintf(r->detail, sizeof(r->detail), "tail %" PRIu64 " of an order-%u %s folio encodes the "
		 "wrong head", i, f->order, f->kind == MKV_FOLIO_THP ? "THP" : "compound");
	return mkv_model_kwrite64(m, r->address + MKV_PAGE_COMPOUND, r->actual);
}

int mkv_faults_apply(struct mkv_model *m)
{
	static int (*const apply[MKV_NR_FAULTS])(struct mkv_model *, struct mkv_fault_rec *) = {
		[MKV_FAULT_TAIL_WRONG_ORDER] = tail_wrong_order,
		[MKV_FAULT_TAIL_CROSS_ZONE] = tail_cross_zone,
		[MKV_FAULT_TAIL_CROSS_NODE] = tail_cross_node,
		[MKV_FAULT_TAIL_WRITABLE] = tail_writable,
		[MKV_FAULT_SHARED_TAIL_CORRUPT] = shared_tail_corrupt,
		[MKV_FAULT_HEAD_SHARED] = head_shared,
		[MKV_FAULT_HEAD_READONLY] = head_readonly,
		[MKV_FAULT_HVO_FLAG_MISMATCH] = hvo_flag_mismatch,
		[MKV_FAULT_FAKE_HEADS_ON_MASK_KERNEL] = fake_heads,
		[MKV_FAULT_VMEMMAP_TAILS_UNUSED] = tails_unused,
		[MKV_FAULT_VMEMMAP_TAILS_MISPLACED] = tails_misplaced,
		[MKV_FAULT_MEMMAP_MISALIGNED] = memmap_misaligned,
		[MKV_FAULT_COMPOUND_BAD_MASK] = compound_bad_mask,
	};
	for (int id = 0; id < MKV_NR_FAULTS; id++) {
		if (!(m->params.faults & BIT(id)))
			continue;
		struct mkv_fault_rec r;
		rec_init(&r, (enum mkv_fault)id);
		if (apply[id](m, &r)) {
			if (!m->errbuf[0])
				fail(m, (enum mkv_fault)id, "cannot apply");
			return -1;
		}
		if (mkv_model_add_fault(m, &r))
			return -1;
	}
	return 0;
}
