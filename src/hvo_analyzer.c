/*
 * hvo_analyzer.c - what every stage of the analysis shares: notes, findings
 * (capped per id), the frame cache that reads each vmemmap page once, NODATA
 * absorbed into incompleteness, and the record of shared tail pages.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvo_analyzer.h"
#include "interrupt.h"

struct hvo_error *hvo_az_note(struct hvo_analysis *an, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct hvo_error *err = hvo_diag_vadd(&an->diags, HVO_DIAG_NOTE, NULL, fmt, ap);
	va_end(ap);
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

struct hvo_error *hvo_az_record_shared_tail(struct analyzer *az, uint64_t frame,
					    unsigned int zone, size_t *index_ret)
{
	struct hvo_analysis *an = az->an;
	size_t index;
	if (hvo_u64map_get(&az->tail_index, frame, &index)) {
		an->tails.data[index].nr_folios++;
		*index_ret = index;
		return NULL;
	}
	struct hvo_shared_tail *tail = hvo_shared_tails_append(&an->tails);
	if (!tail)
		return &hvo_error_nomem;
	index = an->tails.size - 1;
	tail->frame = frame;
	tail->nr_folios = 1;
	tail->first_folio_zone = zone;
	if (!hvo_u64map_put(&az->tail_index, frame, index))
		return &hvo_error_nomem;
	*index_ret = index;
	return NULL;
}
