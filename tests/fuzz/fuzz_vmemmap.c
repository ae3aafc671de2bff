/*
 * fuzz_vmemmap.c - the page-table walk and the analysis over a known dump
 * whose page-table pages and struct pages the fuzzer rewrites.
 *
 * fuzz_dump mutates whole files, so most of its inputs die in the headers
 * or the compressed page data.  Here the dump stays intact and the input is
 * a list of patches to its memory: this harness defines kdump_read(), which
 * the dump layer calls for every physical read, forwards it to
 * libkdumpfile's and overlays the patches (or reports a page as filtered).
 * Only pages the vmemmap walk reads (page-table pages) and the frames the
 * vmemmap maps (struct pages) can be patched, so every input reaches the
 * walker and the analysis.  libaddrxlat's own page-table reads do not go
 * through kdump_read(), so kernel virtual addresses still translate.
 *
 * The base dumps are tests/fuzz/corpus/dump/{merged,legacy,v3}-ks.kdump
 * (mkvmcore, 1 GiB, with kallsyms and BTF), under HVO_FUZZ_SRCDIR or the
 * directory $HVO_FUZZ_DUMP_DIR.  Input:
 *   u8 flags: bits 0-1 base dump, bit 2 --deep, bit 3 JSON, bit 4 also run
 *   decode and pte on HVO'd vmemmap addresses;
 *   then records of u8 op, u16 page selector, u16 offset, u8 length, data:
 *   op & 3 = 0 write length bytes, 1 write a u64 at offset & ~7, 2 make the
 *   page filtered (not in the dump), 3 as 1; op & 4 selects among the "hot"
 *   pages only (page tables and the struct pages of HVO'd folios).
 * With HVO_FUZZ_VERBOSE set, the pages found and the reports go to stdout.
 */
#include <dlfcn.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libkdumpfile/kdumpfile.h>

#include "cmd.h"
#include "program.h"
#include "vmemmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef HVO_FUZZ_SRCDIR
#define HVO_FUZZ_SRCDIR "."
#endif

#define PAGE_SIZE 4096u
#define MAX_PATCHES 256
#define MAX_DECODE 4

static const char *const base_names[] = { "merged-ks.kdump", "legacy-ks.kdump", "v3-ks.kdump" };
#define NR_BASES (sizeof(base_names) / sizeof(base_names[0]))

struct base {
	struct hvo_program *prog;
	uint64_t *pfns;		/* hot pages first, then the other struct-page frames */
	size_t nr_pfns, nr_hot;
	uint64_t decode_vaddrs[MAX_DECODE];
	size_t nr_decode;
};

struct patch {
	uint64_t pfn;
	const uint8_t *bytes;	/* NULL: the page is filtered */
	uint16_t offset, len;
};

static struct base bases[NR_BASES];
static bool initialised;
static FILE *null_out;
static struct patch patches[MAX_PATCHES];
static size_t nr_patches;

typedef kdump_status read_fn(kdump_ctx_t *, kdump_addrspace_t, kdump_addr_t, void *, size_t *);

/* Every physical read of the dump layer: libkdumpfile's, then the patches. */
kdump_status kdump_read(kdump_ctx_t *ctx, kdump_addrspace_t as, kdump_addr_t addr,
			void *buffer, size_t *plength)
{
	static read_fn *real;
	if (!real)
		real = (read_fn *)dlsym(RTLD_NEXT, "kdump_read");
	if (!real)
		abort();
	if (as != KDUMP_KPHYSADDR || !nr_patches || !*plength)
		return real(ctx, as, addr, buffer, plength);
	uint64_t start = addr, end = addr + *plength;
	/* A filtered page ends the read there, as libkdumpfile does. */
	for (size_t i = 0; i < nr_patches; i++) {
		uint64_t page = patches[i].pfn * PAGE_SIZE;
		if (!patches[i].bytes && page < end && page + PAGE_SIZE > start)
			end = page > start ? page : start;
	}
	bool filtered = end < addr + *plength;
	size_t len = (size_t)(end - start);
	kdump_status status = KDUMP_OK;
	if (len) {
		size_t done = len;
		status = real(ctx, as, addr, buffer, &done);
		len = done;
	}
	for (size_t i = 0; i < nr_patches; i++) {
		if (!patches[i].bytes)
			continue;
		uint64_t p = patches[i].pfn * PAGE_SIZE + patches[i].offset;
		uint64_t lo = p > start ? p : start;
		uint64_t hi = p + patches[i].len < start + len ? p + patches[i].len : start + len;
		if (lo < hi)
			memcpy((uint8_t *)buffer + (lo - start), patches[i].bytes + (lo - p), hi - lo);
	}
	*plength = len;
	if (status == KDUMP_OK && filtered)
		status = KDUMP_ERR_NODATA;
	return status;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Append the stored pages among pfns[0..n) to b->pfns, sorted and unique. */
static void add_pfns(struct base *b, uint64_t *pfns, size_t n)
{
	qsort(pfns, n, sizeof(*pfns), compare_u64);
	uint64_t *grown = realloc(b->pfns, (b->nr_pfns + n + 1) * sizeof(*grown));
	if (!grown)
		abort();
	b->pfns = grown;
	for (size_t i = 0; i < n; i++) {
		if ((i && pfns[i] == pfns[i - 1]) ||
		    !hvo_dump_has_page(b->prog->dump, pfns[i] * PAGE_SIZE))
			continue;
		b->pfns[b->nr_pfns++] = pfns[i];
	}
}

static void load_base(struct base *b, const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	struct hvo_error *err = hvo_program_open(path, &b->prog);
	if (err) {
		fprintf(stderr, "fuzz_vmemmap: %s\n", err->message);
		abort();
	}
	struct hvo_program *prog = b->prog;
	/* The same range as the analysis walks. */
	uint64_t bits = prog->pgtable_levels == 5 ? 52 : 46;
	hvo_error_destroy(hvo_vmcoreinfo_u64(prog->vmcoreinfo, "NUMBER(MAX_PHYSMEM_BITS)", &bits));
	uint64_t vmemmap_size = (UINT64_C(1) << (bits - 12)) * prog->page.size;
	struct hvo_vmemmap *vm;
	if (hvo_dump_track_reads(prog->dump, true) ||
	    hvo_vmemmap_walk(prog, prog->vmemmap_base, prog->vmemmap_base + vmemmap_size, &vm) ||
	    hvo_dump_track_reads(prog->dump, false))
		abort();
	const uint64_t *tracked;
	size_t nr_tracked;
	hvo_dump_tracked_pfns(prog->dump, &tracked, &nr_tracked);
	uint64_t *tables = malloc((nr_tracked + 1) * sizeof(*tables));
	if (!tables)
		abort();
	memcpy(tables, tracked, nr_tracked * sizeof(*tables));
	add_pfns(b, tables, nr_tracked);
	free(tables);

	/* Struct-page frames: those of HVO'd folios are hot, the rest not. */
	for (int hot = 1; hot >= 0; hot--) {
		size_t n = 0, cap = 1024;
		uint64_t *frames = malloc(cap * sizeof(*frames));
		for (size_t i = 0; frames && i < vm->nr_runs; i++) {
			const struct hvo_vmemmap_run *r = &vm->runs[i];
			/* HVO'd folios map a head page and a repeated tail page by PTEs. */
			bool is_hot = (r->flags & HVO_MAP_PTE) &&
				((r->flags & HVO_MAP_REPEAT) || r->nr_pages <= 8);
			if (is_hot != hot)
				continue;
			if (hot && b->nr_decode < MAX_DECODE)
				b->decode_vaddrs[b->nr_decode++] = r->vaddr;
			uint64_t count = r->flags & HVO_MAP_REPEAT ? 1 : r->nr_pages;
			for (uint64_t k = 0; k < count && frames; k++) {
				if (n == cap) {
					cap *= 2;
					uint64_t *grown = realloc(frames, cap * sizeof(*frames));
					if (!grown)
						free(frames);
					frames = grown;
					if (!frames)
						break;
				}
				frames[n++] = r->paddr / PAGE_SIZE + k;
			}
		}
		if (!frames)
			abort();
		add_pfns(b, frames, n);
		free(frames);
		if (hot)
			b->nr_hot = b->nr_pfns;
	}
	hvo_vmemmap_free(vm);
	if (!b->nr_hot)
		abort();
}

static void initialise(void)
{
	const char *dir = getenv("HVO_FUZZ_DUMP_DIR");
	if (!dir)
		dir = HVO_FUZZ_SRCDIR "/tests/fuzz/corpus/dump";
	for (size_t i = 0; i < NR_BASES; i++)
		load_base(&bases[i], dir, base_names[i]);
	if (getenv("HVO_FUZZ_VERBOSE")) {
		null_out = stdout;
		for (size_t i = 0; i < NR_BASES; i++)
			printf("# %s: %zu pages to patch, %zu of them hot\n", base_names[i],
			       bases[i].nr_pfns, bases[i].nr_hot);
	} else {
		null_out = fopen("/dev/null", "w");
	}
	if (!null_out)
		abort();
	initialised = true;
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static void run(struct hvo_cmd_ctx *ctx, int argc, const char *a0, const char *a1)
{
	char *argv[] = { (char *)a0, (char *)a1, NULL };
	hvo_error_destroy(hvo_cmd_run(ctx, argc, argv));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!initialised)
		initialise();
	if (!size)
		return 0;
	uint8_t flags = data[0];
	struct base *b = &bases[(flags & 3) % NR_BASES];
	size_t pos = 1;
	nr_patches = 0;
	while (size - pos >= 6 && nr_patches < MAX_PATCHES) {
		uint8_t op = data[pos];
		uint16_t sel = get_le16(data + pos + 1), offset = get_le16(data + pos + 3) % PAGE_SIZE;
		size_t len = data[pos + 5];
		pos += 6;
		struct patch *p = &patches[nr_patches];
		p->pfn = b->pfns[sel % (op & 4 ? b->nr_hot : b->nr_pfns)];
		p->bytes = NULL;
		p->offset = p->len = 0;
		switch (op & 3) {
		case 2:
			break;
		case 0:
			if (len > size - pos)
				len = size - pos;
			if (len > PAGE_SIZE - offset)
				len = PAGE_SIZE - offset;
			p->bytes = data + pos;
			p->offset = offset;
			p->len = (uint16_t)len;
			pos += len;
			break;
		default:
			if (size - pos < 8)
				goto done;
			p->bytes = data + pos;
			p->offset = offset & ~7u;
			p->len = 8;
			pos += 8;
			break;
		}
		nr_patches++;
	}
done:;
	struct hvo_cmd_ctx ctx = {
		.prog = b->prog, .out = null_out, .json = flags & 8, .deep = flags & 4,
		.fail_on = HVO_SEV_WARNING,
	};
	run(&ctx, 1, "report", NULL);
	run(&ctx, 1, "folios", NULL);
	run(&ctx, 1, "tails", NULL);
	run(&ctx, 1, "info", NULL);
	if (flags & 16) {
		for (size_t i = 0; i < b->nr_decode; i++) {
			char addr[32];
			snprintf(addr, sizeof(addr), "0x%" PRIx64, b->decode_vaddrs[i]);
			run(&ctx, 2, "decode", addr);
			run(&ctx, 2, "pte", addr);
		}
	}
	hvo_cmd_ctx_deinit(&ctx);
	nr_patches = 0;
	return 0;
}
