/* hvo.c - the analysis: stages in order, findings and notes, frame cache, savings. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvo_internal.h"
#include "interrupt.h"

const char *hvo_folio_state_name(enum hvo_folio_state state)
{
	switch (state) {
	case HVO_FOLIO_NOT_OPTIMIZED: return "not-optimized";
	case HVO_FOLIO_SHARED_TAIL: return "hvo-shared-tail";
	case HVO_FOLIO_FAKE_HEADS: return "hvo-fake-heads";
	case HVO_FOLIO_BROKEN: return "broken";
	}
	return "unknown";
}

struct hvo_error *hvo_az_note(struct hvo_analysis *an, const char *fmt, ...)
{
	char *text;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return &hvo_error_nomem;
	struct hvo_error *err = hvo_diag_add(&an->diags, HVO_DIAG_NOTE, NULL, "%s", text);
	free(text);
	return err;
}

static struct hvo_error *add_finding(struct analyzer *az, enum hvo_finding_id id,
				     enum hvo_severity severity, size_t nr_addresses,
				     const char *const names[], const uint64_t values[],
				     const char *fmt, va_list ap)
	__attribute__((format(printf, 7, 0)));

static struct hvo_error *add_finding(struct analyzer *az, enum hvo_finding_id id,
				     enum hvo_severity severity, size_t nr_addresses,
				     const char *const names[], const uint64_t values[],
				     const char *fmt, va_list ap)
{
	struct hvo_analysis *an = az->an;
	if (az->nr_findings_of[id] >= MAX_FINDINGS_PER_ID) {
		az->nr_dropped_findings++;
		return NULL;
	}
	struct hvo_finding *finding = hvo_findings_append(&an->findings);
	if (!finding)
		return &hvo_error_nomem;
	finding->id = hvo_finding_kinds[id].id;
	finding->severity = severity;
	if (nr_addresses > HVO_FINDING_MAX_ADDRESSES)
		nr_addresses = HVO_FINDING_MAX_ADDRESSES;
	finding->nr_addresses = nr_addresses;
	for (size_t i = 0; i < nr_addresses; i++) {
		finding->addresses[i].name = names[i];
		finding->addresses[i].value = values[i];
	}
	if (vasprintf(&finding->message, fmt, ap) < 0) {
		an->findings.size--;	/* no message: not a finding */
		return &hvo_error_nomem;
	}
	az->nr_findings_of[id]++;
	return NULL;
}

struct hvo_error *hvo_az_finding(struct analyzer *az, enum hvo_finding_id id,
				 size_t nr_addresses, const char *const names[],
				 const uint64_t values[], const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct hvo_error *err = add_finding(az, id, hvo_finding_kinds[id].severity, nr_addresses,
					    names, values, fmt, ap);
	va_end(ap);
	return err;
}

struct hvo_error *hvo_az_finding_at(struct analyzer *az, enum hvo_finding_id id,
				    enum hvo_severity severity, size_t nr_addresses,
				    const char *const names[], const uint64_t values[],
				    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct hvo_error *err = add_finding(az, id, severity, nr_addresses, names, values, fmt,
					    ap);
	va_end(ap);
	return err;
}

/*
 * The first len bytes of the 4 KiB frame at paddr, read once and cached.
 * Only what is asked for is copied: the scan looks at two struct pages of
 * most frames, and a mapped dump then copies 128 bytes, not 4 KiB.  NODATA
 * leaves the analysis incomplete but is not an error for the caller to
 * propagate.
 */
struct hvo_error *hvo_az_read_frame(struct analyzer *az, uint64_t frame, size_t len,
				    const unsigned char **data_ret)
{
	size_t index = (frame >> az->page_shift) % FRAME_CACHE_SLOTS;
	struct frame_cache_slot *slot = &az->cache[index];
	unsigned char *data = az->frame_data + index * az->page_size;
	if (len > az->page_size)
		len = az->page_size;
	/* This frame, partly or wholly here: read only what is missing of len. */
	size_t have = slot->valid_len && slot->frame == frame ? slot->valid_len : 0;
	if (have < len) {
		struct hvo_error *err = hvo_dump_read(az->prog->dump, HVO_PHYS, frame + have,
						      data + have, len - have, "vmemmap page");
		if (err) {
			if (!have)
				slot->valid_len = 0;	/* another frame's bytes may be gone */
			return err;
		}
		if (!have)
			az->an->nr_struct_page_frames_read++;
		slot->frame = frame;
		slot->valid_len = len;
	}
	*data_ret = data;
	return NULL;
}

/* Struct page images from pfn's on, nr of them at most (not past its frame). */
struct hvo_error *hvo_az_read_struct_page(struct analyzer *az, uint64_t pfn, unsigned int nr,
					  const unsigned char **image_ret)
{
	uint64_t vaddr = hvo_az_pfn_vaddr(az, pfn), paddr;
	if (!hvo_vmemmap_translate(az->vm, vaddr, &az->run_hint, &paddr, NULL))
		return hvo_error_create(HVO_ERROR_TRANSLATE,
					"struct page of pfn 0x%" PRIx64 " at 0x%" PRIx64
					" is not mapped", pfn, vaddr);
	/* A struct page never straddles a page when its size divides the page size. */
	size_t offset = paddr & (az->page_size - 1), room = az->page_size - offset;
	if (az->layout->size > room)
		return hvo_error_create(HVO_ERROR_UNSUPPORTED,
					"struct page of pfn 0x%" PRIx64 " straddles a page", pfn);
	size_t want = nr > room / az->layout->size ? room : (size_t)(nr ? nr : 1) * az->layout->size;
	const unsigned char *data;
	struct hvo_error *err = hvo_az_read_frame(az, paddr - offset, offset + want, &data);
	if (err)
		return err;
	*image_ret = data + offset;
	return NULL;
}

/* A NODATA read: note it once per kind and carry on. */
struct hvo_error *hvo_az_absorb_nodata(struct analyzer *az, struct hvo_error *err)
{
	if (!err || err->code != HVO_ERROR_NODATA)
		return err;
	if (!az->an->incomplete) {
		struct hvo_error *nerr = hvo_az_note(az->an, "incomplete: %s", err->message);
		hvo_error_destroy(err);
		az->an->incomplete = true;
		return nerr;
	}
	hvo_error_destroy(err);
	return NULL;
}

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

void hvo_analysis_free(struct hvo_analysis *an)
{
	if (!an)
		return;
	for (size_t i = 0; i < an->findings.size; i++)
		free(an->findings.data[i].message);
	hvo_diags_free(&an->diags);
	hvo_findings_deinit(&an->findings);
	free(an->folios);
	hvo_shared_tails_deinit(&an->tails);
	hvo_savings_rows_deinit(&an->rows);
	free(an->tail_entries);
	free(an->hstates);
	hvo_vmemmap_free(an->vmemmap);
	free(an);
}

int hvo_analysis_worst_severity(const struct hvo_analysis *an)
{
	int worst = -1;
	for (size_t i = 0; i < an->findings.size; i++) {
		if ((int)an->findings.data[i].severity > worst)
			worst = an->findings.data[i].severity;
	}
	return worst;
}
