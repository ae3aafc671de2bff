/* physmem: sparse, content-interned physical memory of the model. */
#include "physmem.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct blob {
	uint64_t id;
	uint64_t hash;
	uint32_t refs;
	bool interned;
	struct blob *next_all, *prev_all;	/* every live blob, for freeing */
	uint8_t data[MKV_PAGE_SIZE];
};

struct slot {
	uint64_t pfn;
	struct blob *blob;	/* NULL = empty slot */
};

struct mkv_phys {
	struct slot *slots;
	size_t cap, used;
	struct blob **itab;	/* intern table, open addressing by content hash */
	size_t icap, iused;
	struct blob *all;
	uint64_t next_id;
	size_t nr_blobs;
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

static uint64_t content_hash(const uint8_t *data)
{
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15);
	for (size_t i = 0; i < MKV_PAGE_SIZE; i += 8) {
		uint64_t w;
		memcpy(&w, data + i, 8);
		h = (h ^ w) * UINT64_C(0x100000001b3);
		h ^= h >> 29;
	}
	return mix64(h);
}

struct mkv_phys *mkv_phys_new(void)
{
	struct mkv_phys *mem = calloc(1, sizeof(*mem));
	if (!mem)
		return NULL;
	mem->cap = 1024;
	mem->slots = calloc(mem->cap, sizeof(*mem->slots));
	mem->icap = 1024;
	mem->itab = calloc(mem->icap, sizeof(*mem->itab));
	if (!mem->slots || !mem->itab) {
		mkv_phys_free(mem);
		return NULL;
	}
	return mem;
}

void mkv_phys_free(struct mkv_phys *mem)
{
	if (!mem)
		return;
	struct blob *b = mem->all;
	while (b) {
		struct blob *next = b->next_all;
		free(b);
		b = next;
	}
	free(mem->slots);
	free(mem->itab);
	free(mem);
}

static struct blob *blob_new(struct mkv_phys *mem, const void *data)
{
	struct blob *b = malloc(sizeof(*b));
	if (!b)
		return NULL;
	b->id = mem->next_id++;
	b->refs = 0;
	b->interned = false;
	b->hash = 0;
	if (data)
		memcpy(b->data, data, MKV_PAGE_SIZE);
	else
		memset(b->data, 0, MKV_PAGE_SIZE);
	b->next_all = mem->all;
	b->prev_all = NULL;
	if (mem->all)
		mem->all->prev_all = b;
	mem->all = b;
	mem->nr_blobs++;
	return b;
}

static struct slot *find_slot(const struct mkv_phys *mem, uint64_t pfn)
{
	size_t mask = mem->cap - 1;
	for (size_t i = mix64(pfn) & mask;; i = (i + 1) & mask) {
		struct slot *s = &mem->slots[i];
		if (!s->blob || s->pfn == pfn)
			return s;
	}
}

static int grow_slots(struct mkv_phys *mem)
{
	struct slot *old = mem->slots;
	size_t oldcap = mem->cap;
	struct slot *n = calloc(oldcap * 2, sizeof(*n));
	if (!n)
		return -1;
	mem->slots = n;
	mem->cap = oldcap * 2;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].blob)
			*find_slot(mem, old[i].pfn) = old[i];
	free(old);
	return 0;
}

static int grow_itab(struct mkv_phys *mem)
{
	struct blob **old = mem->itab;
	size_t oldcap = mem->icap;
	struct blob **n = calloc(oldcap * 2, sizeof(*n));
	if (!n)
		return -1;
	mem->itab = n;
	mem->icap = oldcap * 2;
	size_t mask = mem->icap - 1;
	for (size_t i = 0; i < oldcap; i++) {
		if (!old[i])
			continue;
		size_t j = old[i]->hash & mask;
		while (n[j])
			j = (j + 1) & mask;
		n[j] = old[i];
	}
	free(old);
	return 0;
}

static struct blob *intern(struct mkv_phys *mem, const void *data)
{
	if ((mem->iused + 1) * 2 > mem->icap && grow_itab(mem))
		return NULL;
	uint64_t h = content_hash(data);
	size_t mask = mem->icap - 1, i;
	for (i = h & mask; mem->itab[i]; i = (i + 1) & mask)
		if (mem->itab[i]->hash == h && !memcmp(mem->itab[i]->data, data, MKV_PAGE_SIZE))
			return mem->itab[i];
	struct blob *b = blob_new(mem, data);
	if (!b)
		return NULL;
	b->hash = h;
	b->interned = true;
	mem->itab[i] = b;
	mem->iused++;
	return b;
}

/* Remove an interned blob from the intern table (backward-shift deletion). */
static void unintern(struct mkv_phys *mem, struct blob *b)
{
	size_t mask = mem->icap - 1, hole;
	for (hole = b->hash & mask; mem->itab[hole] != b; hole = (hole + 1) & mask)
		;
	mem->itab[hole] = NULL;
	mem->iused--;
	for (size_t i = (hole + 1) & mask; mem->itab[i]; i = (i + 1) & mask) {
		size_t home = mem->itab[i]->hash & mask;
		bool in_range = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
		if (!in_range) {
			mem->itab[hole] = mem->itab[i];
			mem->itab[i] = NULL;
			hole = i;
		}
	}
}

/* A blob nobody maps any more is freed. */
static void blob_unref(struct mkv_phys *mem, struct blob *b)
{
	if (--b->refs)
		return;
	if (b->interned)
		unintern(mem, b);
	if (b->prev_all)
		b->prev_all->next_all = b->next_all;
	else
		mem->all = b->next_all;
	if (b->next_all)
		b->next_all->prev_all = b->prev_all;
	mem->nr_blobs--;
	free(b);
}

static void set_slot(struct mkv_phys *mem, struct slot *s, uint64_t pfn, struct blob *b)
{
	b->refs++;
	if (s->blob)
		blob_unref(mem, s->blob);
	else
		mem->used++;
	s->pfn = pfn;
	s->blob = b;
}

int mkv_phys_put_page(struct mkv_phys *mem, uint64_t pfn, const void *data)
{
	if ((mem->used + 1) * 4 > mem->cap * 3 && grow_slots(mem))
		return -1;
	struct blob *b = intern(mem, data);
	if (!b)
		return -1;
	set_slot(mem, find_slot(mem, pfn), pfn, b);
	return 0;
}

/* A page the caller may modify: private, unshared. */
static uint8_t *page_for_write(struct mkv_phys *mem, uint64_t pfn)
{
	if ((mem->used + 1) * 4 > mem->cap * 3 && grow_slots(mem))
		return NULL;
	struct slot *s = find_slot(mem, pfn);
	if (s->blob && !s->blob->interned && s->blob->refs == 1)
		return s->blob->data;
	struct blob *b = blob_new(mem, s->blob ? s->blob->data : NULL);
	if (!b)
		return NULL;
	set_slot(mem, s, pfn, b);
	return b->data;
}

int mkv_phys_touch(struct mkv_phys *mem, uint64_t pfn)
{
	if (mkv_phys_page(mem, pfn))
		return 0;
	static const uint8_t zero[MKV_PAGE_SIZE];
	return mkv_phys_put_page(mem, pfn, zero);
}

/* Backward-shift deletion keeps linear probing chains intact. */
void mkv_phys_drop(struct mkv_phys *mem, uint64_t pfn)
{
	struct slot *s = find_slot(mem, pfn);
	if (!s->blob)
		return;
	blob_unref(mem, s->blob);
	s->blob = NULL;
	mem->used--;
	size_t mask = mem->cap - 1;
	size_t hole = (size_t)(s - mem->slots);
	for (size_t i = (hole + 1) & mask; mem->slots[i].blob; i = (i + 1) & mask) {
		size_t home = mix64(mem->slots[i].pfn) & mask;
		/* Move the entry into the hole if its home is not in (hole, i]. */
		bool in_range = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
		if (!in_range) {
			mem->slots[hole] = mem->slots[i];
			mem->slots[i].blob = NULL;
			hole = i;
		}
	}
}

int mkv_phys_write(struct mkv_phys *mem, uint64_t paddr, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		uint64_t off = paddr & (MKV_PAGE_SIZE - 1);
		size_t n = MKV_PAGE_SIZE - off < len ? (size_t)(MKV_PAGE_SIZE - off) : len;
		uint8_t *page = page_for_write(mem, paddr >> MKV_PAGE_SHIFT);
		if (!page)
			return -1;
		memcpy(page + off, p, n);
		p += n;
		paddr += n;
		len -= n;
	}
	return 0;
}

int mkv_phys_write64(struct mkv_phys *mem, uint64_t paddr, uint64_t val)
{
	return mkv_phys_write(mem, paddr, &val, sizeof(val));
}

int mkv_phys_write32(struct mkv_phys *mem, uint64_t paddr, uint32_t val)
{
	return mkv_phys_write(mem, paddr, &val, sizeof(val));
}

const uint8_t *mkv_phys_page(const struct mkv_phys *mem, uint64_t pfn)
{
	struct slot *s = find_slot(mem, pfn);
	return s->blob ? s->blob->data : NULL;
}

uint64_t mkv_phys_page_id(const struct mkv_phys *mem, uint64_t pfn)
{
	struct slot *s = find_slot(mem, pfn);
	return s->blob ? s->blob->id : UINT64_MAX;
}

void mkv_phys_read(const struct mkv_phys *mem, uint64_t paddr, void *buf, size_t len,
		   int *present_ret)
{
	uint8_t *p = buf;
	int present = 1;
	while (len) {
		uint64_t off = paddr & (MKV_PAGE_SIZE - 1);
		size_t n = MKV_PAGE_SIZE - off < len ? (size_t)(MKV_PAGE_SIZE - off) : len;
		const uint8_t *page = mkv_phys_page(mem, paddr >> MKV_PAGE_SHIFT);
		if (page) {
			memcpy(p, page + off, n);
		} else {
			memset(p, 0, n);
			present = 0;
		}
		p += n;
		paddr += n;
		len -= n;
	}
	if (present_ret)
		*present_ret = present;
}

uint64_t mkv_phys_read64(const struct mkv_phys *mem, uint64_t paddr)
{
	uint64_t v;
	mkv_phys_read(mem, paddr, &v, sizeof(v), NULL);
	return v;
}

size_t mkv_phys_nr_pages(const struct mkv_phys *mem)
{
	return mem->used;
}

size_t mkv_phys_nr_buffers(const struct mkv_phys *mem)
{
	return mem->nr_blobs;
}

uint64_t mkv_phys_id_limit(const struct mkv_phys *mem)
{
	return mem->next_id;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

uint64_t *mkv_phys_sorted_pfns(const struct mkv_phys *mem, size_t *nr_ret)
{
	*nr_ret = 0;
	if (!mem->used)
		return NULL;
	uint64_t *pfns = malloc(mem->used * sizeof(*pfns));
	if (!pfns)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < mem->cap; i++)
		if (mem->slots[i].blob)
			pfns[n++] = mem->slots[i].pfn;
	qsort(pfns, n, sizeof(*pfns), cmp_u64);
	*nr_ret = n;
	return pfns;
}
