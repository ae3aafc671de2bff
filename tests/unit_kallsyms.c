/* Unit tests for the kallsyms decoder: hand-built tables in each encoding, and hostile ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kallsyms.h"

/*
 * A table builder: token b is the one-character string b, except 0 = ""
 * (empty), 0xfe = "Tfo" and 0xff = "_start".
 */
struct builder {
	uint8_t token_table[1024];
	size_t token_table_size;
	uint8_t token_index[512];
	uint8_t names[4096];
	size_t names_size;
	uint8_t offsets[64];
	uint32_t num_syms;
};

static void builder_init(struct builder *b)
{
	memset(b, 0, sizeof(*b));
	for (unsigned int i = 0; i < 256; i++) {
		b->token_index[2 * i] = (uint8_t)(b->token_table_size & 0xff);
		b->token_index[2 * i + 1] = (uint8_t)(b->token_table_size >> 8);
		if (i == 0xff) {
			memcpy(b->token_table + b->token_table_size, "_start", 7);
			b->token_table_size += 7;
		} else if (i == 0xfe) {
			/* A token carrying the type character and the name's start. */
			memcpy(b->token_table + b->token_table_size, "Tfo", 4);
			b->token_table_size += 4;
		} else {
			if (i)
				b->token_table[b->token_table_size++] = (uint8_t)i;
			b->token_table[b->token_table_size++] = 0;
		}
	}
}

/* Append a symbol "type + name" (0xff bytes in name stand for the "_start" token). */
static void builder_add_n(struct builder *b, const char *typed_name, size_t len, int32_t offset)
{
	if (len >= 0x80) {
		b->names[b->names_size++] = (uint8_t)((len & 0x7f) | 0x80);
		b->names[b->names_size++] = (uint8_t)(len >> 7);
	} else {
		b->names[b->names_size++] = (uint8_t)len;
	}
	memcpy(b->names + b->names_size, typed_name, len);
	b->names_size += len;
	uint32_t u = (uint32_t)offset;
	for (int k = 0; k < 4; k++)
		b->offsets[4 * b->num_syms + k] = (uint8_t)(u >> (8 * k));
	b->num_syms++;
}

static void builder_add(struct builder *b, const char *typed_name, int32_t offset)
{
	builder_add_n(b, typed_name, strlen(typed_name), offset);
}

static struct hvo_kallsyms_tables builder_tables(const struct builder *b)
{
	return (struct hvo_kallsyms_tables){
		.num_syms = b->num_syms,
		.names = b->names, .names_size = b->names_size,
		.token_table = b->token_table, .token_table_size = b->token_table_size,
		.token_index = b->token_index, .offsets = b->offsets,
		.offsets_vaddr = UINT64_C(0xffffffff82000000),
	};
}

static char long_name[300];

static void build_sample(struct builder *b)
{
	builder_init(b);
	builder_add(b, "T_stext", 0x1000);
	builder_add(b, "R_\xff_BTF", 0x2000);	/* "__start_BTF" through the "_start" token */
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[0] = 'D';
	builder_add(b, long_name, 0x3000);	/* 299 bytes: two-byte length */
	builder_add(b, "Dhstates", -0x4000);
	builder_add(b, "thstates", 0x5000);	/* a second, later symbol of the same name */
}

static void test_pc_relative(void **state)
{
	struct builder b;
	build_sample(&b);
	struct hvo_kallsyms_tables t = builder_tables(&b);
	struct hvo_kallsyms *ks;
	assert_null(hvo_kallsyms_decode(&t, &ks));
	assert_int_equal(hvo_kallsyms_count(ks), 5);
	assert_int_equal(hvo_kallsyms_encoding(ks), HVO_KALLSYMS_PC_RELATIVE);
	uint64_t addr;
	char type;
	assert_null(hvo_kallsyms_lookup_type(ks, "_stext", &addr, &type));
	assert_int_equal(addr, UINT64_C(0xffffffff82000000) + 0x1000);
	assert_int_equal(type, 'T');
	assert_null(hvo_kallsyms_lookup_type(ks, "__start_BTF", &addr, &type));
	assert_int_equal(addr, UINT64_C(0xffffffff82000004) + 0x2000);
	assert_int_equal(type, 'R');
	assert_null(hvo_kallsyms_lookup(ks, long_name + 1, &addr));
	assert_int_equal(addr, UINT64_C(0xffffffff82000008) + 0x3000);
	/* Duplicates: the first in table order wins. */
	assert_null(hvo_kallsyms_lookup_type(ks, "hstates", &addr, &type));
	assert_int_equal(addr, UINT64_C(0xffffffff8200000c) - 0x4000);
	assert_int_equal(type, 'D');
	assert_ptr_equal(hvo_kallsyms_lookup(ks, "nope", &addr), &hvo_error_not_found);
	assert_ptr_equal(hvo_kallsyms_lookup(ks, "", &addr), &hvo_error_not_found);
	assert_ptr_equal(hvo_kallsyms_lookup(ks, "zzz", &addr), &hvo_error_not_found);
	hvo_kallsyms_free(ks);
}

static void test_base_relative(void **state)
{
	struct builder b;
	builder_init(&b);
	builder_add(&b, "T_stext", 0x1000);
	builder_add(&b, "Dnode_data", 0x7fff0000);
	struct hvo_kallsyms_tables t = builder_tables(&b);
	t.has_relative_base = true;
	t.relative_base = UINT64_C(0xffffffff81000000);
	struct hvo_kallsyms *ks;
	assert_null(hvo_kallsyms_decode(&t, &ks));
	assert_int_equal(hvo_kallsyms_encoding(ks), HVO_KALLSYMS_BASE_RELATIVE);
	uint64_t addr;
	assert_null(hvo_kallsyms_lookup(ks, "node_data", &addr));
	assert_int_equal(addr, UINT64_C(0xffffffff81000000) + 0x7fff0000);
	hvo_kallsyms_free(ks);
}

static void test_absolute_percpu(void **state)
{
	struct builder b;
	builder_init(&b);
	builder_add(&b, "Afixed_percpu_data", 0x0);
	builder_add(&b, "Dcurrent_task", 0x2c000);
	builder_add(&b, "T_stext", -1);	/* relative_base - 1 - (-1) = relative_base */
	builder_add(&b, "Dhstates", -0x1000001);
	struct hvo_kallsyms_tables t = builder_tables(&b);
	t.has_relative_base = true;
	t.relative_base = UINT64_C(0xffffffffa0400000);
	struct hvo_kallsyms *ks;
	assert_null(hvo_kallsyms_decode(&t, &ks));
	assert_int_equal(hvo_kallsyms_encoding(ks), HVO_KALLSYMS_ABSOLUTE_PERCPU);
	uint64_t addr;
	assert_null(hvo_kallsyms_lookup(ks, "current_task", &addr));
	assert_int_equal(addr, 0x2c000);
	assert_null(hvo_kallsyms_lookup(ks, "_stext", &addr));
	assert_int_equal(addr, UINT64_C(0xffffffffa0400000));
	assert_null(hvo_kallsyms_lookup(ks, "hstates", &addr));
	assert_int_equal(addr, UINT64_C(0xffffffffa1400000));
	hvo_kallsyms_free(ks);
}

static void expect_format_error(const struct hvo_kallsyms_tables *t, const char *needle)
{
	struct hvo_kallsyms *ks = NULL;
	struct hvo_error *err = hvo_kallsyms_decode(t, &ks);
	assert_non_null(err);
	assert_int_equal(err->code, HVO_ERROR_FORMAT);
	if (!strstr(err->message, needle))
		fail_msg("message '%s' lacks '%s'", err->message, needle);
	hvo_error_destroy(err);
	assert_null(ks);
}

static void test_hostile(void **state)
{
	struct builder b;
	build_sample(&b);
	struct hvo_kallsyms_tables t = builder_tables(&b);

	/* Every truncation of the names stream is caught. */
	for (size_t size = 0; size < b.names_size; size++) {
		t.names_size = size;
		expect_format_error(&t, "ends inside symbol");
	}
	t = builder_tables(&b);
	t.num_syms = UINT32_MAX;
	expect_format_error(&t, "not plausible");

	/* A token index past the table, and a table without a final NUL. */
	t = builder_tables(&b);
	b.token_index[2 * 'x' + 1] = 0x40;
	expect_format_error(&t, "kallsyms_token_index[120]");
	build_sample(&b);
	t = builder_tables(&b);
	t.token_table_size -= 1;	/* "_start" loses its NUL */
	expect_format_error(&t, "kallsyms_token_index[255]");
	t.token_table_size = 0;
	expect_format_error(&t, "empty");

	/* A name that expands past KSYM_NAME_LEN through long tokens. */
	builder_init(&b);
	char name[200];
	name[0] = 'T';
	memset(name + 1, 0xff, sizeof(name) - 2);	/* 198 * "_start" */
	name[sizeof(name) - 1] = 0;
	builder_add(&b, name, 0);
	t = builder_tables(&b);
	expect_format_error(&t, "expands past");
}

/* Names hash across token boundaries: the type may share a token with the name. */
static void test_token_boundaries(void **state)
{
	struct builder b;
	builder_init(&b);
	builder_add(&b, "\xfeo", 0x10);		/* "Tfo" "o": T foo */
	builder_add_n(&b, "\0Tbar", 5, 0x20);	/* "" "T" "bar": the empty token is no type */
	builder_add(&b, "tfoo", 0x30);		/* the same name in other tokens: a duplicate */
	builder_add(&b, "D\xfe", 0x40);		/* "D" "Tfo": D Tfo */
	struct hvo_kallsyms_tables t = builder_tables(&b);
	struct hvo_kallsyms *ks;
	assert_null(hvo_kallsyms_decode(&t, &ks));
	uint64_t addr;
	char type;
	assert_null(hvo_kallsyms_lookup_type(ks, "foo", &addr, &type));
	assert_int_equal(addr, UINT64_C(0xffffffff82000000) + 0x10);
	assert_int_equal(type, 'T');
	assert_null(hvo_kallsyms_lookup_type(ks, "bar", &addr, &type));
	assert_int_equal(addr, UINT64_C(0xffffffff82000004) + 0x20);
	assert_int_equal(type, 'T');
	assert_null(hvo_kallsyms_lookup_type(ks, "Tfo", &addr, &type));
	assert_int_equal(addr, UINT64_C(0xffffffff8200000c) + 0x40);
	assert_int_equal(type, 'D');
	assert_ptr_equal(hvo_kallsyms_lookup(ks, "fo", &addr), &hvo_error_not_found);
	assert_ptr_equal(hvo_kallsyms_lookup(ks, "Tfoo", &addr), &hvo_error_not_found);

	/* Completion: each name once, sorted, only those with the prefix. */
	size_t cursor = 0;
	assert_string_equal(hvo_kallsyms_complete(ks, "", &cursor), "Tfo");
	assert_string_equal(hvo_kallsyms_complete(ks, "", &cursor), "bar");
	assert_string_equal(hvo_kallsyms_complete(ks, "", &cursor), "foo");
	assert_null(hvo_kallsyms_complete(ks, "", &cursor));
	cursor = 0;
	assert_string_equal(hvo_kallsyms_complete(ks, "f", &cursor), "foo");
	assert_null(hvo_kallsyms_complete(ks, "f", &cursor));
	hvo_kallsyms_free(ks);
}

/*
 * A kernel image with the name-sorted table (scripts/kallsyms.c's layout,
 * pc-relative, 4-aligned): symbols "s00000".. at IMAGE_TEXT + 0x40 * i,
 * so name order is index order and kallsyms_seqs_of_names is the identity.
 */
#define IMAGE_BASE UINT64_C(0xffffffff82000000)
#define IMAGE_TEXT (IMAGE_BASE + 0x100000)
#define SORTED_SYMS 12000u	/* 12 chunks of the seqs table: some not sampled */

struct image {
	uint8_t *bytes;
	size_t size;
	struct hvo_kallsyms_location loc;
	size_t seqs;		/* where kallsyms_seqs_of_names starts */
};

static void put32(uint8_t *p, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		p[k] = (uint8_t)(v >> (8 * k));
}

static void build_image(struct image *im)
{
	uint32_t n = SORTED_SYMS;
	size_t names_size = 8 * (size_t)n, nr_markers = (n + 255) / 256;
	size_t size = 4 + names_size + 4 * nr_markers + 2 * 256 + 512 + 4 * (size_t)n + 3 * (size_t)n;
	im->bytes = calloc(1, size);
	assert_non_null(im->bytes);
	uint8_t *p = im->bytes;
	put32(p, n);
	size_t names = 4, at = names;
	for (uint32_t i = 0; i < n; i++) {
		if (i % 256 == 0)
			put32(p + names + names_size + 4 * (i / 256), (uint32_t)(at - names));
		p[at] = 7;	/* "T" + "s%05u": one token a character */
		snprintf((char *)p + at + 1, 8, "Ts%05u", (unsigned int)i);
		at += 8;
	}
	size_t tokens = names + names_size + 4 * nr_markers, index = tokens + 2 * 256;
	for (unsigned int b = 0; b < 256; b++) {
		p[tokens + 2 * b] = (uint8_t)b;	/* token b: the character b */
		p[index + 2 * b] = (uint8_t)((2 * b) & 0xff);
		p[index + 2 * b + 1] = (uint8_t)((2 * b) >> 8);
	}
	size_t offsets = index + 512;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t vaddr = IMAGE_BASE + offsets + 4 * (uint64_t)i;
		put32(p + offsets + 4 * (size_t)i, (uint32_t)(IMAGE_TEXT + 0x40 * (uint64_t)i - vaddr));
	}
	im->seqs = offsets + 4 * (size_t)n;
	for (uint32_t i = 0; i < n; i++) {
		p[im->seqs + 3 * (size_t)i] = (uint8_t)(i >> 16);
		p[im->seqs + 3 * (size_t)i + 1] = (uint8_t)(i >> 8);
		p[im->seqs + 3 * (size_t)i + 2] = (uint8_t)i;
	}
	im->size = size;
	im->loc = (struct hvo_kallsyms_location){
		.num_syms = IMAGE_BASE, .names = IMAGE_BASE + names,
		.token_table = IMAGE_BASE + tokens, .token_index = IMAGE_BASE + index,
		.offsets = IMAGE_BASE + offsets,
	};
}

static struct hvo_error *read_image(void *arg, uint64_t vaddr, void *buf, size_t len,
				    const char *what)
{
	const struct image *im = arg;
	if (vaddr < IMAGE_BASE || vaddr - IMAGE_BASE > im->size ||
	    len > im->size - (vaddr - IMAGE_BASE))
		return hvo_error_create(HVO_ERROR_NODATA, "%s: not in the image", what);
	memcpy(buf, im->bytes + (vaddr - IMAGE_BASE), len);
	return NULL;
}

static void set_seq(struct image *im, uint32_t pos, uint32_t value)
{
	uint8_t *e = im->bytes + im->seqs + 3 * (size_t)pos;
	e[0] = (uint8_t)(value >> 16);
	e[1] = (uint8_t)(value >> 8);
	e[2] = (uint8_t)value;
}

static void expect_symbol(const struct hvo_kallsyms *ks, uint32_t i)
{
	char name[16];
	uint64_t address;
	snprintf(name, sizeof(name), "s%05u", (unsigned int)i);
	struct hvo_error *err = hvo_kallsyms_lookup(ks, name, &address);
	if (err)
		fail_msg("%s: %s", name, err->message);
	assert_int_equal(address, IMAGE_TEXT + 0x40 * (uint64_t)i);
}

/* The sorted table, read a chunk at a time: answers, and entries checked when used. */
static void test_sorted_table(void **state)
{
	struct image im;
	build_image(&im);
	struct hvo_kallsyms *ks;
	assert_null(hvo_kallsyms_open(&im.loc, read_image, &im, &ks));
	assert_string_equal(hvo_kallsyms_method(ks), "kallsyms_seqs_of_names");
	for (uint32_t i = 0; i < SORTED_SYMS; i += 997)
		expect_symbol(ks, i);
	expect_symbol(ks, SORTED_SYMS - 1);
	uint64_t address;
	assert_ptr_equal(hvo_kallsyms_lookup(ks, "s99999", &address), &hvo_error_not_found);
	hvo_kallsyms_free(ks);

	/*
	 * A bad entry in chunk 3, which opening does not sample: the lookup
	 * that meets it fails with what is wrong, others still answer.
	 */
	set_seq(&im, 3 * 1024 + 5, 0xffffff);
	assert_null(hvo_kallsyms_open(&im.loc, read_image, &im, &ks));
	assert_string_equal(hvo_kallsyms_method(ks), "kallsyms_seqs_of_names");
	char name[16];
	snprintf(name, sizeof(name), "s%05u", 3 * 1024 + 5);
	struct hvo_error *err = hvo_kallsyms_lookup(ks, name, &address);
	assert_non_null(err);
	assert_int_equal(err->code, HVO_ERROR_FORMAT);
	assert_non_null(strstr(err->message, "kallsyms_seqs_of_names[3077] = 16777215"));
	hvo_error_destroy(err);
	expect_symbol(ks, 9000);
	hvo_kallsyms_free(ks);

	/* A repeated index in a sampled chunk: not the table; every name is read instead. */
	set_seq(&im, 3 * 1024 + 5, 3 * 1024 + 5);
	set_seq(&im, 1, 0);
	assert_null(hvo_kallsyms_open(&im.loc, read_image, &im, &ks));
	assert_string_equal(hvo_kallsyms_method(ks), "hashed names");
	expect_symbol(ks, 1);
	expect_symbol(ks, 3 * 1024 + 5);
	hvo_kallsyms_free(ks);
	free(im.bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pc_relative),
		cmocka_unit_test(test_base_relative),
		cmocka_unit_test(test_absolute_percpu),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_token_boundaries),
		cmocka_unit_test(test_sorted_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
