/* kdump_check.c - bound the header and page descriptors of a kdump-compressed file. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kdump_check.h"

/* struct disk_dump_header, 64-bit layout (makedumpfile's diskdump_mgmt.h). */
#define DH_BLOCK_SIZE 428
#define DH_SUB_HDR_SIZE 432
#define DH_BITMAP_BLOCKS 436
#define DH_SIZE 464
#define DH_HEADER_VERSION 8
/* struct kdump_sub_header, 64-bit layout, at the second block; each offset
 * is followed by its u64 size. */
#define SH_SIZE 112
#define SH_OFFSET_VMCOREINFO 32
#define SH_OFFSET_NOTE 48
#define PD_SIZE 24		/* offset u64, size u32, flags u32, page_flags u64 */
#define PD_CHUNK 4096		/* descriptors read at a time */
#define BITMAP_CHUNK (1u << 20)

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

struct hvo_error *hvo_kdump_check(int fd, uint64_t file_size)
{
	unsigned char header[DH_SIZE];
	ssize_t got = pread(fd, header, 8, 0);
	if (got != 8 || memcmp(header, "KDUMP   ", 8) != 0)
		return NULL;	/* not kdump-compressed: nothing to check here */
	struct hvo_error *err = read_at(fd, 0, header, sizeof(header));
	if (err)
		return err;
	uint32_t block_size = get32(header + DH_BLOCK_SIZE);
	uint32_t sub_hdr_blocks = get32(header + DH_SUB_HDR_SIZE);
	uint32_t bitmap_blocks = get32(header + DH_BITMAP_BLOCKS);
	if (block_size < 512 || block_size > (1u << 20) || (block_size & (block_size - 1)))
		return hvo_error_create(HVO_ERROR_FORMAT,
					"corrupt kdump-compressed dump: block size %" PRIu32, block_size);
	/* The header, sub-header and bitmaps must all lie in the file. */
	uint64_t pd_offset = (UINT64_C(1) + sub_hdr_blocks + bitmap_blocks) * block_size;
	if (pd_offset > file_size)
		return hvo_error_create(HVO_ERROR_FORMAT,
					"corrupt or truncated kdump-compressed dump: %" PRIu32
					" sub-header and %" PRIu32 " bitmap blocks of %" PRIu32
					" bytes need %" PRIu64 " bytes, the file has %" PRIu64,
					sub_hdr_blocks, bitmap_blocks, block_size, pd_offset, file_size);
	/*
	 * What libkdumpfile reads of the sub-header: the ELF notes (version 4
	 * on) or VMCOREINFO (version 3); the dump file is mapped, so a note
	 * running past the end would fault instead of failing a read.
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
	}
	/* One descriptor per page set in the second bitmap (pages dumped). */
	uint64_t half = (uint64_t)bitmap_blocks / 2 * block_size;
	uint64_t bitmap2 = (UINT64_C(1) + sub_hdr_blocks) * block_size + half;
	uint64_t nr_pds = 0;
	unsigned char *bits = malloc(BITMAP_CHUNK);
	if (!bits)
		return &hvo_error_nomem;
	for (uint64_t done = 0; done < half && !err; done += BITMAP_CHUNK) {
		size_t n = half - done < BITMAP_CHUNK ? half - done : BITMAP_CHUNK;
		if ((err = read_at(fd, bitmap2 + done, bits, n)))
			break;
		for (size_t k = 0; k + 8 <= n; k += 8)
			nr_pds += __builtin_popcountll(get64(bits + k));
		for (size_t k = n & ~(size_t)7; k < n; k++)
			nr_pds += __builtin_popcount(bits[k]);
	}
	free(bits);
	if (err)
		return err;
	uint64_t data_start = pd_offset + nr_pds * PD_SIZE;
	if (data_start > file_size)
		return hvo_error_create(HVO_ERROR_FORMAT,
					"corrupt or truncated kdump-compressed dump: %" PRIu64
					" page descriptors end at %" PRIu64 ", the file has %" PRIu64,
					nr_pds, data_start, file_size);

	unsigned char *chunk = malloc(PD_CHUNK * PD_SIZE);
	if (!chunk)
		return &hvo_error_nomem;
	for (uint64_t i = 0; i < nr_pds && !err; i += PD_CHUNK) {
		uint64_t n = nr_pds - i < PD_CHUNK ? nr_pds - i : PD_CHUNK;
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
						       " (block size %" PRIu32 ", file %" PRIu64 " bytes)",
						       i + k, size, offset, block_size, file_size);
				break;
			}
		}
	}
	free(chunk);
	return err;
}
