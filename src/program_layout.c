/*
 * program_layout.c - settle what a struct page's words hold that VMCOREINFO
 * does not say: the node and zone bits of page->flags and the bit of
 * HPG_vmemmap_optimized in a hugetlb head's private.
 *
 * Settled once, before any command decodes struct pages with them, so the
 * analysis reads a program it never changes.  The bit comes from the
 * kernel's enum where a type provider has it.  The node and zone widths
 * (CONFIG_NODES_SHIFT and the zone count vary) are tried on the struct page
 * at each zone's first pfn, whose node and zone the zone spans give.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "kstate.h"
#include "program.h"

/* The widths tried, widest first: NODES_SHIFT is at most 10 on x86_64. */
#define MAX_NODE_BITS 10
#define MAX_ZONE_BITS 3

/* The flags of a zone's first struct page, and the node and zone they must say. */
struct flags_sample {
	uint64_t flags;
	unsigned int node, zone;
};

/* What leaves the default: no provider knows it, the dump lacks it or holds garbage. */
static bool is_miss(const struct hvo_error *err)
{
	return err == &hvo_error_not_found || err->code == HVO_ERROR_NODATA ||
		err->code == HVO_ERROR_TRANSLATE || err->code == HVO_ERROR_INVALID;
}

/*
 * HPG_vmemmap_optimized's bit: a kernel that adds a hugetlb flag before it
 * moves it, and the bit decides every folio's hvo-flag-mismatch check.
 * Without the types' word, the default and a note that says why.
 */
static struct hvo_error *settle_hpg_bit(struct hvo_types *types, unsigned int *bit_ret,
					char **note_ret)
{
	enum hvo_types_provider provider;
	struct hvo_error *err = types ?
		hvo_kstate_hpg_vmemmap_optimized(types, bit_ret, &provider) : &hvo_error_not_found;
	*note_ret = NULL;
	if (!err)
		return NULL;
	if (!is_miss(err))
		return err;
	*bit_ret = HVO_HPG_VMEMMAP_OPTIMIZED_DEFAULT;
	const char *why = err == &hvo_error_not_found ? "no type information names it" :
		err->message;
	int n = asprintf(note_ret, "HPG_vmemmap_optimized taken as bit %d of the hugetlb heads' "
			 "private, as in 6.12 and 7.2 (%s)", HVO_HPG_VMEMMAP_OPTIMIZED_DEFAULT,
			 why);
	hvo_error_destroy(err);
	if (n < 0) {
		*note_ret = NULL;
		return &hvo_error_nomem;
	}
	return NULL;
}

/*
 * The flags of the struct page at each zone's first pfn.  One the dump
 * cannot give says nothing about the layout and is left out; the scan
 * reports such frames if it needs them.
 */
static struct hvo_error *read_samples(const struct hvo_program *prog,
				      const struct hvo_zone_span *spans, size_t nr_spans,
				      struct flags_sample **samples_ret, size_t *nr_ret)
{
	struct flags_sample *samples = calloc(nr_spans ? nr_spans : 1, sizeof(*samples));
	if (!samples)
		return &hvo_error_nomem;
	size_t nr = 0;
	/* A start read from the dump: one past this would wrap the address. */
	uint64_t pfn_limit = (UINT64_MAX - prog->vmemmap_base) / prog->page.size;
	for (size_t i = 0; i < nr_spans; i++) {
		if (spans[i].start_pfn >= pfn_limit)
			continue;
		uint64_t vaddr = prog->vmemmap_base + spans[i].start_pfn * prog->page.size, flags;
		struct hvo_error *err = hvo_dump_read_u64(prog->dump, HVO_VIRT,
							  vaddr + prog->page.flags_offset, &flags,
							  "struct page");
		if (err == &hvo_error_nomem) {
			free(samples);
			return err;
		}
		hvo_error_destroy(err);
		if (!err)
			samples[nr++] = (struct flags_sample){
				.flags = flags, .node = spans[i].node, .zone = spans[i].zone,
			};
	}
	*samples_ret = samples;
	*nr_ret = nr;
	return NULL;
}

/* Whether every sample decodes to its own node and zone with these widths. */
static bool layout_fits(const struct flags_sample *samples, size_t nr, unsigned int node_bits,
			unsigned int zone_bits)
{
	unsigned int node_shift = 64 - node_bits, zone_shift = node_shift - zone_bits;
	for (size_t i = 0; i < nr; i++) {
		uint64_t flags = samples[i].flags;
		unsigned int node = node_bits ? (flags >> node_shift) & ((1u << node_bits) - 1) : 0;
		unsigned int zone = (flags >> zone_shift) & ((1u << zone_bits) - 1);
		if (node != samples[i].node || zone != samples[i].zone)
			return false;
	}
	return true;
}

static void set_widths(struct hvo_page_layout *page, unsigned int node_bits,
		       unsigned int zone_bits)
{
	page->node_bits = node_bits;
	page->node_shift = 64 - node_bits;
	page->zone_bits = zone_bits;
	page->zone_shift = page->node_shift - zone_bits;
}

/*
 * The node and zone widths: the arch's default if it fits every sample,
 * else the widest that does (with a note saying so), else the default.
 */
static struct hvo_error *settle_widths(const struct hvo_program *prog,
				       const struct flags_sample *samples, size_t nr,
				       struct hvo_page_layout *page, const char **source_ret,
				       char **note_ret)
{
	const struct hvo_arch *arch = prog->arch;
	set_widths(page, arch->default_nodes_shift, arch->default_zones_shift);
	*source_ret = arch->default_page_flags_source;
	*note_ret = NULL;
	if (layout_fits(samples, nr, page->node_bits, page->zone_bits))
		return NULL;
	for (int node_bits = MAX_NODE_BITS; node_bits >= 0; node_bits--) {
		for (int zone_bits = MAX_ZONE_BITS; zone_bits >= 1; zone_bits--) {
			if (!layout_fits(samples, nr, node_bits, zone_bits))
				continue;
			set_widths(page, node_bits, zone_bits);
			*source_ret = "derived from the zone spans";
			if (asprintf(note_ret, "page->flags holds the node in bits %u-63 and the "
				     "zone in bits %u-%u (found from the zone spans; the x86_64 "
				     "default did not fit)", page->node_shift, page->zone_shift,
				     page->node_shift - 1) < 0) {
				*note_ret = NULL;
				return &hvo_error_nomem;
			}
			return NULL;
		}
	}
	return NULL;	/* the analysis says which folios the default misreads */
}

struct hvo_error *hvo_program_settle_layout(struct hvo_program *prog, struct hvo_types *types)
{
	struct hvo_page_layout page = prog->page;
	struct hvo_zone_span *spans = NULL;
	struct flags_sample *samples = NULL;
	size_t nr_spans = 0, nr_samples = 0;
	char *hpg_note = NULL, *flags_note = NULL;
	const char *source;
	struct hvo_error *err = settle_hpg_bit(types, &page.hpg_vmemmap_optimized_bit, &hpg_note);
	if (err)
		return err;
	err = types ? hvo_kstate_zone_spans(prog, types, &spans, &nr_spans) : &hvo_error_not_found;
	if (err && is_miss(err)) {
		hvo_error_destroy(err);	/* nothing to check against: keep the default */
		err = NULL;
		spans = NULL;
		nr_spans = 0;
	}
	if (err || (err = read_samples(prog, spans, nr_spans, &samples, &nr_samples)) ||
	    (err = settle_widths(prog, samples, nr_samples, &page, &source, &flags_note))) {
		free(hpg_note);
		free(spans);
		free(samples);
		return err;
	}
	free(samples);
	free(prog->hpg_vmemmap_optimized_note);
	free(prog->page_flags_layout_note);
	free(prog->zone_spans);
	prog->page = page;
	prog->page_flags_layout_source = source;
	prog->page_flags_layout_note = flags_note;
	prog->hpg_vmemmap_optimized_note = hpg_note;
	prog->zone_spans = spans;
	prog->nr_zone_spans = nr_spans;
	return NULL;
}
