/* Unit tests for struct page decoding: masks, pointers, pristine tails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "page.h"

/* x86_64 7.2 layout (VMCOREINFO of Debian 7.2.13). */
static const struct hvo_page_layout layout = {
	.size = 64, .flags_offset = 0, .compound_offset = 8, .mapping_offset = 24,
	.private_offset = 40, .mapcount_offset = 48, .refcount_offset = 52,
	.size_shift = 6, .pg_head_mask = 64, .hugetlb_type = 0xf4000000,
	.node_shift = 54, .node_bits = 10, .zone_shift = 51, .zone_bits = 3,
};

#define VMEMMAP UINT64_C(0xffffea0000000000)

static void test_mask_values(void **state)
{
	/* GENMASK(63, order + 6) | 1, from include/linux/page-flags.h. */
	assert_true(hvo_page_tail_mask(&layout, 9) == UINT64_C(0xffffffffffff8001));
	assert_true(hvo_page_tail_mask(&layout, 18) == UINT64_C(0xffffffffff000001));
	assert_true(hvo_page_tail_mask(&layout, 1) == UINT64_C(0xffffffffffffff81));
}

static void test_decode_mask(void **state)
{
	/* A 2 MiB folio at pfn 0x8000: its tail at pfn 0x8005 points back to it. */
	uint64_t head = VMEMMAP + 0x8000 * 64, tail = VMEMMAP + 0x8005 * 64;
	struct hvo_tail t;
	hvo_page_decode_tail(&layout, true, tail, hvo_page_tail_mask(&layout, 9), &t);
	assert_int_equal(t.kind, HVO_TAIL_MASK);
	assert_int_equal(t.order, 9);
	assert_true(t.head_vaddr == head);
	/* The last tail of a 1 GiB folio at pfn 0x40000. */
	uint64_t head1g = VMEMMAP + 0x40000 * 64;
	hvo_page_decode_tail(&layout, true, head1g + (0x3ffff * 64),
			     hvo_page_tail_mask(&layout, 18), &t);
	assert_int_equal(t.order, 18);
	assert_true(t.head_vaddr == head1g);
}

static void test_decode_pointer_and_none(void **state)
{
	struct hvo_tail t;
	uint64_t head = VMEMMAP + 0x8000 * 64;
	hvo_page_decode_tail(&layout, false, head + 64, head | 1, &t);
	assert_int_equal(t.kind, HVO_TAIL_POINTER);
	assert_true(t.head_vaddr == head);
	hvo_page_decode_tail(&layout, true, head, 0xffff888012345000, &t);
	assert_int_equal(t.kind, HVO_TAIL_NONE);
}

static void test_decode_bad_masks(void **state)
{
	struct hvo_tail t;
	/* A pointer where a mask belongs: not all ones above the low bits. */
	hvo_page_decode_tail(&layout, true, VMEMMAP + 64, (VMEMMAP + 0x8000 * 64) | 1, &t);
	assert_int_equal(t.kind, HVO_TAIL_BAD_MASK);
	/* Ones down into the struct page size bits: order would be negative. */
	hvo_page_decode_tail(&layout, true, VMEMMAP + 64, UINT64_C(0xffffffffffffffe1), &t);
	assert_int_equal(t.kind, HVO_TAIL_BAD_MASK);
	/* Just bit 0. */
	hvo_page_decode_tail(&layout, true, VMEMMAP + 64, 1, &t);
	assert_int_equal(t.kind, HVO_TAIL_BAD_MASK);
}

static void make_tail(unsigned char *image, unsigned int order, unsigned int node,
		      unsigned int zone)
{
	memset(image, 0, 64);
	uint64_t flags = ((uint64_t)node << 54) | ((uint64_t)zone << 51);
	uint64_t info = hvo_page_tail_mask(&layout, order);
	uint64_t mapping = HVO_TAIL_MAPPING;
	uint32_t mapcount = UINT32_MAX;
	memcpy(image + 0, &flags, 8);
	memcpy(image + 8, &info, 8);
	memcpy(image + 24, &mapping, 8);
	memcpy(image + 48, &mapcount, 4);
}

static void test_pristine_tail(void **state)
{
	unsigned char image[64];
	const char *why;
	make_tail(image, 9, 1, 2);
	assert_true(hvo_page_is_pristine_tail(&layout, image, 9, true, 1, 2, &why));
	assert_null(why);
	assert_false(hvo_page_is_pristine_tail(&layout, image, 18, true, 1, 2, &why));
	assert_string_equal(why, "compound_info is not this order's mask");
	assert_false(hvo_page_is_pristine_tail(&layout, image, 9, true, 0, 2, &why));
	assert_false(hvo_page_is_pristine_tail(&layout, image, 9, true, 1, 3, &why));
	/* v3's prep_compound_tail() defines only mapping, compound_info, private. */
	assert_true(hvo_page_is_pristine_tail(&layout, image, 9, false, 0, 0, &why));
	image[60] = 1;	/* memcg_data, which init_compound_tail() leaves zero */
	assert_true(hvo_page_is_pristine_tail(&layout, image, 9, false, 0, 0, &why));
	assert_false(hvo_page_is_pristine_tail(&layout, image, 9, true, 1, 2, &why));
	assert_non_null(strstr(why, "leaves zero"));
}

/* Struct page 0 of node 0's order-18 shared tail in a real Debian 7.2.13 dump. */
static void test_boot_time_tail(void **state)
{
	static const uint64_t real[8] = {
		0x0017ffffc0000000, 0xffffffffff000001, 0xfffff60e841ff008, 0xdead000000000400,
		0, 0, 0x00000001ffffffff, 0,
	};
	unsigned char image[64];
	const char *why;
	memcpy(image, real, sizeof(image));
	assert_true(hvo_page_is_pristine_tail(&layout, image, 18, true, 0, 2, &why));
	/* The same with a stray bit outside the LAST_CPUPID run is not. */
	uint64_t flags = real[0] | (UINT64_C(1) << 20);
	memcpy(image, &flags, 8);
	assert_false(hvo_page_is_pristine_tail(&layout, image, 18, true, 0, 2, &why));
	/* Nor a refcount of 2. */
	memcpy(image, real, sizeof(image));
	image[52] = 2;
	assert_false(hvo_page_is_pristine_tail(&layout, image, 18, true, 0, 2, &why));
}

static void test_page_fields(void **state)
{
	unsigned char image[128] = { 0 };
	uint64_t flags = (UINT64_C(3) << 54) | (UINT64_C(2) << 51) | 64;
	uint32_t type = 0xf4000000;
	uint64_t second_flags = 9;
	memcpy(image, &flags, 8);
	memcpy(image + 48, &type, 4);
	memcpy(image + 64, &second_flags, 8);
	struct hvo_page head, second;
	hvo_page_parse(&layout, image, &head);
	hvo_page_parse(&layout, image + 64, &second);
	assert_true(hvo_page_is_head(&layout, &head));
	assert_true(hvo_page_is_hugetlb(&layout, &head));
	assert_int_equal(hvo_page_node(&layout, &head), 3);
	assert_int_equal(hvo_page_zone(&layout, &head), 2);
	assert_int_equal(hvo_page_folio_order(&second), 9);
	assert_false(hvo_page_is_head(&layout, &second));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask_values),
		cmocka_unit_test(test_decode_mask),
		cmocka_unit_test(test_decode_pointer_and_none),
		cmocka_unit_test(test_decode_bad_masks),
		cmocka_unit_test(test_pristine_tail),
		cmocka_unit_test(test_boot_time_tail),
		cmocka_unit_test(test_page_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
