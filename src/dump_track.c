/*
 * dump_track.c - the page frames a command reads, recorded while asked
 * (hvo_dump_track_reads()): `slice` copies them into a smaller dump, and
 * the bench counts them.
 */
#include <stdlib.h>

#include "dump_internal.h"

/* Append value to a growable array, doubling it (from 1024) when full. */
struct hvo_error *hvo_dump_push_u64(uint64_t **array, size_t *nr, size_t *capacity,
				    uint64_t value)
{
	if (*nr == *capacity) {
		size_t grown_capacity = *capacity ? *capacity * 2 : 1024;
		uint64_t *grown = realloc(*array, grown_capacity * sizeof(*grown));
		if (!grown)
			return &hvo_error_nomem;
		*array = grown;
		*capacity = grown_capacity;
	}
	(*array)[(*nr)++] = value;
	return NULL;
}

static struct hvo_error *track_pfn(struct pfn_set *set, uint64_t pfn)
{
	if (set->nr && set->pfns[set->nr - 1] == pfn)
		return NULL;
	set->sorted = false;
	return hvo_dump_push_u64(&set->pfns, &set->nr, &set->capacity, pfn);
}

/* by_phys: the caller asked for a physical address, not a translated one. */
struct hvo_error *hvo_dump_track_read(struct hvo_dump *dump, uint64_t paddr, size_t len,
				      bool by_phys)
{
	if (dump->tracking && len) {
		for (uint64_t pfn = paddr >> dump->page_shift;
		     pfn <= (paddr + len - 1) >> dump->page_shift; pfn++) {
			struct hvo_error *err = track_pfn(&dump->tracked, pfn);
			if (!err && by_phys)
				err = track_pfn(&dump->tracked_phys, pfn);
			if (err)
				return err;
		}
	}
	return NULL;
}

struct hvo_error *hvo_dump_track_reads(struct hvo_dump *dump, bool on)
{
	dump->tracking = on;
	return NULL;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void sort_pfn_set(struct pfn_set *set, const uint64_t **pfns_ret, size_t *nr_ret)
{
	if (!set->sorted && set->nr) {
		qsort(set->pfns, set->nr, sizeof(uint64_t), compare_u64);
		size_t out = 1;
		for (size_t i = 1; i < set->nr; i++) {
			if (set->pfns[i] != set->pfns[out - 1])
				set->pfns[out++] = set->pfns[i];
		}
		set->nr = out;
		set->sorted = true;
	}
	*pfns_ret = set->pfns;
	*nr_ret = set->nr;
}

void hvo_dump_tracked_pfns(const struct hvo_dump *dump, const uint64_t **pfns_ret,
			   size_t *nr_ret)
{
	/* Sorting in place is not a change anyone can see. */
	sort_pfn_set(&((struct hvo_dump *)dump)->tracked, pfns_ret, nr_ret);
}

void hvo_dump_tracked_phys_pfns(const struct hvo_dump *dump, const uint64_t **pfns_ret,
				size_t *nr_ret)
{
	sort_pfn_set(&((struct hvo_dump *)dump)->tracked_phys, pfns_ret, nr_ret);
}

void hvo_dump_free_tracking(struct hvo_dump *dump)
{
	free(dump->tracked.pfns);
	free(dump->tracked_phys.pfns);
}
