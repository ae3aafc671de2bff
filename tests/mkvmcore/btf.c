/*
 * btf: the BTF a CONFIG_DEBUG_INFO_BTF kernel carries in rodata between
 * __start_BTF and __stop_BTF, encoded with libbpf's BTF writer for the types
 * hvoinspect reads (struct page/folio, zone, pglist_data, hstate, free_area,
 * mem_section, uts_namespace and the enums pageflags, pagetype,
 * hugetlb_page_flags, zone_type).  Member names, nesting of the anonymous
 * unions and offsets follow the real kernels (layout.h, vmlinux.c);
 * members the tool does not use are left out, sizes are exact.
 */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#define BTF_AREA 0x100000	/* rodata offset of the BTF blob */

struct enc {
	struct btf *btf;
	const struct mkv_layout *lay;
	bool legacy, merged, v3;
	unsigned hpg_vmemmap_optimized;
	int err, err_line;
	/* base types */
	int t_ulong, t_long, t_int, t_uint, t_char, t_ushort, t_void_ptr, t_const_char_ptr;
	int t_atomic, t_atomic_long, t_list_head, t_flags, t_page, t_page_ptr;
	int fwd_address_space, fwd_pglist_ptr, t_free_area, t_zone;
};

static int chk_(struct enc *e, int id, int line)
{
	if (id < 0 && !e->err) {
		e->err = id;
		e->err_line = line;
	}
	return id;
}
#define chk(e, id) chk_((e), (id), __LINE__)

static void field_(struct enc *e, const char *name, int type, uint32_t byte_off, int line)
{
	if (!e->err)
		chk_(e, btf__add_field(e->btf, name, type, byte_off * 8, 0), line);
}
#define field(e, name, type, off) field_((e), (name), (type), (off), __LINE__)

static int arr(struct enc *e, int elem, uint32_t n)
{
	return chk(e, btf__add_array(e->btf, e->t_uint, elem, n));
}

static int wrap_struct(struct enc *e, const char *name, uint32_t size, const char *member, int type)
{
	int id = chk(e, btf__add_struct(e->btf, name, size));
	field(e, member, type, 0);
	return id;
}

static void base_types(struct enc *e)
{
	e->t_ulong = chk(e, btf__add_int(e->btf, "long unsigned int", 8, 0));
	e->t_long = chk(e, btf__add_int(e->btf, "long int", 8, BTF_INT_SIGNED));
	e->t_int = chk(e, btf__add_int(e->btf, "int", 4, BTF_INT_SIGNED));
	e->t_uint = chk(e, btf__add_int(e->btf, "unsigned int", 4, 0));
	e->t_char = chk(e, btf__add_int(e->btf, "char", 1, BTF_INT_SIGNED));
	e->t_ushort = chk(e, btf__add_int(e->btf, "short unsigned int", 2, 0));
	e->t_void_ptr = chk(e, btf__add_ptr(e->btf, 0));
	int cc = chk(e, btf__add_const(e->btf, e->t_char));
	e->t_const_char_ptr = chk(e, btf__add_ptr(e->btf, cc));
	e->t_atomic = chk(e, btf__add_typedef(e->btf, "atomic_t",
					      wrap_struct(e, NULL, 4, "counter", e->t_int)));
	e->t_atomic_long = chk(e, btf__add_typedef(e->btf, "atomic_long_t",
						   wrap_struct(e, NULL, 8, "counter", e->t_long)));
	/* struct list_head { struct list_head *next, *prev; }: pointer first, by id */
	int next_id = (int)btf__type_cnt(e->btf);
	int lh_ptr = chk(e, btf__add_ptr(e->btf, next_id + 1));
	e->t_list_head = chk(e, btf__add_struct(e->btf, "list_head", 16));
	field(e, "next", lh_ptr, 0);
	field(e, "prev", lh_ptr, 8);
	e->fwd_address_space = chk(e, btf__add_ptr(e->btf, chk(e, btf__add_fwd(e->btf, "address_space",
									      BTF_FWD_STRUCT))));
	e->fwd_pglist_ptr = chk(e, btf__add_ptr(e->btf, chk(e, btf__add_fwd(e->btf, "pglist_data",
									   BTF_FWD_STRUCT))));
	if (e->legacy)
		e->t_flags = e->t_ulong;
	else
		e->t_flags = chk(e, btf__add_typedef(e->btf, "memdesc_flags_t",
						     wrap_struct(e, NULL, 8, "f", e->t_ulong)));
}

static void page_type(struct enc *e)
{
	int lru = chk(e, btf__add_union(e->btf, NULL, 16));
	field(e, "lru", e->t_list_head, 0);
	field(e, "buddy_list", e->t_list_head, 0);
	field(e, "pcp_list", e->t_list_head, 0);
	int idx = chk(e, btf__add_union(e->btf, NULL, 8));
	field(e, e->legacy ? "index" : "__folio_index", e->t_ulong, 0);
	field(e, "share", e->t_ulong, 0);
	int s1 = chk(e, btf__add_struct(e->btf, NULL, 40));
	field(e, NULL, lru, 0);
	field(e, "mapping", e->fwd_address_space, 16);
	field(e, NULL, idx, 24);
	field(e, "private", e->t_ulong, 32);
	int s2 = chk(e, btf__add_struct(e->btf, NULL, 40));
	field(e, "pp_magic", e->t_ulong, 0);
	field(e, "pp", e->t_void_ptr, 8);
	field(e, "_pp_mapping_pad", e->t_ulong, 16);
	field(e, "dma_addr", e->t_ulong, 24);
	field(e, "pp_ref_count", e->t_atomic_long, 32);
	int s3 = wrap_struct(e, NULL, 8, e->legacy ? "compound_head" : "compound_info", e->t_ulong);
	int s4 = chk(e, btf__add_struct(e->btf, NULL, 16));
	field(e, "pgmap", e->t_void_ptr, 0);
	field(e, "zone_device_data", e->t_void_ptr, 8);
	int u3 = chk(e, btf__add_union(e->btf, NULL, 40));
	field(e, NULL, s1, 0);
	field(e, NULL, s2, 0);
	field(e, NULL, s3, 0);
	field(e, NULL, s4, 0);
	int u4 = chk(e, btf__add_union(e->btf, NULL, 4));
	field(e, "page_type", e->t_uint, 0);
	field(e, "_mapcount", e->t_atomic, 0);
	e->t_page = chk(e, btf__add_struct(e->btf, "page", MKV_STRUCT_PAGE_SIZE));
	field(e, "flags", e->t_flags, MKV_PAGE_FLAGS);
	field(e, NULL, u3, 8);
	field(e, NULL, u4, MKV_PAGE_MAPCOUNT);
	field(e, "_refcount", e->t_atomic, MKV_PAGE_REFCOUNT);
	field(e, "memcg_data", e->t_ulong, 56);
	e->t_page_ptr = chk(e, btf__add_ptr(e->btf, e->t_page));
}

/* One 64-byte page of a folio: union { struct { fields }, struct page NAME }. */
struct ffield {
	const char *name;
	int type;
	uint32_t off;
};

static int folio_page(struct enc *e, const char *page_name, const struct ffield *f, size_t n)
{
	int s = chk(e, btf__add_struct(e->btf, NULL, MKV_STRUCT_PAGE_SIZE));
	for (size_t i = 0; i < n; i++)
		field(e, f[i].name, f[i].type, f[i].off);
	int u = chk(e, btf__add_union(e->btf, NULL, MKV_STRUCT_PAGE_SIZE));
	field(e, NULL, s, 0);
	field(e, page_name, e->t_page, 0);
	return u;
}

static void folio_type(struct enc *e)
{
	const struct mkv_layout *lay = e->lay;
	const struct ffield p0[] = {
		{ "flags", e->t_flags, 0 }, { "lru", e->t_list_head, 8 },
		{ "mapping", e->fwd_address_space, 24 }, { "index", e->t_ulong, 32 },
		{ "private", e->t_void_ptr, 40 }, { "_mapcount", e->t_atomic, 48 },
		{ "_refcount", e->t_atomic, 52 }, { "memcg_data", e->t_ulong, 56 },
	};
	const struct ffield p1[] = {
		{ "_flags_1", e->t_ulong, 0 }, { "_head_1", e->t_ulong, 8 },
		{ "_large_mapcount", e->t_atomic, lay->folio_large_mapcount },
		{ "_entire_mapcount", e->t_atomic, lay->folio_entire_mapcount },
		{ "_nr_pages_mapped", e->t_atomic, lay->folio_nr_pages_mapped },
		{ "_pincount", e->t_atomic, lay->folio_pincount },
		{ e->legacy ? "_folio_nr_pages" : "_nr_pages", e->t_uint, lay->folio_nr_pages },
	};
	const struct ffield hugetlb[] = {
		{ e->legacy ? "_flags_2" : "_flags_3", e->t_ulong, 0 },
		{ e->legacy ? "_head_2" : "_head_3", e->t_ulong, 8 },
		{ "_hugetlb_subpool", e->t_void_ptr, 16 }, { "_hugetlb_cgroup", e->t_void_ptr, 24 },
		{ "_hugetlb_cgroup_rsvd", e->t_void_ptr, 32 }, { "_hugetlb_hwpoison", e->t_void_ptr, 40 },
	};
	const struct ffield p2[] = {
		{ "_flags_2", e->t_ulong, 0 }, { "_head_2", e->t_ulong, 8 },
		{ "_deferred_list", e->t_list_head, 16 },
	};
	int u0 = folio_page(e, "page", p0, sizeof(p0) / sizeof(p0[0]));
	int u1 = folio_page(e, "__page_1", p1, sizeof(p1) / sizeof(p1[0]));
	int u2 = e->legacy ? folio_page(e, "__page_2", hugetlb, 6) : folio_page(e, "__page_2", p2, 3);
	int u3 = e->legacy ? 0 : folio_page(e, "__page_3", hugetlb, 6);
	chk(e, btf__add_struct(e->btf, "folio", (e->legacy ? 3 : 4) * MKV_STRUCT_PAGE_SIZE));
	field(e, NULL, u0, 0);
	field(e, NULL, u1, 64);
	field(e, NULL, u2, 128);
	if (!e->legacy)
		field(e, NULL, u3, 192);
}

static void zone_types(struct enc *e)
{
	const struct mkv_layout *lay = e->lay;
	int a_fl = arr(e, e->t_list_head, (uint32_t)lay->migrate_types);
	e->t_free_area = chk(e, btf__add_struct(e->btf, "free_area", lay->size_free_area));
	field(e, "free_list", a_fl, 0);
	field(e, "nr_free", e->t_ulong, (uint32_t)lay->migrate_types * 16);
	int a_wm = arr(e, e->t_ulong, 4);
	int a_fa = arr(e, e->t_free_area, MKV_NR_PAGE_ORDERS);
	int a_stat = arr(e, e->t_atomic_long, 12);
	int a_numa = arr(e, e->t_atomic_long, 6);
	int a_tails = e->merged ? arr(e, e->t_page_ptr, MKV_NR_VMEMMAP_TAILS) : 0;
	e->t_zone = chk(e, btf__add_struct(e->btf, "zone", lay->size_zone));
	field(e, "_watermark", a_wm, 0);
	field(e, "node", e->t_int, lay->zone_node);
	field(e, "zone_pgdat", e->fwd_pglist_ptr, lay->zone_pgdat);
	field(e, "zone_start_pfn", e->t_ulong, lay->zone_start_pfn);
	field(e, "managed_pages", e->t_atomic_long, lay->zone_managed_pages);
	field(e, "spanned_pages", e->t_ulong, lay->zone_spanned_pages);
	field(e, "present_pages", e->t_ulong, lay->zone_present_pages);
	field(e, "name", e->t_const_char_ptr, lay->zone_name);
	field(e, "free_area", a_fa, lay->zone_free_area);
	field(e, "vm_stat", a_stat, lay->zone_vm_stat);
	field(e, "vm_numa_event", a_numa, lay->zone_vm_stat + 96);
	if (e->merged)
		field(e, "vmemmap_tails", a_tails, lay->zone_vmemmap_tails);

	int a_zones = arr(e, e->t_zone, MKV_MAX_NR_ZONES);
	int a_nstat = arr(e, e->t_atomic_long, e->legacy ? 47 : 67);
	int a_v3 = e->v3 ? arr(e, e->t_ulong, MKV_NR_VMEMMAP_TAILS) : 0;
	int pg = chk(e, btf__add_struct(e->btf, "pglist_data", lay->size_pglist_data));
	field(e, "node_zones", a_zones, lay->pgdat_node_zones);
	field(e, "nr_zones", e->t_int, lay->pgdat_nr_zones);
	field(e, "node_start_pfn", e->t_ulong, lay->pgdat_node_start_pfn);
	field(e, "node_present_pages", e->t_ulong, lay->pgdat_node_present_pages);
	field(e, "node_spanned_pages", e->t_ulong, lay->pgdat_node_spanned_pages);
	field(e, "node_id", e->t_int, lay->pgdat_node_id);
	field(e, "vm_stat", a_nstat, lay->pgdat_vm_stat);
	if (e->v3)
		field(e, "vmemmap_tails", a_v3, lay->pgdat_vmemmap_tails);
	chk(e, btf__add_typedef(e->btf, "pg_data_t", pg));
}

static void hstate_type(struct enc *e)
{
	const struct mkv_layout *lay = e->lay;
	uint32_t lock = e->legacy ? 32 : 24;
	int a_lock = arr(e, e->t_char, lock);
	int a_lists = arr(e, e->t_list_head, MKV_MAX_NUMNODES);
	int a_nodes = arr(e, e->t_uint, MKV_MAX_NUMNODES);
	int a_name = arr(e, e->t_char, 32);
	chk(e, btf__add_struct(e->btf, "hstate", lay->size_hstate));
	field(e, "resize_lock", a_lock, 0);
	field(e, "next_nid_to_alloc", e->t_int, lock);
	field(e, "next_nid_to_free", e->t_int, lock + 4);
	field(e, "order", e->t_uint, lay->hstate_order);
	field(e, "demote_order", e->t_uint, lay->hstate_order + 4);
	field(e, "mask", e->t_ulong, lay->hstate_mask);
	field(e, "max_huge_pages", e->t_ulong, lay->hstate_max_huge_pages);
	field(e, "nr_huge_pages", e->t_ulong, lay->hstate_nr_huge_pages);
	field(e, "free_huge_pages", e->t_ulong, lay->hstate_free_huge_pages);
	field(e, "resv_huge_pages", e->t_ulong, lay->hstate_free_huge_pages + 8);
	field(e, "surplus_huge_pages", e->t_ulong, lay->hstate_free_huge_pages + 16);
	field(e, "nr_overcommit_huge_pages", e->t_ulong, lay->hstate_free_huge_pages + 24);
	field(e, "hugepage_activelist", e->t_list_head, lay->hstate_activelist);
	field(e, "hugepage_freelists", a_lists, lay->hstate_freelists);
	field(e, "max_huge_pages_node", a_nodes, lay->hstate_max_huge_pages_node);
	field(e, "nr_huge_pages_node", a_nodes, lay->hstate_nr_huge_pages_node);
	field(e, "free_huge_pages_node", a_nodes, lay->hstate_free_huge_pages_node);
	field(e, "surplus_huge_pages_node", a_nodes, lay->hstate_free_huge_pages_node + 4096);
	field(e, "name", a_name, lay->hstate_name);
}

static void misc_types(struct enc *e)
{
	chk(e, btf__add_struct(e->btf, "mem_section", 32));
	field(e, "section_mem_map", e->t_ulong, 0);
	field(e, "usage", e->t_void_ptr, 8);
	field(e, "page_ext", e->t_void_ptr, 16);
	field(e, "pad", e->t_ulong, 24);
	int a65 = arr(e, e->t_char, 65);
	int uts = chk(e, btf__add_struct(e->btf, "new_utsname", 390));
	static const char *const names[] = { "sysname", "nodename", "release", "version", "machine",
					     "domainname" };
	for (uint32_t i = 0; i < 6; i++)
		field(e, names[i], a65, i * 65);
	chk(e, btf__add_struct(e->btf, "uts_namespace", 432));
	field(e, "name", uts, 0);
}

struct enumval {
	const char *name;
	long long value;
};

static void add_enum(struct enc *e, const char *name, const struct enumval *v, size_t n)
{
	chk(e, btf__add_enum(e->btf, name, 4));
	for (size_t i = 0; i < n && !e->err; i++)
		chk(e, btf__add_enum_value(e->btf, v[i].name, v[i].value));
}

static void enums(struct enc *e)
{
	const struct enumval pageflags[] = {
		{ "PG_locked", 0 }, { "PG_writeback", 1 }, { "PG_referenced", 2 },
		{ "PG_uptodate", 3 }, { "PG_dirty", 4 }, { "PG_lru", 5 }, { "PG_head", MKV_PG_HEAD },
		{ "PG_waiters", 7 }, { "PG_active", 8 }, { "PG_workingset", 9 },
		{ "PG_owner_priv_1", 10 }, { "PG_owner_2", 11 }, { "PG_arch_1", 12 },
		{ "PG_reserved", MKV_PG_RESERVED }, { "PG_private", 14 }, { "PG_private_2", 15 },
		{ "PG_reclaim", 16 }, { "PG_swapbacked", 17 }, { "PG_unevictable", 18 },
		{ "PG_hwpoison", e->lay->pg_hwpoison }, { "PG_swapcache", 10 },
	};
	const struct enumval pagetype[] = {
		{ "PGTY_buddy", 0xf0 }, { "PGTY_offline", 0xf1 }, { "PGTY_table", 0xf2 },
		{ "PGTY_guard", 0xf3 }, { "PGTY_hugetlb", 0xf4 }, { "PGTY_slab", 0xf5 },
		{ "PGTY_zsmalloc", 0xf6 }, { "PGTY_unaccepted", 0xf7 },
		{ "PGTY_mapcount_underflow", 0xff },
	};
	/*
	 * enum hugetlb_page_flags as 6.12 (no HPG_cma) and 7.2 have it, or with
	 * flags added before HPG_vmemmap_optimized (spec key hpg_vmemmap_optimized),
	 * which moves it and the flags after it up.
	 */
	unsigned bit = e->hpg_vmemmap_optimized;
	struct enumval hpg[MKV_HPG_VMEMMAP_OPTIMIZED_MAX + 4];
	char added[MKV_HPG_VMEMMAP_OPTIMIZED_MAX][24];
	size_t nr_hpg = 0;
	hpg[nr_hpg++] = (struct enumval){ "HPG_restore_reserve", 0 };
	hpg[nr_hpg++] = (struct enumval){ "HPG_migratable", MKV_HPG_MIGRATABLE };
	hpg[nr_hpg++] = (struct enumval){ "HPG_temporary", 2 };
	hpg[nr_hpg++] = (struct enumval){ "HPG_freed", MKV_HPG_FREED };
	for (unsigned v = MKV_HPG_VMEMMAP_OPTIMIZED; v < bit; v++) {
		snprintf(added[v - MKV_HPG_VMEMMAP_OPTIMIZED], sizeof(added[0]), "HPG_added_%u", v);
		hpg[nr_hpg++] = (struct enumval){ added[v - MKV_HPG_VMEMMAP_OPTIMIZED], v };
	}
	hpg[nr_hpg++] = (struct enumval){ "HPG_vmemmap_optimized", bit };
	hpg[nr_hpg++] = (struct enumval){ "HPG_raw_hwp_unreliable", bit + 1 };
	if (!e->legacy)
		hpg[nr_hpg++] = (struct enumval){ "HPG_cma", bit + 2 };
	hpg[nr_hpg++] = (struct enumval){ "__NR_HPAGEFLAGS", bit + (e->legacy ? 2 : 3) };
	const struct enumval zones[] = {
		{ "ZONE_DMA", 0 }, { "ZONE_DMA32", 1 }, { "ZONE_NORMAL", 2 }, { "ZONE_MOVABLE", 3 },
		{ "ZONE_DEVICE", 4 }, { "__MAX_NR_ZONES", 5 },
	};
	add_enum(e, "pageflags", pageflags, sizeof(pageflags) / sizeof(pageflags[0]));
	add_enum(e, "pagetype", pagetype, sizeof(pagetype) / sizeof(pagetype[0]));
	add_enum(e, "hugetlb_page_flags", hpg, nr_hpg);
	add_enum(e, "zone_type", zones, sizeof(zones) / sizeof(zones[0]));
}

int mkv_btf_build(struct mkv_model *m)
{
	struct enc e = { .lay = m->lay };
	int ret = -1;
	e.legacy = m->lay->gen == MKV_GEN_LEGACY;
	e.hpg_vmemmap_optimized = m->params.hpg_vmemmap_optimized;
	e.merged = m->lay->gen == MKV_GEN_MERGED;
	e.v3 = m->lay->gen == MKV_GEN_V3;
	e.btf = btf__new_empty();
	if (!e.btf)
		goto out;
	base_types(&e);
	page_type(&e);
	folio_type(&e);
	zone_types(&e);
	hstate_type(&e);
	misc_types(&e);
	enums(&e);
	if (e.err) {
		snprintf(m->errbuf, sizeof(m->errbuf), "encoding BTF failed (%d at btf.c:%d)", e.err,
			 e.err_line);
		goto out;
	}
	uint32_t size = 0;
	const void *raw = btf__raw_data(e.btf, &size);
	if (!raw)
		goto out;
	uint64_t start = m->text_vaddr + (UINT64_C(16) << 20) + BTF_AREA;
	if (mkv_phys_write(m->mem, mkv_model_image_to_paddr(m, start), raw, size) ||
	    mkv_model_add_symbol(m, "__start_BTF", start) ||
	    mkv_model_add_symbol(m, "__stop_BTF", start + size))
		goto out;
	ret = 0;
out:
	if (ret && !m->errbuf[0])
		snprintf(m->errbuf, sizeof(m->errbuf), "out of memory encoding BTF");
	btf__free(e.btf);
	return ret;
}
