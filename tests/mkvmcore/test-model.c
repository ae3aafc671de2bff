/*
 * test-model: each generation x format, read back through libkdumpfile and
 * checked against the ground truth JSON (parsed with json-c, not taken from
 * the model): tail encoding, HVO vmemmap mappings, shared tails, counters,
 * hstates; every fault's recorded addresses; kdump determinism.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <json-c/json.h>
#include <libkdumpfile/kdumpfile.h>

#include "model.h"
#include "output.h"
#include "truth.h"

struct gen_dump {
	char path[64], truth_path[64];
	int fd;
	kdump_ctx_t *ctx;
	struct json_object *truth;
	struct mkv_model model;
	struct mkv_params params;
};

static void build(struct gen_dump *d, const char *const *kv)
{
	char err[256];
	memset(d, 0, sizeof(*d));
	mkv_params_init(&d->params);
	d->params.mem_per_node = UINT64_C(4) << 30;
	for (; kv && kv[0]; kv += 2)
		if (mkv_params_set(&d->params, kv[0], kv[1], err, sizeof(err)))
			fail_msg("%s", err);
	if (mkv_model_build(&d->model, &d->params))
		fail_msg("model: %s", d->model.errbuf);
	strcpy(d->path, "mkvmcore-model-XXXXXX");
	d->fd = mkstemp(d->path);
	assert_true(d->fd >= 0);
	FILE *f = fdopen(dup(d->fd), "w+b");
	assert_non_null(f);
	if (mkv_output_write(&d->model, f, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(fclose(f), 0);
	strcpy(d->truth_path, "mkvmcore-truth-XXXXXX");
	int tfd = mkstemp(d->truth_path);
	assert_true(tfd >= 0);
	close(tfd);
	if (mkv_truth_write(&d->model, d->truth_path, err, sizeof(err)))
		fail_msg("%s", err);
	d->truth = json_object_from_file(d->truth_path);
	assert_non_null(d->truth);
	d->ctx = kdump_new();
	assert_non_null(d->ctx);
	if (kdump_open_fd(d->ctx, d->fd) != KDUMP_OK ||
	    kdump_set_string_attr(d->ctx, KDUMP_ATTR_OSTYPE, "linux") != KDUMP_OK)
		fail_msg("open: %s", kdump_get_err(d->ctx));
}

static void destroy(struct gen_dump *d)
{
	kdump_free(d->ctx);
	close(d->fd);
	unlink(d->path);
	unlink(d->truth_path);
	json_object_put(d->truth);
	mkv_model_free(&d->model);
	mkv_params_free(&d->params);
}

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("truth has no '%s'", key);
	return v;
}

static uint64_t jnum(struct json_object *o, const char *key)
{
	return (uint64_t)json_object_get_uint64(jget(o, key));
}

static uint64_t jhex(struct json_object *o, const char *key)
{
	return strtoull(json_object_get_string(jget(o, key)), NULL, 16);
}

static uint64_t kread(kdump_ctx_t *ctx, uint64_t vaddr)
{
	uint64_t v = 0;
	size_t sz = sizeof(v);
	if (kdump_read(ctx, KDUMP_KVADDR, vaddr, &v, &sz) != KDUMP_OK)
		fail_msg("read 0x%" PRIx64 ": %s", vaddr, kdump_get_err(ctx));
	return v;
}

static uint64_t xlat(kdump_ctx_t *ctx, uint64_t vaddr, int *ok)
{
	addrxlat_ctx_t *axctx;
	addrxlat_sys_t *axsys;
	assert_int_equal(kdump_get_addrxlat(ctx, &axctx, &axsys), KDUMP_OK);
	addrxlat_fulladdr_t a = { .addr = vaddr, .as = ADDRXLAT_KVADDR };
	*ok = addrxlat_fulladdr_conv(&a, ADDRXLAT_KPHYSADDR, axctx, axsys) == ADDRXLAT_OK;
	addrxlat_ctx_decref(axctx);
	addrxlat_sys_decref(axsys);
	return a.addr;
}

/* The shared tail PFN a folio's tail PTEs must map, from the truth. */
static uint64_t truth_tail_pfn(struct json_object *t, const char *gen, struct json_object *folio)
{
	uint64_t node = jnum(folio, "node"), order = jnum(folio, "order");
	const char *zone = json_object_get_string(jget(folio, "zone"));
	struct json_object *n = json_object_array_get_idx(jget(t, "nodes"), node);
	struct json_object *list = NULL;
	if (!strcmp(gen, "v3")) {
		list = jget(n, "vmemmap_tails_v3");
	} else {
		struct json_object *zones = jget(n, "zones");
		for (size_t i = 0; i < json_object_array_length(zones); i++) {
			struct json_object *z = json_object_array_get_idx(zones, i);
			if (!strcmp(json_object_get_string(jget(z, "name")), zone))
				list = jget(z, "vmemmap_tails");
		}
	}
	assert_non_null(list);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *e = json_object_array_get_idx(list, i);
		if (jnum(e, "order") == order)
			return jnum(e, "pfn");
	}
	fail_msg("no shared tail for order %" PRIu64, order);
	return 0;
}

static void check_generation(struct gen_dump *d)
{
	struct json_object *t = d->truth;
	const char *gen = json_object_get_string(jget(t, "generation"));
	bool mask = strcmp(gen, "legacy") != 0;
	uint64_t vmemmap = jhex(t, "vmemmap_base");
	struct json_object *folios = jget(t, "folios");
	size_t nr = json_object_array_length(folios);
	int ok;
	assert_true(nr > 0);
	assert_int_equal(jnum(t, "folios_total"), nr);

	for (size_t i = 0; i < nr; i++) {
		struct json_object *f = json_object_array_get_idx(folios, i);
		uint64_t pfn = jnum(f, "head_pfn"), order = jnum(f, "order");
		uint64_t head = vmemmap + pfn * 64;
		bool hvo = json_object_get_boolean(jget(f, "hvo"));
		bool hugetlb = !strcmp(json_object_get_string(jget(f, "kind")), "hugetlb");
		assert_int_equal(jhex(f, "head_address"), head);

		uint64_t flags = kread(d->ctx, head);
		assert_true(flags & (1u << MKV_PG_HEAD));
		assert_int_equal(flags >> MKV_NODES_PGSHIFT, jnum(f, "node"));
		uint32_t type = (uint32_t)(kread(d->ctx, head + 48) & 0xffffffff);
		if (hugetlb) {
			assert_int_equal(type >> 24, MKV_PGTY_HUGETLB);
			uint64_t priv = kread(d->ctx, head + 40);
			assert_int_equal(!!(priv & (1u << MKV_HPG_VMEMMAP_OPTIMIZED)), hvo);
		}
		/* order in the second struct page, tail encoding */
		assert_int_equal(kread(d->ctx, head + 64) & 0xff, order);
		uint64_t expect_info = mask ? ((~UINT64_C(0) << (order + 6)) | 1) : (head | 1);
		assert_int_equal(kread(d->ctx, head + 64 + 8), expect_info);
		/* a tail far from the head (in the shared part when optimised) */
		uint64_t far = head + ((UINT64_C(1) << order) - 1) * 64;
		uint64_t far_info = kread(d->ctx, far + 8);
		if (mask) {
			assert_int_equal(far_info, expect_info);
			assert_int_equal(far & far_info, head);
		} else if (hvo) {
			/* legacy HVO: every tail vmemmap page is the head page: a fake head */
			assert_true(kread(d->ctx, far - 63 * 64) & (1u << MKV_PG_HEAD));
		} else {
			assert_int_equal(far_info, head | 1);
		}
		if (!hvo)
			continue;
		/* page tables: head page RW to its own frame, tails RO to the shared one */
		uint64_t head_frame = jnum(f, "head_vmemmap_pfn");
		assert_int_equal(xlat(d->ctx, head, &ok) >> 12, head_frame);
		assert_true(ok);
		uint64_t tail_frame = mask ? truth_tail_pfn(t, gen, f) : head_frame;
		for (uint64_t k = 1; k < (UINT64_C(1) << order) / 64; k += 7) {
			assert_int_equal(xlat(d->ctx, head + k * 4096, &ok) >> 12, tail_frame);
			assert_true(ok);
		}
	}

	/* shared tails: the array entries in the dump */
	struct json_object *nodes = jget(t, "nodes");
	const struct mkv_layout *lay = d->model.lay;
	for (size_t n = 0; n < json_object_array_length(nodes); n++) {
		struct json_object *node = json_object_array_get_idx(nodes, n);
		uint64_t pgdat = jhex(node, "pgdat");
		struct json_object *v3 = jget(node, "vmemmap_tails_v3");
		for (size_t i = 0; i < json_object_array_length(v3); i++) {
			struct json_object *e = json_object_array_get_idx(v3, i);
			assert_int_equal(kread(d->ctx, pgdat + lay->pgdat_vmemmap_tails + jnum(e, "index") * 8),
					 jnum(e, "pfn"));
		}
		struct json_object *zones = jget(node, "zones");
		for (size_t z = 0; z < json_object_array_length(zones); z++) {
			struct json_object *zone = json_object_array_get_idx(zones, z);
			uint64_t za = pgdat + jnum(zone, "index") * lay->size_zone;
			assert_int_equal(kread(d->ctx, za + lay->zone_start_pfn), jnum(zone, "start_pfn"));
			struct json_object *tails = jget(zone, "vmemmap_tails");
			for (size_t i = 0; i < json_object_array_length(tails); i++) {
				struct json_object *e = json_object_array_get_idx(tails, i);
				assert_int_equal(kread(d->ctx, za + 1680 + jnum(e, "index") * 8),
						 jhex(e, "address"));
				/* the tail page content: init_compound_tail() */
				uint64_t tp = d->model.page_offset + jnum(e, "pfn") * 4096;
				assert_int_equal(kread(d->ctx, tp + 24), MKV_TAIL_MAPPING);
				assert_int_equal(kread(d->ctx, tp + 8),
						 (~UINT64_C(0) << (jnum(e, "order") + 6)) | 1);
			}
		}
	}

	/* the kernel's counters */
	struct json_object *syms = jget(t, "symbols"), *kc = jget(t, "kernel_counters");
	assert_int_equal(kread(d->ctx, jhex(syms, "nr_memmap_pages")), jnum(kc, "nr_memmap_pages"));
	assert_int_equal(kread(d->ctx, jhex(syms, "nr_memmap_boot_pages")),
			 jnum(kc, "nr_memmap_boot_pages"));
	assert_int_equal(kread(d->ctx, jhex(syms, "vmemmap_optimize_enabled")) & 0xff, 1);
	struct json_object *key;
	if (json_object_object_get_ex(kc, "hugetlb_optimize_vmemmap_key", &key)) {
		assert_true(strcmp(gen, "merged") != 0);
		uint64_t hvo_folios = 0;
		for (size_t i = 0; i < nr; i++)
			hvo_folios += json_object_get_boolean(jget(json_object_array_get_idx(folios, i),
								   "hvo"));
		assert_int_equal(json_object_get_uint64(key), hvo_folios);
		assert_int_equal(kread(d->ctx, jhex(syms, "hugetlb_optimize_vmemmap_key")) & 0xffffffff,
				 hvo_folios);
	} else {
		assert_string_equal(gen, "merged");
	}

	/* savings arithmetic */
	struct json_object *tot = jget(jget(t, "savings"), "total");
	assert_int_equal((int64_t)json_object_get_int64(jget(tot, "bytes_saved")),
			 ((int64_t)jnum(tot, "pages_saved") - (int64_t)jnum(tot, "shared_tail_pages")) * 4096);
	if (!mask)
		assert_int_equal(jnum(tot, "shared_tail_pages"), 0);
}

#define SCENARIO "nodes", "2", "hugepages_2m", "6", "hugepages_2m_boot", "2", "hugepages_1g_boot", \
	"1", "hugepages_1g", "1", "no_hvo_2m", "2", "in_use_2m", "3", "thp", "1", "compound", "2"

#define GEN_TEST(name, gen, fmt, levels)                                        \
	static void name(void **state)                                          \
	{                                                                       \
		static const char *const kv[] = { "generation", gen, "format", fmt, \
						  "levels", levels, SCENARIO, NULL }; \
		struct gen_dump d;                                              \
		build(&d, kv);                                                  \
		check_generation(&d);                                           \
		destroy(&d);                                                    \
	}

GEN_TEST(test_legacy_elf, "legacy", "elf", "4")
GEN_TEST(test_legacy_kdump, "legacy", "kdump", "5")
GEN_TEST(test_v3_elf, "v3", "elf", "5")
GEN_TEST(test_v3_kdump, "v3", "kdump", "4")
GEN_TEST(test_merged_elf, "merged", "elf", "4")
GEN_TEST(test_merged_kdump, "merged", "kdump", "5")

/* Every fault alone: the recorded PTE or word is in the dump with the recorded value. */
static void check_fault(const char *gen, const char *fault)
{
	const char *const kv[] = { "generation", gen, "format", "kdump", "faults", fault, SCENARIO, NULL };
	struct gen_dump d;
	build(&d, kv);
	struct json_object *faults = jget(d.truth, "faults");
	assert_int_equal(json_object_array_length(faults), 1);
	struct json_object *r = json_object_array_get_idx(faults, 0);
	assert_string_equal(json_object_get_string(jget(r, "id")), fault);
	struct json_object *v;
	if (json_object_object_get_ex(r, "pte_address", &v)) {
		uint64_t pte = kread(d.ctx, jhex(r, "pte_address"));
		assert_int_equal(pte, jhex(r, "actual"));
		int ok;
		uint64_t pa = xlat(d.ctx, jhex(r, "address"), &ok);
		assert_true(ok);
		assert_int_equal(pa >> 12, (pte & MKV_PTE_ADDR_MASK) >> 12);
	} else if (!strcmp(fault, "hvo-flag-mismatch")) {
		assert_int_equal(kread(d.ctx, jhex(r, "address") + 40), jhex(r, "actual"));
	} else if (!strcmp(fault, "compound-bad-mask") || !strcmp(fault, "shared-tail-corrupt")) {
		assert_int_equal(kread(d.ctx, jhex(r, "address") + 8), jhex(r, "actual"));
	} else if (json_object_object_get_ex(r, "entry_address", &v)) {
		assert_int_equal(kread(d.ctx, jhex(r, "entry_address")), jhex(r, "address"));
	} else if (!strcmp(fault, "memmap-misaligned")) {
		assert_int_equal(jhex(r, "address"), jhex(d.truth, "vmemmap_base"));
		assert_int_not_equal(jhex(r, "address") & ((UINT64_C(1) << 28) - 1), 0);
	} else {
		fail_msg("no check for %s", fault);
	}
	destroy(&d);
}

static void test_faults_merged(void **state)
{
	for (int i = 0; i < MKV_NR_FAULTS; i++)
		check_fault("merged", mkv_fault_name((enum mkv_fault)i));
}

static void test_faults_v3(void **state)
{
	for (int i = 0; i < MKV_NR_FAULTS; i++)
		if (i != MKV_FAULT_TAIL_CROSS_ZONE)
			check_fault("v3", mkv_fault_name((enum mkv_fault)i));
}

static void test_faults_legacy(void **state)
{
	static const char *const ok[] = { "tail-writable", "head-shared", "head-readonly",
					   "hvo-flag-mismatch", "memmap-misaligned",
					   "compound-bad-mask", NULL };
	for (int i = 0; ok[i]; i++)
		check_fault("legacy", ok[i]);
}

static void test_faults_combined(void **state)
{
	static const char *const kv[] = { "generation", "merged", "format", "elf", "faults",
					  "tail-writable,head-readonly,vmemmap-tails-unused,compound-bad-mask",
					  SCENARIO, NULL };
	struct gen_dump d;
	build(&d, kv);
	assert_int_equal(json_object_array_length(jget(d.truth, "faults")), 4);
	destroy(&d);
}

static void test_spec_errors(void **state)
{
	struct mkv_params p;
	struct mkv_model m;
	char err[256];
	mkv_params_init(&p);
	assert_int_not_equal(mkv_params_set(&p, "faults", "no-such-fault", err, sizeof(err)), 0);
	assert_int_not_equal(mkv_params_set(&p, "levels", "3", err, sizeof(err)), 0);
	assert_int_not_equal(mkv_params_set(&p, "nodes", "65", err, sizeof(err)), 0);
	assert_int_equal(mkv_params_set(&p, "generation", "legacy", err, sizeof(err)), 0);
	assert_int_equal(mkv_params_set(&p, "faults", "fake-heads-on-mask-kernel", err, sizeof(err)), 0);
	assert_int_not_equal(mkv_model_build(&m, &p), 0);
	mkv_model_free(&m);
	mkv_params_free(&p);
}

/* kdump output is byte-identical for the same spec and seed. */
static void test_kdump_deterministic(void **state)
{
	static const char *const kv[] = { "generation", "merged", "format", "kdump", "seed", "9",
					  SCENARIO, NULL };
	char *buf[2];
	long len[2];
	for (int i = 0; i < 2; i++) {
		struct gen_dump d;
		build(&d, kv);
		FILE *f = fopen(d.path, "rb");
		assert_non_null(f);
		fseek(f, 0, SEEK_END);
		len[i] = ftell(f);
		rewind(f);
		buf[i] = malloc((size_t)len[i]);
		assert_int_equal(fread(buf[i], (size_t)len[i], 1, f), 1);
		fclose(f);
		destroy(&d);
	}
	assert_int_equal(len[0], len[1]);
	assert_memory_equal(buf[0], buf[1], (size_t)len[0]);
	free(buf[0]);
	free(buf[1]);
}

static uint64_t vmci_symbol(kdump_ctx_t *ctx, const char *name)
{
	kdump_addr_t a = 0;
	if (kdump_vmcoreinfo_symbol(ctx, name, &a) != KDUMP_OK)
		fail_msg("SYMBOL(%s): %s", name, kdump_get_err(ctx));
	return a;
}

static void kread_buf(kdump_ctx_t *ctx, uint64_t vaddr, void *buf, size_t len)
{
	size_t sz = len;
	if (kdump_read(ctx, KDUMP_KVADDR, vaddr, buf, &sz) != KDUMP_OK || sz != len)
		fail_msg("read %zu bytes at 0x%" PRIx64 ": %s", len, vaddr, kdump_get_err(ctx));
}

/* Decode kallsyms from the dump on its own and compare with the truth's symbols. */
static void check_kallsyms(struct gen_dump *d, bool legacy)
{
	kdump_ctx_t *ctx = d->ctx;
	uint64_t a_num = vmci_symbol(ctx, "kallsyms_num_syms");
	uint64_t a_names = vmci_symbol(ctx, "kallsyms_names");
	uint64_t a_tt = vmci_symbol(ctx, "kallsyms_token_table");
	uint64_t a_ti = vmci_symbol(ctx, "kallsyms_token_index");
	uint64_t a_off = vmci_symbol(ctx, "kallsyms_offsets");
	uint64_t relbase = 0;
	if (legacy)
		relbase = kread(ctx, vmci_symbol(ctx, "kallsyms_relative_base"));
	uint32_t n;
	kread_buf(ctx, a_num, &n, 4);
	assert_true(n > 10 && n < 1000);
	size_t names_len = a_tt - a_names, tt_len = a_ti - a_tt;
	uint8_t *names = malloc(names_len), *tt = malloc(tt_len);
	uint16_t ti[256];
	int32_t *offs = malloc(n * 4);
	kread_buf(ctx, a_names, names, names_len);
	kread_buf(ctx, a_tt, tt, tt_len);
	kread_buf(ctx, a_ti, ti, sizeof(ti));
	kread_buf(ctx, a_off, offs, n * 4);
	struct json_object *syms = jget(d->truth, "symbols");
	size_t pos = 0, found = 0;
	for (uint32_t i = 0; i < n; i++) {
		char name[256];
		size_t len = names[pos++], out = 0;
		for (size_t k = 0; k < len; k++) {
			const char *tok = (const char *)tt + ti[names[pos + k]];
			while (*tok && out < sizeof(name) - 1)
				name[out++] = *tok++;
		}
		name[out] = '\0';
		pos += len;
		uint64_t addr = legacy ? relbase - 1 - (uint64_t)(int64_t)offs[i]
				       : a_off + 4 * (uint64_t)i + (uint64_t)(int64_t)offs[i];
		struct json_object *v;
		if (!json_object_object_get_ex(syms, name + 1, &v))
			fail_msg("kallsyms has '%s' the truth does not", name + 1);
		assert_int_equal(addr, strtoull(json_object_get_string(v), NULL, 16));
		found += !strcmp(name + 1, "hstates") || !strcmp(name + 1, "__start_BTF") ||
			 !strcmp(name, "Tstart_kernel") || !strcmp(name, "bnr_memmap_pages");
	}
	assert_int_equal(found, 4);
	free(offs);
	free(tt);
	free(names);
}

/* Offset of a member, looking through anonymous struct/union members. */
static long btf_member_off(const struct btf *btf, int type_id, const char *name)
{
	const struct btf_type *t = btf__type_by_id(btf, (unsigned)type_id);
	const struct btf_member *mem = btf_members(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, mem++) {
		const char *mn = btf__name_by_offset(btf, mem->name_off);
		if (mn && !strcmp(mn, name))
			return (long)(mem->offset / 8);
		if (!mem->name_off) {
			long inner = btf_member_off(btf, (int)mem->type, name);
			if (inner >= 0)
				return (long)(mem->offset / 8) + inner;
		}
	}
	return -1;
}

static long btf_struct(const struct btf *btf, const char *name, long *size_ret)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
	assert_true(id > 0);
	*size_ret = (long)btf__type_by_id(btf, (unsigned)id)->size;
	return id;
}

/* The kernel's own BTF, read from the dump and parsed by libbpf. */
static void check_btf(struct gen_dump *d, const char *gen)
{
	struct json_object *syms = jget(d->truth, "symbols");
	uint64_t start = jhex(syms, "__start_BTF"), stop = jhex(syms, "__stop_BTF");
	assert_true(stop > start && stop - start < (1u << 20));
	void *raw = malloc(stop - start);
	kread_buf(d->ctx, start, raw, stop - start);
	struct btf *btf = btf__new(raw, (uint32_t)(stop - start));
	assert_non_null(btf);
	long size;
	int page = (int)btf_struct(btf, "page", &size);
	assert_int_equal(size, 64);
	assert_int_equal(btf_member_off(btf, page, strcmp(gen, "legacy") ? "compound_info"
									   : "compound_head"), 8);
	assert_int_equal(btf_member_off(btf, page, "private"), 40);
	assert_int_equal(btf_member_off(btf, page, "_mapcount"), 48);
	int zone = (int)btf_struct(btf, "zone", &size);
	int pgdat = (int)btf_struct(btf, "pglist_data", &size);
	int folio = (int)btf_struct(btf, "folio", &size);
	int hs = (int)btf_struct(btf, "hstate", &size);
	assert_int_equal(btf_member_off(btf, zone, "zone_start_pfn"), 144);
	if (!strcmp(gen, "merged")) {
		btf_struct(btf, "zone", &size);
		assert_int_equal(size, 1856);
		assert_int_equal(btf_member_off(btf, zone, "vmemmap_tails"), 1680);
		assert_int_equal(btf_member_off(btf, pgdat, "vmemmap_tails"), -1);
		assert_int_equal(btf_member_off(btf, folio, "_nr_pages"), 120);
		assert_int_equal(btf_member_off(btf, hs, "order"), 32);
	} else if (!strcmp(gen, "v3")) {
		assert_int_equal(btf_member_off(btf, zone, "vmemmap_tails"), -1);
		assert_int_equal(btf_member_off(btf, pgdat, "vmemmap_tails"), 175568);
	} else {
		btf_struct(btf, "zone", &size);
		assert_int_equal(size, 1536);
		assert_int_equal(btf_member_off(btf, hs, "order"), 40);
		assert_int_equal(btf_member_off(btf, folio, "_folio_nr_pages"), 96);
	}
	int e = btf__find_by_name_kind(btf, "hugetlb_page_flags", BTF_KIND_ENUM);
	assert_true(e > 0);
	const struct btf_type *et = btf__type_by_id(btf, (unsigned)e);
	const struct btf_enum *ev = btf_enum(et);
	bool seen = false;
	for (unsigned i = 0; i < btf_vlen(et); i++, ev++)
		if (!strcmp(btf__name_by_offset(btf, ev->name_off), "HPG_vmemmap_optimized"))
			seen = ev->val == 4;
	assert_true(seen);
	btf__free(btf);
	free(raw);
}

#define SYMS_TEST(name, gen, fmt)                                               \
	static void name(void **state)                                          \
	{                                                                       \
		static const char *const kv[] = { "generation", gen, "format", fmt, \
						  SCENARIO, NULL };             \
		struct gen_dump d;                                              \
		build(&d, kv);                                                  \
		check_kallsyms(&d, !strcmp(gen, "legacy"));                     \
		check_btf(&d, gen);                                             \
		destroy(&d);                                                    \
	}

SYMS_TEST(test_symbols_legacy, "legacy", "kdump")
SYMS_TEST(test_symbols_v3, "v3", "elf")
SYMS_TEST(test_symbols_merged, "merged", "kdump")

static void test_no_kallsyms_no_btf(void **state)
{
	static const char *const kv[] = { "kallsyms", "no", "btf", "no", SCENARIO, NULL };
	struct gen_dump d;
	build(&d, kv);
	kdump_addr_t a;
	assert_int_not_equal(kdump_vmcoreinfo_symbol(d.ctx, "kallsyms_names", &a), KDUMP_OK);
	struct json_object *v;
	assert_false(json_object_object_get_ex(jget(d.truth, "symbols"), "__start_BTF", &v));
	destroy(&d);
}

/* Zones are disjoint and inside their node; folios inside one zone and one RAM range. */
static void check_layout(const char *const *kv)
{
	struct mkv_params p;
	struct mkv_model m;
	char err[256];
	mkv_params_init(&p);
	for (; kv[0]; kv += 2)
		if (mkv_params_set(&p, kv[0], kv[1], err, sizeof(err)))
			fail_msg("%s", err);
	if (mkv_model_build(&m, &p))
		fail_msg("model: %s", m.errbuf);
	for (unsigned n = 0; n < m.nr_nodes; n++) {
		const struct mkv_node *node = &m.nodes[n];
		uint64_t prev_end = node->start_pfn;
		for (int z = 0; z < MKV_MAX_NR_ZONES; z++) {
			const struct mkv_zone *zone = &node->zones[z];
			if (!zone->spanned_pages)
				continue;
			assert_true(zone->start_pfn >= prev_end);
			prev_end = zone->start_pfn + zone->spanned_pages;
			assert_true(prev_end <= node->end_pfn);
			assert_true(zone->present_pages <= zone->spanned_pages);
		}
	}
	for (size_t i = 0; i < m.nr_folios; i++) {
		const struct mkv_folio *f = &m.folios[i];
		uint64_t last = f->head_pfn + (UINT64_C(1) << f->order) - 1;
		const struct mkv_zone *zone = &m.nodes[f->node].zones[f->zone];
		assert_true(f->head_pfn >= zone->start_pfn);
		assert_true(last < zone->start_pfn + zone->spanned_pages);
		assert_int_equal(f->head_pfn & ((UINT64_C(1) << f->order) - 1), 0);
		if (i)
			assert_true(m.folios[i - 1].head_pfn + (UINT64_C(1) << m.folios[i - 1].order) <=
				    f->head_pfn);
	}
	mkv_model_free(&m);
	mkv_params_free(&p);
}

static void test_layouts(void **state)
{
	static const char *const big_node0[] = { "mem_per_node", "96G", "hugepages_1g", "2", NULL };
	static const char *const movable[] = { "mem_per_node", "2G", "movable_per_node", "1G",
					       "hugepages_2m", "8", NULL };
	static const char *const movable8[] = { "nodes", "3", "mem_per_node", "8G",
						"movable_per_node", "4G", "hugepages_1g_boot", "3",
						"hugepages_2m", "20", "thp", "3", "compound", "5", NULL };
	static const char *const odd[] = { "nodes", "5", "mem_per_node", "1152M", "hugepages_2m",
					   "3", "levels", "5", NULL };
	check_layout(big_node0);
	check_layout(movable);
	check_layout(movable8);
	check_layout(odd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_elf),
		cmocka_unit_test(test_legacy_kdump),
		cmocka_unit_test(test_v3_elf),
		cmocka_unit_test(test_v3_kdump),
		cmocka_unit_test(test_merged_elf),
		cmocka_unit_test(test_merged_kdump),
		cmocka_unit_test(test_faults_merged),
		cmocka_unit_test(test_faults_v3),
		cmocka_unit_test(test_faults_legacy),
		cmocka_unit_test(test_faults_combined),
		cmocka_unit_test(test_spec_errors),
		cmocka_unit_test(test_kdump_deterministic),
		cmocka_unit_test(test_symbols_legacy),
		cmocka_unit_test(test_symbols_v3),
		cmocka_unit_test(test_symbols_merged),
		cmocka_unit_test(test_no_kallsyms_no_btf),
		cmocka_unit_test(test_layouts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
