/*
 * diskdump_write.h - write makedumpfile's kdump-compressed format ("KDUMP   ",
 * header version 6): header block, sub-header (phys_base, VMCOREINFO text,
 * ELF notes, 64-bit max_mapnr), the two page bitmaps, one page descriptor
 * per stored page and the page data, each page zlib-compressed unless that
 * does not make it smaller.
 *
 * Used by `hvoinspect slice` and by the test generator.  Pages are pulled
 * from a source in PFN order; pages the source does not list are left out
 * of both bitmaps, which readers report as not in the dump.  Pages with the
 * same content id share one copy of the data.
 */
#ifndef HVO_DISKDUMP_WRITE_H
#define HVO_DISKDUMP_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

/* Content id meaning "unique, do not share". */
#define HVO_DISKDUMP_UNIQUE UINT64_MAX

struct hvo_pfn_range {
	uint64_t start_pfn, end_pfn;
};

struct hvo_page_source {
	const uint64_t *pfns;	/* sorted, unique */
	size_t nr_pfns;
	/*
	 * Give the page's bytes, the options' page_size of them (valid until
	 * the next call), and a content id: pages with equal ids (other than
	 * HVO_DISKDUMP_UNIQUE) must have equal content.
	 */
	struct hvo_error *(*get_page)(void *arg, uint64_t pfn, const void **data_ret,
				      uint64_t *content_id_ret);
	void *arg;
};

struct hvo_diskdump_options {
	/* The dumped kernel's page size, the file's block size: a power of two from 512. */
	uint32_t page_size;
	const char *utsname_sysname, *utsname_release, *utsname_version, *utsname_machine;
	const char *vmcoreinfo;		/* NULL: none */
	size_t vmcoreinfo_len;
	const unsigned char *notes;	/* ELF notes or NULL */
	size_t notes_len;
	uint64_t phys_base;
	uint64_t max_pfn;		/* bitmaps cover [0, max_pfn) */
	const struct hvo_pfn_range *ram;	/* first bitmap; NULL = the stored pages */
	size_t nr_ram;
	int zlib_level;
	int64_t timestamp;
	int nr_cpus;
	int dump_level;
};

struct hvo_diskdump_stats {
	uint64_t pages, distinct_pages, data_bytes, file_bytes;
};

/* out must be seekable; path names it in messages. */
struct hvo_error *hvo_diskdump_write(FILE *out, const char *path,
				     const struct hvo_page_source *source,
				     const struct hvo_diskdump_options *options,
				     struct hvo_diskdump_stats *stats_ret);

#endif /* HVO_DISKDUMP_WRITE_H */
