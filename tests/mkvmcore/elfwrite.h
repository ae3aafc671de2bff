/*
 * elfwrite: an ELF64 ET_CORE vmcore as the kernel's /proc/vmcore (kexec
 * kdump) presents it: one PT_NOTE (NT_PRSTATUS "CORE" notes, then the
 * "VMCOREINFO" note of type 0) and one PT_LOAD per run of present pages,
 * p_paddr set and p_vaddr = PAGE_OFFSET + paddr (kdump) or 0 (QEMU style).
 * Pages the model never stored are left out, as makedumpfile does for
 * excluded pages.  From 65535 program headers on, e_phnum is PN_XNUM and
 * the real count is in sh_info of the one (null) section header, as the
 * kernel's ELF core dumps do.
 */
#ifndef MKV_ELFWRITE_H
#define MKV_ELFWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "physmem.h"

struct mkv_elf_opts {
	uint16_t e_machine;
	bool prstatus;
	const char *vmcoreinfo;		/* NULL: no VMCOREINFO note */
	size_t vmcoreinfo_len;
	bool vaddr_zero;
	bool force_xnum;	/* extended numbering (PN_XNUM) even below 65535 headers */
	bool qemu_layout;	/* QEMU dump-guest-memory: a section header before the phdrs */
	uint64_t page_offset;
};

/*
 * The PT_NOTE contents (NT_PRSTATUS, VMCOREINFO) as a malloc'ed buffer, for
 * other containers that carry ELF notes (the diskdump sub-header).
 */
unsigned char *mkv_elf_notes(const struct mkv_elf_opts *opts, size_t *len_ret);

/* Returns 0, or -1 with a message in errbuf. */
int mkv_elf_write(FILE *out, const struct mkv_phys *mem, const struct mkv_elf_opts *opts,
		  char *errbuf, size_t errlen);

#endif
