/*
 * dump.h - read-only access to a crash dump through libkdumpfile.
 *
 * Every dump format and every address translation goes through libkdumpfile
 * and libaddrxlat; this file only sets them up in the right order and turns
 * their status into struct hvo_error.  Pages a filter left out are reported
 * as HVO_ERROR_NODATA, never read as zeros.
 */
#ifndef HVO_DUMP_H
#define HVO_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "error.h"
#include "vmcoreinfo.h"

enum hvo_addr_space {
	HVO_PHYS,	/* kernel physical address */
	HVO_VIRT,	/* kernel virtual address, translated by libaddrxlat */
};

struct hvo_dump_read_stats {
	uint64_t nr_reads;	/* read requests */
	uint64_t nr_bytes;	/* bytes returned */
	uint64_t nr_nodata;	/* requests that hit a page not in the dump */
};

struct hvo_dump;

/*
 * Open a dump read-only.  Fails with a message naming the file when it is
 * not a dump, is truncated before its headers end, has no VMCOREINFO or is
 * of an unsupported architecture.  A flattened (makedumpfile -F, QEMU
 * kdump-*) file is reassembled first, in memory or a temporary file (flat.h).
 */
struct hvo_error *hvo_dump_open(const char *path, struct hvo_dump **ret);
void hvo_dump_close(struct hvo_dump *dump);

const char *hvo_dump_path(const struct hvo_dump *dump);
/* "libkdumpfile X.Y.Z, elfutils X.Y": the dump readers built in, for --version. */
const char *hvo_dump_libraries(void);
/* libkdumpfile's format name ("elf", "diskdump", ...), plus " (flattened)". */
const char *hvo_dump_format(const struct hvo_dump *dump);
const char *hvo_dump_arch(const struct hvo_dump *dump);
/* Where the architecture came from: "dump header" or "VMCOREINFO". */
const char *hvo_dump_arch_source(const struct hvo_dump *dump);
uint64_t hvo_dump_page_size(const struct hvo_dump *dump);
/* A flattened dump: where it was reassembled ("memory", "a temporary file in ..."); else NULL. */
const char *hvo_dump_rebuilt_in(const struct hvo_dump *dump);
uint64_t hvo_dump_file_size(const struct hvo_dump *dump);
/*
 * A kdump-compressed file is read with read(2), which comes back short
 * (libkdumpfile fills zeros) when the file shrank since it was opened:
 * an error when the size changed.  (Mapped ELF dumps fault instead, and
 * the SIGBUS guard exits with a message.)
 */
struct hvo_error *hvo_dump_check_unchanged(struct hvo_dump *dump);
const struct hvo_vmcoreinfo *hvo_dump_vmcoreinfo(const struct hvo_dump *dump);
/* What the dump layer corrected while opening (QEMU's phys_base ...), as corrections. */
const struct hvo_diags *hvo_dump_diags(const struct hvo_dump *dump);

/*
 * Read len bytes.  what names the object for the error message, crash-style
 * ("pgd page", "struct page").  HVO_ERROR_NODATA: not in the dump;
 * HVO_ERROR_TRANSLATE: no mapping for a virtual address.
 */
struct hvo_error *hvo_dump_read(struct hvo_dump *dump, enum hvo_addr_space space,
				uint64_t addr, void *buf, size_t len, const char *what);
struct hvo_error *hvo_dump_read_u64(struct hvo_dump *dump, enum hvo_addr_space space,
				    uint64_t addr, uint64_t *ret, const char *what);
/*
 * Readers of kernel data that is read lazily (kallsyms, BTF) take a function
 * of this type, so that tests can hand them an image in memory instead.
 */
typedef struct hvo_error *hvo_vread_fn(void *arg, uint64_t vaddr, void *buf, size_t len,
				       const char *what);
/* hvo_dump_read() of kernel virtual memory as an hvo_vread_fn; arg: the dump. */
struct hvo_error *hvo_dump_vread(void *dump, uint64_t vaddr, void *buf, size_t len,
				 const char *what);

/* Translate a kernel virtual address to physical with libaddrxlat. */
struct hvo_error *hvo_dump_virt_to_phys(struct hvo_dump *dump, uint64_t vaddr,
					uint64_t *paddr_ret);
/* Physical address of the kernel's top-level page table (init_top_pgt). */
struct hvo_error *hvo_dump_pgt_root(struct hvo_dump *dump, uint64_t *paddr_ret);
/* Whether the dump stores the page at paddr (false: filtered or absent). */
bool hvo_dump_has_page(struct hvo_dump *dump, uint64_t paddr);
/* The first page at or after paddr that the dump stores; UINT64_MAX if none. */
uint64_t hvo_dump_next_page(struct hvo_dump *dump, uint64_t paddr);

const struct hvo_dump_read_stats *hvo_dump_stats(const struct hvo_dump *dump);
/* One past the highest page frame the dump describes (libkdumpfile max_pfn). */
uint64_t hvo_dump_max_pfn(const struct hvo_dump *dump);

/*
 * Record the page frame of every physical page read from now on (for
 * `slice`); pass false to stop.  The set is kept until the dump is closed.
 */
struct hvo_error *hvo_dump_track_reads(struct hvo_dump *dump, bool on);
/* Sorted, unique PFNs recorded so far. */
void hvo_dump_tracked_pfns(const struct hvo_dump *dump, const uint64_t **pfns_ret,
			   size_t *nr_ret);
/*
 * Those of them read by physical address: page tables and vmemmap frames,
 * without the kernel data read through its virtual addresses (BTF,
 * kallsyms, variables).
 */
void hvo_dump_tracked_phys_pfns(const struct hvo_dump *dump, const uint64_t **pfns_ret,
				size_t *nr_ret);

#endif /* HVO_DUMP_H */
