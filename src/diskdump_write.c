/* diskdump_write.c - kdump-compressed dump writer (format in diskdump_write.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <zlib.h>

#include "diskdump_write.h"
#include "u64map.h"

#define HEADER_VERSION 6
#define DUMP_DH_COMPRESSED_ZLIB 0x1
#define UTS_LEN 65

/* struct disk_dump_header (64-bit), fields at their file offsets */
#define DH_SIGNATURE 0
#define DH_VERSION 8
#define DH_UTSNAME 12
#define DH_TIMESTAMP 408		/* after 6 x 65 bytes and 6 bytes of padding */
#define DH_STATUS 424
#define DH_BLOCK_SIZE 428
#define DH_SUB_HDR_SIZE 432
#define DH_BITMAP_BLOCKS 436
#define DH_MAX_MAPNR 440
#define DH_TOTAL_RAM_BLOCKS 444
#define DH_DEVICE_BLOCKS 448
#define DH_WRITTEN_BLOCKS 452
#define DH_CURRENT_CPU 456
#define DH_NR_CPUS 460
#define DH_SIZE 464			/* the header's end: the least block holds it */

/* struct kdump_sub_header (64-bit) */
#define SH_PHYS_BASE 0
#define SH_DUMP_LEVEL 8
#define SH_SPLIT 12
#define SH_START_PFN 16
#define SH_END_PFN 24
#define SH_OFFSET_VMCOREINFO 32
#define SH_SIZE_VMCOREINFO 40
#define SH_OFFSET_NOTE 48
#define SH_SIZE_NOTE 56
#define SH_OFFSET_ERASEINFO 64
#define SH_SIZE_ERASEINFO 72
#define SH_START_PFN_64 80
#define SH_END_PFN_64 88
#define SH_MAX_MAPNR_64 96
#define SH_SIZE 104

#define PD_SIZE 24

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void put_str(unsigned char *p, const char *s)
{
	if (s)
		strncpy((char *)p, s, UTS_LEN - 1);
}

static int write_at(FILE *out, uint64_t off, const void *buf, size_t len)
{
	if (fseeko(out, (off_t)off, SEEK_SET))
		return -1;
	return len && fwrite(buf, len, 1, out) != 1 ? -1 : 0;
}

/* One bitmap, only its non-zero blocks written; block: block_size bytes to build each in. */
static int write_bitmap(FILE *out, uint64_t off, unsigned char *block, uint32_t block_size,
			uint64_t nr_blocks, const uint64_t *pfns, size_t nr_pfns,
			const struct hvo_pfn_range *ram, size_t nr_ram)
{
	const uint64_t pfns_per_block = (uint64_t)block_size * 8;
	size_t pi = 0, ri = 0;
	for (uint64_t b = 0; b < nr_blocks; b++) {
		uint64_t lo = b * pfns_per_block, hi = lo + pfns_per_block;
		int any = 0;
		memset(block, 0, block_size);
		if (ram) {
			while (ri < nr_ram && ram[ri].end_pfn <= lo)
				ri++;
			for (size_t r = ri; r < nr_ram && ram[r].start_pfn < hi; r++) {
				uint64_t a = ram[r].start_pfn > lo ? ram[r].start_pfn : lo;
				uint64_t e = ram[r].end_pfn < hi ? ram[r].end_pfn : hi;
				for (uint64_t p = a; p < e; p++)
					block[(p - lo) / 8] |= (unsigned char)(1u << ((p - lo) % 8));
				any |= a < e;
			}
		} else {
			for (; pi < nr_pfns && pfns[pi] < hi; pi++) {
				uint64_t p = pfns[pi] - lo;
				block[p / 8] |= (unsigned char)(1u << (p % 8));
				any = 1;
			}
		}
		if (any && write_at(out, off + b * block_size, block, block_size))
			return -1;
	}
	return 0;
}

struct stored {
	uint64_t offset;
	uint32_t size, flags;
};

struct hvo_error *hvo_diskdump_write(FILE *out, const char *path,
				     const struct hvo_page_source *source,
				     const struct hvo_diskdump_options *opts,
				     struct hvo_diskdump_stats *stats_ret)
{
	const uint64_t *pfns = source->pfns;
	size_t nr_pfns = source->nr_pfns;
	const uint32_t block_size = opts->page_size;
	unsigned char *hdr = NULL, *sub = NULL, *block = NULL, *pds = NULL, *cbuf = NULL;
	struct stored *stored = NULL;
	size_t nr_stored = 0;
	struct hvo_u64map by_id;
	struct hvo_error *err = NULL;
	struct hvo_diskdump_stats st = { 0 };
	hvo_u64map_init(&by_id);

	if (block_size < DH_SIZE || (block_size & (block_size - 1))) {
		err = hvo_error_create(HVO_ERROR_INVALID, "page size %" PRIu32 ": not a power of "
				       "two that holds the %u-byte header", block_size, DH_SIZE);
		goto out;
	}
	if (nr_pfns && pfns[nr_pfns - 1] >= opts->max_pfn) {
		err = hvo_error_create(HVO_ERROR_INVALID, "page 0x%" PRIx64 " is above max_pfn",
				       pfns[nr_pfns - 1]);
		goto out;
	}

	/* sub-header: the struct, then VMCOREINFO text, then the notes */
	uint64_t vmci_off = block_size + SH_SIZE;
	uint64_t note_off = vmci_off + (opts->vmcoreinfo ? opts->vmcoreinfo_len : 0);
	uint64_t sub_end = note_off + (opts->notes ? opts->notes_len : 0);
	uint64_t sub_blocks = (sub_end - block_size + block_size - 1) / block_size;
	const uint64_t pfns_per_block = (uint64_t)block_size * 8;
	uint64_t bitmap_half = (opts->max_pfn + pfns_per_block - 1) / pfns_per_block;
	uint64_t bitmap_off = (1 + sub_blocks) * block_size;
	uint64_t pd_off = bitmap_off + 2 * bitmap_half * block_size;
	uint64_t data_off = pd_off + (uint64_t)nr_pfns * PD_SIZE;
	if (2 * bitmap_half > UINT32_MAX || sub_blocks > INT32_MAX) {
		err = hvo_error_create(HVO_ERROR_INVALID, "max_pfn too large for the format");
		goto out;
	}

	hdr = calloc(1, block_size);
	if (!hdr)
		goto nomem;
	memcpy(hdr + DH_SIGNATURE, "KDUMP   ", 8);
	put32(hdr + DH_VERSION, HEADER_VERSION);
	put_str(hdr + DH_UTSNAME + 0 * UTS_LEN, opts->utsname_sysname ? opts->utsname_sysname : "Linux");
	put_str(hdr + DH_UTSNAME + 2 * UTS_LEN, opts->utsname_release);
	put_str(hdr + DH_UTSNAME + 3 * UTS_LEN, opts->utsname_version);
	put_str(hdr + DH_UTSNAME + 4 * UTS_LEN, opts->utsname_machine);
	put64(hdr + DH_TIMESTAMP, (uint64_t)opts->timestamp);
	put32(hdr + DH_STATUS, DUMP_DH_COMPRESSED_ZLIB);
	put32(hdr + DH_BLOCK_SIZE, block_size);
	put32(hdr + DH_SUB_HDR_SIZE, (uint32_t)sub_blocks);
	put32(hdr + DH_BITMAP_BLOCKS, (uint32_t)(2 * bitmap_half));
	put32(hdr + DH_MAX_MAPNR, opts->max_pfn > UINT32_MAX ? UINT32_MAX : (uint32_t)opts->max_pfn);
	put32(hdr + DH_NR_CPUS, (uint32_t)(opts->nr_cpus ? opts->nr_cpus : 1));

	sub = calloc(1, sub_blocks * block_size);
	if (!sub)
		goto nomem;
	put64(sub + SH_PHYS_BASE, opts->phys_base);
	put32(sub + SH_DUMP_LEVEL, (uint32_t)opts->dump_level);
	if (opts->vmcoreinfo) {
		put64(sub + SH_OFFSET_VMCOREINFO, vmci_off);
		put64(sub + SH_SIZE_VMCOREINFO, opts->vmcoreinfo_len);
		memcpy(sub + (vmci_off - block_size), opts->vmcoreinfo, opts->vmcoreinfo_len);
	}
	if (opts->notes) {
		put64(sub + SH_OFFSET_NOTE, note_off);
		put64(sub + SH_SIZE_NOTE, opts->notes_len);
		memcpy(sub + (note_off - block_size), opts->notes, opts->notes_len);
	}
	put64(sub + SH_END_PFN_64, opts->max_pfn);
	put64(sub + SH_MAX_MAPNR_64, opts->max_pfn);

	block = malloc(block_size);
	if (!block)
		goto nomem;
	if (write_at(out, 0, hdr, block_size) ||
	    write_at(out, block_size, sub, sub_blocks * block_size) ||
	    write_bitmap(out, bitmap_off, block, block_size, bitmap_half, pfns, nr_pfns,
			 opts->ram, opts->nr_ram) ||
	    write_bitmap(out, bitmap_off + bitmap_half * block_size, block, block_size,
			 bitmap_half, pfns, nr_pfns, NULL, 0))
		goto ioerr;

	/* Page data: each distinct content compressed and written once. */
	pds = malloc(nr_pfns ? nr_pfns * PD_SIZE : 1);
	stored = malloc((nr_pfns ? nr_pfns : 1) * sizeof(*stored));
	uLongf cbound = compressBound(block_size);
	cbuf = malloc(cbound);
	if (!pds || !stored || !cbuf)
		goto nomem;
	if (fseeko(out, (off_t)data_off, SEEK_SET))
		goto ioerr;
	uint64_t pos = data_off;
	for (size_t i = 0; i < nr_pfns; i++) {
		const void *page;
		uint64_t id;
		if ((err = source->get_page(source->arg, pfns[i], &page, &id)))
			goto out;
		size_t index;
		if (id == HVO_DISKDUMP_UNIQUE || !hvo_u64map_get(&by_id, id, &index)) {
			uLongf clen = cbound;
			int zr = compress2(cbuf, &clen, page, block_size, opts->zlib_level);
			if (zr != Z_OK) {
				err = hvo_error_create(HVO_ERROR_INTERNAL, "zlib compress2 failed (%d)", zr);
				goto out;
			}
			const void *data = cbuf;
			uint32_t flags = DUMP_DH_COMPRESSED_ZLIB;
			if (clen >= block_size) {
				data = page;
				clen = block_size;
				flags = 0;
			}
			if (fwrite(data, clen, 1, out) != 1)
				goto ioerr;
			index = nr_stored++;
			stored[index] = (struct stored){ .offset = pos, .size = (uint32_t)clen,
							 .flags = flags };
			if (id != HVO_DISKDUMP_UNIQUE && !hvo_u64map_put(&by_id, id, index))
				goto nomem;
			pos += clen;
			st.distinct_pages++;
			st.data_bytes += clen;
		}
		unsigned char *pd = pds + i * PD_SIZE;
		put64(pd + 0, stored[index].offset);
		put32(pd + 8, stored[index].size);
		put32(pd + 12, stored[index].flags);
		put64(pd + 16, 0);
	}
	if (write_at(out, pd_off, pds, nr_pfns * PD_SIZE) || fflush(out))
		goto ioerr;
	st.pages = nr_pfns;
	st.file_bytes = pos;
	if (stats_ret)
		*stats_ret = st;
	goto out;
ioerr:
	err = hvo_error_errno(errno, "writing '%s'", path);
	goto out;
nomem:
	err = &hvo_error_nomem;
out:
	hvo_u64map_deinit(&by_id);
	free(cbuf);
	free(stored);
	free(pds);
	free(block);
	free(sub);
	free(hdr);
	return err;
}
