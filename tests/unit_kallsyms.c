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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pc_relative),
		cmocka_unit_test(test_base_relative),
		cmocka_unit_test(test_absolute_percpu),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_token_boundaries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
