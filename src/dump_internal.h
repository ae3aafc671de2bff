/*
 * dump_internal.h - struct hvo_dump and what the dump files share: dump.c
 * (opening), dump_read.c (reads), dump_descriptors.c (kdump-compressed
 * page descriptors), dump_hook.c (the hook on libaddrxlat's reads) and
 * dump_track.c (the pages read, for `slice`).
 */
#ifndef HVO_DUMP_INTERNAL_H
#define HVO_DUMP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libkdumpfile/addrxlat.h>
#include <libkdumpfile/kdumpfile.h>

#include "dump.h"
#include "error.h"
#include "vmcoreinfo.h"

/* Page frames, in the order read until asked for sorted and unique. */
struct pfn_set {
	uint64_t *pfns;
	size_t nr, capacity;
	bool sorted;
};

struct pd_bad_chunk;

/* A kdump-compressed file's page descriptors, by chunks (dump_descriptors.c). */
struct pd_chunks {
	uint64_t nr_pds;	/* one per stored page */
	uint64_t *first_pfn;	/* [chunk]: the PFN of its first descriptor, ascending */
	uint8_t *state;		/* [chunk]: PD_UNCHECKED, PD_GOOD or PD_BAD */
	struct pd_bad_chunk **bad;	/* [chunk], once one is bad: its descriptors, or NULL */
	size_t nr, capacity;
	size_t last;		/* the chunk found last: reads come in PFN order */
};

struct hvo_dump {
	char *path;
	int fd;			/* the user's file, O_RDONLY */
	int data_fd;		/* what libkdumpfile reads: fd, or a reassembled file */
	uint64_t file_size;
	kdump_ctx_t *ctx;
	addrxlat_ctx_t *xctx;
	addrxlat_sys_t *xsys;
	char *format;
	char *arch;
	const char *arch_source;
	char arch_mark_source[64];	/* "VMCOREINFO (SYMBOL(init_top_pgt))" */
	struct hvo_diags diags;		/* what the open corrected (QEMU's phys_base ...) */
	/*
	 * Checked against the architecture at open; a kdump-compressed file's
	 * block size from its header before that, for the page tables
	 * libkdumpfile reads while it opens the file.
	 */
	uint64_t page_size;
	unsigned int page_shift;	/* log2(page_size): a PFN is paddr >> page_shift */
	char *rebuilt_in;		/* flattened: where it was rebuilt; else NULL */
	bool mapped;		/* ELF: libkdumpfile maps the file */
	uint64_t pd_offset;	/* kdump-compressed: its page descriptors; else 0 */
	uint64_t data_size;	/* of data_fd, checked at open */
	struct hvo_vmcoreinfo *vmcoreinfo;
	struct hvo_dump_read_stats stats;
	kdump_bmp_t *file_pagemap;	/* pages stored in the file; NULL if unknown */
	struct pd_chunks pds;		/* kdump-compressed only */
	/*
	 * On libkdumpfile's translation context: the page tables it reads are
	 * checked too.  Its priv is this dump (dump_hook.c).
	 */
	addrxlat_cb_t *read_hook;
	struct hvo_error *hook_error;	/* why read_hook last refused a page */

	bool tracking;
	struct pfn_set tracked;		/* every page read */
	struct pfn_set tracked_phys;	/* those read by physical address */
};

/* dump.c: libkdumpfile's message for its last failure, as an hvo_error. */
struct hvo_error *hvo_dump_kdump_failure(struct hvo_dump *dump, kdump_status status,
					 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* dump_descriptors.c: a kdump-compressed file's page descriptors. */
struct hvo_error *hvo_dump_index_descriptors(struct hvo_dump *dump);
struct hvo_error *hvo_dump_check_pfn(struct hvo_dump *dump, uint64_t pfn);
void hvo_dump_free_descriptors(struct hvo_dump *dump);

/* dump_hook.c: the hook on libkdumpfile's own page-table reads. */
struct hvo_error *hvo_dump_hook_translation_reads(struct hvo_dump *dump);
void hvo_dump_unhook_reads(struct hvo_dump *dump);
struct hvo_error *hvo_dump_take_hook_error(struct hvo_dump *dump);
struct hvo_error *hvo_dump_refused_descriptor(struct hvo_dump *dump);

/* dump_track.c: the pages read, while tracking. */
struct hvo_error *hvo_dump_push_u64(uint64_t **array, size_t *nr, size_t *capacity,
				    uint64_t value);
struct hvo_error *hvo_dump_track_read(struct hvo_dump *dump, uint64_t paddr, size_t len,
				      bool by_phys);
void hvo_dump_free_tracking(struct hvo_dump *dump);

#endif /* HVO_DUMP_INTERNAL_H */
