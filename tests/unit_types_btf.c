/*
 * Unit tests for the BTF provider: layouts and hostile blobs on BTF built
 * with libbpf, and the real kernels' BTF from the sample dumps, answered
 * alike by the provider and by libbpf's reader.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <bpf/btf.h>
#include <search.h>

#include "dump.h"
#include "kallsyms.h"
#include "types_btf.h"

/* The pages the provider reads images by: the sample dumps' (x86_64's). */
#define IMAGE_PAGE 4096u

/* Type ids of interest in the built BTF, for patching. */
static int id_typedef_a, id_typedef_b;

/* A miniature of 7.2.13's layouts (offsets as in Debian's BTF). */
static struct btf *build_btf(void)
{
	struct btf *b = btf__new_empty();
	assert_non_null(b);
	int t_int = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int t_ulong = btf__add_int(b, "long unsigned int", 8, 0);
	int t_char = btf__add_int(b, "char", 1, BTF_INT_CHAR);
	assert_true(btf__add_fwd(b, "zone", BTF_FWD_STRUCT) > 0);

	/* typedef struct { unsigned long f; } memdesc_flags_t; */
	int t_mdf = btf__add_struct(b, NULL, 8);
	btf__add_field(b, "f", t_ulong, 0, 0);
	int t_mdf_td = btf__add_typedef(b, "memdesc_flags_t", t_mdf);
	/* struct page { memdesc_flags_t flags; union { struct { unsigned long compound_info; }; }; ... } */
	int t_inner = btf__add_struct(b, NULL, 8);
	btf__add_field(b, "compound_info", t_ulong, 0, 0);
	int t_union = btf__add_union(b, NULL, 40);
	btf__add_field(b, NULL, t_inner, 0, 0);
	int t_page = btf__add_struct(b, "page", 64);
	btf__add_field(b, "flags", t_mdf_td, 0, 0);
	btf__add_field(b, NULL, t_union, 64, 0);
	btf__add_field(b, "_refcount", t_int, 52 * 8, 0);
	int t_page_ptr = btf__add_ptr(b, t_page);
	int t_tails = btf__add_array(b, t_int, t_page_ptr, 16);
	int t_zone = btf__add_struct(b, "zone", 1856);
	btf__add_field(b, "spanned_pages", t_ulong, 160 * 8, 0);
	btf__add_field(b, "vmemmap_tails", t_tails, 1680 * 8, 0);
	int t_zones = btf__add_array(b, t_int, t_zone, 5);
	int t_name = btf__add_array(b, t_int, t_char, 32);
	/* const volatile qualifiers and typedefs on the way to a member */
	int t_cv = btf__add_const(b, btf__add_volatile(b, t_int));
	id_typedef_a = btf__add_typedef(b, "td_a", t_cv);
	id_typedef_b = btf__add_typedef(b, "td_b", id_typedef_a);
	btf__add_struct(b, "pglist_data", 176256);
	btf__add_field(b, "node_zones", t_zones, 0, 0);
	btf__add_field(b, "name", t_name, 9280 * 8, 0);
	btf__add_field(b, "qualified", id_typedef_b, 9312 * 8, 0);
	/* A declaration first: an enum of no enumerators (libbpf's enum forward). */
	assert_true(btf__add_fwd(b, "hugetlb_page_flags", BTF_FWD_ENUM) > 0);
	btf__add_enum(b, "hugetlb_page_flags", 4);
	btf__add_enum_value(b, "HPG_restore_reserve", 0);
	btf__add_enum_value(b, "HPG_vmemmap_optimized", 4);
	btf__add_enum(b, "node_stat_item", 4);
	btf__add_enum_value(b, "NR_LRU_BASE", 0);
	btf__add_enum_value(b, "NR_MEMMAP_PAGES", 42);
	btf__add_enum_value(b, "NR_MEMMAP_BOOT_PAGES", 43);
	btf__add_enum(b, "signed_thing", 4);
	btf__add_enum_value(b, "NEGATIVE_ONE", -1);
	btf__add_enum64(b, "wide", 8, false);
	btf__add_enum64_value(b, "WIDE_VALUE", UINT64_C(0x123456789a));
	btf__add_union(b, "u", 8);
	btf__add_field(b, "x", t_ulong, 0, 0);
	(void)t_union;
	return b;
}

static struct hvo_btf *parse_built(struct btf *b)
{
	uint32_t size;
	const void *raw = btf__raw_data(b, &size);
	assert_non_null(raw);
	struct hvo_btf *hb = NULL;
	struct hvo_error *err = hvo_btf_parse(raw, size, &hb);
	if (err)
		fail_msg("%s", err->message);
	return hb;
}

static void test_layouts(void **state)
{
	struct btf *b = build_btf();
	struct hvo_btf *hb = parse_built(b);
	uint64_t size;
	assert_null(hvo_btf_struct_size(hb, "zone", &size));	/* not the forward declaration */
	assert_int_equal(size, 1856);
	assert_null(hvo_btf_struct_size(hb, "u", &size));
	assert_int_equal(size, 8);
	assert_ptr_equal(hvo_btf_struct_size(hb, "hstate", &size), &hvo_error_not_found);
	/* A typedef of an anonymous struct counts; a typedef of an int does not. */
	assert_null(hvo_btf_struct_size(hb, "memdesc_flags_t", &size));
	assert_int_equal(size, 8);
	assert_ptr_equal(hvo_btf_struct_size(hb, "td_a", &size), &hvo_error_not_found);

	struct hvo_member m;
	assert_null(hvo_btf_member(hb, "zone", "vmemmap_tails", &m));
	assert_int_equal(m.offset, 1680);
	assert_int_equal(m.size, 128);
	assert_int_equal(m.array_len, 16);
	assert_int_equal(m.elem_size, 8);
	assert_int_equal(m.provider, HVO_TYPES_BTF);
	assert_null(hvo_btf_member(hb, "pglist_data", "node_zones", &m));
	assert_int_equal(m.offset, 0);
	assert_int_equal(m.array_len, 5);
	assert_int_equal(m.elem_size, 1856);
	assert_int_equal(m.size, 5 * 1856);
	assert_null(hvo_btf_member(hb, "pglist_data", "name", &m));
	assert_int_equal(m.offset, 9280);
	assert_int_equal(m.array_len, 32);
	assert_int_equal(m.elem_size, 1);
	assert_null(hvo_btf_member(hb, "pglist_data", "qualified", &m));
	assert_int_equal(m.offset, 9312);
	assert_int_equal(m.size, 4);
	assert_int_equal(m.array_len, 0);
	/* Through anonymous unions/structs, and a path through a typedef'd struct. */
	assert_null(hvo_btf_member(hb, "page", "compound_info", &m));
	assert_int_equal(m.offset, 8);
	assert_int_equal(m.size, 8);
	assert_null(hvo_btf_member(hb, "page", "flags.f", &m));
	assert_int_equal(m.offset, 0);
	assert_int_equal(m.size, 8);
	assert_null(hvo_btf_member(hb, "page", "_refcount", &m));
	assert_int_equal(m.offset, 52);
	assert_ptr_equal(hvo_btf_member(hb, "pglist_data", "vmemmap_tails", &m),
			 &hvo_error_not_found);
	assert_ptr_equal(hvo_btf_member(hb, "page", "flags.nope", &m), &hvo_error_not_found);
	assert_ptr_equal(hvo_btf_member(hb, "nope", "x", &m), &hvo_error_not_found);
	struct hvo_error *err = hvo_btf_member(hb, "page", "_refcount.x", &m);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "not a struct or union"));
	hvo_error_destroy(err);

	int64_t value;
	assert_null(hvo_btf_enum_value(hb, NULL, "HPG_vmemmap_optimized", &value));
	assert_int_equal(value, 4);
	assert_null(hvo_btf_enum_value(hb, NULL, "NR_MEMMAP_PAGES", &value));
	assert_int_equal(value, 42);
	assert_null(hvo_btf_enum_value(hb, NULL, "NR_MEMMAP_BOOT_PAGES", &value));
	assert_int_equal(value, 43);
	assert_null(hvo_btf_enum_value(hb, NULL, "NEGATIVE_ONE", &value));
	assert_int_equal(value, -1);
	assert_null(hvo_btf_enum_value(hb, NULL, "WIDE_VALUE", &value));
	assert_int_equal(value, INT64_C(0x123456789a));
	assert_ptr_equal(hvo_btf_enum_value(hb, NULL, "NR_NOPE", &value), &hvo_error_not_found);
	/* In a named enum: past its declaration, and only there. */
	assert_null(hvo_btf_enum_value(hb, "hugetlb_page_flags", "HPG_vmemmap_optimized", &value));
	assert_int_equal(value, 4);
	assert_null(hvo_btf_enum_value(hb, "wide", "WIDE_VALUE", &value));
	assert_int_equal(value, INT64_C(0x123456789a));
	assert_null(hvo_btf_enum_value(hb, "signed_thing", "NEGATIVE_ONE", &value));
	assert_int_equal(value, -1);
	assert_ptr_equal(hvo_btf_enum_value(hb, "node_stat_item", "HPG_vmemmap_optimized", &value),
			 &hvo_error_not_found);
	assert_ptr_equal(hvo_btf_enum_value(hb, "page", "HPG_vmemmap_optimized", &value),
			 &hvo_error_not_found);
	assert_ptr_equal(hvo_btf_enum_value(hb, "nope", "HPG_vmemmap_optimized", &value),
			 &hvo_error_not_found);
	hvo_btf_free(hb);
	btf__free(b);
}

/* Every truncation and a sweep of single-byte corruptions fail cleanly or parse. */
static void test_truncated_and_corrupt(void **state)
{
	struct btf *b = build_btf();
	uint32_t size;
	const uint8_t *raw = btf__raw_data(b, &size);
	for (uint32_t len = 0; len < size; len++) {
		struct hvo_btf *hb = NULL;
		struct hvo_error *err = hvo_btf_parse(raw, len, &hb);
		assert_non_null(err);
		assert_int_equal(err->code, HVO_ERROR_FORMAT);
		hvo_error_destroy(err);
		assert_null(hb);
	}
	uint8_t *copy = malloc(size);
	assert_non_null(copy);
	for (uint32_t pos = 0; pos < size; pos++) {
		memcpy(copy, raw, size);
		copy[pos] ^= 0xa5;
		struct hvo_btf *hb = NULL;
		struct hvo_error *err = hvo_btf_parse(copy, size, &hb);
		if (err) {
			hvo_error_destroy(err);
			continue;
		}
		/* Whatever parsed must answer or refuse, never crash or loop. */
		uint64_t sz;
		struct hvo_member m;
		int64_t v;
		hvo_error_destroy(hvo_btf_struct_size(hb, "zone", &sz));
		hvo_error_destroy(hvo_btf_member(hb, "zone", "vmemmap_tails", &m));
		hvo_error_destroy(hvo_btf_member(hb, "page", "compound_info", &m));
		hvo_error_destroy(hvo_btf_member(hb, "page", "flags.f", &m));
		hvo_error_destroy(hvo_btf_member(hb, "pglist_data", "qualified", &m));
		hvo_error_destroy(hvo_btf_enum_value(hb, NULL, "NR_MEMMAP_PAGES", &v));
		hvo_btf_free(hb);
	}
	free(copy);
	struct hvo_btf *hb = NULL;
	struct hvo_error *err = hvo_btf_parse(raw, (size_t)HVO_BTF_MAX_SIZE + 1, &hb);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "not plausible"));
	hvo_error_destroy(err);
	btf__free(b);
}

/* Point td_a back at td_b: a typedef cycle must end in an error, not a hang. */
static void test_cyclic(void **state)
{
	struct btf *b = build_btf();
	struct btf_type *t = (struct btf_type *)btf__type_by_id(b, (uint32_t)id_typedef_a);
	t->type = (uint32_t)id_typedef_b;
	struct hvo_btf *hb = parse_built(b);
	struct hvo_member m;
	struct hvo_error *err = hvo_btf_member(hb, "pglist_data", "qualified", &m);
	assert_non_null(err);
	assert_int_equal(err->code, HVO_ERROR_FORMAT);
	hvo_error_destroy(err);
	/* Other answers are unaffected. */
	assert_null(hvo_btf_member(hb, "zone", "vmemmap_tails", &m));
	assert_int_equal(m.offset, 1680);
	hvo_btf_free(hb);
	btf__free(b);
}

/* An array whose size overflows: refused, not wrapped. */
static void test_absurd_size(void **state)
{
	struct btf *b = btf__new_empty();
	int t_long = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
	int t_big = btf__add_struct(b, "big", 0x40000000);
	btf__add_field(b, "x", t_long, 0, 0);
	int t_arr = btf__add_array(b, t_long, t_big, 0x10000000);
	btf__add_struct(b, "outer", 8);
	btf__add_field(b, "huge", t_arr, 0, 0);
	struct hvo_btf *hb = parse_built(b);
	struct hvo_member m;
	struct hvo_error *err = hvo_btf_member(hb, "outer", "huge", &m);
	assert_non_null(err);
	assert_int_equal(err->code, HVO_ERROR_FORMAT);
	hvo_error_destroy(err);
	hvo_btf_free(hb);
	btf__free(b);
}

/* libbpf's answer for one member, as hvo_btf_member() gives it. */
static bool libbpf_member(const struct btf *ref, const struct btf_type *t, uint16_t i,
			  struct hvo_member *m)
{
	const struct btf_member *bm = btf_members(t) + i;
	int64_t size = btf__resolve_size(ref, bm->type);
	if (size < 0)
		return false;
	*m = (struct hvo_member){ .offset = btf_member_bit_offset(t, i) / 8, .size = (uint64_t)size,
				  .provider = HVO_TYPES_BTF };
	int id = btf__resolve_type(ref, bm->type);
	const struct btf_type *mt = id >= 0 ? btf__type_by_id(ref, (uint32_t)id) : NULL;
	if (mt && btf_is_array(mt)) {
		m->array_len = btf_array(mt)->nelems;
		int64_t elem = btf__resolve_size(ref, btf_array(mt)->type);
		if (elem < 0)
			return false;
		m->elem_size = (uint64_t)elem;
	}
	return true;
}

/*
 * Every struct and union the provider would pick by name (one in STRIDE,
 * and the ones the analysis reads), all their named members, and one
 * enumerator in STRIDE: the provider and libbpf answer alike.
 */
#define STRIDE 50

/* The first struct by each name, else the first union: what the provider picks. */
struct pick {
	const char *name;
	int is_union;
	uint32_t id;
};

static struct pick *picks;
static size_t nr_picks;

static int pick_cmp(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (x->is_union != y->is_union)
		return x->is_union - y->is_union;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void index_picks(const struct btf *ref)
{
	uint32_t n = btf__type_cnt(ref);
	picks = calloc(n, sizeof(*picks));
	assert_non_null(picks);
	nr_picks = 0;
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(ref, id);
		if (btf_is_composite(t) && t->name_off)
			picks[nr_picks++] = (struct pick){ btf__name_by_offset(ref, t->name_off),
							   btf_is_union(t), id };
	}
	qsort(picks, nr_picks, sizeof(*picks), pick_cmp);
}

static uint32_t first_by_name(const struct btf *ref, const char *name)
{
	size_t lo = 0, hi = nr_picks;
	while (lo < hi) {	/* the first entry not below name */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(picks[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nr_picks && strcmp(picks[lo].name, name) == 0 ? picks[lo].id : 0;
}
static const char *const always[] = { "page", "folio", "zone", "pglist_data", "hstate" };

/* The named enums of a BTF sorted by name, to tell the names only one enum has. */
struct named_enum {
	const char *name;
	uint32_t id;
};

static int compare_named_enums(const void *a, const void *b)
{
	const struct named_enum *x = a, *y = b;
	int r = strcmp(x->name, y->name);
	return r ? r : (x->id > y->id) - (x->id < y->id);
}

static bool enum_name_unique(const struct named_enum *enums, size_t nr, const char *name)
{
	struct named_enum key = { .name = name };
	size_t lo = 0, hi = nr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(enums[mid].name, key.name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo + 1 >= nr || strcmp(enums[lo + 1].name, name) != 0;
}

/* hb, the provider over the blob raw, answers as libbpf does. */
static void compare_with_libbpf(const void *raw, size_t size, const struct hvo_btf *hb,
				const char *what)
{
	struct btf *ref = btf__new(raw, (uint32_t)size);
	assert_non_null(ref);
	struct hvo_error *err;
	uint32_t n = btf__type_cnt(ref);
	assert_int_equal(hvo_btf_nr_types(hb), n - 1);
	unsigned int composites = 0, members = 0, enumerators = 0, picked = 0, scoped = 0;
	assert_int_not_equal(hcreate(1 << 17), 0);
	index_picks(ref);
	struct named_enum *enums = calloc(n, sizeof(*enums));
	size_t nr_enums = 0;
	assert_non_null(enums);
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(ref, id);
		if (btf_is_any_enum(t) && t->name_off)
			enums[nr_enums++] = (struct named_enum){ btf__name_by_offset(ref, t->name_off), id };
	}
	qsort(enums, nr_enums, sizeof(*enums), compare_named_enums);
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(ref, id);
		const char *name = btf__name_by_offset(ref, t->name_off);
		if (btf_is_any_enum(t)) {
			for (uint16_t i = 0; i < btf_vlen(t); i++) {
				bool is64 = btf_is_enum64(t);
				const char *e = btf__name_by_offset(ref, is64 ? btf_enum64(t)[i].name_off :
								    btf_enum(t)[i].name_off);
				int64_t value = is64 ? (int64_t)btf_enum64_value(btf_enum64(t) + i) :
					btf_kflag(t) ? (int64_t)btf_enum(t)[i].val :
					(int64_t)(uint32_t)btf_enum(t)[i].val;
				/* In its own enum, when no other enum has that name. */
				if (name[0] && enum_name_unique(enums, nr_enums, name) &&
				    scoped++ % STRIDE == 0) {
					int64_t in_enum;
					err = hvo_btf_enum_value(hb, name, e, &in_enum);
					if (err || in_enum != value)
						fail_msg("%s: enum %s, %s: %s %" PRId64 ", libbpf %"
							 PRId64, what, name, e, err ? err->message : "",
							 in_enum, value);
					assert_ptr_equal(hvo_btf_enum_value(hb, name, "NO_SUCH_ENUMERATOR",
									    &in_enum),
							 &hvo_error_not_found);
				}
				ENTRY item = { .key = (char *)e };
				if (hsearch(item, FIND))
					continue;	/* the provider answers with the first */
				assert_non_null(hsearch(item, ENTER));
				if (enumerators++ % STRIDE)
					continue;
				int64_t got;
				err = hvo_btf_enum_value(hb, NULL, e, &got);
				if (err || got != value)
					fail_msg("%s: enumerator %s: %s %" PRId64 ", libbpf %" PRId64,
						 what, e, err ? err->message : "", got, value);
			}
			continue;
		}
		if (!btf_is_composite(t) || !name[0])
			continue;
		if (first_by_name(ref, name) != id)
			continue;
		bool wanted = composites++ % STRIDE == 0;
		for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
			wanted |= strcmp(name, always[i]) == 0;
		if (!wanted)
			continue;
		picked++;
		uint64_t got_size;
		assert_null(hvo_btf_struct_size(hb, name, &got_size));
		assert_int_equal(got_size, t->size);
		for (uint16_t i = 0; i < btf_vlen(t); i++) {
			const char *mname = btf__name_by_offset(ref, btf_members(t)[i].name_off);
			if (!mname[0])
				continue;
			struct hvo_member want, got;
			bool ok = libbpf_member(ref, t, i, &want);
			err = hvo_btf_member(hb, name, mname, &got);
			if (!ok) {
				if (!err)
					fail_msg("%s: %s.%s: libbpf has no size, the provider does",
						 what, name, mname);
				hvo_error_destroy(err);
				continue;
			}
			if (err)
				fail_msg("%s: %s.%s: %s", what, name, mname, err->message);
			if (memcmp(&got, &want, sizeof(got)) != 0)
				fail_msg("%s: %s.%s: offset %" PRIu64 " size %" PRIu64 " [%" PRIu64
					 " x %" PRIu64 "], libbpf %" PRIu64 " %" PRIu64 " [%" PRIu64
					 " x %" PRIu64 "]", what, name, mname, got.offset, got.size,
					 got.array_len, got.elem_size, want.offset, want.size,
					 want.array_len, want.elem_size);
			members++;
		}
	}
	hdestroy();
	free(picks);
	free(enums);
	print_message("%s: %u types; %u of %u structs/unions, %u members, %u of %u enumerators, "
		      "%u of %u in their own enum\n", what, n - 1, picked, composites, members,
		      (enumerators + STRIDE - 1) / STRIDE, enumerators,
		      (scoped + STRIDE - 1) / STRIDE, scoped);
	assert_true(picked > 100 && members > 1000);
	btf__free(ref);
}

/* A blob in memory at a kernel address, read as from a dump; one page can be missing. */
struct image {
	const uint8_t *data;
	uint64_t address;
	size_t size;
	uint64_t missing_page;		/* an address in it, or 0 */
	/* Bytes read of each section, whatever the read was for. */
	uint64_t strings_start, strings_end, types_start, types_end;
	size_t strings_read, types_read;
	uint8_t *covered;		/* [offset]: read at least once; or NULL */
};

/* Bytes of [start, end) that [vaddr, vaddr + len) covers. */
static size_t overlap(uint64_t vaddr, size_t len, uint64_t start, uint64_t end)
{
	uint64_t lo = vaddr > start ? vaddr : start, hi = vaddr + len < end ? vaddr + len : end;
	return hi > lo ? hi - lo : 0;
}

/* Where the image's sections are, to count what is read of each. */
static void set_sections(struct image *im, const struct btf_header *hdr)
{
	im->types_start = im->address + hdr->hdr_len + hdr->type_off;
	im->types_end = im->types_start + hdr->type_len;
	im->strings_start = im->address + hdr->hdr_len + hdr->str_off;
	im->strings_end = im->strings_start + hdr->str_len;
}

static struct hvo_error *read_image(void *arg, uint64_t vaddr, void *buf, size_t len,
				    const char *what)
{
	struct image *im = arg;
	assert_true(vaddr >= im->address && len <= im->size &&
		    vaddr - im->address <= im->size - len);
	uint64_t page = im->missing_page & ~(uint64_t)(IMAGE_PAGE - 1);
	if (im->missing_page && vaddr < page + IMAGE_PAGE && vaddr + len > page)
		return hvo_error_create(HVO_ERROR_NODATA, "%s at 0x%" PRIx64 ": not in the image",
					what, vaddr);
	memcpy(buf, im->data + (vaddr - im->address), len);
	if (im->covered)
		memset(im->covered + (vaddr - im->address), 1, len);
	im->strings_read += overlap(vaddr, len, im->strings_start, im->strings_end);
	im->types_read += overlap(vaddr, len, im->types_start, im->types_end);
	return NULL;
}

/*
 * With im->missing_page gone, the lookup of struct zone fails with the
 * reader's error (what); struct hstate, on other pages, answers when
 * others_answer; with the page back, zone answers: a failed read is not
 * remembered.  Frees hb.
 */
static void check_missing_page(struct image *im, struct hvo_btf *hb, const struct btf_type *zone,
			       const struct btf_type *hstate, const char *what, bool others_answer)
{
	uint64_t got;
	struct hvo_error *err = hvo_btf_struct_size(hb, "zone", &got);
	assert_non_null(err);
	assert_int_equal(err->code, HVO_ERROR_NODATA);
	assert_non_null(strstr(err->message, what));
	hvo_error_destroy(err);
	if (others_answer) {
		assert_null(hvo_btf_struct_size(hb, "hstate", &got));
		assert_int_equal(got, hstate->size);
	}
	im->missing_page = 0;
	assert_null(hvo_btf_struct_size(hb, "zone", &got));
	assert_int_equal(got, zone->size);
	hvo_btf_free(hb);
}

/* Whether the blob is laid out as resolve_btfids sorts it: libbpf's view. */
static bool sorted_by_name(const struct btf *ref)
{
	const char *last = NULL;
	for (uint32_t id = 1; id < btf__type_cnt(ref); id++) {
		const struct btf_type *t = btf__type_by_id(ref, id);
		if (!t->name_off) {
			if (last)
				return false;	/* anonymous after named */
			continue;
		}
		const char *name = btf__name_by_offset(ref, t->name_off);
		if (last && strcmp(last, name) > 0)
			return false;
		last = name;
	}
	return true;
}

/* What the analysis asks: the structs it uses, each member. */
static void look_up_always(const struct hvo_btf *hb, const struct btf *ref, const char *what)
{
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
		uint64_t size;
		struct hvo_error *err = hvo_btf_struct_size(hb, always[i], &size);
		if (err)
			fail_msg("%s: struct %s: %s", what, always[i], err->message);
		const struct btf_type *t = btf__type_by_id(ref, first_by_name(ref, always[i]));
		for (uint16_t m = 0; m < btf_vlen(t); m++) {
			const char *mname = btf__name_by_offset(ref, btf_members(t)[m].name_off);
			struct hvo_member member;
			if (mname[0])
				hvo_error_destroy(hvo_btf_member(hb, always[i], mname, &member));
		}
	}
}

/*
 * Opened from the image, strings read as lookups need them: a sorted BTF is
 * binary-searched (a few pages of strings read), an unsorted one scanned
 * (all of them), and either answers as libbpf does.  A missing page fails
 * the lookups that need it, with the reader's error, and only those.
 */
static void check_lazy(const uint8_t *raw, size_t size, uint64_t address, const char *what)
{
	struct btf *ref = btf__new(raw, (uint32_t)size);
	assert_non_null(ref);
	const struct btf_header *hdr = btf__raw_data(ref, &(uint32_t){ 0 });
	struct image im = { .data = raw, .address = address, .size = size };
	set_sections(&im, hdr);
	struct hvo_btf *hb;
	struct hvo_error *err = hvo_btf_open(address, size, IMAGE_PAGE, read_image, &im, &hb);
	if (err)
		fail_msg("%s: %s", what, err->message);
	assert_true(im.strings_read <= 2 * IMAGE_PAGE);	/* the first and last pages */
	/* The types streamed, each byte once, plus the page where the strings start. */
	assert_true(im.types_read >= hdr->type_len && im.types_read <= hdr->type_len + IMAGE_PAGE);
	size_t types_at_open = im.types_read;
	index_picks(ref);
	const struct btf_type *zone = btf__type_by_id(ref, first_by_name(ref, "zone"));
	const struct btf_type *hstate = btf__type_by_id(ref, first_by_name(ref, "hstate"));
	look_up_always(hb, ref, what);
	/* The analysis's enumerator, in its enum: libbpf's value, within the reads bound below. */
	int hpg_id = btf__find_by_name_kind(ref, "hugetlb_page_flags", BTF_KIND_ENUM);
	assert_true(hpg_id > 0);
	const struct btf_type *hpg = btf__type_by_id(ref, (uint32_t)hpg_id);
	int64_t want = -1, got;
	for (uint16_t i = 0; i < btf_vlen(hpg); i++)
		if (!strcmp(btf__name_by_offset(ref, btf_enum(hpg)[i].name_off), "HPG_vmemmap_optimized"))
			want = btf_enum(hpg)[i].val;
	assert_true(want >= 0);
	err = hvo_btf_enum_value(hb, "hugetlb_page_flags", "HPG_vmemmap_optimized", &got);
	if (err)
		fail_msg("%s: HPG_vmemmap_optimized: %s", what, err->message);
	assert_int_equal(got, want);
	free(picks);
	bool sorted = sorted_by_name(ref);
	print_message("%s: %s, %zu of %u bytes of strings and %zu of %u of types read again "
		      "for %zu structs and their members\n", what, sorted ? "sorted" : "not sorted",
		      im.strings_read, hdr->str_len, im.types_read - types_at_open, hdr->type_len,
		      sizeof(always) / sizeof(always[0]));
	if (sorted)
		assert_true(im.strings_read < hdr->str_len / 8);
	else
		assert_true(im.strings_read == hdr->str_len);
	/* The records a lookup needs are read again, and only those. */
	assert_true(im.types_read - types_at_open < hdr->type_len / 8);
	/*
	 * Its enumerator lookups read the rest: each byte of strings once,
	 * none twice, and each byte of types at most once more.
	 */
	compare_with_libbpf(raw, size, hb, what);
	assert_int_equal(im.strings_read, hdr->str_len);
	assert_true(im.types_read <= 2 * (size_t)hdr->type_len + IMAGE_PAGE);
	hvo_btf_free(hb);

	/* The page holding struct zone's record missing once the index is built: */
	const uint8_t *blob = (const uint8_t *)hdr;
	uint64_t zone_record = address + (uint64_t)((const uint8_t *)zone - blob);
	uint64_t hstate_record = address + (uint64_t)((const uint8_t *)hstate - blob);
	assert_true(zone_record / IMAGE_PAGE != hstate_record / IMAGE_PAGE);
	assert_null(hvo_btf_open(address, size, IMAGE_PAGE, read_image, &im, &hb));
	im.missing_page = zone_record;
	check_missing_page(&im, hb, zone, hstate, "kernel BTF types at 0x", true);
	/* ... and missing from the start: the index cannot be built. */
	im.missing_page = zone_record;
	err = hvo_btf_open(address, size, IMAGE_PAGE, read_image, &im, &hb);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "kernel BTF types at 0x"));
	hvo_error_destroy(err);
	im.missing_page = 0;

	/* The page holding "zone", the name, missing: the open does not need it. */
	uint64_t strings = address + hdr->hdr_len + hdr->str_off;
	im.missing_page = strings + zone->name_off;
	assert_true(im.missing_page / IMAGE_PAGE != (strings + hstate->name_off) / IMAGE_PAGE);
	assert_null(hvo_btf_open(address, size, IMAGE_PAGE, read_image, &im, &hb));
	/* An unsorted BTF's scan needs every page, so hstate fails too there. */
	check_missing_page(&im, hb, zone, hstate, "kernel BTF strings at 0x", sorted);

	/* hvo_btf_read_all() after an open: every byte of both sections read (a slice keeps them). */
	im.covered = calloc(size, 1);
	assert_non_null(im.covered);
	assert_null(hvo_btf_open(address, size, IMAGE_PAGE, read_image, &im, &hb));
	assert_null(hvo_btf_read_all(hb));
	for (uint64_t at = im.types_start; at < im.types_end; at++)
		assert_int_equal(im.covered[at - address], 1);
	for (uint64_t at = im.strings_start; at < im.strings_end; at++)
		assert_int_equal(im.covered[at - address], 1);
	free(im.covered);
	im.covered = NULL;
	hvo_btf_free(hb);

	/* The blob moved so that a member's name runs onto a page not read yet. */
	uint16_t last = btf_vlen(zone) - 1;
	const struct btf_member *member = &btf_members(zone)[last];
	const char *mname = btf__name_by_offset(ref, member->name_off);
	assert_true(strlen(mname) > 3);
	uint64_t boundary = hdr->hdr_len + hdr->str_off + member->name_off + 3;
	im.address = (address & ~(uint64_t)(IMAGE_PAGE - 1)) + 16 * IMAGE_PAGE -
		boundary % IMAGE_PAGE;
	assert_null(hvo_btf_open(im.address, size, IMAGE_PAGE, read_image, &im, &hb));
	struct hvo_member m;
	err = hvo_btf_member(hb, "zone", mname, &m);
	if (err)
		fail_msg("%s: zone.%s across a page boundary: %s", what, mname, err->message);
	assert_int_equal(m.offset, btf_member_bit_offset(zone, last) / 8);
	hvo_btf_free(hb);
	btf__free(ref);
}

/* The BTF of each real kernel in vmcores/, read from its sample dump. */
static void test_real_kernels(void **state)
{
	static const char *const kernels[] = {
		"6.12.107-deb13-hvo-on", "7.2.13-deb14-hvo-on", "7.3-hvo-on",
	};
	const char *srcdir = getenv("srcdir") ? getenv("srcdir") : ".";
	for (size_t k = 0; k < sizeof(kernels) / sizeof(kernels[0]); k++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/vmcores/%s/vmcore.slice", srcdir, kernels[k]);
		struct hvo_dump *dump;
		struct hvo_kallsyms *ks;
		uint64_t start, stop;
		struct hvo_error *err = hvo_dump_open(path, &dump);
		if (!err)
			err = hvo_kallsyms_read(dump, hvo_dump_vmcoreinfo(dump), &ks);
		if (err)
			fail_msg("%s: %s", path, err->message);
		assert_int_equal(hvo_dump_page_size(dump), IMAGE_PAGE);
		assert_null(hvo_kallsyms_lookup(ks, "__start_BTF", &start));
		assert_null(hvo_kallsyms_lookup(ks, "__stop_BTF", &stop));
		assert_true(stop > start && stop - start < HVO_BTF_MAX_SIZE);
		void *raw = malloc(stop - start);
		assert_non_null(raw);
		assert_null(hvo_dump_read(dump, HVO_VIRT, start, raw, stop - start, "BTF"));
		struct hvo_btf *hb = NULL;
		if ((err = hvo_btf_parse(raw, stop - start, &hb)))
			fail_msg("%s: %s", kernels[k], err->message);
		compare_with_libbpf(raw, stop - start, hb, kernels[k]);
		hvo_btf_free(hb);
		check_lazy(raw, stop - start, start, kernels[k]);
		free(raw);
		hvo_kallsyms_free(ks);
		hvo_dump_close(dump);
	}
}

/*
 * Laid out as a 6.19+ kernel sorts its BTF, anonymous types and then named
 * ones by name: the first of several structs of one name, then unions, then
 * typedefs, as in an unsorted blob.
 */
static void test_sorted(void **state)
{
	struct btf *b = btf__new_empty();
	enum { ANON = 1, ARRAY, LONG, NODE, NODE_T, PAGE, PAGE2, PAGE_U, U_ONLY, ZONE_FWD, ZONE };
	assert_int_equal(btf__add_struct(b, NULL, 8), ANON);
	btf__add_field(b, "x", LONG, 0, 0);
	assert_int_equal(btf__add_array(b, LONG, LONG, 4), ARRAY);
	assert_int_equal(btf__add_int(b, "long", 8, BTF_INT_SIGNED), LONG);
	assert_int_equal(btf__add_struct(b, "node", 16), NODE);
	btf__add_field(b, "a", LONG, 64, 0);
	assert_int_equal(btf__add_typedef(b, "node_t", ANON), NODE_T);
	assert_int_equal(btf__add_struct(b, "page", 64), PAGE);
	btf__add_field(b, "flags", LONG, 0, 0);
	assert_int_equal(btf__add_struct(b, "page", 128), PAGE2);
	btf__add_field(b, "flags", LONG, 512, 0);
	assert_int_equal(btf__add_union(b, "page", 8), PAGE_U);
	assert_int_equal(btf__add_union(b, "u_only", 8), U_ONLY);
	btf__add_field(b, "x", LONG, 0, 0);
	assert_int_equal(btf__add_fwd(b, "zone", BTF_FWD_STRUCT), ZONE_FWD);
	assert_int_equal(btf__add_struct(b, "zone", 1856), ZONE);
	btf__add_field(b, "tails", ARRAY, 1680 * 8, 0);
	struct hvo_btf *hb = parse_built(b);
	uint64_t size;
	struct hvo_member m;
	assert_null(hvo_btf_struct_size(hb, "page", &size));	/* the first struct */
	assert_int_equal(size, 64);
	assert_null(hvo_btf_member(hb, "page", "flags", &m));
	assert_int_equal(m.offset, 0);
	assert_null(hvo_btf_struct_size(hb, "zone", &size));	/* not the declaration */
	assert_int_equal(size, 1856);
	assert_null(hvo_btf_member(hb, "zone", "tails", &m));
	assert_int_equal(m.offset, 1680);
	assert_int_equal(m.array_len, 4);
	assert_int_equal(m.elem_size, 8);
	assert_null(hvo_btf_struct_size(hb, "u_only", &size));
	assert_int_equal(size, 8);
	assert_null(hvo_btf_struct_size(hb, "node_t", &size));	/* typedef of a struct */
	assert_int_equal(size, 8);
	assert_ptr_equal(hvo_btf_struct_size(hb, "long", &size), &hvo_error_not_found);
	assert_ptr_equal(hvo_btf_struct_size(hb, "aaa", &size), &hvo_error_not_found);
	assert_ptr_equal(hvo_btf_struct_size(hb, "zzz", &size), &hvo_error_not_found);
	hvo_btf_free(hb);
	btf__free(b);
}

/*
 * A record read for a lookup must be the one the index walked: the blob laid
 * out so that its types and strings lie on different pages (the open reads
 * the types only through the walk's window), then struct zone's member
 * count changed in the image before the lookup reads that page.
 */
static void test_read_back_changed(void **state)
{
	struct btf *b = btf__new_empty();
	int t_long = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
	assert_int_equal(btf__add_struct(b, "zone", 16), t_long + 1);
	btf__add_field(b, "a", t_long, 0, 0);
	btf__add_field(b, "b", t_long, 64, 0);
	uint32_t size;
	const uint8_t *raw = btf__raw_data(b, &size);
	const struct btf_header *hdr = (const struct btf_header *)raw;
	uint8_t *copy = malloc(size);
	assert_non_null(copy);
	memcpy(copy, raw, size);
	uint64_t strings = hdr->hdr_len + hdr->str_off;
	assert_true(hdr->type_off + hdr->type_len <= hdr->str_off);
	struct image im = { .data = copy, .size = size,
			    .address = UINT64_C(0xffffffff82000000) - strings };
	struct hvo_btf *hb;
	assert_null(hvo_btf_open(im.address, size, IMAGE_PAGE, read_image, &im, &hb));
	/* zone's record follows long's (a header and 4 bytes): its vlen 2 becomes 3. */
	size_t info = hdr->hdr_len + hdr->type_off + sizeof(struct btf_type) + 4 +
		offsetof(struct btf_type, info);
	uint32_t word;
	memcpy(&word, copy + info, sizeof(word));
	assert_int_equal(BTF_INFO_VLEN(word), 2);
	word += 1;
	memcpy(copy + info, &word, sizeof(word));
	uint64_t got;
	struct hvo_error *err = hvo_btf_struct_size(hb, "zone", &got);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "read back other than indexed"));
	hvo_error_destroy(err);
	hvo_btf_free(hb);
	/* Unchanged, the same layout answers. */
	word -= 1;
	memcpy(copy + info, &word, sizeof(word));
	assert_null(hvo_btf_open(im.address, size, IMAGE_PAGE, read_image, &im, &hb));
	assert_null(hvo_btf_struct_size(hb, "zone", &got));
	assert_int_equal(got, 16);
	hvo_btf_free(hb);
	free(copy);
	btf__free(b);
}

/*
 * Records larger than the index walk's window: one in the middle, whose
 * tail the walk passes over, and one last, whose tail it reads after the
 * walk.  Either way every byte of the type section is read once, in order,
 * and a lookup past the big record answers.
 */
static void test_records_past_the_window(void **state)
{
	struct btf *b = btf__new_empty();
	int t_long = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
	char name[16];
	for (int big = 0; big < 2; big++) {
		snprintf(name, sizeof(name), "big%d", big);
		btf__add_struct(b, name, 8 * 12000);
		for (int i = 0; i < 12000; i++) {	/* 12 bytes each: 144,000 bytes */
			snprintf(name, sizeof(name), "m%d", i);
			btf__add_field(b, name, t_long, i * 64, 0);
		}
		if (!big) {
			btf__add_struct(b, "zone", 16);
			btf__add_field(b, "a", t_long, 0, 0);
		}
	}
	uint32_t size;
	const uint8_t *raw = btf__raw_data(b, &size);
	const struct btf_header *hdr = (const struct btf_header *)raw;
	assert_true(hdr->type_len > 2 * 144000);
	struct image im = { .data = raw, .size = size, .address = UINT64_C(0xffffffff82000123) };
	set_sections(&im, hdr);
	im.covered = calloc(size, 1);
	assert_non_null(im.covered);
	struct hvo_btf *hb;
	assert_null(hvo_btf_open(im.address, size, IMAGE_PAGE, read_image, &im, &hb));
	/* Each byte once, plus the part of the strings' first page that is types. */
	assert_true(im.types_read >= hdr->type_len && im.types_read < hdr->type_len + IMAGE_PAGE);
	for (uint64_t at = im.types_start; at < im.types_end; at++)
		assert_int_equal(im.covered[at - im.address], 1);
	uint64_t got;
	assert_null(hvo_btf_struct_size(hb, "zone", &got));
	assert_int_equal(got, 16);
	struct hvo_member m;
	assert_null(hvo_btf_member(hb, "big1", "m11999", &m));
	assert_int_equal(m.offset, 8 * 11999);
	hvo_btf_free(hb);
	free(im.covered);
	btf__free(b);
}

/* Anonymous types first but names out of order: a miss in the search is scanned for. */
static void test_looks_sorted(void **state)
{
	struct btf *b = btf__new_empty();
	btf__add_struct(b, NULL, 8);
	int t_long = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
	btf__add_field(b, "x", t_long, 0, 0);
	btf__add_struct(b, "zone", 64);
	btf__add_struct(b, "aaa", 8);
	btf__add_struct(b, "page", 32);
	struct hvo_btf *hb = parse_built(b);
	uint64_t size;
	assert_null(hvo_btf_struct_size(hb, "zone", &size));
	assert_int_equal(size, 64);
	assert_null(hvo_btf_struct_size(hb, "page", &size));
	assert_int_equal(size, 32);
	assert_ptr_equal(hvo_btf_struct_size(hb, "folio", &size), &hvo_error_not_found);
	hvo_btf_free(hb);
	btf__free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_truncated_and_corrupt),
		cmocka_unit_test(test_cyclic),
		cmocka_unit_test(test_absurd_size),
		cmocka_unit_test(test_real_kernels),
		cmocka_unit_test(test_sorted),
		cmocka_unit_test(test_looks_sorted),
		cmocka_unit_test(test_read_back_changed),
		cmocka_unit_test(test_records_past_the_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
