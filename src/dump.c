/*
 * dump.c - opening a dump: the format sniffed, an ELF file's extent and a
 * kdump-compressed file's tables checked, libkdumpfile set up in the
 * right order (architecture, version, phys_base settled on the way), a
 * flattened file reassembled first (flat.c); closing it, and what it is.
 * Reads are dump_read.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>
#ifdef HAVE_ELFUTILS_VERSION_H
#include <elfutils/version.h>
#endif

#include "arch.h"
#include "dump_internal.h"
#include "flat.h"
#include "kdump_check.h"
#include "sigbus.h"

/* libkdumpfile's page cache, in pages (measured: see the bench notes). */
#define HVO_KDUMP_CACHE_PAGES 32

/* An attribute of the given type; its value only.  The call changed in libkdumpfile 0.5.6. */
static kdump_status get_typed_attr(kdump_ctx_t *ctx, const char *key, kdump_attr_type_t type,
				   kdump_attr_value_t *value_ret)
{
#ifdef HVO_KDUMP_TYPED_ATTR_SPLIT
	return kdump_get_typed_attr(ctx, key, type, value_ret);
#else
	kdump_attr_t attr = { .type = type };
	/* Another type is KDUMP_ERR_INVALID here too (0.5.1's attr.c). */
	kdump_status ks = kdump_get_typed_attr(ctx, key, &attr);
	if (ks == KDUMP_OK)
		*value_ret = attr.val;
	return ks;
#endif
}

static struct hvo_error *get_string_attr(struct hvo_dump *dump, const char *key,
					 char **ret)
{
	const char *value;
	kdump_status ks = kdump_get_string_attr(dump->ctx, key, &value);
	if (ks == KDUMP_ERR_NOKEY || ks == KDUMP_ERR_NODATA) {
		*ret = NULL;
		return NULL;
	}
	if (ks != KDUMP_OK)
		return hvo_dump_kdump_failure(dump, ks, "reading attribute %s", key);
	*ret = strdup(value);
	return *ret ? NULL : &hvo_error_nomem;
}

/*
 * QEMU's diskdump header leaves sysname and release empty, so libkdumpfile
 * may not learn the architecture.  Fall back to the header's machine field,
 * then to VMCOREINFO (a key only one architecture exports, arch.h).
 */
static struct hvo_error *settle_arch(struct hvo_dump *dump)
{
	struct hvo_error *err = get_string_attr(dump, KDUMP_ATTR_ARCH_NAME, &dump->arch);
	if (err)
		return err;
	if (dump->arch) {
		dump->arch_source = "dump header";
		return NULL;
	}
	char *machine = NULL;
	err = get_string_attr(dump, "linux.uts.machine", &machine);
	if (err)
		return err;
	if (machine && *machine) {
		dump->arch = machine;
		dump->arch_source = "dump header (utsname.machine)";
	} else {
		free(machine);
		const struct hvo_arch *arch = hvo_arch_from_vmcoreinfo(dump->vmcoreinfo);
		if (!arch)
			return hvo_error_create(HVO_ERROR_UNSUPPORTED,
						"cannot tell the architecture: the dump header names none "
						"and VMCOREINFO has no %s",
						hvo_arch_vmcoreinfo_marks());
		dump->arch = strdup(arch->name);
		if (!dump->arch)
			return &hvo_error_nomem;
		snprintf(dump->arch_mark_source, sizeof(dump->arch_mark_source), "VMCOREINFO (%s)",
			 arch->vmcoreinfo_mark);
		dump->arch_source = dump->arch_mark_source;
	}
	kdump_status ks = kdump_set_string_attr(dump->ctx, KDUMP_ATTR_ARCH_NAME, dump->arch);
	if (ks != KDUMP_OK)
		return hvo_dump_kdump_failure(dump, ks, "setting architecture '%s'", dump->arch);
	return NULL;
}

/* Keep every correction for `info`. */
static void add_fixup_note(struct hvo_dump *dump, const char *note)
{
	/* A note is not worth failing the open for. */
	hvo_error_destroy(hvo_diag_add(&dump->diags, HVO_DIAG_CORRECTION, NULL, "%s", note));
}

/*
 * libkdumpfile derives linux.version_code from the release and refuses one
 * whose minor number is not followed by a dot: Debian's experimental kernels
 * call themselves "7.3-amd64".  Give it the leading A.B[.C] ourselves; the
 * translation only compares the version with old releases (4.13).
 */
static struct hvo_error *settle_version(struct hvo_dump *dump)
{
	kdump_num_t code;
	if (kdump_get_number_attr(dump->ctx, "linux.version_code", &code) != KDUMP_ERR_CORRUPT)
		return NULL;
	char *release;
	struct hvo_error *err = get_string_attr(dump, "linux.uts.release", &release);
	if (err || !release)
		return err;
	/* Only a release without a patch level gets here: MAJOR.MINOR.0. */
	unsigned int major, minor;
	err = hvo_parse_release(release, &major, &minor);
	if (err) {
		free(release);
		return err;
	}
	code = ((kdump_num_t)major << 16) | ((minor > 255 ? 255 : minor) << 8);
	kdump_status ks = kdump_set_number_attr(dump->ctx, "linux.version_code", code);
	if (ks != KDUMP_OK) {
		free(release);
		return hvo_dump_kdump_failure(dump, ks, "setting the kernel version");
	}
	char note[160];
	snprintf(note, sizeof(note), "kernel version %u.%u.0 taken from release '%.64s', "
		 "which libkdumpfile cannot parse", major, minor, release);
	add_fixup_note(dump, note);
	free(release);
	return NULL;
}

/*
 * QEMU 7.2 writes a wrong phys_base into the diskdump sub-header (the decimal
 * value parsed as hex); the kernel's own NUMBER(phys_base) is the truth.
 */
static struct hvo_error *settle_phys_base(struct hvo_dump *dump)
{
	int64_t vi_phys_base;
	struct hvo_error *err = hvo_vmcoreinfo_s64(dump->vmcoreinfo, "NUMBER(phys_base)",
						   &vi_phys_base);
	if (err == &hvo_error_not_found)
		return NULL;
	if (err)
		return err;
	kdump_addr_t header_phys_base = 0;
	kdump_status ks = kdump_get_address_attr(dump->ctx, "linux.phys_base",
						&header_phys_base);
	bool header_had_one = ks == KDUMP_OK;
	if (header_had_one && header_phys_base == (kdump_addr_t)vi_phys_base)
		return NULL;
	ks = kdump_set_address_attr(dump->ctx, "linux.phys_base", (kdump_addr_t)vi_phys_base);
	if (ks != KDUMP_OK)
		return hvo_dump_kdump_failure(dump, ks, "setting phys_base");
	if (header_had_one) {
		char note[128];
		snprintf(note, sizeof(note), "phys_base 0x%" PRIx64 " from VMCOREINFO used "
			 "instead of the header's 0x%" PRIx64,
			 (uint64_t)vi_phys_base, (uint64_t)header_phys_base);
		add_fixup_note(dump, note);
	}
	return NULL;
}

/* What the first bytes claim the file is, for messages about broken files. */
static const char *sniff_format(int fd)
{
	char magic[8];
	if (pread(fd, magic, sizeof(magic), 0) != (ssize_t)sizeof(magic))
		return NULL;
	if (!memcmp(magic, "\177ELF", 4))
		return "ELF";
	if (!memcmp(magic, "KDUMP   ", 8))
		return "kdump-compressed";
	if (!memcmp(magic, "DISKDUMP", 8))
		return "diskdump";
	return NULL;
}

/*
 * Dumps travel compressed (a bug report's vmcore.gz): name the compressor
 * and the command that undoes it, or NULL.  The magic numbers are the
 * formats' own (RFC 1952, xz, zstd, bzip2 and lz4 frame formats).
 */
static const char *sniff_compression(int fd, const char **undo_ret)
{
	static const struct {
		const char *magic;
		size_t len;
		const char *name, *undo;
	} formats[] = {
		{ "\x1f\x8b", 2, "gzip", "gunzip" },
		{ "\xfd" "7zXZ\0", 6, "xz", "unxz" },
		{ "\x28\xb5\x2f\xfd", 4, "zstd", "unzstd" },
		{ "BZh", 3, "bzip2", "bunzip2" },
		{ "\x04\x22\x4d\x18", 4, "lz4", "unlz4" },
	};
	unsigned char magic[8];
	ssize_t got = pread(fd, magic, sizeof(magic), 0);
	for (size_t i = 0; got > 0 && i < sizeof(formats) / sizeof(formats[0]); i++) {
		if ((size_t)got >= formats[i].len && !memcmp(magic, formats[i].magic, formats[i].len)) {
			*undo_ret = formats[i].undo;
			return formats[i].name;
		}
	}
	return NULL;
}

/* Whether [offset, offset + size) lies within a file of file_size bytes. */
static bool within(uint64_t offset, uint64_t size, uint64_t file_size)
{
	return offset <= file_size && size <= file_size - offset;
}

/*
 * An ELF dump cut short still opens: its headers are intact, its last
 * segments are not.  Check everything libkdumpfile will read (program and
 * section header tables, sections, segments) against the file's size
 * before it reads any of it: a truncated file is refused up front instead
 * of producing a partial answer, and no read through the mapped file
 * (see open_kdump) can reach past its end.
 */
static struct hvo_error *check_elf_extent(int fd, uint64_t file_size)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return hvo_error_create(HVO_ERROR_INTERNAL, "libelf: %s", elf_errmsg(-1));
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		return hvo_error_create(HVO_ERROR_FORMAT, "corrupt ELF dump (%s)", elf_errmsg(-1));
	struct hvo_error *err = NULL;
	GElf_Ehdr ehdr;
	size_t nr_phdrs, nr_shdrs;
	uint64_t extent = 0;
	if (!gelf_getehdr(elf, &ehdr)) {
		err = hvo_error_create(HVO_ERROR_FORMAT, "corrupt ELF dump (%s)", elf_errmsg(-1));
		goto out;
	}
	/* The checks below are ELF64's, and every architecture in arch.c is 64-bit. */
	if (gelf_getclass(elf) != ELFCLASS64) {
		err = hvo_error_create(HVO_ERROR_UNSUPPORTED,
				       "32-bit ELF dump (hvoinspect handles %s)", hvo_arch_names());
		goto out;
	}
	/*
	 * The tables' sizes before libelf reads them (section 0 holds the
	 * counts that overflow e_phnum/e_shnum); < 2^32 entries of < 2^16
	 * bytes: no overflow.
	 */
	if ((ehdr.e_shoff && !within(ehdr.e_shoff, ehdr.e_shentsize, file_size)) ||
	    (ehdr.e_phnum != PN_XNUM &&
	     !within(ehdr.e_phoff, (uint64_t)ehdr.e_phnum * ehdr.e_phentsize, file_size)))
		goto truncated;
	if (elf_getphdrnum(elf, &nr_phdrs) || elf_getshdrnum(elf, &nr_shdrs)) {
		err = hvo_error_create(HVO_ERROR_FORMAT, "corrupt ELF dump (%s)", elf_errmsg(-1));
		goto out;
	}
	/*
	 * What libkdumpfile reads (init_elf64()): e_phnum program and e_shnum
	 * section headers, each taken as e_phentsize / e_shentsize bytes but
	 * used as a whole Elf64_Phdr / Elf64_Shdr (0 bytes: a NULL dereference
	 * fuzzing found), from e_phoff / e_shoff even when that is 0; section
	 * 0 supplies the counts when e_shnum is 0 or e_phnum is PN_XNUM.
	 */
	bool reads_section0 = ehdr.e_shoff && (ehdr.e_shnum == 0 || ehdr.e_phnum == PN_XNUM);
	uint64_t lkf_shnum = ehdr.e_shnum ? ehdr.e_shnum : reads_section0 ? nr_shdrs : 0;
	uint64_t lkf_phnum = ehdr.e_phnum;
	if (ehdr.e_phnum == PN_XNUM) {
		if (!lkf_shnum) {
			err = hvo_error_create(HVO_ERROR_FORMAT, "corrupt ELF dump: e_phnum is "
					       "PN_XNUM but there is no section 0 to hold the count");
			goto out;
		}
		lkf_phnum = nr_phdrs;
	}
	if (lkf_shnum && !ehdr.e_shoff) {
		err = hvo_error_create(HVO_ERROR_FORMAT, "corrupt ELF dump: %" PRIu64
				       " section headers at offset 0", lkf_shnum);
		goto out;
	}
	if (lkf_phnum != nr_phdrs || lkf_shnum != nr_shdrs) {
		err = hvo_error_create(HVO_ERROR_FORMAT, "corrupt ELF dump: %" PRIu64 " program and %"
				       PRIu64 " section headers, where libelf counts %zu and %zu",
				       lkf_phnum, lkf_shnum, nr_phdrs, nr_shdrs);
		goto out;
	}
	if ((lkf_phnum && ehdr.e_phentsize != sizeof(Elf64_Phdr)) ||
	    ((lkf_shnum || reads_section0) && ehdr.e_shentsize != sizeof(Elf64_Shdr))) {
		err = hvo_error_create(HVO_ERROR_FORMAT,
				       "corrupt ELF dump: program and section header entries of %u and "
				       "%u bytes (ELF64 has %zu and %zu)", ehdr.e_phentsize,
				       ehdr.e_shentsize, sizeof(Elf64_Phdr), sizeof(Elf64_Shdr));
		goto out;
	}
	if (!within(ehdr.e_phoff, (uint64_t)nr_phdrs * ehdr.e_phentsize, file_size) ||
	    (ehdr.e_shoff && !within(ehdr.e_shoff, (uint64_t)nr_shdrs * ehdr.e_shentsize,
				     file_size)))
		goto truncated;
	for (size_t i = 0; i < nr_phdrs; i++) {
		GElf_Phdr phdr;
		if (!gelf_getphdr(elf, i, &phdr)) {
			err = hvo_error_create(HVO_ERROR_FORMAT, "corrupt ELF dump: program header %zu (%s)",
					       i, elf_errmsg(-1));
			goto out;
		}
		if (phdr.p_type != PT_LOAD && phdr.p_type != PT_NOTE)
			continue;
		if (phdr.p_offset > UINT64_MAX - phdr.p_filesz) {
			err = hvo_error_create(HVO_ERROR_FORMAT,
					       "corrupt ELF dump: segment %zu ends past 2^64", i);
			goto out;
		}
		if (phdr.p_offset + phdr.p_filesz > extent)
			extent = phdr.p_offset + phdr.p_filesz;
		if (phdr.p_type == PT_NOTE && phdr.p_offset + phdr.p_filesz <= file_size &&
		    (err = hvo_lkf_check_note_segment(fd, phdr.p_offset, phdr.p_filesz)))
			goto out;
	}
	if (extent > file_size) {
		err = hvo_error_create(HVO_ERROR_FORMAT,
				       "truncated ELF dump: its segments need %" PRIu64
				       " bytes, the file has %" PRIu64, extent, file_size);
		goto out;
	}
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr)) {
			err = hvo_error_create(HVO_ERROR_FORMAT, "corrupt ELF dump: section header (%s)",
					       elf_errmsg(-1));
			goto out;
		}
		if (shdr.sh_type != SHT_NOBITS && !within(shdr.sh_offset, shdr.sh_size, file_size)) {
			err = hvo_error_create(HVO_ERROR_FORMAT,
					       "truncated ELF dump: section %zu (%" PRIu64
					       " bytes at %" PRIu64 ") ends past the end of the file "
					       "(%" PRIu64 " bytes)", elf_ndxscn(scn),
					       (uint64_t)shdr.sh_size, (uint64_t)shdr.sh_offset,
					       file_size);
			goto out;
		}
	}
out:
	elf_end(elf);
	return err;
truncated:
	err = hvo_error_create(HVO_ERROR_FORMAT,
			       "truncated ELF dump: its header tables end past the end of the "
			       "file (%" PRIu64 " bytes)", file_size);
	goto out;
}

/*
 * libkdumpfile before 0.5.5 keeps up to 1024 windows of 4 MiB of a mapped
 * file (its fcache took the window order for the cache size; upstream
 * 7b6a1e6 fixed it to 16), so every window a scan touches stays resident:
 * 1.6 GiB for a generated 16 TiB host's ELF dump.  When the dump reaches
 * past 16 GiB (libkdumpfile's max_pfn: the end of the highest PT_LOAD; a
 * memmap of 256 MiB), read(2) instead, from here on: that host then takes
 * 0.9 s instead of 0.4 s, in 16 MiB instead of 1.6 GiB.
 */
#define HVO_MAPPED_MAX_PFN (UINT64_C(1) << 22)

static kdump_status limit_mapping(struct hvo_dump *dump)
{
#if KDUMPFILE_VERSION < KDUMPFILE_MKVER(0, 5, 5)
	uint64_t max_pfn = hvo_dump_max_pfn(dump);	/* 0: unknown */
	if (max_pfn && max_pfn <= HVO_MAPPED_MAX_PFN)
		return KDUMP_OK;
	/* The policy attribute is the file cache's own: it applies at once. */
	return kdump_set_number_attr(dump->ctx, KDUMP_ATTR_FILE_MMAP_POLICY, KDUMP_MMAP_NEVER);
#else
	return KDUMP_OK;
#endif
}

/* page_size: a power of two, the architecture's or a block size hvo_kdump_check() took. */
static void set_page_size(struct hvo_dump *dump, uint64_t page_size)
{
	dump->page_size = page_size;
	dump->page_shift = (unsigned int)__builtin_ctzll(page_size);
}

static struct hvo_error *open_kdump(struct hvo_dump *dump)
{
	kdump_status ks;
	struct hvo_error *err;

	dump->ctx = kdump_new();
	if (!dump->ctx)
		return &hvo_error_nomem;
	/*
	 * Map an ELF dump: with read(2), libkdumpfile 0.5.1 looks each file
	 * block up in a cache of 1024 entries searched linearly on a miss,
	 * half the time of a report.  A mapped read past the end of the file
	 * is a SIGBUS, not a short count: check_elf_extent() has checked
	 * everything libkdumpfile reads against the file's size, and the
	 * SIGBUS guard turns a file shrinking under us into a clear error.
	 * kdump-compressed files are read: mapped, the pages of their bitmaps
	 * and tables doubled the peak RSS of a large host (16 TiB: 520 MiB ->
	 * 1 GiB), and decompression, not the lookup, dominates their reads.
	 */
	ks = kdump_set_number_attr(dump->ctx, KDUMP_ATTR_FILE_MMAP_POLICY,
				   dump->mapped ? KDUMP_MMAP_TRY : KDUMP_MMAP_NEVER);
	if (ks != KDUMP_OK)
		return hvo_dump_kdump_failure(dump, ks, "setting the read policy");
	/*
	 * libkdumpfile 0.5.1 searches its page cache linearly on every read; we
	 * keep our own cache of the frames we reuse, so a small one is faster.
	 */
	const char *cache_env = getenv("HVOINSPECT_KDUMP_CACHE");
	ks = kdump_set_number_attr(dump->ctx, "cache.size",
				   cache_env ? strtoul(cache_env, NULL, 0) : HVO_KDUMP_CACHE_PAGES);
	if (ks != KDUMP_OK)
		return hvo_dump_kdump_failure(dump, ks, "setting the cache size");
	/* Before the file: with no architecture yet, no translation is set up. */
	if (dump->pd_offset && (err = hvo_dump_hook_translation_reads(dump)))
		return err;
	ks = kdump_set_number_attr(dump->ctx, KDUMP_ATTR_FILE_FD, dump->data_fd);
	if (ks != KDUMP_OK) {
		/* libkdumpfile prefixes its own plumbing ("Cannot set file.set.0.fd: "). */
		const char *why = kdump_get_err(dump->ctx);
		const char *plumbing = "Cannot set file.set.0.fd: ";
		if (why && !strncmp(why, plumbing, strlen(plumbing)))
			why += strlen(plumbing);
		const char *kind = sniff_format(dump->data_fd);
		if (kind)
			return hvo_error_create(HVO_ERROR_FORMAT,
						"corrupt or truncated %s dump (%s)", kind,
						why ? why : "unreadable headers");
		return hvo_error_create(HVO_ERROR_FORMAT, "not a dump file (%s)",
					why ? why : "unknown format");
	}
	/* Which pages the file stores: the descriptors checked next, and "not in dump" later. */
	kdump_attr_value_t pagemap;
	if (get_typed_attr(dump->ctx, KDUMP_ATTR_FILE_PAGEMAP, KDUMP_BITMAP, &pagemap) == KDUMP_OK) {
		dump->file_pagemap = pagemap.bitmap;
		kdump_bmp_incref(dump->file_pagemap);
	}
	/* Opening read the headers and the bitmap, no page yet (ostype does). */
	if (dump->pd_offset && (err = hvo_dump_index_descriptors(dump)))
		return err;
	err = get_string_attr(dump, KDUMP_ATTR_FILE_FORMAT, &dump->format);
	if (err)
		return err;
	if (!dump->format)
		return hvo_error_create(HVO_ERROR_FORMAT, "not a dump file (unknown format)");

	/*
	 * The raw note blob exists as soon as the file is opened; the parsed
	 * kdump_vmcoreinfo_raw() view needs the OS type, which needs the
	 * architecture, which QEMU's diskdumps only give through VMCOREINFO.
	 */
	kdump_attr_value_t raw_note;
	ks = get_typed_attr(dump->ctx, "linux.vmcoreinfo.raw", KDUMP_BLOB, &raw_note);
	if (ks != KDUMP_OK)
		return hvo_error_create(HVO_ERROR_FORMAT,
					"dump has no VMCOREINFO (was it taken without "
					"-device vmcoreinfo or the kernel's crash notes?)");
	const void *raw = kdump_blob_pin(raw_note.blob);
	size_t raw_size = kdump_blob_size(raw_note.blob);
	if (!raw || !raw_size) {
		kdump_blob_unpin(raw_note.blob);
		return hvo_error_create(HVO_ERROR_FORMAT, "dump has an empty VMCOREINFO note");
	}
	err = hvo_vmcoreinfo_parse(raw, raw_size, &dump->vmcoreinfo);
	kdump_blob_unpin(raw_note.blob);
	if (err)
		return hvo_error_prefix(err, "VMCOREINFO");

	err = settle_arch(dump);
	if (err)
		return err;
	const struct hvo_arch *arch = hvo_arch_find(dump->arch);
	if (!arch)
		return hvo_error_create(HVO_ERROR_UNSUPPORTED,
					"unsupported architecture '%s' (hvoinspect handles %s)",
					dump->arch, hvo_arch_names());
	err = settle_phys_base(dump);
	if (!err)
		err = settle_version(dump);
	if (err)
		return err;
	/* Both read page tables: a descriptor the hook refused is the reason. */
	hvo_error_destroy(hvo_dump_take_hook_error(dump));
	ks = kdump_set_string_attr(dump->ctx, KDUMP_ATTR_OSTYPE, "linux");
	if (ks != KDUMP_OK)
		return dump->hook_error ? hvo_dump_take_hook_error(dump) :
			hvo_dump_kdump_failure(dump, ks, "setting up Linux address translation");
	/*
	 * A kdump-compressed file's is its block size (libkdumpfile's
	 * try_header()), which set_page_size() had for the reads above.
	 */
	kdump_num_t page_size;
	ks = kdump_get_number_attr(dump->ctx, KDUMP_ATTR_PAGE_SIZE, &page_size);
	if (ks != KDUMP_OK)
		return hvo_dump_kdump_failure(dump, ks, "reading the page size");
	if (page_size != hvo_arch_page_size(arch))
		return hvo_error_create(HVO_ERROR_UNSUPPORTED,
					"page size %" PRIu64 " (hvoinspect handles %" PRIu64 ")",
					(uint64_t)page_size, hvo_arch_page_size(arch));
	set_page_size(dump, page_size);
	addrxlat_ctx_t *xctx;
	ks = kdump_get_addrxlat(dump->ctx, &xctx, &dump->xsys);
	if (ks != KDUMP_OK)
		return dump->hook_error ? hvo_dump_take_hook_error(dump) :
			hvo_dump_kdump_failure(dump, ks, "setting up address translation");
	if (dump->xctx)
		addrxlat_ctx_decref(xctx);	/* the one hooked above */
	else
		dump->xctx = xctx;

	if (dump->mapped && (ks = limit_mapping(dump)) != KDUMP_OK)
		return hvo_dump_kdump_failure(dump, ks, "setting the read policy");
	return NULL;
}

struct hvo_error *hvo_dump_open(const char *path, struct hvo_dump **ret)
{
	struct hvo_error *err;
	struct hvo_dump *dump = calloc(1, sizeof(*dump));
	if (!dump)
		return &hvo_error_nomem;
	dump->fd = dump->data_fd = -1;
	dump->path = strdup(path);
	if (!dump->path) {
		err = &hvo_error_nomem;
		goto err;
	}
	dump->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (dump->fd < 0) {
		err = hvo_error_errno(errno, "cannot open '%s'", path);
		goto err_noprefix;
	}
	struct stat st;
	if (fstat(dump->fd, &st)) {
		err = hvo_error_errno(errno, "cannot stat '%s'", path);
		goto err_noprefix;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		err = hvo_error_create(HVO_ERROR_FORMAT, "'%s': not a regular file", path);
		goto err_noprefix;
	}
	if (st.st_size == 0) {
		err = hvo_error_create(HVO_ERROR_FORMAT, "'%s': empty file, not a dump", path);
		goto err_noprefix;
	}
	dump->file_size = st.st_size;

	/* Flattened streams and ELF dumps are mapped: a file shrinking under us is a SIGBUS. */
	hvo_sigbus_guard(path);
	err = hvo_flat_reassemble(dump->fd, dump->file_size, &dump->data_fd, &dump->rebuilt_in);
	if (err)
		goto err;
	if (dump->data_fd < 0)
		dump->data_fd = dump->fd;

	/*
	 * libkdumpfile also probes LKCD, sadump, s390, Xen and /dev/mem
	 * formats, whose tables nothing here checks: hand it only the two
	 * formats hvoinspect reads and bounds.
	 */
	const char *kind = sniff_format(dump->data_fd), *undo;
	const char *compressor = kind ? NULL : sniff_compression(dump->data_fd, &undo);
	if (compressor) {
		err = hvo_error_create(HVO_ERROR_FORMAT, "%s-compressed, not a dump: decompress "
				       "it first (%s -k '%s')", compressor, undo, path);
		goto err;
	}
	if (!kind) {
		err = hvo_error_create(HVO_ERROR_FORMAT, "not a dump file (hvoinspect reads ELF and "
				       "kdump-compressed dumps; this starts like neither)");
		goto err;
	}
	struct stat data_st;
	if (fstat(dump->data_fd, &data_st)) {
		err = hvo_error_errno(errno, "cannot stat the dump data");
		goto err;
	}
	dump->data_size = (uint64_t)data_st.st_size;
	if (strcmp(kind, "ELF") == 0) {
		if ((err = check_elf_extent(dump->data_fd, dump->data_size)))
			goto err;
		dump->mapped = true;
	} else {
		/* libkdumpfile 0.5.1 trusts the tables of a kdump-compressed file. */
		uint32_t block_size;
		if ((err = hvo_kdump_check(dump->data_fd, dump->data_size, &dump->pd_offset,
					   &block_size)))
			goto err;
		/* Its pages are blocks: libkdumpfile reads page tables through them at open. */
		if (dump->pd_offset)
			set_page_size(dump, block_size);
	}
	err = open_kdump(dump);
	if (err)
		goto err;
	*ret = dump;
	return NULL;

err:
	err = hvo_error_prefix(err, "'%s'", path);
err_noprefix:
	hvo_dump_close(dump);
	return err;
}

void hvo_dump_close(struct hvo_dump *dump)
{
	if (!dump)
		return;
	if (dump->file_pagemap)
		kdump_bmp_decref(dump->file_pagemap);
	if (dump->xsys)
		addrxlat_sys_decref(dump->xsys);
	hvo_dump_unhook_reads(dump);
	if (dump->xctx)
		addrxlat_ctx_decref(dump->xctx);
	if (dump->ctx)
		kdump_free(dump->ctx);
	hvo_dump_free_descriptors(dump);
	if (dump->data_fd >= 0 && dump->data_fd != dump->fd)
		close(dump->data_fd);
	if (dump->fd >= 0)
		close(dump->fd);
	hvo_vmcoreinfo_free(dump->vmcoreinfo);
	hvo_dump_free_tracking(dump);
	free(dump->format);
	free(dump->arch);
	hvo_diags_free(&dump->diags);
	free(dump->rebuilt_in);
	free(dump->path);
	free(dump);
}

/* Build-time versions: neither library reports its own at run time. */
const char *hvo_dump_libraries(void)
{
#ifdef _ELFUTILS_VERSION
	static char text[64];	/* elfutils encodes 0.188 as 188 */
	snprintf(text, sizeof(text), "libkdumpfile %s, elfutils %d.%d", KDUMPFILE_VERSION_STRING,
		 _ELFUTILS_VERSION / 1000, _ELFUTILS_VERSION % 1000);
	return text;
#else
	return "libkdumpfile " KDUMPFILE_VERSION_STRING;
#endif
}

const char *hvo_dump_path(const struct hvo_dump *dump) { return dump->path; }
const char *hvo_dump_format(const struct hvo_dump *dump) { return dump->format; }
const char *hvo_dump_arch(const struct hvo_dump *dump) { return dump->arch; }
const char *hvo_dump_arch_source(const struct hvo_dump *dump) { return dump->arch_source; }
uint64_t hvo_dump_page_size(const struct hvo_dump *dump) { return dump->page_size; }
const char *hvo_dump_rebuilt_in(const struct hvo_dump *dump) { return dump->rebuilt_in; }
uint64_t hvo_dump_file_size(const struct hvo_dump *dump) { return dump->file_size; }
const struct hvo_diags *hvo_dump_diags(const struct hvo_dump *dump) { return &dump->diags; }
uint64_t hvo_dump_max_pfn(const struct hvo_dump *dump)
{
	kdump_num_t max_pfn = 0;
	if (kdump_get_number_attr(dump->ctx, "max_pfn", &max_pfn) != KDUMP_OK)
		return 0;
	return max_pfn;
}

const struct hvo_vmcoreinfo *hvo_dump_vmcoreinfo(const struct hvo_dump *dump)
{
	return dump->vmcoreinfo;
}
