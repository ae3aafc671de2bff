/*
 * diskdump_write: makedumpfile's kdump-compressed format ("KDUMP   ",
 * header version 6): header block, sub-header blocks (phys_base, VMCOREINFO
 * text, ELF notes, 64-bit max_mapnr), the two page bitmaps, one page
 * descriptor per dumped page and the page data, each page compressed with
 * zlib (DUMP_DH_COMPRESSED_ZLIB) unless that does not make it smaller.
 *
 * Standalone: it needs only a source of pages (physmem.h) and the options
 * below, so it can move into the core library for "hvoinspect slice".
 * Pages not stored are left out of both bitmaps (makedumpfile's "excluded");
 * pass RAM ranges to mark them in the first bitmap instead.  Zero bitmap
 * blocks are skipped with fseeko(), so on a file system with holes a huge,
 * mostly empty host stays small on disk.  Pages with identical content share
 * one copy of the data (the descriptors point to the same offset).
 */
#ifndef MKV_DISKDUMP_WRITE_H
#define MKV_DISKDUMP_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "physmem.h"

struct mkv_pfn_range {
	uint64_t start_pfn, end_pfn;
};

struct mkv_diskdump_opts {
	const char *utsname_sysname, *utsname_release, *utsname_version, *utsname_machine;
	const char *vmcoreinfo;		/* NULL: none */
	size_t vmcoreinfo_len;
	const unsigned char *notes;	/* ELF notes (NT_PRSTATUS, VMCOREINFO) or NULL */
	size_t notes_len;
	uint64_t phys_base;
	uint64_t max_pfn;		/* bitmaps cover [0, max_pfn) */
	const struct mkv_pfn_range *ram;	/* first bitmap; NULL = dumped pages */
	size_t nr_ram;
	int zlib_level;
	int64_t timestamp;
	int nr_cpus;
	int dump_level;
	bool flattened;		/* makedumpfile -F records instead of a seekable file */
	bool qemu_quirks;	/* QEMU 7.2: only utsname.machine, phys_base parsed as hex */
};

struct mkv_diskdump_stats {
	uint64_t pages, distinct_pages, data_bytes, file_bytes;
};

/* Returns 0, or -1 with a message in errbuf.  @out must be seekable unless flattened. */
int mkv_diskdump_write(FILE *out, const struct mkv_phys *mem, const struct mkv_diskdump_opts *opts,
		       struct mkv_diskdump_stats *stats_ret, char *errbuf, size_t errlen);

#endif
