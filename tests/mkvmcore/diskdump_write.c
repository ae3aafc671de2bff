/* diskdump_write: kdump-compressed dump writer (format in diskdump_write.h). */
#include "diskdump_write.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <zlib.h>

#define BLOCK_SIZE MKV_PAGE_SIZE
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

/* makedumpfile's flattened format (makedumpfile -F, QEMU's kdump-* output) */
#define MDF_HEADER_SIZE 4096
#define MDF_TYPE_FLAT_HEADER 1
#define MDF_VERSION_FLAT_HEADER 1

static uint64_t be64(uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (56 - 8 * i));
	memcpy(&v, b, 8);
	return v;
}

struct sink {
	FILE *out;
	bool flattened;
};

/* Place bytes at a file offset: seek and write, or a flattened record. */
static int write_at(const struct sink *sk, uint64_t off, const void *buf, size_t len)
{
	FILE *out = sk->out;
	if (!len)
		return 0;
	if (sk->flattened) {
		uint64_t rec[2] = { be64(off), be64(len) };
		return fwrite(rec, sizeof(rec), 1, out) != 1 || fwrite(buf, len, 1, out) != 1 ? -1 : 0;
	}
	if (fseeko(out, (off_t)off, SEEK_SET))
		return -1;
	return fwrite(buf, len, 1, out) != 1 ? -1 : 0;
}

static int flat_header(FILE *out)
{
	unsigned char h[MDF_HEADER_SIZE];
	memset(h, 0, sizeof(h));
	memcpy(h, "makedumpfile", 12);
	uint64_t type = be64(MDF_TYPE_FLAT_HEADER), version = be64(MDF_VERSION_FLAT_HEADER);
	memcpy(h + 16, &type, 8);
	memcpy(h + 24, &version, 8);
	return fwrite(h, sizeof(h), 1, out) != 1 ? -1 : 0;
}

static int flat_end(FILE *out)
{
	uint64_t rec[2] = { be64(UINT64_MAX), 0 };
	return fwrite(rec, sizeof(rec), 1, out) != 1 ? -1 : 0;
}

/* One bitmap, only its non-zero blocks written. */
static int write_bitmap(const struct sink *out, uint64_t off, uint64_t nr_blocks, const uint64_t *pfns,
			size_t nr_pfns, const struct mkv_pfn_range *ram, size_t nr_ram)
{
	unsigned char block[BLOCK_SIZE];
	const uint64_t pfns_per_block = BLOCK_SIZE * 8;
	size_t pi = 0, ri = 0;
	for (uint64_t b = 0; b < nr_blocks; b++) {
		uint64_t lo = b * pfns_per_block, hi = lo + pfns_per_block;
		int any = 0;
		memset(block, 0, sizeof(block));
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
		if (any && write_at(out, off + b * BLOCK_SIZE, block, sizeof(block)))
			return -1;
	}
	return 0;
}

int mkv_diskdump_write(FILE *out, const struct mkv_phys *mem, const struct mkv_diskdump_opts *opts,
		       struct mkv_diskdump_stats *stats_ret, char *errbuf, size_t errlen)
{
	size_t nr_pfns = 0;
	uint64_t *pfns = mkv_phys_sorted_pfns(mem, &nr_pfns);
	size_t nr_ids = (size_t)mkv_phys_id_limit(mem);
	unsigned char *pds = NULL, *sub = NULL;
	uint64_t *id_off = NULL;
	uint32_t *id_size = NULL, *id_flags = NULL;
	unsigned char *cbuf = NULL;
	int ret = -1;
	struct mkv_diskdump_stats st = { 0 };

	if (nr_pfns && !pfns)
		goto nomem;
	if (nr_pfns && pfns[nr_pfns - 1] >= opts->max_pfn) {
		snprintf(errbuf, errlen, "page 0x%llx is above max_pfn",
			 (unsigned long long)pfns[nr_pfns - 1]);
		goto out;
	}

	/* sub-header: the struct, then VMCOREINFO text, then the notes */
	uint64_t vmci_off = BLOCK_SIZE + SH_SIZE;
	uint64_t note_off = vmci_off + (opts->vmcoreinfo ? opts->vmcoreinfo_len : 0);
	uint64_t sub_end = note_off + (opts->notes ? opts->notes_len : 0);
	uint64_t sub_blocks = (sub_end - BLOCK_SIZE + BLOCK_SIZE - 1) / BLOCK_SIZE;
	uint64_t bitmap_half = (opts->max_pfn + BLOCK_SIZE * 8 - 1) / (BLOCK_SIZE * 8);
	uint64_t bitmap_off = (1 + sub_blocks) * BLOCK_SIZE;
	uint64_t pd_off = bitmap_off + 2 * bitmap_half * BLOCK_SIZE;
	uint64_t data_off = pd_off + (uint64_t)nr_pfns * PD_SIZE;
	if (2 * bitmap_half > UINT32_MAX || sub_blocks > INT32_MAX) {
		snprintf(errbuf, errlen, "max_pfn too large for the format");
		goto out;
	}

	unsigned char hdr[BLOCK_SIZE];
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr + DH_SIGNATURE, "KDUMP   ", 8);
	put32(hdr + DH_VERSION, HEADER_VERSION);
	if (!opts->qemu_quirks) {
		put_str(hdr + DH_UTSNAME + 0 * UTS_LEN,
			opts->utsname_sysname ? opts->utsname_sysname : "Linux");
		put_str(hdr + DH_UTSNAME + 2 * UTS_LEN, opts->utsname_release);
		put_str(hdr + DH_UTSNAME + 3 * UTS_LEN, opts->utsname_version);
	}
	put_str(hdr + DH_UTSNAME + 4 * UTS_LEN, opts->utsname_machine);
	put64(hdr + DH_TIMESTAMP, (uint64_t)opts->timestamp);
	put32(hdr + DH_STATUS, DUMP_DH_COMPRESSED_ZLIB);
	put32(hdr + DH_BLOCK_SIZE, BLOCK_SIZE);
	put32(hdr + DH_SUB_HDR_SIZE, (uint32_t)sub_blocks);
	put32(hdr + DH_BITMAP_BLOCKS, (uint32_t)(2 * bitmap_half));
	put32(hdr + DH_MAX_MAPNR, opts->max_pfn > UINT32_MAX ? UINT32_MAX : (uint32_t)opts->max_pfn);
	put32(hdr + DH_TOTAL_RAM_BLOCKS, 0);
	put32(hdr + DH_DEVICE_BLOCKS, 0);
	put32(hdr + DH_WRITTEN_BLOCKS, 0);
	put32(hdr + DH_CURRENT_CPU, 0);
	put32(hdr + DH_NR_CPUS, (uint32_t)(opts->nr_cpus ? opts->nr_cpus : 1));

	sub = calloc(1, sub_blocks * BLOCK_SIZE);
	if (!sub)
		goto nomem;
	uint64_t phys_base = opts->phys_base;
	if (opts->qemu_quirks) {
		/* QEMU 7.2 parses the decimal NUMBER(phys_base) as hex */
		char dec[32];
		snprintf(dec, sizeof(dec), "%lld", (long long)opts->phys_base);
		phys_base = strtoull(dec[0] == '-' ? dec + 1 : dec, NULL, 16);
	}
	put64(sub + SH_PHYS_BASE, phys_base);
	put32(sub + SH_DUMP_LEVEL, (uint32_t)opts->dump_level);
	put32(sub + SH_SPLIT, 0);
	put64(sub + SH_START_PFN, 0);
	put64(sub + SH_END_PFN, 0);
	if (opts->vmcoreinfo) {
		put64(sub + SH_OFFSET_VMCOREINFO, vmci_off);
		put64(sub + SH_SIZE_VMCOREINFO, opts->vmcoreinfo_len);
		memcpy(sub + (vmci_off - BLOCK_SIZE), opts->vmcoreinfo, opts->vmcoreinfo_len);
	}
	if (opts->notes) {
		put64(sub + SH_OFFSET_NOTE, note_off);
		put64(sub + SH_SIZE_NOTE, opts->notes_len);
		memcpy(sub + (note_off - BLOCK_SIZE), opts->notes, opts->notes_len);
	}
	put64(sub + SH_START_PFN_64, 0);
	put64(sub + SH_END_PFN_64, opts->max_pfn);
	put64(sub + SH_MAX_MAPNR_64, opts->max_pfn);

	const struct sink sk = { out, opts->flattened };
	if ((sk.flattened && flat_header(out)) || write_at(&sk, 0, hdr, sizeof(hdr)) ||
	    write_at(&sk, BLOCK_SIZE, sub, sub_blocks * BLOCK_SIZE) ||
	    write_bitmap(&sk, bitmap_off, bitmap_half, pfns, nr_pfns, opts->ram, opts->nr_ram) ||
	    write_bitmap(&sk, bitmap_off + bitmap_half * BLOCK_SIZE, bitmap_half, pfns, nr_pfns,
			 NULL, 0))
		goto ioerr;

	/* page data: each distinct buffer compressed and written once */
	pds = malloc(nr_pfns ? nr_pfns * PD_SIZE : 1);
	id_off = calloc(nr_ids ? nr_ids : 1, sizeof(*id_off));
	id_size = calloc(nr_ids ? nr_ids : 1, sizeof(*id_size));
	id_flags = calloc(nr_ids ? nr_ids : 1, sizeof(*id_flags));
	uLongf cbound = compressBound(BLOCK_SIZE);
	cbuf = malloc(cbound);
	if (!pds || !id_off || !id_size || !id_flags || !cbuf)
		goto nomem;
	uint64_t pos = data_off;
	for (size_t i = 0; i < nr_pfns; i++) {
		uint64_t id = mkv_phys_page_id(mem, pfns[i]);
		if (id >= nr_ids)
			goto nomem;	/* cannot happen: ids are dense */
		if (!id_size[id]) {
			const uint8_t *page = mkv_phys_page(mem, pfns[i]);
			uLongf clen = cbound;
			int zr = compress2(cbuf, &clen, page, BLOCK_SIZE, opts->zlib_level);
			if (zr != Z_OK) {
				snprintf(errbuf, errlen, "zlib compress2 failed (%d)", zr);
				goto out;
			}
			const void *src = cbuf;
			if (clen < BLOCK_SIZE) {
				id_flags[id] = DUMP_DH_COMPRESSED_ZLIB;
			} else {
				src = page;
				clen = BLOCK_SIZE;
				id_flags[id] = 0;
			}
			if (write_at(&sk, pos, src, clen))
				goto ioerr;
			id_off[id] = pos;
			id_size[id] = (uint32_t)clen;
			pos += clen;
			st.distinct_pages++;
			st.data_bytes += clen;
		}
		unsigned char *pd = pds + i * PD_SIZE;
		put64(pd + 0, id_off[id]);
		put32(pd + 8, id_size[id]);
		put32(pd + 12, id_flags[id]);
		put64(pd + 16, 0);
	}
	if (write_at(&sk, pd_off, pds, nr_pfns * PD_SIZE) || (sk.flattened && flat_end(out)) ||
	    fflush(out))
		goto ioerr;
	st.pages = nr_pfns;
	st.file_bytes = pos;
	if (stats_ret)
		*stats_ret = st;
	ret = 0;
	goto out;
ioerr:
	snprintf(errbuf, errlen, "write error: %s", strerror(errno));
	goto out;
nomem:
	snprintf(errbuf, errlen, "out of memory");
out:
	free(cbuf);
	free(id_flags);
	free(id_size);
	free(id_off);
	free(pds);
	free(sub);
	free(pfns);
	return ret;
}
