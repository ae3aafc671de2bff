/*
 * dump_descriptors.c - a kdump-compressed file's page descriptors, checked
 * a chunk of HVO_KDUMP_PD_CHUNK at a time just before libkdumpfile reads a
 * page through one of them: opening costs what the bitmap costs, not 24
 * bytes per stored page (6 GiB for a 1 TiB guest's QEMU dump), and a
 * report reads the descriptors of the pages it reads.  kdump_check.c
 * checks the descriptors themselves.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "dump_internal.h"
#include "kdump_check.h"

enum { PD_UNCHECKED, PD_GOOD, PD_BAD };

/* A chunk with a bad descriptor, then looked at descriptor by descriptor. */
struct pd_bad_chunk {
	uint64_t pfns[HVO_KDUMP_PD_CHUNK];	/* the PFN of each of its descriptors, ascending */
	uint8_t state[HVO_KDUMP_PD_CHUNK];	/* PD_UNCHECKED, PD_GOOD or PD_BAD */
	size_t nr;
};

/*
 * A kdump-compressed file's page descriptors, one per page its bitmap
 * stores: counted run by run on libkdumpfile's own file page map (the
 * regions it built from the bitmap, so exactly the descriptors it will
 * look up), noting where each chunk of them starts, and their table
 * checked to end in the file.  hvo_dump_check_pfn() checks the
 * descriptors.
 */
struct hvo_error *hvo_dump_index_descriptors(struct hvo_dump *dump)
{
	if (!dump->file_pagemap)
		return hvo_error_create(HVO_ERROR_FORMAT, "libkdumpfile gives no page map of "
					"this kdump-compressed file");
	struct pd_chunks *pc = &dump->pds;
	struct hvo_error *err;
	kdump_status ks;
	kdump_addr_t pfn = 0;
	while ((ks = kdump_bmp_find_set(dump->file_pagemap, &pfn)) == KDUMP_OK) {
		kdump_addr_t end = pfn;
		ks = kdump_bmp_find_clear(dump->file_pagemap, &end);
		if (ks != KDUMP_OK)
			break;
		/* A run libkdumpfile reports empty would loop for ever. */
		if (end <= pfn)
			return hvo_error_create(HVO_ERROR_INTERNAL, "libkdumpfile's page map "
						"has an empty run at PFN %#" PRIx64, (uint64_t)pfn);
		/* Chunks are bounded: hvo_kdump_check() found the bitmap inside the file. */
		uint64_t run = end - pfn;
		while ((uint64_t)pc->nr * HVO_KDUMP_PD_CHUNK < pc->nr_pds + run) {
			uint64_t index = (uint64_t)pc->nr * HVO_KDUMP_PD_CHUNK;
			if ((err = hvo_dump_push_u64(&pc->first_pfn, &pc->nr, &pc->capacity,
					    pfn + (index - pc->nr_pds))))
				return err;
		}
		pc->nr_pds += run;
		pfn = end;
	}
	if (ks != KDUMP_ERR_NODATA) {
		const char *why = kdump_bmp_get_err(dump->file_pagemap);
		return hvo_error_create(HVO_ERROR_FORMAT, "counting the pages of a "
					"kdump-compressed file: %s", why ? why : "libkdumpfile error");
	}
	if ((err = hvo_kdump_check_pd_table(dump->data_size, dump->pd_offset, pc->nr_pds)))
		return err;
	pc->state = calloc(pc->nr ? pc->nr : 1, sizeof(*pc->state));
	return pc->state ? NULL : &hvo_error_nomem;
}

/* Descriptors in chunk c: HVO_KDUMP_PD_CHUNK but in the last one. */
static size_t chunk_size(const struct pd_chunks *pc, size_t c)
{
	uint64_t first = (uint64_t)c * HVO_KDUMP_PD_CHUNK;
	return pc->nr_pds - first < HVO_KDUMP_PD_CHUNK ? (size_t)(pc->nr_pds - first) :
		HVO_KDUMP_PD_CHUNK;
}

/*
 * Chunk c, found to hold a bad descriptor: the PFNs of its descriptors, from
 * the page map, so that each page's own descriptor can be told apart.
 */
static struct hvo_error *list_bad_chunk(struct hvo_dump *dump, size_t c)
{
	struct pd_chunks *pc = &dump->pds;
	if (!pc->bad && !(pc->bad = calloc(pc->nr, sizeof(struct pd_bad_chunk *))))
		return &hvo_error_nomem;
	struct pd_bad_chunk *bad = calloc(1, sizeof(*bad));
	if (!bad)
		return &hvo_error_nomem;
	size_t count = chunk_size(pc, c);
	kdump_addr_t pfn = pc->first_pfn[c];
	while (bad->nr < count) {
		bool found = kdump_bmp_find_set(dump->file_pagemap, &pfn) == KDUMP_OK;
		kdump_addr_t end = pfn;
		if (!found || kdump_bmp_find_clear(dump->file_pagemap, &end) != KDUMP_OK ||
		    end <= pfn) {
			free(bad);
			return hvo_error_create(HVO_ERROR_INTERNAL, "libkdumpfile's page map "
						"changed after it was counted");
		}
		for (; pfn < end && bad->nr < count; pfn++)
			bad->pfns[bad->nr++] = pfn;
	}
	pc->bad[c] = bad;
	return NULL;
}

/*
 * In a chunk with a bad descriptor, pfn's own, checked once: one bad
 * descriptor makes its page unreadable, as a page whose data is damaged,
 * not the 4095 others of its chunk.
 */
static struct hvo_error *check_one(struct hvo_dump *dump, size_t c, uint64_t pfn)
{
	struct pd_chunks *pc = &dump->pds;
	struct pd_bad_chunk *bad = pc->bad[c];
	size_t lo = 0, hi = bad->nr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (bad->pfns[mid] < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == bad->nr || bad->pfns[lo] != pfn || bad->state[lo] == PD_GOOD)
		return NULL;	/* not stored (libkdumpfile reads no descriptor), or good */
	struct hvo_error *err = hvo_kdump_check_descriptors(dump->data_fd, dump->data_size,
							    dump->page_size, dump->pd_offset,
							    pc->nr_pds,
							    (uint64_t)c * HVO_KDUMP_PD_CHUNK + lo, 1);
	if (!err || err->code == HVO_ERROR_FORMAT)
		bad->state[lo] = err ? PD_BAD : PD_GOOD;
	return err;
}

/* The descriptor libkdumpfile reads for pfn, if the file stores it: checked once. */
struct hvo_error *hvo_dump_check_pfn(struct hvo_dump *dump, uint64_t pfn)
{
	struct pd_chunks *pc = &dump->pds;
	if (!pc->nr || pfn < pc->first_pfn[0])
		return NULL;	/* not kdump-compressed, or before every stored page */
	size_t c = pc->last;
	if (pfn < pc->first_pfn[c] || (c + 1 < pc->nr && pfn >= pc->first_pfn[c + 1])) {
		size_t lo = 0, hi = pc->nr;	/* the last chunk starting at or below pfn */
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;
			if (pc->first_pfn[mid] <= pfn)
				lo = mid;
			else
				hi = mid;
		}
		c = pc->last = lo;
	}
	if (pc->state[c] == PD_GOOD)
		return NULL;
	if (pc->state[c] == PD_BAD)
		return check_one(dump, c, pfn);
	struct hvo_error *err = hvo_kdump_check_descriptors(dump->data_fd, dump->data_size,
							    dump->page_size, dump->pd_offset,
							    pc->nr_pds, (uint64_t)c * HVO_KDUMP_PD_CHUNK,
							    chunk_size(pc, c));
	if (!err) {
		pc->state[c] = PD_GOOD;
		return NULL;
	}
	/* Only a descriptor's own flaw stays with its chunk; running out of memory does not. */
	if (err->code != HVO_ERROR_FORMAT)
		return err;
	hvo_error_destroy(err);
	if ((err = list_bad_chunk(dump, c)))
		return err;
	pc->state[c] = PD_BAD;
	return check_one(dump, c, pfn);
}

/* Free what indexing and checking kept. */
void hvo_dump_free_descriptors(struct hvo_dump *dump)
{
	for (size_t c = 0; dump->pds.bad && c < dump->pds.nr; c++)
		free(dump->pds.bad[c]);
	free(dump->pds.bad);
	free(dump->pds.first_pfn);
	free(dump->pds.state);
}
