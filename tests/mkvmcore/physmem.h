/*
 * physmem: the modelled physical memory, kept sparse.
 *
 * Only pages the model writes are stored (a hash of PFN -> page).  Page
 * contents are interned: identical pages put with mkv_phys_put_page() share
 * one buffer, and a write to a shared page copies it first.  Writers of dump
 * formats iterate the stored pages in PFN order and may cache per buffer
 * (mkv_phys_page_id) to compress each distinct content once.
 */
#ifndef MKV_PHYSMEM_H
#define MKV_PHYSMEM_H

#include <stddef.h>
#include <stdint.h>

#define MKV_PAGE_SHIFT 12
#define MKV_PAGE_SIZE (UINT64_C(1) << MKV_PAGE_SHIFT)

struct mkv_phys;

struct mkv_phys *mkv_phys_new(void);
void mkv_phys_free(struct mkv_phys *mem);

/* Store a whole page (copied and interned); returns 0 or -1 on ENOMEM. */
int mkv_phys_put_page(struct mkv_phys *mem, uint64_t pfn, const void *data);
/* Store a zero-filled page if none is stored yet. */
int mkv_phys_touch(struct mkv_phys *mem, uint64_t pfn);
/* Forget a page (it becomes "not present" in the dump). */
void mkv_phys_drop(struct mkv_phys *mem, uint64_t pfn);

/* Bytes at any physical address; pages are created (zeroed) as needed. */
int mkv_phys_write(struct mkv_phys *mem, uint64_t paddr, const void *buf, size_t len);
int mkv_phys_write64(struct mkv_phys *mem, uint64_t paddr, uint64_t val);
int mkv_phys_write32(struct mkv_phys *mem, uint64_t paddr, uint32_t val);
/* Reads return zeros for pages not stored; *present_ret (may be NULL) says if all were. */
void mkv_phys_read(const struct mkv_phys *mem, uint64_t paddr, void *buf, size_t len,
		   int *present_ret);
uint64_t mkv_phys_read64(const struct mkv_phys *mem, uint64_t paddr);

/* Page content or NULL when not stored; read-only. */
const uint8_t *mkv_phys_page(const struct mkv_phys *mem, uint64_t pfn);
/* A small integer naming the page's buffer: equal ids mean equal content. */
uint64_t mkv_phys_page_id(const struct mkv_phys *mem, uint64_t pfn);

size_t mkv_phys_nr_pages(const struct mkv_phys *mem);
size_t mkv_phys_nr_buffers(const struct mkv_phys *mem);
/* Every page id is below this (ids of freed buffers are not reused). */
uint64_t mkv_phys_id_limit(const struct mkv_phys *mem);
/* Sorted array of stored PFNs (caller frees); NULL on ENOMEM or when empty. */
uint64_t *mkv_phys_sorted_pfns(const struct mkv_phys *mem, size_t *nr_ret);

#endif
