/* program.c - derive the kernel facts of a dump from VMCOREINFO. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"

/* A required VMCOREINFO number, with the key named when it is missing. */
static struct hvo_error *need_u64(const struct hvo_vmcoreinfo *vi, const char *key,
				  uint64_t *ret)
{
	struct hvo_error *err = hvo_vmcoreinfo_u64(vi, key, ret);
	if (err == &hvo_error_not_found)
		return hvo_error_create(HVO_ERROR_FORMAT, "VMCOREINFO has no %s", key);
	return err;
}

/* An optional one: absent leaves *ret at fallback. */
static struct hvo_error *want_u64(const struct hvo_vmcoreinfo *vi, const char *key,
				  uint64_t fallback, uint64_t *ret)
{
	struct hvo_error *err = hvo_vmcoreinfo_u64(vi, key, ret);
	if (err == &hvo_error_not_found) {
		*ret = fallback;
		return NULL;
	}
	return err;
}

static struct hvo_error *read_page_layout(struct hvo_program *prog)
{
	const struct hvo_vmcoreinfo *vi = prog->vmcoreinfo;
	struct hvo_page_layout *page = &prog->page;
	struct hvo_error *err;
	uint64_t size, flags_offset, compound_offset = 8, mapping_offset, private_offset,
		mapcount_offset, refcount_offset, head_mask;
	int64_t hugetlb_value;

	if ((err = need_u64(vi, "SIZE(page)", &size)))
		return err;
	/* Bounds: struct page is 56..80 bytes in every supported config. */
	if (size < 32 || size > 256)
		return hvo_error_create(HVO_ERROR_INVALID,
					"VMCOREINFO SIZE(page)=%" PRIu64 " is not plausible", size);
	if ((err = need_u64(vi, "OFFSET(page.flags)", &flags_offset)))
		return err;
	const char *compound_key = prog->generation == HVO_GEN_LEGACY ?
		"OFFSET(page.compound_head)" : "OFFSET(page.compound_info)";
	if (prog->generation != HVO_GEN_UNKNOWN &&
	    (err = need_u64(vi, compound_key, &compound_offset)))
		return err;
	if ((err = want_u64(vi, "OFFSET(page.mapping)", 24, &mapping_offset)) ||
	    (err = want_u64(vi, "OFFSET(page.private)", 40, &private_offset)) ||
	    (err = want_u64(vi, "OFFSET(page._mapcount)", 48, &mapcount_offset)) ||
	    (err = want_u64(vi, "OFFSET(page._refcount)", 52, &refcount_offset)) ||
	    (err = want_u64(vi, "NUMBER(PG_head_mask)", UINT64_C(1) << 6, &head_mask)))
		return err;
	err = hvo_vmcoreinfo_s64(vi, "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)", &hugetlb_value);
	if (err == &hvo_error_not_found)
		hugetlb_value = (int32_t)0xf4000000;	/* PGTY_hugetlb << 24 */
	else if (err)
		return err;
	const struct { uint64_t offset, width; const char *name; } fields[] = {
		{ flags_offset, 8, "flags" }, { compound_offset, 8, "compound_info" },
		{ mapping_offset, 8, "mapping" }, { private_offset, 8, "private" },
		{ mapcount_offset, 4, "_mapcount" }, { refcount_offset, 4, "_refcount" },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (fields[i].offset > size - fields[i].width)
			return hvo_error_create(HVO_ERROR_INVALID,
						"VMCOREINFO puts page.%s at offset %" PRIu64
						", past SIZE(page)=%" PRIu64,
						fields[i].name, fields[i].offset, size);
	}
	if (head_mask == 0 || (head_mask & (head_mask - 1)))
		return hvo_error_create(HVO_ERROR_INVALID,
					"VMCOREINFO NUMBER(PG_head_mask)=%" PRIu64 " is not one bit",
					head_mask);
	page->size = size;
	page->flags_offset = flags_offset;
	page->compound_offset = compound_offset;
	page->mapping_offset = mapping_offset;
	page->private_offset = private_offset;
	page->mapcount_offset = mapcount_offset;
	page->refcount_offset = refcount_offset;
	page->pg_head_mask = head_mask;
	page->hugetlb_type = (uint32_t)hugetlb_value;
	page->size_shift = (size & (size - 1)) == 0 ? (unsigned int)__builtin_ctzll(size) : 0;
	prog->vmemmap_tail_min_order =
		63 - (unsigned int)__builtin_clzll(2 * hvo_arch_page_size(prog->arch) / size);
	return NULL;
}

static struct hvo_error *read_layout(struct hvo_program *prog)
{
	const struct hvo_vmcoreinfo *vi = prog->vmcoreinfo;
	struct hvo_error *err;

	if ((err = prog->arch->pgtable_levels(vi, &prog->pgtable_levels,
					      &prog->pgtable_levels_source)))
		return err;
	err = hvo_vmcoreinfo_u64(vi, "SYMBOL(vmemmap)", &prog->vmemmap_base);
	if (!err) {
		/* The scan reads whole vmemmap pages of whole struct pages. */
		if (prog->vmemmap_base % hvo_arch_page_size(prog->arch))
			return hvo_error_create(HVO_ERROR_INVALID,
						"VMCOREINFO SYMBOL(vmemmap)=0x%" PRIx64
						" is not page-aligned", prog->vmemmap_base);
		prog->vmemmap_base_source = "VMCOREINFO SYMBOL(vmemmap)";
	} else if (err == &hvo_error_not_found) {
		/* Before 6.9 the base is only exported under KASLR's name... or not at all. */
		prog->vmemmap_base = prog->arch->default_vmemmap_base(prog->pgtable_levels);
		prog->vmemmap_base_source = prog->arch->default_vmemmap_base_source;
	} else {
		return err;
	}
	if ((err = want_u64(vi, "KERNELOFFSET", 0, &prog->kernel_offset)))
		return err;
	err = hvo_vmcoreinfo_s64(vi, "NUMBER(phys_base)", &prog->phys_base);
	if (err == &hvo_error_not_found)
		err = NULL;
	return err;
}

struct hvo_error *hvo_program_open(const char *path, struct hvo_program **ret)
{
	struct hvo_error *err;
	struct hvo_program *prog = calloc(1, sizeof(*prog));
	if (!prog)
		return &hvo_error_nomem;
	err = hvo_dump_open(path, &prog->dump);
	if (err)
		goto err_noprefix;
	prog->vmcoreinfo = hvo_dump_vmcoreinfo(prog->dump);
	/* hvo_dump_open() refused the architectures and page sizes we do not know. */
	prog->arch = hvo_arch_find(hvo_dump_arch(prog->dump));
	if (!prog->arch || hvo_dump_page_size(prog->dump) != hvo_arch_page_size(prog->arch)) {
		err = hvo_error_create(HVO_ERROR_INTERNAL, "no description of %s with %" PRIu64
				       "-byte pages", hvo_dump_arch(prog->dump),
				       hvo_dump_page_size(prog->dump));
		goto err;
	}
	err = hvo_vmcoreinfo_string(prog->vmcoreinfo, "OSRELEASE", &prog->release);
	if (err) {
		hvo_error_destroy(err);
		prog->release = "";
	}
	err = hvo_vmcoreinfo_generation(prog->vmcoreinfo, &prog->generation,
					&prog->generation_evidence);
	if (err)
		goto err;
	err = read_page_layout(prog);
	if (err)
		goto err;
	err = read_layout(prog);
	if (err)
		goto err;
	/* The defaults, until type information settles them. */
	err = hvo_program_settle_layout(prog, NULL);
	if (err)
		goto err;
	*ret = prog;
	return NULL;

err:
	err = hvo_error_prefix(err, "'%s'", path);
err_noprefix:
	hvo_program_close(prog);
	return err;
}

void hvo_program_close(struct hvo_program *prog)
{
	if (!prog)
		return;
	hvo_dump_close(prog->dump);
	free(prog->generation_evidence);
	free(prog->page_flags_layout_note);
	free(prog->hpg_vmemmap_optimized_note);
	free(prog->zone_spans);
	free(prog);
}
