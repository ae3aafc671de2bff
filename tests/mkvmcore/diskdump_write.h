/*
 * diskdump_write: makedumpfile's kdump-compressed format ("KDUMP   ",
 * header version 6), pages compressed with zlib one by one, pages not
 * present left out of both bitmaps.  Standalone: it needs only a source of
 * pages (physmem.h) and the options below.
 */
#ifndef MKV_DISKDUMP_WRITE_H
#define MKV_DISKDUMP_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "physmem.h"

struct mkv_diskdump_opts {
	const char *utsname_release;
	const char *utsname_machine;
	const char *vmcoreinfo;		/* NULL: none */
	size_t vmcoreinfo_len;
	uint64_t phys_base;
	uint64_t max_pfn;		/* bitmaps cover [0, max_pfn) */
	int zlib_level;
	int64_t timestamp;
};

/* Returns 0, or -1 with a message in errbuf. */
int mkv_diskdump_write(FILE *out, const struct mkv_phys *mem, const struct mkv_diskdump_opts *opts,
		       char *errbuf, size_t errlen);

#endif
