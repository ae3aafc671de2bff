/*
 * fuzz_btf.c - the BTF provider on a hostile blob: hvo_btf_parse()'s checks
 * of the header, sections and type records, then every query the analysis
 * makes, plus a few paths through nested and qualified members; then the
 * same through hvo_btf_open(), reading the blob as from a dump at an address
 * that moves its page boundaries, so names are read lazily page by page.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "types_btf.h"

/* The pages a dump gives it by: x86_64's. */
#define IMAGE_PAGE 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const structs[] = {
	"page", "folio", "zone", "pglist_data", "hstate", "mem_section", "free_area",
	"nodemask_t", "uts_namespace",
};

static const char *const members[][2] = {
	{ "page", "flags" }, { "page", "flags.f" }, { "page", "compound_info" },
	{ "page", "compound_head" }, { "page", "_refcount" }, { "page", "private" },
	{ "folio", "_nr_pages" }, { "zone", "vmemmap_tails" }, { "zone", "spanned_pages" },
	{ "pglist_data", "node_zones" }, { "pglist_data", "vmemmap_tails" },
	{ "pglist_data", "name" }, { "pglist_data", "qualified" },
	{ "hstate", "order" }, { "hstate", "nr_huge_pages_node" },
	{ "hstate", "free_huge_pages_node" }, { "hstate", "hugepage_freelists" },
	{ "hstate", "name" }, { "hstate", "order.x" },
};

static const char *const enumerators[] = {
	"HPG_vmemmap_optimized", "HPG_restore_reserve", "NR_MEMMAP_PAGES",
	"NR_MEMMAP_BOOT_PAGES", "PG_head", "PGTY_hugetlb", "ZONE_MOVABLE", "MAX_NR_ZONES",
};

static void query(const struct hvo_btf *btf)
{
	(void)hvo_btf_nr_types(btf);
	(void)hvo_btf_size(btf);
	for (size_t i = 0; i < sizeof(structs) / sizeof(structs[0]); i++) {
		uint64_t struct_size;
		hvo_error_destroy(hvo_btf_struct_size(btf, structs[i], &struct_size));
	}
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		struct hvo_member m;
		hvo_error_destroy(hvo_btf_member(btf, members[i][0], members[i][1], &m));
	}
	/* The analysis's own lookup: in one named enum. */
	int64_t value;
	hvo_error_destroy(hvo_btf_enum_value(btf, "hugetlb_page_flags", "HPG_vmemmap_optimized",
					     &value));
	/* Last: an enumerator lookup in any enum reads every string. */
	for (size_t i = 0; i < sizeof(enumerators) / sizeof(enumerators[0]); i++)
		hvo_error_destroy(hvo_btf_enum_value(btf, NULL, enumerators[i], &value));
}

struct image {
	const uint8_t *data;
	size_t size;
	uint64_t address;
};

/* The blob as the dump would give it; a read outside it is the provider's bug. */
static struct hvo_error *read_image(void *arg, uint64_t vaddr, void *buf, size_t len,
				    const char *what)
{
	const struct image *im = arg;
	(void)what;
	if (vaddr < im->address || len > im->size || vaddr - im->address > im->size - len)
		abort();
	memcpy(buf, im->data + (vaddr - im->address), len);
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hvo_btf *btf;
	struct hvo_error *err = hvo_btf_parse(data, size, &btf);
	if (err) {
		hvo_error_destroy(err);
		return 0;
	}
	query(btf);
	hvo_btf_free(btf);
	struct image im = { data, size, UINT64_C(0xffffffff82000000) + size % IMAGE_PAGE };
	if ((err = hvo_btf_open(im.address, size, IMAGE_PAGE, read_image, &im, &btf))) {
		hvo_error_destroy(err);
		return 0;
	}
	query(btf);
	hvo_btf_free(btf);
	return 0;
}
