/* Unit tests for the VMCOREINFO parser: real notes and hostile ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmcoreinfo.h"

/* Lines as kernel/vmcore_info.c and arch/x86/kernel/vmcore_info_64.c print them. */
static const char merged_note[] =
	"OSRELEASE=7.2.13+deb14-amd64\n"
	"BUILD-ID=0123456789abcdef0123456789abcdef01234567\n"
	"PAGESIZE=4096\n"
	"SYMBOL(init_uts_ns)=ffffffff9a413440\n"
	"SYMBOL(node_online_map)=ffffffff9a4ee7e0\n"
	"SYMBOL(swapper_pg_dir)=ffffffff9a5f4000\n"
	"SYMBOL(mem_section)=ffff8e9abffd4000\n"
	"LENGTH(mem_section)=2048\n"
	"SIZE(mem_section)=16\n"
	"OFFSET(mem_section.section_mem_map)=0\n"
	"NUMBER(SECTION_SIZE_BITS)=27\n"
	"NUMBER(MAX_PHYSMEM_BITS)=46\n"
	"SIZE(page)=64\n"
	"SIZE(pglist_data)=175040\n"
	"SIZE(zone)=1856\n"
	"OFFSET(page.flags)=0\n"
	"OFFSET(page._refcount)=52\n"
	"OFFSET(page.mapping)=24\n"
	"OFFSET(page.lru)=8\n"
	"OFFSET(page._mapcount)=48\n"
	"OFFSET(page.private)=40\n"
	"OFFSET(page.compound_info)=8\n"
	"NUMBER(PG_head_mask)=64\n"
	"NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=-201326592\n"
	"SYMBOL(vmemmap)=ffffea0000000000\n"
	"NUMBER(phys_base)=-1954545664\n"
	"SYMBOL(init_top_pgt)=ffffffff9a5f4000\n"
	"NUMBER(pgtable_l5_enabled)=0\n"
	"KERNELOFFSET=18a00000\n"
	"CRASHTIME=1763860000\n";

static struct hvo_vmcoreinfo *parse_ok(const char *text)
{
	struct hvo_vmcoreinfo *vi = NULL;
	struct hvo_error *err = hvo_vmcoreinfo_parse(text, strlen(text), &vi);
	if (err)
		fail_msg("parse failed: %s", err->message);
	assert_non_null(vi);
	return vi;
}

static void test_typed_entries(void **state)
{
	struct hvo_vmcoreinfo *vi = parse_ok(merged_note);
	uint64_t u;
	int64_t s;
	const char *str;

	assert_int_equal(vi->entries.size, 30);
	assert_int_equal(vi->diags.size, 0);
	assert_null(hvo_vmcoreinfo_u64(vi, "SIZE(page)", &u));
	assert_int_equal(u, 64);
	assert_null(hvo_vmcoreinfo_u64(vi, "SYMBOL(vmemmap)", &u));
	assert_true(u == UINT64_C(0xffffea0000000000));
	assert_null(hvo_vmcoreinfo_u64(vi, "KERNELOFFSET", &u));
	assert_true(u == 0x18a00000);
	assert_null(hvo_vmcoreinfo_s64(vi, "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)", &s));
	assert_true(s == -201326592);
	assert_null(hvo_vmcoreinfo_string(vi, "OSRELEASE", &str));
	assert_string_equal(str, "7.2.13+deb14-amd64");

	const struct hvo_vmcoreinfo_entry *e = hvo_vmcoreinfo_find(vi, "OFFSET(page.compound_info)");
	assert_non_null(e);
	assert_int_equal(e->kind, HVO_VMCOREINFO_OFFSET);
	assert_string_equal(e->name, "page.compound_info");
	assert_string_equal(e->value, "8");
	e = hvo_vmcoreinfo_find(vi, "SYMBOL(init_top_pgt)");
	assert_int_equal(e->kind, HVO_VMCOREINFO_SYMBOL);
	assert_string_equal(e->name, "init_top_pgt");
	e = hvo_vmcoreinfo_find(vi, "PAGESIZE");
	assert_int_equal(e->kind, HVO_VMCOREINFO_PLAIN);

	/* A miss is the static not-found error, not an allocation. */
	assert_ptr_equal(hvo_vmcoreinfo_u64(vi, "SIZE(nonexistent)", &u), &hvo_error_not_found);
	/* Negative NUMBER read as unsigned is an error, not a wrapped value. */
	struct hvo_error *err = hvo_vmcoreinfo_u64(vi, "NUMBER(phys_base)", &u);
	assert_non_null(err);
	assert_int_equal(err->code, HVO_ERROR_INVALID);
	hvo_error_destroy(err);
	hvo_vmcoreinfo_free(vi);
}

static void check_generation(const char *text, enum hvo_generation want, const char *evidence_part)
{
	struct hvo_vmcoreinfo *vi = parse_ok(text);
	enum hvo_generation gen;
	char *evidence = NULL;
	assert_null(hvo_vmcoreinfo_generation(vi, &gen, &evidence));
	assert_int_equal(gen, want);
	assert_non_null(strstr(evidence, evidence_part));
	free(evidence);
	hvo_vmcoreinfo_free(vi);
}

static void test_generation(void **state)
{
	check_generation(merged_note, HVO_GEN_MERGED, "OSRELEASE 7.2.13+deb14-amd64 >= 7.1");
	check_generation("OSRELEASE=6.12.107+deb13-amd64\nOFFSET(page.compound_head)=8\n",
			 HVO_GEN_LEGACY, "OFFSET(page.compound_head)=8");
	check_generation("OSRELEASE=6.19.0-rc4\nOFFSET(page.compound_info)=8\n",
			 HVO_GEN_V3, "< 7.1");
	check_generation("OSRELEASE=7.1.0\nOFFSET(page.compound_info)=8\n",
			 HVO_GEN_MERGED, ">= 7.1");
	check_generation("OSRELEASE=6.1.0\nSIZE(page)=64\n", HVO_GEN_UNKNOWN,
			 "neither");
}

static void test_missing_equals(void **state)
{
	struct hvo_vmcoreinfo *vi = parse_ok("OSRELEASE=6.12\nGARBAGE LINE\nSIZE(page)=64\n");
	assert_int_equal(vi->entries.size, 2);
	assert_int_equal(vi->diags.size, 1);
	assert_string_equal(vi->diags.data[0].subject, "VMCOREINFO line 2");
	assert_non_null(strstr(vi->diags.data[0].message, "no '='"));
	hvo_vmcoreinfo_free(vi);
}

static void test_huge_numbers(void **state)
{
	struct hvo_vmcoreinfo *vi = parse_ok(
		"SIZE(page)=999999999999999999999999\n"
		"SYMBOL(x)=1ffffffffffffffff\n"
		"NUMBER(y)=-99999999999999999999\n"
		"OFFSET(z)=12abc\n"
		"OFFSET(w)=-1\n"
		"SYMBOL(v)=\n");
	uint64_t u;
	int64_t s;
	const char *keys[] = { "SIZE(page)", "SYMBOL(x)", "OFFSET(z)", "OFFSET(w)", "SYMBOL(v)" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct hvo_error *err = hvo_vmcoreinfo_u64(vi, keys[i], &u);
		assert_non_null(err);
		assert_int_equal(err->code, HVO_ERROR_INVALID);
		assert_non_null(strstr(err->message, keys[i]));
		hvo_error_destroy(err);
	}
	struct hvo_error *err = hvo_vmcoreinfo_s64(vi, "NUMBER(y)", &s);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "out of range"));
	hvo_error_destroy(err);
	hvo_vmcoreinfo_free(vi);
}

static void test_duplicate_keys(void **state)
{
	struct hvo_vmcoreinfo *vi = parse_ok(
		"SIZE(page)=64\nSIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page.flags)=8\n");
	uint64_t u;
	/* Same value twice is harmless. */
	assert_null(hvo_vmcoreinfo_u64(vi, "SIZE(page)", &u));
	assert_int_equal(u, 64);
	/* Different values: refuse to pick one. */
	struct hvo_error *err = hvo_vmcoreinfo_u64(vi, "OFFSET(page.flags)", &u);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "different values"));
	hvo_error_destroy(err);
	hvo_vmcoreinfo_free(vi);
}

static void test_no_trailing_newline(void **state)
{
	struct hvo_vmcoreinfo *vi = parse_ok("OSRELEASE=7.2.13\nSIZE(page)=64");
	uint64_t u;
	assert_null(hvo_vmcoreinfo_u64(vi, "SIZE(page)", &u));
	assert_int_equal(u, 64);
	hvo_vmcoreinfo_free(vi);
	/* CRLF and NUL padding, as some dump writers leave them. */
	static const char padded[] = "SIZE(page)=64\r\nPAGESIZE=4096\r\n\0\0\0\0";
	struct hvo_vmcoreinfo *vi2 = NULL;
	assert_null(hvo_vmcoreinfo_parse(padded, sizeof(padded), &vi2));
	assert_null(hvo_vmcoreinfo_u64(vi2, "PAGESIZE", &u));
	assert_int_equal(u, 4096);
	hvo_vmcoreinfo_free(vi2);
}

static void test_long_line(void **state)
{
	size_t len = 1024 * 1024;
	char *text = malloc(len + 64);
	assert_non_null(text);
	strcpy(text, "SIZE(page)=64\nSYMBOL(long)=");
	size_t used = strlen(text);
	memset(text + used, 'f', len - used - 100);
	strcpy(text + len - 100, "\nPAGESIZE=4096\n");
	struct hvo_vmcoreinfo *vi = NULL;
	assert_null(hvo_vmcoreinfo_parse(text, strlen(text), &vi));
	assert_int_equal(vi->entries.size, 2);
	assert_null(hvo_vmcoreinfo_find(vi, "SYMBOL(long)"));
	assert_int_equal(vi->diags.size, 1);
	assert_non_null(strstr(vi->diags.data[0].message, "over the 4096-byte limit"));
	hvo_vmcoreinfo_free(vi);

	/* Over the size limit as a whole: a clear error. */
	char *big = malloc(HVO_VMCOREINFO_MAX_SIZE + 2);
	assert_non_null(big);
	memset(big, 'A', HVO_VMCOREINFO_MAX_SIZE + 1);
	big[HVO_VMCOREINFO_MAX_SIZE + 1] = '\0';
	struct hvo_error *err = hvo_vmcoreinfo_parse(big, HVO_VMCOREINFO_MAX_SIZE + 1, &vi);
	assert_non_null(err);
	assert_int_equal(err->code, HVO_ERROR_FORMAT);
	assert_non_null(strstr(err->message, "limit"));
	hvo_error_destroy(err);
	free(big);
	free(text);
}

static void test_malformed_keys(void **state)
{
	struct hvo_vmcoreinfo *vi = parse_ok(
		"SIZE(page=64\nOFFSET()=3\n=5\nbad key=1\nSIZE(zone)=1856\n\x01\x02=3\n");
	assert_int_equal(vi->entries.size, 1);
	assert_int_equal(vi->diags.size, 5);
	hvo_vmcoreinfo_free(vi);
	struct hvo_error *err = hvo_vmcoreinfo_parse("", 0, &vi);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "no KEY=VALUE"));
	hvo_error_destroy(err);
}

static void test_entry_limit(void **state)
{
	/* More lines than the entry limit: parse stops adding, stays bounded. */
	size_t n = HVO_VMCOREINFO_MAX_ENTRIES + 10;
	char *text = malloc(n * 24);
	assert_non_null(text);
	size_t used = 0;
	for (size_t i = 0; i < n; i++)
		used += sprintf(text + used, "SIZE(t%zu)=1\n", i);
	struct hvo_vmcoreinfo *vi = NULL;
	assert_null(hvo_vmcoreinfo_parse(text, used, &vi));
	assert_int_equal(vi->entries.size, HVO_VMCOREINFO_MAX_ENTRIES);
	assert_int_equal(vi->diags.size, 10);
	hvo_vmcoreinfo_free(vi);
	free(text);
}

static void test_release(void **state)
{
	unsigned int major, minor;
	assert_null(hvo_parse_release("7.2.13+deb14-amd64", &major, &minor));
	assert_int_equal(major, 7);
	assert_int_equal(minor, 2);
	struct hvo_error *err = hvo_parse_release("garbage", &major, &minor);
	assert_non_null(err);
	hvo_error_destroy(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typed_entries),
		cmocka_unit_test(test_generation),
		cmocka_unit_test(test_missing_equals),
		cmocka_unit_test(test_huge_numbers),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_no_trailing_newline),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_malformed_keys),
		cmocka_unit_test(test_entry_limit),
		cmocka_unit_test(test_release),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
