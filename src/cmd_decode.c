/* cmd_decode.c - `decode ADDR|PFN`: one struct page, its tail encoding and its head. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

static const struct hvo_cmd_option json_option[] = {
	HVO_CMD_OPTION_JSON,
	HVO_CMD_OPTION_END,
};

struct decoded {
	uint64_t pfn, vaddr;
	struct hvo_page page;
	struct hvo_tail tail;
	bool head_read;
	uint64_t head_pfn;
	struct hvo_page head, head_second;
	bool head_has_pg_head, order_matches;
	bool fake_head;		/* looks like a head but sits at a tail's address */
	uint64_t fake_head_real_head;
};

static struct hvo_error *parse_target(struct hvo_cmd_ctx *ctx, const char *arg,
				      uint64_t *pfn_ret)
{
	const struct hvo_program *prog = ctx->prog;
	uint64_t value;
	bool address = true;	/* a symbol is an address, never a pfn */
	if (isdigit((unsigned char)arg[0])) {
		char *end;
		errno = 0;
		unsigned long long number = strtoull(arg, &end, 0);
		if (errno || *end)
			return hvo_error_create(HVO_ERROR_USAGE,
						"decode: '%s' is not an address or pfn", arg);
		value = number;
		address = value >= prog->vmemmap_base;
	} else {
		struct hvo_error *err = hvo_cmd_parse_address(ctx, arg, &value);
		if (err && err->code == HVO_ERROR_USAGE) {
			hvo_error_destroy(err);
			return hvo_error_create(HVO_ERROR_USAGE, "decode: '%s' is not an address, "
						"a pfn or a symbol", arg);
		}
		if (err)
			return hvo_error_prefix(err, "decode");
	}
	uint64_t max_pfn = hvo_dump_max_pfn(prog->dump);
	if (address) {
		uint64_t end = prog->vmemmap_base + max_pfn * prog->page.size;
		if (value < prog->vmemmap_base || (max_pfn && value >= end))
			return hvo_error_create(HVO_ERROR_USAGE,
						"decode: '%s' (0x%" PRIx64 ") is not in the vmemmap "
						"(0x%" PRIx64 "-0x%" PRIx64 "): give a struct page's "
						"address or a pfn", arg, value, prog->vmemmap_base, end);
		uint64_t offset = value - prog->vmemmap_base;
		if (offset % prog->page.size)
			return hvo_error_create(HVO_ERROR_USAGE,
						"decode: 0x%" PRIx64 " is not the start of a struct page "
						"(%u bytes each from 0x%" PRIx64 ")",
						value, prog->page.size, prog->vmemmap_base);
		*pfn_ret = offset / prog->page.size;
	} else {
		*pfn_ret = value;
	}
	if (max_pfn && *pfn_ret >= max_pfn)
		return hvo_error_create(HVO_ERROR_USAGE, "decode: pfn 0x%" PRIx64 " is beyond the "
					"dump's memory (its page frames end at max_pfn 0x%" PRIx64 ")",
					*pfn_ret, max_pfn);
	if (*pfn_ret >> 40)
		return hvo_error_create(HVO_ERROR_USAGE, "decode: pfn 0x%" PRIx64 " is out of range",
					*pfn_ret);
	return NULL;
}

static struct hvo_error *read_page(struct hvo_cmd_ctx *ctx, uint64_t vaddr,
				   struct hvo_page *ret, const char *what)
{
	unsigned char image[256];
	const struct hvo_page_layout *layout = &ctx->prog->page;
	struct hvo_error *err = hvo_dump_read(ctx->prog->dump, HVO_VIRT, vaddr, image,
					      layout->size, what);
	if (err)
		return err;
	hvo_page_parse(layout, image, ret);
	return NULL;
}

static struct hvo_error *decode(struct hvo_cmd_ctx *ctx, uint64_t pfn, struct decoded *d)
{
	const struct hvo_program *prog = ctx->prog;
	const struct hvo_page_layout *layout = &prog->page;
	bool mask_mode = prog->generation != HVO_GEN_LEGACY;
	struct hvo_error *err;

	d->pfn = pfn;
	d->vaddr = prog->vmemmap_base + pfn * layout->size;
	if ((err = read_page(ctx, d->vaddr, &d->page, "struct page")))
		return err;
	hvo_page_decode_tail(layout, mask_mode, d->vaddr, d->page.compound, &d->tail);

	if (d->tail.kind == HVO_TAIL_MASK || d->tail.kind == HVO_TAIL_POINTER) {
		if (d->tail.head_vaddr < prog->vmemmap_base ||
		    (d->tail.head_vaddr - prog->vmemmap_base) % layout->size)
			return NULL;	/* a head outside the memmap: shown as is */
		d->head_pfn = (d->tail.head_vaddr - prog->vmemmap_base) / layout->size;
		if ((err = read_page(ctx, d->tail.head_vaddr, &d->head, "head struct page")) ||
		    (err = read_page(ctx, d->tail.head_vaddr + layout->size, &d->head_second,
				     "second struct page of the folio")))
			return err;
		d->head_read = true;
		d->head_has_pg_head = hvo_page_is_head(layout, &d->head);
		unsigned int order = hvo_page_folio_order(&d->head_second);
		d->order_matches = d->tail.kind != HVO_TAIL_MASK || order == d->tail.order;
	} else if (hvo_page_is_head(layout, &d->page) &&
		   d->vaddr % hvo_arch_page_size(prog->arch) == 0) {
		/* Legacy fake head: a page-aligned "head" whose next page names another head. */
		struct hvo_page next;
		if ((err = read_page(ctx, d->vaddr + layout->size, &next, "next struct page")))
			return err;
		struct hvo_tail next_tail;
		hvo_page_decode_tail(layout, mask_mode, d->vaddr + layout->size, next.compound,
				     &next_tail);
		if (next_tail.kind != HVO_TAIL_NONE && next_tail.head_vaddr != d->vaddr) {
			d->fake_head = true;
			d->fake_head_real_head = next_tail.head_vaddr;
		}
	}
	return NULL;
}

static const char *tail_kind_name(enum hvo_tail_kind kind)
{
	switch (kind) {
	case HVO_TAIL_NONE: return "none";
	case HVO_TAIL_POINTER: return "pointer";
	case HVO_TAIL_MASK: return "mask";
	case HVO_TAIL_BAD_MASK: return "bad-mask";
	}
	return "?";
}

static struct hvo_error *decode_exec(struct hvo_cmd_ctx *ctx, int argc, char **argv,
				     void **result_ret)
{
	if (argc != 2)
		return hvo_error_create(HVO_ERROR_USAGE, "%s: expects one ADDR or PFN", argv[0]);
	uint64_t pfn = 0;
	struct hvo_error *err = parse_target(ctx, argv[1], &pfn);
	if (err)
		return err;
	struct decoded *d = calloc(1, sizeof(*d));
	if (!d)
		return &hvo_error_nomem;
	if ((err = decode(ctx, pfn, d))) {
		free(d);
		return err;
	}
	*result_ret = d;
	return NULL;
}

static struct hvo_error *decode_render_json(struct hvo_cmd_ctx *ctx, const void *arg)
{
	const struct decoded *d = arg;
	const struct hvo_page_layout *layout = &ctx->prog->page;
	bool is_head = hvo_page_is_head(layout, &d->page);
	bool hugetlb = hvo_page_is_hugetlb(layout, &d->page);
	json_object *result = hvo_json_result_new("decode");
	if (!result)
		return &hvo_error_nomem;
	json_object_object_add(result, "pfn", hvo_json_u64(d->pfn));
	json_object_object_add(result, "vaddr", hvo_json_hex(d->vaddr));
	json_object_object_add(result, "flags", hvo_json_hex(d->page.flags));
	json_object_object_add(result, "compound_info", hvo_json_hex(d->page.compound));
	json_object_object_add(result, "mapping", hvo_json_hex(d->page.mapping));
	json_object_object_add(result, "private", hvo_json_hex(d->page.private));
	json_object_object_add(result, "node", json_object_new_int(hvo_page_node(layout, &d->page)));
	unsigned int zone = hvo_page_zone(layout, &d->page);
	json_object_object_add(result, "zone",
			       json_object_new_string(hvo_arch_zone_name(ctx->prog->arch, zone)));
	json_object_object_add(result, "zone_index", json_object_new_int(zone));
	json_object_object_add(result, "pg_head", json_object_new_boolean(is_head));
	json_object_object_add(result, "hugetlb", json_object_new_boolean(is_head && hugetlb));
	json_object_object_add(result, "tail", json_object_new_string(tail_kind_name(d->tail.kind)));
	if (d->tail.kind == HVO_TAIL_MASK)
		json_object_object_add(result, "mask_order", json_object_new_int(d->tail.order));
	if (d->tail.kind == HVO_TAIL_MASK || d->tail.kind == HVO_TAIL_POINTER) {
		json_object_object_add(result, "head_vaddr", hvo_json_hex(d->tail.head_vaddr));
		if (d->head_read) {
			json_object_object_add(result, "head_pfn", hvo_json_u64(d->head_pfn));
			json_object_object_add(result, "head_has_pg_head",
					       json_object_new_boolean(d->head_has_pg_head));
			json_object_object_add(result, "head_folio_order",
					       json_object_new_int(hvo_page_folio_order(&d->head_second)));
			json_object_object_add(result, "head_agrees",
					       json_object_new_boolean(d->head_has_pg_head &&
								       d->order_matches));
		}
	}
	json_object_object_add(result, "fake_head", json_object_new_boolean(d->fake_head));
	if (d->fake_head)
		json_object_object_add(result, "real_head_vaddr", hvo_json_hex(d->fake_head_real_head));
	return hvo_cmd_json_emit(ctx, result);
}

static struct hvo_error *decode_render_text(struct hvo_cmd_ctx *ctx, const void *arg)
{
	const struct decoded *d = arg;
	const struct hvo_page_layout *layout = &ctx->prog->page;
	bool is_head = hvo_page_is_head(layout, &d->page);
	bool hugetlb = hvo_page_is_hugetlb(layout, &d->page);
	FILE *out = ctx->out;
	fprintf(out, "struct page 0x%016" PRIx64 "  pfn 0x%" PRIx64 "\n", d->vaddr, d->pfn);
	fprintf(out, "  flags      0x%016" PRIx64 "  node %u zone %s%s%s\n", d->page.flags,
		hvo_page_node(layout, &d->page),
		hvo_arch_zone_name(ctx->prog->arch, hvo_page_zone(layout, &d->page)),
		is_head ? " PG_head" : "", is_head && hugetlb ? " hugetlb" : "");
	fprintf(out, "  %-10s 0x%016" PRIx64 "\n",
		ctx->prog->generation == HVO_GEN_LEGACY ? "comp_head" : "comp_info", d->page.compound);
	fprintf(out, "  mapping    0x%016" PRIx64 "%s\n", d->page.mapping,
		d->page.mapping == HVO_TAIL_MAPPING ? " (TAIL_MAPPING)" : "");
	fprintf(out, "  private    0x%016" PRIx64 "\n", d->page.private);
	switch (d->tail.kind) {
	case HVO_TAIL_NONE:
		fprintf(out, "  not a tail%s\n", is_head ? " (a head)" : "");
		break;
	case HVO_TAIL_BAD_MASK:
		fprintf(out, "  tail with an invalid mask: compound_head() of it is garbage\n");
		break;
	case HVO_TAIL_MASK:
		fprintf(out, "  tail, mask 0x%016" PRIx64 " encodes order %u\n",
			d->tail.raw & ~UINT64_C(1), d->tail.order);
		/* fall through */
	case HVO_TAIL_POINTER:
		fprintf(out, "  head at 0x%016" PRIx64, d->tail.head_vaddr);
		if (d->head_read)
			fprintf(out, " (pfn 0x%" PRIx64 "): %s, folio order %u%s\n", d->head_pfn,
				d->head_has_pg_head ? "PG_head set" : "PG_head NOT set",
				hvo_page_folio_order(&d->head_second),
				d->order_matches ? "" : " -- does NOT match the mask");
		else
			fputs(" (outside the memmap)\n", out);
		break;
	}
	if (d->fake_head)
		fprintf(out, "  fake head: a copy of the head at 0x%016" PRIx64
			" seen through a remapped tail vmemmap page\n", d->fake_head_real_head);
	return NULL;
}

const struct hvo_cmd hvo_cmd_decode = {
	.name = "decode",
	.args = "ADDR|PFN",
	.summary = "decode one struct page: tail encoding, mask order, head",
	.help = "Reads the struct page at a vmemmap address (or of a page frame number)\n"
		"through the kernel page tables and shows its flags, the raw compound_info\n"
		"or compound_head, whether it is a tail, the order a mask encodes, the head\n"
		"it resolves to and whether that head agrees (PG_head set, folio order\n"
		"equal to the mask's).  Legacy fake heads are recognised.\n"
		"Rows: comp_info (comp_head on legacy kernels) is the word that makes a\n"
		"page a tail; mapping is TAIL_MAPPING on a tail the kernel prepared.",
	.needs_dump = true,
	.options = json_option,
	.exec = decode_exec,
	.render_text = decode_render_text,
	.render_json = decode_render_json,
	.free_result = free,
};

/* Another name for decode: a struct page is what both show. */
const struct hvo_cmd hvo_cmd_page = {
	.name = "page",
	.args = "ADDR|PFN",
	.summary = "alias of decode",
	.help = "The same as decode: one struct page, its flags, tail encoding and head.",
	.needs_dump = true,
	.options = json_option,
	.exec = decode_exec,
	.render_text = decode_render_text,
	.render_json = decode_render_json,
	.free_result = free,
};
