/* hvo_analyze.c - the analysis: its stages in order, savings and the memmap alignment check. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvo_analyzer.h"
#include "interrupt.h"

static int compare_rows(const void *a, const void *b)
{
	const struct hvo_savings_row *x = a, *y = b;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	if (x->zone != y->zone)
		return x->zone < y->zone ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return 0;
}

static struct hvo_savings_row *row_for(struct hvo_analysis *an, struct hvo_u64map *rows,
				       unsigned int node, unsigned int zone, unsigned int order)
{
	uint64_t key = ((uint64_t)node << 32) | (zone << 8) | order;
	size_t index;
	if (hvo_u64map_get(rows, key, &index))
		return &an->rows.data[index];
	struct hvo_savings_row *row = hvo_savings_rows_append(&an->rows);
	if (!row)
		return NULL;
	*row = (struct hvo_savings_row){ .node = node, .zone = zone, .order = order };
	if (!hvo_u64map_put(rows, key, an->rows.size - 1))
		return NULL;
	return row;
}

static struct hvo_error *count_savings(struct analyzer *az)
{
	struct hvo_analysis *an = az->an;
	struct hvo_u64map rows;
	struct hvo_error *err = NULL;
	hvo_u64map_init(&rows);
	for (size_t f = 0; f < an->nr_folios; f++) {
		const struct hvo_folio *folio = &an->folios[f];
		struct hvo_savings_row *row = row_for(an, &rows, folio->node, folio->zone,
						      folio->order);
		if (!row) {
			err = &hvo_error_nomem;
			goto out;
		}
		row->folios++;
		row->vmemmap_pages_per_folio = folio->nr_vmemmap_pages;
		if (folio->state == HVO_FOLIO_SHARED_TAIL || folio->state == HVO_FOLIO_FAKE_HEADS) {
			row->optimized++;
			row->pages_saved += folio->nr_vmemmap_pages - 1;
		}
	}
	/*
	 * A shared tail counts where its content says it belongs (merged: per
	 * zone); a v3 tail serves a whole node, so it counts in the zone of the
	 * first folio that maps it.
	 */
	for (size_t t = 0; t < an->tails.size; t++) {
		struct hvo_shared_tail *tail = &an->tails.data[t];
		if (an->generation == HVO_GEN_V3)
			tail->zone = tail->first_folio_zone;
		struct hvo_savings_row *row = row_for(an, &rows, tail->node, tail->zone, tail->order);
		if (!row) {
			err = &hvo_error_nomem;
			goto out;
		}
		row->shared_tail_pages++;
		if (!row->vmemmap_pages_per_folio && tail->order)
			row->vmemmap_pages_per_folio =
				((UINT64_C(1) << tail->order) * az->layout->size) >> az->page_shift;
	}
	if (an->rows.size)
		qsort(an->rows.data, an->rows.size, sizeof(*an->rows.data), compare_rows);
	for (size_t r = 0; r < an->rows.size; r++) {
		an->total.folios += an->rows.data[r].folios;
		an->total.optimized += an->rows.data[r].optimized;
		an->total.pages_saved += an->rows.data[r].pages_saved;
		an->total.shared_tail_pages += an->rows.data[r].shared_tail_pages;
	}
out:
	hvo_u64map_deinit(&rows);
	return err;
}

static struct hvo_error *check_memmap_alignment(struct analyzer *az)
{
	if (!az->an->mask_mode)
		return NULL;
	uint64_t align = (UINT64_C(1) << hvo_arch_max_folio_order(az->arch)) * az->layout->size;
	uint64_t base = az->prog->vmemmap_base;
	if (base % align == 0)
		return NULL;
	/* Which folios actually get a wrong head from the mask? */
	uint64_t nr_bad = 0, first_bad = 0;
	for (size_t f = 0; f < az->an->nr_folios; f++) {
		const struct hvo_folio *folio = &az->an->folios[f];
		uint64_t head_vaddr = hvo_az_pfn_vaddr(az, folio->head_pfn);
		if (head_vaddr & ~hvo_page_tail_mask(az->layout, folio->order) & ~UINT64_C(1)) {
			if (!nr_bad++)
				first_bad = folio->head_pfn;
		}
	}
	const char *const names[] = { "vmemmap_base", "first_bad_head_pfn" };
	uint64_t values[] = { base, first_bad };
	/* Only a warning while no folio's head is out of the mask's reach. */
	enum hvo_severity severity = nr_bad ?
		hvo_finding_kinds[HVO_FINDING_MEMMAP_MISALIGNED].severity : HVO_SEV_WARNING;
	return hvo_az_finding_at(az, HVO_FINDING_MEMMAP_MISALIGNED, severity, nr_bad ? 2 : 1,
			   names, values,
			   "the memmap at 0x%" PRIx64 " is not aligned to 0x%" PRIx64
			   " (MAX_FOLIO_ORDER struct pages): %" PRIu64 " hugetlb folios have heads the "
			   "tail mask cannot reach, so compound_head() of their tails is wrong",
			   base, align, nr_bad);
}

/* The scratch state of one analysis; the result lives on in the analysis. */
static void analyzer_deinit(struct analyzer *az)
{
	hvo_u64map_deinit(&az->tail_index);
	hvo_u64map_deinit(&az->head_frames);
	hvo_u64map_deinit(&az->entry_index);
	free(az->cache);
	free(az->frame_data);
	free(az->deviations);
}

struct hvo_error *hvo_analyze(const struct hvo_program *prog,
			      const struct hvo_analyze_options *options,
			      struct hvo_analysis **ret)
{
	struct hvo_error *err;
	if (prog->generation == HVO_GEN_UNKNOWN)
		return hvo_error_create(HVO_ERROR_UNSUPPORTED,
					"cannot analyse HVO: %s", prog->generation_evidence);
	/*
	 * The kernel optimises no vmemmap then (hugetlb_vmemmap.c wants a power
	 * of two), and the scan reads vmemmap pages as whole struct pages.
	 */
	if (!prog->page.size_shift)
		return hvo_error_create(HVO_ERROR_UNSUPPORTED,
					"struct page of %u bytes is not a power of two: no mask "
					"encoding and no HVO", prog->page.size);

	struct hvo_analysis *an = calloc(1, sizeof(*an));
	struct analyzer az = {
		.prog = prog, .arch = prog->arch, .an = an, .layout = &prog->page,
		.page_size = hvo_arch_page_size(prog->arch), .page_shift = prog->arch->page_shift,
		.options = options,
	};
	if (!an)
		return &hvo_error_nomem;
	an->arch = prog->arch;
	an->generation = prog->generation;
	an->mask_mode = prog->generation != HVO_GEN_LEGACY;
	an->deep = options && options->deep;
	hvo_u64map_init(&az.tail_index);
	hvo_u64map_init(&az.head_frames);
	hvo_u64map_init(&az.entry_index);
	az.cache = calloc(FRAME_CACHE_SLOTS, sizeof(*az.cache));
	/* Aligned, a slot is one page to fault in, not two. */
	az.frame_data = aligned_alloc(az.page_size, FRAME_CACHE_SLOTS * az.page_size);
	if (!az.cache || !az.frame_data) {
		err = &hvo_error_nomem;
		goto err;
	}

	/* The vmemmap spans 2^(levels*9+12-6) bytes at most; MAX_PHYSMEM_BITS bounds it. */
	uint64_t max_physmem_bits;
	err = hvo_vmcoreinfo_u64(prog->vmcoreinfo, "NUMBER(MAX_PHYSMEM_BITS)", &max_physmem_bits);
	if (err == &hvo_error_not_found) {
		max_physmem_bits = prog->pgtable_levels == 5 ? 52 : 46;
		err = NULL;
	}
	if (err)
		goto err;
	if (max_physmem_bits < 30 || max_physmem_bits > 52) {
		err = hvo_error_create(HVO_ERROR_INVALID,
				       "VMCOREINFO NUMBER(MAX_PHYSMEM_BITS)=%" PRIu64 " is not plausible",
				       max_physmem_bits);
		goto err;
	}
	uint64_t vmemmap_size = (UINT64_C(1) << (max_physmem_bits - 12)) * prog->page.size;
	err = hvo_vmemmap_walk(prog, prog->vmemmap_base, prog->vmemmap_base + vmemmap_size,
			       &an->vmemmap);
	if (err)
		goto err;
	az.vm = an->vmemmap;
	an->incomplete = az.vm->incomplete;
	if ((err = hvo_diags_copy(&an->diags, &az.vm->diags)))
		goto err;
	if ((err = hvo_az_read_kernel_state(&az, options ? options->types : NULL)))
		goto err;
	if ((err = hvo_az_find_folios(&az)) ||
	    (err = hvo_az_check_folio_zones(&az)))
		goto err;
	if (options && options->progress)
		options->progress(options->progress_arg, "scanning the memmap", 1.0);
	for (size_t f = 0; f < an->nr_folios; f++) {
		if ((err = hvo_az_classify_folio(&az, f)))
			goto err;
	}
	if ((err = hvo_az_check_shared_tails(&az)) || (err = hvo_az_check_tail_entries(&az)) ||
	    (err = hvo_az_check_hstates(&az)) ||
	    (err = check_memmap_alignment(&az)) || (err = count_savings(&az)))
		goto err;
	if (an->nr_device_compound &&
	    (err = hvo_az_note(an, "%" PRIu64 " ZONE_DEVICE (DAX) compound pages keep their own "
			    "vmemmap deduplication: counted, not checked", an->nr_device_compound)))
		goto err;
	if (az.nr_dropped_findings &&
	    (err = hvo_az_note(an, "%" PRIu64 " more findings not listed (over %d of one kind)",
			    az.nr_dropped_findings, MAX_FINDINGS_PER_ID)))
		goto err;
	/* Zeros read from a file that shrank under us must not become an answer. */
	if ((err = hvo_dump_check_unchanged(prog->dump)))
		goto err;
	analyzer_deinit(&az);
	*ret = an;
	return NULL;

err:
	analyzer_deinit(&az);
	hvo_analysis_free(an);
	return err;
}

