/*
 * kdump_check.h - sanity checks of a kdump-compressed file's tables before
 * libkdumpfile trusts them.
 *
 * libkdumpfile 0.5.1 allocates what the header says and reads a page
 * descriptor's size into a block-sized buffer without checking it (found by
 * fuzzing: a heap overflow and multi-GB allocations from a 100 KB file).
 * Reading the format stays libkdumpfile's job; this only refuses files whose
 * header or page descriptors point outside the file or exceed the block size.
 * dump_descriptors.c checks the descriptors a chunk at a time, before
 * libkdumpfile reads a page through one (its own page-table reads
 * included: dump_hook.c).
 */
#ifndef HVO_KDUMP_CHECK_H
#define HVO_KDUMP_CHECK_H

#include <stdint.h>

#include "error.h"

/*
 * fd holds a "KDUMP   " or "DISKDUMP" file of file_size bytes: check what
 * libkdumpfile reads of it while opening it (the header layout it picks,
 * the sub-header's notes, the bitmaps, which must lie in the file) and set
 * *pd_offset_ret to where its page descriptors start and *block_size_ret
 * to its block size, the page size of an architecture in arch.c; any other
 * file: NULL, 0 and 0.
 */
struct hvo_error *hvo_kdump_check(int fd, uint64_t file_size, uint64_t *pd_offset_ret,
				  uint32_t *block_size_ret);

/* Page descriptors are checked this many at a time (96 KiB of them): a count, not a page size. */
#define HVO_KDUMP_PD_CHUNK 4096

/*
 * The table of nr_pds page descriptors at pd_offset, once libkdumpfile has
 * read the bitmap (it counts them: one per stored page): it must end in the
 * file.  Counting them from libkdumpfile's own page map spares a second
 * pass over a bitmap of up to 512 MiB (a 16 TiB host).
 */
struct hvo_error *hvo_kdump_check_pd_table(uint64_t file_size, uint64_t pd_offset,
					   uint64_t nr_pds);

/*
 * Descriptors first .. first + count - 1 of that table, before libkdumpfile
 * reads a page through them: each must point into the file's data, at most
 * one block (block_size, from hvo_kdump_check()) long.
 */
struct hvo_error *hvo_kdump_check_descriptors(int fd, uint64_t file_size, uint64_t block_size,
					      uint64_t pd_offset, uint64_t nr_pds,
					      uint64_t first, uint64_t count);

/*
 * What libkdumpfile 0.5.1 cannot parse safely in VMCOREINFO (text), in the
 * ELF notes that carry it, and in a PT_NOTE segment of an ELF file.
 */
struct hvo_error *hvo_lkf_check_vmcoreinfo(const unsigned char *text, size_t size);
struct hvo_error *hvo_lkf_check_notes(const unsigned char *notes, size_t size);
struct hvo_error *hvo_lkf_check_note_segment(int fd, uint64_t offset, uint64_t length);

#endif /* HVO_KDUMP_CHECK_H */
