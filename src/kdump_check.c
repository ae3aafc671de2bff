/* kdump_check.c - bound what libkdumpfile 0.5.1 will read of a dump before it reads it. */
#include <byteswap.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "kdump_check.h"

/*
 * struct disk_dump_header (makedumpfile's diskdump_mgmt.h), both layouts:
 * the 32-bit one has a 2-byte pad and an 8-byte timeval, the 64-bit one a
 * 6-byte pad and a 16-byte timeval.
 */
#define DH_HEADER_VERSION 8
#define DH32_BLOCK_SIZE 416	/* then sub_hdr_size, bitmap_blocks, max_mapnr */
#define DH64_BLOCK_SIZE 428
#define DH_SUB_HDR_SIZE 432
#define DH_BITMAP_BLOCKS 436
#define DH_MAX_MAPNR 440
#define DH_SIZE 464
/* struct kdump_sub_header, 64-bit layout, at the second block. */
#define SH_OFFSET_VMCOREINFO 32	/* each offset is followed by its u64 size */
#define SH_OFFSET_NOTE 48
#define SH_SIZE 104
#define PD_SIZE 24		/* offset u64, size u32, flags u32, page_flags u64 */
#define PD_CHUNK HVO_KDUMP_PD_CHUNK	/* descriptors read at a time */
/* libkdumpfile 0.5.1's bounds on any block (kdumpfile-priv.h), not a page size of ours. */
#define LKF_MIN_PAGE_SIZE 4096u
#define LKF_MAX_PAGE_SIZE (1u << 18)

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static struct hvo_error *read_at(int fd, uint64_t offset, void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, offset + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hvo_error_errno(errno, "reading the kdump header");
		if (n == 0)
			return hvo_error_create(HVO_ERROR_FORMAT,
						"truncated kdump-compressed dump: its tables end at %"
						PRIu64 " bytes, past the end of the file", offset + len);
		done += n;
	}
	return NULL;
}

/*
 * VMCOREINFO text as libkdumpfile 0.5.1 files it (vmcoreinfo_raw_post_hook):
 * a key that starts with '.' makes create_attr_path() look up a key of
 * length 0 - 1, a hash over all of memory (a SEGV fuzzing found).  No
 * kernel writes such a key.
 */
struct hvo_error *hvo_lkf_check_vmcoreinfo(const unsigned char *text, size_t size)
{
	for (size_t at = 0, line = 1; at < size; line++) {
		const unsigned char *nl = memchr(text + at, '\n', size - at);
		size_t end = nl ? (size_t)(nl - text) : size;
		if (text[at] == '.')
			return hvo_error_create(HVO_ERROR_FORMAT,
						"corrupt VMCOREINFO: line %zu starts with '.', "
						"which libkdumpfile cannot file", line);
		at = end + 1;
	}
	return NULL;
}

static bool note_name_is(const char *name, const unsigned char *note_name, size_t namesz)
{
	size_t len = strlen(name);
	return namesz >= len && namesz <= len + 1 && !memcmp(name, note_name, namesz);
}

/* ELF notes walked as libkdumpfile walks them (do_notes()), 4-byte aligned. */
struct hvo_error *hvo_lkf_check_notes(const unsigned char *notes, size_t size)
{
	const unsigned char *hdr = notes;
	while (size >= 12) {
		uint32_t namesz = get32(hdr), descsz = get32(hdr + 4);
		size_t descoff = 12 + (((size_t)namesz + 3) & ~(size_t)3);
		size_t desc_round = ((size_t)descsz + 3) & ~(size_t)3;
		if (size < descoff + descsz)
			break;
		const unsigned char *name = hdr + 12, *desc = hdr + descoff;
		if (note_name_is("VMCOREINFO", name, namesz) ||
		    note_name_is("VMCOREINFO_XEN", name, namesz)) {
			struct hvo_error *err = hvo_lkf_check_vmcoreinfo(desc, descsz);
			if (err)
				return err;
		}
		size -= descoff;
		size = size >= desc_round ? size - desc_round : 0;
		hdr = desc + desc_round;
	}
	return NULL;
}

/* length bytes at offset (bounded by the file already) through check. */
static struct hvo_error *check_region(int fd, uint64_t offset, uint64_t length,
				      struct hvo_error *(*check)(const unsigned char *, size_t))
{
	if (!length)
		return NULL;
	unsigned char *buf = malloc(length);
	if (!buf)
		return &hvo_error_nomem;
	struct hvo_error *err = read_at(fd, offset, buf, length);
	if (!err)
		err = check(buf, length);
	free(buf);
	return err;
}

struct hvo_error *hvo_lkf_check_note_segment(int fd, uint64_t offset, uint64_t length)
{
	return check_region(fd, offset, length, hvo_lkf_check_notes);
}

/* libkdumpfile's try_header(): a block size it takes, a bitmap that covers max_mapnr. */
static bool header_fits(uint32_t block_size, uint32_t bitmap_blocks, uint32_t max_mapnr)
{
	return block_size >= LKF_MIN_PAGE_SIZE && block_size <= LKF_MAX_PAGE_SIZE &&
	       !(block_size & (block_size - 1)) &&
	       UINT64_C(8) * bitmap_blocks * block_size >= max_mapnr;
}

struct hvo_error *hvo_kdump_check(int fd, uint64_t file_size, uint64_t *pd_offset_ret,
				  uint32_t *block_size_ret)
{
	*pd_offset_ret = 0;
	*block_size_ret = 0;
	unsigned char header[DH_SIZE];
	ssize_t got = pread(fd, header, 8, 0);
	/* libkdumpfile reads both signatures the same way. */
	if (got != 8 || (memcmp(header, "KDUMP   ", 8) != 0 && memcmp(header, "DISKDUMP", 8) != 0))
		return NULL;	/* not kdump-compressed: nothing to check here */
	struct hvo_error *err = read_at(fd, 0, header, sizeof(header));
	if (err)
		return err;
	/*
	 * libkdumpfile tries the 32-bit layout first, little- then big-endian,
	 * then the 64-bit one: what it would check must be what it reads.
	 */
	const unsigned char *h32 = header + DH32_BLOCK_SIZE, *h64 = header + DH64_BLOCK_SIZE;
	const char *other = NULL;
	if (header_fits(get32(h32), get32(h32 + 8), get32(h32 + 12)))
		other = "32-bit little-endian";
	else if (header_fits(bswap_32(get32(h32)), bswap_32(get32(h32 + 8)), bswap_32(get32(h32 + 12))))
		other = "32-bit big-endian";
	else if (!header_fits(get32(h64), get32(h64 + 8), get32(h64 + 12)))
		other = header_fits(bswap_32(get32(h64)), bswap_32(get32(h64 + 8)),
				    bswap_32(get32(h64 + 12))) ? "64-bit big-endian" : NULL;
	if (other)
		return hvo_error_create(HVO_ERROR_UNSUPPORTED,
					"kdump-compressed dump whose header reads as the %s "
					"layout (hvoinspect handles %s)", other, hvo_arch_names());
	uint32_t block_size = get32(header + DH64_BLOCK_SIZE);
	int32_t sub_hdr_size = (int32_t)get32(header + DH_SUB_HDR_SIZE);
	uint32_t bitmap_blocks = get32(header + DH_BITMAP_BLOCKS);
	uint64_t max_pfn = get32(header + DH_MAX_MAPNR);
	if (!header_fits(block_size, bitmap_blocks, (uint32_t)max_pfn) || sub_hdr_size < 0)
		return hvo_error_create(HVO_ERROR_FORMAT,
					"corrupt kdump-compressed dump: block size %" PRIu32
					", %" PRId32 " sub-header and %" PRIu32 " bitmap blocks for %"
					PRIu64 " pages", block_size, sub_hdr_size, bitmap_blocks, max_pfn);
	/*
	 * libkdumpfile sizes its buffer for compressed page data by the page
	 * size, which is the block size, and reads a descriptor's bytes into
	 * it unchecked: descriptors are checked against the block size, which
	 * must be the page size of an architecture hvoinspect reads.
	 */
	if (!hvo_arch_page_size_known(block_size))
		return hvo_error_create(HVO_ERROR_UNSUPPORTED,
					"kdump-compressed dump with %" PRIu32 "-byte blocks "
					"(hvoinspect handles %s-byte pages)", block_size,
					hvo_arch_page_sizes());
	/* The header, sub-header and bitmaps must all lie in the file. */
	uint64_t bitmap_offset = (UINT64_C(1) + (uint32_t)sub_hdr_size) * block_size;
	uint64_t pd_offset = bitmap_offset + (uint64_t)bitmap_blocks * block_size;
	if (pd_offset > file_size)
		return hvo_error_create(HVO_ERROR_FORMAT,
					"corrupt or truncated kdump-compressed dump: %" PRId32
					" sub-header and %" PRIu32 " bitmap blocks of %" PRIu32
					" bytes need %" PRIu64 " bytes, the file has %" PRIu64,
					sub_hdr_size, bitmap_blocks, block_size, pd_offset, file_size);
	/*
	 * What libkdumpfile reads of the sub-header before any page: the ELF
	 * notes (version 4 on) or VMCOREINFO (version 3).  Below version 1 it
	 * reads no sub-header.  Which PFNs have descriptors is its bitmap's
	 * business: hvo_kdump_check_descriptors() counts them after the open.
	 */
	int32_t version = (int32_t)get32(header + DH_HEADER_VERSION);
	if (version >= 1) {
		unsigned char sub[SH_SIZE];
		if ((err = read_at(fd, block_size, sub, sizeof(sub))))
			return err;
		unsigned int at = version >= 4 ? SH_OFFSET_NOTE : SH_OFFSET_VMCOREINFO;
		uint64_t offset = get64(sub + at), size = get64(sub + at + 8);
		if (version >= 3 && (offset > file_size || size > file_size - offset))
			return hvo_error_create(HVO_ERROR_FORMAT,
						"corrupt or truncated kdump-compressed dump: its %s "
						"(%" PRIu64 " bytes at %" PRIu64 ") end past the end of "
						"the file (%" PRIu64 " bytes)",
						version >= 4 ? "ELF notes" : "VMCOREINFO", size, offset,
						file_size);
		/* libkdumpfile takes 32 bits of the version 3 size. */
		if (version == 3)
			err = check_region(fd, offset, (uint32_t)size, hvo_lkf_check_vmcoreinfo);
		else if (version >= 4)
			err = check_region(fd, offset, size, hvo_lkf_check_notes);
		if (err)
			return err;
	}
	*pd_offset_ret = pd_offset;
	*block_size_ret = block_size;
	return NULL;
}

struct hvo_error *hvo_kdump_check_pd_table(uint64_t file_size, uint64_t pd_offset,
					   uint64_t nr_pds)
{
	if (pd_offset > file_size || nr_pds > (file_size - pd_offset) / PD_SIZE)
		return hvo_error_create(HVO_ERROR_FORMAT,
					"corrupt or truncated kdump-compressed dump: %" PRIu64
					" page descriptors at %" PRIu64 " end past the end of the "
					"file (%" PRIu64 " bytes)", nr_pds, pd_offset, file_size);
	return NULL;
}

struct hvo_error *hvo_kdump_check_descriptors(int fd, uint64_t file_size, uint64_t block_size,
					      uint64_t pd_offset, uint64_t nr_pds,
					      uint64_t first, uint64_t count)
{
	struct hvo_error *err = hvo_kdump_check_pd_table(file_size, pd_offset, nr_pds);
	if (err)
		return err;
	if (first > nr_pds || count > nr_pds - first)
		return hvo_error_create(HVO_ERROR_INTERNAL, "page descriptors %" PRIu64 "+%"
					PRIu64 " checked of %" PRIu64, first, count, nr_pds);
	uint64_t data_start = pd_offset + nr_pds * PD_SIZE;

	if (!count)
		return NULL;
	/* One descriptor (a chunk's, one by one) needs 24 bytes, not a chunk's 96 KiB. */
	unsigned char *chunk = malloc((count < PD_CHUNK ? count : PD_CHUNK) * PD_SIZE);
	if (!chunk)
		return &hvo_error_nomem;
	for (uint64_t i = first; i < first + count && !err; i += PD_CHUNK) {
		uint64_t n = first + count - i < PD_CHUNK ? first + count - i : PD_CHUNK;
		if ((err = read_at(fd, pd_offset + i * PD_SIZE, chunk, n * PD_SIZE)))
			break;
		for (uint64_t k = 0; k < n; k++) {
			const unsigned char *pd = chunk + k * PD_SIZE;
			uint64_t offset = get64(pd);
			uint32_t size = get32(pd + 8);
			if (size > block_size || offset < data_start || offset > file_size ||
			    size > file_size - offset) {
				err = hvo_error_create(HVO_ERROR_FORMAT,
						       "corrupt kdump-compressed dump: page descriptor %"
						       PRIu64 " has %" PRIu32 " bytes at offset %" PRIu64
						       " (block size %" PRIu64 ", file %" PRIu64 " bytes)",
						       i + k, size, offset, block_size, file_size);
				break;
			}
		}
	}
	free(chunk);
	return err;
}
