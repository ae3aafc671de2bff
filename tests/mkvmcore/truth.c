/* truth: ground-truth JSON of a model, written with json-c (schema in README). */
#include "truth.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#define FOLIO_LIST_LIMIT 100000
#define SP_PER_PAGE (MKV_PAGE_SIZE / MKV_STRUCT_PAGE_SIZE)

static const char *const zone_names[MKV_MAX_NR_ZONES] = { "DMA", "DMA32", "Normal", "Movable",
							   "Device" };
static const char *const kind_names[] = { "hugetlb", "thp", "compound" };

static struct json_object *hex(uint64_t v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_object_new_string(buf);
}

static struct json_object *num(uint64_t v)
{
	return json_object_new_uint64(v);
}

static struct json_object *snum(int64_t v)
{
	return json_object_new_int64(v);
}

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static struct json_object *params_json(const struct mkv_params *p)
{
	struct json_object *o = json_object_new_object();
	add(o, "generation", json_object_new_string(mkv_layout_get(p->gen)->name));
	add(o, "format", json_object_new_string(p->format == MKV_FMT_ELF ? "elf" : "kdump"));
	add(o, "levels", num((uint64_t)p->levels));
	add(o, "seed", num(p->seed));
	add(o, "nodes", num(p->nr_nodes));
	add(o, "mem_per_node", num(p->mem_per_node));
	add(o, "movable_per_node", num(p->movable_per_node));
	add(o, "hugepages_2m_boot", num(p->hp2m_boot));
	add(o, "hugepages_2m", num(p->hp2m_runtime));
	add(o, "hugepages_1g_boot", num(p->hp1g_boot));
	add(o, "hugepages_1g", num(p->hp1g_runtime));
	add(o, "in_use_2m", num(p->hp2m_in_use));
	add(o, "in_use_1g", num(p->hp1g_in_use));
	add(o, "no_hvo_2m", num(p->hp2m_no_hvo));
	add(o, "no_hvo_1g", num(p->hp1g_no_hvo));
	add(o, "hvo", json_object_new_boolean(p->hvo));
	add(o, "thp", num(p->thp_per_node));
	add(o, "compound", num(p->compound_per_node));
	add(o, "hpg_vmemmap_optimized", num(p->hpg_vmemmap_optimized));
	struct json_object *faults = json_object_new_array();
	for (int i = 0; i < MKV_NR_FAULTS; i++)
		if (p->faults & (UINT32_C(1) << i))
			json_object_array_add(faults, json_object_new_string(mkv_fault_name((enum mkv_fault)i)));
	add(o, "faults", faults);
	return o;
}

static struct json_object *tails_json(const struct mkv_model *m, const uint64_t *pfns,
				      const uint64_t *used, bool as_page_ptr)
{
	struct json_object *a = json_object_new_array();
	for (unsigned idx = 0; idx < MKV_NR_VMEMMAP_TAILS; idx++) {
		if (!pfns[idx])
			continue;
		struct json_object *t = json_object_new_object();
		add(t, "index", num(idx));
		add(t, "order", num(idx + MKV_VMEMMAP_TAIL_MIN_ORDER));
		if (as_page_ptr)
			add(t, "address", hex(mkv_model_pfn_to_vmemmap(m, pfns[idx])));
		add(t, "pfn", num(pfns[idx]));
		add(t, "node", snum(mkv_model_node_of(m, pfns[idx])));
		add(t, "folios", num(used[idx]));
		json_object_array_add(a, t);
	}
	return a;
}

static struct json_object *nodes_json(const struct mkv_model *m)
{
	struct json_object *nodes = json_object_new_array();
	for (unsigned i = 0; i < m->nr_nodes; i++) {
		const struct mkv_node *n = &m->nodes[i];
		struct json_object *o = json_object_new_object();
		uint64_t present = 0;
		add(o, "id", num(i));
		add(o, "start_pfn", num(n->start_pfn));
		add(o, "spanned_pages", num(n->end_pfn - n->start_pfn));
		add(o, "pgdat", hex(m->page_offset + n->pgdat_paddr));
		struct json_object *zones = json_object_new_array();
		for (int z = 0; z < MKV_MAX_NR_ZONES; z++) {
			const struct mkv_zone *zone = &n->zones[z];
			present += zone->present_pages;
			if (!zone->spanned_pages)
				continue;
			struct json_object *zo = json_object_new_object();
			add(zo, "name", json_object_new_string(zone_names[z]));
			add(zo, "index", num((uint64_t)z));
			add(zo, "start_pfn", num(zone->start_pfn));
			add(zo, "spanned_pages", num(zone->spanned_pages));
			add(zo, "present_pages", num(zone->present_pages));
			add(zo, "vmemmap_tails", m->lay->tails_per_zone
				? tails_json(m, zone->tails_pfn, zone->tails_used, true)
				: json_object_new_array());
			json_object_array_add(zones, zo);
		}
		add(o, "present_pages", num(present));
		add(o, "zones", zones);
		add(o, "vmemmap_tails_v3", m->lay->tails_per_node
			? tails_json(m, n->tails_pfn, n->tails_used, false)
			: json_object_new_array());
		json_object_array_add(nodes, o);
	}
	return nodes;
}

static struct json_object *folios_json(const struct mkv_model *m)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < m->nr_folios; i++) {
		const struct mkv_folio *f = &m->folios[i];
		struct json_object *o = json_object_new_object();
		add(o, "head_pfn", num(f->head_pfn));
		add(o, "order", num(f->order));
		add(o, "kind", json_object_new_string(kind_names[f->kind]));
		add(o, "node", num(f->node));
		add(o, "zone", json_object_new_string(zone_names[f->zone]));
		add(o, "head_address", hex(mkv_model_pfn_to_vmemmap(m, f->head_pfn)));
		add(o, "hvo", json_object_new_boolean(f->hvo));
		add(o, "boot", json_object_new_boolean(f->boot));
		add(o, "in_use", json_object_new_boolean(f->in_use));
		if (f->hvo)
			add(o, "head_vmemmap_pfn", num(f->head_vmemmap_pfn));
		json_object_array_add(a, o);
	}
	return a;
}

/* The shared tail page a group (node, zone, order) uses, 0 for legacy. */
static uint64_t group_tail(const struct mkv_model *m, int node, int zone, unsigned order)
{
	unsigned idx = order - MKV_VMEMMAP_TAIL_MIN_ORDER;
	if (m->lay->tails_per_zone)
		return m->nodes[node].zones[zone].tails_pfn[idx];
	if (m->lay->tails_per_node)
		return m->nodes[node].tails_pfn[idx];
	return 0;
}

static struct json_object *savings_json(const struct mkv_model *m)
{
	struct json_object *by = json_object_new_array();
	uint64_t t_folios = 0, t_opt = 0, t_saved = 0, t_tails = 0;
	uint64_t counted[2 * 64 * 2] = { 0 };	/* v3 tails already counted, per node/order */
	static const unsigned orders[2] = { 9, 18 };
	for (unsigned n = 0; n < m->nr_nodes; n++) {
		for (int z = 0; z < MKV_MAX_NR_ZONES; z++) {
			for (int h = 0; h < 2; h++) {
				uint64_t folios = 0, opt = 0;
				for (size_t i = 0; i < m->nr_folios; i++) {
					const struct mkv_folio *f = &m->folios[i];
					if (f->kind != MKV_FOLIO_HUGETLB || f->node != n || f->zone != z ||
					    f->order != orders[h])
						continue;
					folios++;
					opt += f->hvo;
				}
				if (!folios)
					continue;
				uint64_t per = (UINT64_C(1) << orders[h]) / SP_PER_PAGE;
				uint64_t tails = 0;
				uint64_t tail = opt ? group_tail(m, (int)n, z, orders[h]) : 0;
				if (tail && !counted[n * 2 + (unsigned)h]) {
					tails = 1;
					if (m->lay->tails_per_node)
						counted[n * 2 + (unsigned)h] = 1;
				}
				struct json_object *o = json_object_new_object();
				add(o, "node", num(n));
				add(o, "zone", json_object_new_string(zone_names[z]));
				add(o, "order", num(orders[h]));
				add(o, "folios", num(folios));
				add(o, "optimized", num(opt));
				add(o, "vmemmap_pages_per_folio", num(per));
				add(o, "pages_saved", num(opt * (per - 1)));
				add(o, "shared_tail_pages", num(tails));
				json_object_array_add(by, o);
				t_folios += folios;
				t_opt += opt;
				t_saved += opt * (per - 1);
			}
		}
	}
	/* every allocated shared tail page is spent memory, used or not */
	for (unsigned n = 0; n < m->nr_nodes; n++)
		for (unsigned idx = 0; idx < MKV_NR_VMEMMAP_TAILS; idx++) {
			t_tails += m->nodes[n].tails_pfn[idx] != 0;
			for (int z = 0; z < MKV_MAX_NR_ZONES; z++)
				t_tails += m->nodes[n].zones[z].tails_pfn[idx] != 0;
		}
	struct json_object *total = json_object_new_object();
	add(total, "folios", num(t_folios));
	add(total, "optimized", num(t_opt));
	add(total, "pages_saved", num(t_saved));
	add(total, "shared_tail_pages", num(t_tails));
	add(total, "bytes_saved", snum(((int64_t)t_saved - (int64_t)t_tails) * (int64_t)MKV_PAGE_SIZE));
	struct json_object *o = json_object_new_object();
	add(o, "by", by);
	add(o, "total", total);
	return o;
}

static struct json_object *faults_json(const struct mkv_model *m)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < m->nr_faults; i++) {
		const struct mkv_fault_rec *r = &m->faults[i];
		struct json_object *o = json_object_new_object();
		add(o, "id", json_object_new_string(mkv_fault_name(r->id)));
		add(o, "address", hex(r->address));
		if (r->pte_address)
			add(o, "pte_address", hex(r->pte_address));
		if (r->head_pfn != UINT64_MAX)
			add(o, "head_pfn", num(r->head_pfn));
		if (r->node >= 0)
			add(o, "node", snum(r->node));
		if (r->zone >= 0)
			add(o, "zone", json_object_new_string(zone_names[r->zone]));
		if (r->order >= 0)
			add(o, "order", snum(r->order));
		if (r->has_values) {
			add(o, "expected", hex(r->expected));
			add(o, "actual", hex(r->actual));
		}
		if (r->extra_name)
			add(o, r->extra_name, strstr(r->extra_name, "pfn") ? num(r->extra_addr)
									  : hex(r->extra_addr));
		add(o, "detail", json_object_new_string(r->detail));
		json_object_array_add(a, o);
	}
	return a;
}

int mkv_truth_write(const struct mkv_model *m, const char *path, char *errbuf, size_t errlen)
{
	struct json_object *root = json_object_new_object();
	if (!root) {
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	add(root, "schema", num(1));
	add(root, "generation", json_object_new_string(m->lay->name));
	add(root, "osrelease", json_object_new_string(m->lay->osrelease));
	add(root, "params", params_json(&m->params));
	add(root, "page_size", num(MKV_PAGE_SIZE));
	add(root, "struct_page_size", num(MKV_STRUCT_PAGE_SIZE));
	add(root, "levels", num((uint64_t)m->params.levels));
	add(root, "page_offset", hex(m->page_offset));
	add(root, "vmemmap_base", hex(m->vmemmap_base));
	add(root, "kernel_offset", hex(m->kaslr_offset));
	add(root, "phys_base", hex(m->phys_base));
	add(root, "init_top_pgt", hex(mkv_model_symbol(m, "init_top_pgt")));
	add(root, "max_pfn", num(m->max_pfn));
	struct json_object *syms = json_object_new_object();
	for (size_t i = 0; i < m->nr_syms; i++)
		add(syms, m->syms[i].name, hex(m->syms[i].vaddr));
	add(root, "symbols", syms);
	add(root, "nodes", nodes_json(m));
	add(root, "folios_total", num(m->nr_folios));
	bool listed = m->nr_folios < FOLIO_LIST_LIMIT;
	add(root, "folios_listed", json_object_new_boolean(listed));
	if (listed)
		add(root, "folios", folios_json(m));
	add(root, "savings", savings_json(m));
	struct json_object *kc = json_object_new_object();
	add(kc, "nr_memmap_pages", snum(m->nr_memmap_pages));
	add(kc, "nr_memmap_boot_pages", snum(m->nr_memmap_boot_pages));
	add(kc, "vmemmap_optimize_enabled", json_object_new_boolean(m->params.hvo));
	if (mkv_model_symbol(m, "hugetlb_optimize_vmemmap_key"))
		add(kc, "hugetlb_optimize_vmemmap_key", num(m->nr_hvo_folios));
	add(root, "kernel_counters", kc);
	add(root, "faults", faults_json(m));

	int ret = 0;
	if (json_object_to_file_ext(path, root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED)) {
		snprintf(errbuf, errlen, "cannot write: %s", json_util_get_last_err());
		ret = -1;
	}
	json_object_put(root);
	return ret;
}
