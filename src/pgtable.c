/* pgtable.c - one walker over the kernel's page tables, for every reader of them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "pgtable.h"
#include "u64map.h"

/* A corrupted dump could make every entry point somewhere: bound the work. */
#define MAX_TABLE_PAGES (UINT64_C(1) << 22)
/* Entries of one table page we read at once; x86_64 and riscv64 have 512. */
#define MAX_TABLE_ENTRIES 512

struct walk {
	const struct hvo_program *prog;
	const struct hvo_arch *arch;
	const struct hvo_pgtable_ops *ops;
	void *arg;
	struct hvo_pgtable_stats *stats;
	struct hvo_u64map visited;	/* table pages already walked */
	uint64_t start, last;		/* the range, last byte included */
	unsigned int levels;
	unsigned int nr_entries;	/* per table */
	uint64_t page_size;
};

/* The virtual address entry i of a table at table_vaddr starts at. */
static uint64_t entry_vaddr(const struct walk *walk, unsigned int level,
			    uint64_t table_vaddr, unsigned int i)
{
	uint64_t vaddr = table_vaddr + i * hvo_arch_entry_span(walk->arch, level);
	if (level == walk->levels) {
		/* The top table covers the canonical space: sign-extend from its top bit. */
		unsigned int va_bits = walk->arch->page_shift + walk->arch->table_shift * level;
		uint64_t sign = UINT64_C(1) << (va_bits - 1);
		vaddr = (vaddr & (sign - 1)) | (vaddr & sign ? ~(sign - 1) : 0);
	}
	return vaddr;
}

static bool outside(const struct walk *walk, uint64_t vaddr, uint64_t span)
{
	/* span - 1: the last entry of the top table ends at 2^64, which wraps. */
	return vaddr + (span - 1) < walk->start || vaddr > walk->last;
}

/*
 * A last-level table: consecutive entries that repeat a frame or step
 * through frames go to ops->leaves as one, so an HVO table of 511
 * identical tail PTEs costs one call, not 511.
 */
static struct hvo_error *walk_pte_table(struct walk *walk, const uint64_t *entries,
					uint64_t table_vaddr, bool writable_above)
{
	const struct hvo_arch *arch = walk->arch;
	const uint64_t page_size = walk->page_size;
	const unsigned int nr_entries = walk->nr_entries;
	unsigned int i = 0;
	while (i < nr_entries) {
		uint64_t vaddr = table_vaddr + i * page_size;
		struct hvo_pte pte;
		arch->decode_pte(entries[i], 1, &pte);
		if (!(pte.flags & HVO_PTE_PRESENT) || outside(walk, vaddr, page_size)) {
			i++;
			continue;
		}
		bool writable = writable_above && (pte.flags & HVO_PTE_WRITABLE);
		/* Extend while the next entry repeats the frame, or while it steps by one. */
		unsigned int n = 1, limit = nr_entries - i;
		uint64_t pages_left = (walk->last - vaddr) / page_size + 1;	/* vaddr <= last */
		if (pages_left < limit)
			limit = (unsigned int)pages_left;
		uint64_t step = 0;
		if (i + 1 < nr_entries) {
			struct hvo_pte next;
			arch->decode_pte(entries[i + 1], 1, &next);
			if (next.paddr == pte.paddr || next.paddr == pte.paddr + page_size)
				step = next.paddr - pte.paddr;
		}
		/*
		 * An HVO table's tails are one value again and again, most often to
		 * the table's end: one memcmp of the entries against themselves one
		 * on says so.  Shorter runs are counted below.
		 */
		if (step == 0 && limit > 1 &&
		    !memcmp(&entries[i + 1], &entries[i], (limit - 1) * sizeof(*entries)))
			n = limit;
		while (n < limit) {
			struct hvo_pte next;
			arch->decode_pte(entries[i + n], 1, &next);
			bool next_writable = writable_above && (next.flags & HVO_PTE_WRITABLE);
			if (!(next.flags & HVO_PTE_PRESENT) || next_writable != writable ||
			    next.paddr != pte.paddr + n * step)
				break;
			n++;
		}
		struct hvo_error *err = walk->ops->leaves(walk->arg, 1, vaddr, pte.paddr, n, step,
							   writable);
		if (err)
			return err;
		i += n;
	}
	return NULL;
}

/* Each entry in range to ops->entry, for a caller that shows the walk. */
static struct hvo_error *trace_entries(struct walk *walk, unsigned int level,
				       const uint64_t *entries, uint64_t table_paddr,
				       uint64_t table_vaddr)
{
	uint64_t span = hvo_arch_entry_span(walk->arch, level);
	for (unsigned int i = 0; i < walk->nr_entries; i++) {
		if (outside(walk, entry_vaddr(walk, level, table_vaddr, i), span))
			continue;
		struct hvo_pte pte;
		walk->arch->decode_pte(entries[i], level, &pte);
		struct hvo_error *err = walk->ops->entry(walk->arg, level,
							 table_paddr + i * walk->arch->pte_size,
							 entries[i], pte);
		if (err)
			return err;
	}
	return NULL;
}

static struct hvo_error *walk_table(struct walk *walk, unsigned int level,
				    uint64_t table_paddr, uint64_t table_vaddr,
				    bool writable_above)
{
	uint64_t entries[MAX_TABLE_ENTRIES];
	uint64_t span = hvo_arch_entry_span(walk->arch, level);
	struct hvo_error *err;
	char what[16];

	snprintf(what, sizeof(what), "%s page",
		 hvo_arch_level_name(walk->arch, level, walk->levels));
	/*
	 * A table referenced twice would be walked twice, and a corrupted dump
	 * can make every entry point at the same table: walk each one once.
	 */
	size_t seen;
	if (hvo_u64map_get(&walk->visited, table_paddr, &seen))
		return walk->ops->bad_table(walk->arg, table_vaddr, table_paddr,
			hvo_error_create(HVO_ERROR_INVALID,
					 "%s at physical 0x%" PRIx64 " is referenced again "
					 "(for 0x%" PRIx64 "); not walked twice",
					 what, table_paddr, table_vaddr));
	if (!hvo_u64map_put(&walk->visited, table_paddr, level))
		return &hvo_error_nomem;
	if (walk->stats->nr_table_pages >= MAX_TABLE_PAGES)
		return hvo_error_create(HVO_ERROR_INVALID,
					"page tables exceed %" PRIu64 " pages; the dump's "
					"page tables are corrupted", MAX_TABLE_PAGES);
	walk->stats->nr_table_pages++;
	/* A dump of many TiB has hundreds of thousands of tables: let Ctrl-C in. */
	if ((err = hvo_interrupt_check()))
		return err;
	err = hvo_dump_read(walk->prog->dump, HVO_PHYS, table_paddr, entries,
			    walk->nr_entries * sizeof(*entries), what);
	if (err) {
		if (err->code != HVO_ERROR_NODATA && err->code != HVO_ERROR_FORMAT)
			return err;
		return walk->ops->bad_table(walk->arg, table_vaddr, table_paddr, err);
	}
	if (walk->ops->entry &&
	    (err = trace_entries(walk, level, entries, table_paddr, table_vaddr)))
		return err;

	if (level == 1)
		return walk_pte_table(walk, entries, table_vaddr, writable_above);
	for (unsigned int i = 0; i < walk->nr_entries; i++) {
		uint64_t vaddr = entry_vaddr(walk, level, table_vaddr, i);
		if (outside(walk, vaddr, span))
			continue;
		struct hvo_pte pte;
		walk->arch->decode_pte(entries[i], level, &pte);
		if (!(pte.flags & HVO_PTE_PRESENT))
			continue;
		bool writable = writable_above && (pte.flags & HVO_PTE_WRITABLE);
		if (pte.flags & HVO_PTE_LEAF) {
			err = walk->ops->leaves(walk->arg, level, vaddr, pte.paddr, 1, 0, writable);
		} else {
			walk->stats->nr_tables_below[level]++;
			err = walk_table(walk, level - 1, pte.paddr, vaddr, writable);
		}
		if (err)
			return err;
	}
	return NULL;
}

uint64_t hvo_pgtable_kernel_start(const struct hvo_program *prog)
{
	const struct hvo_arch *arch = prog->arch;
	unsigned int va_bits = arch->page_shift + arch->table_shift * prog->pgtable_levels;
	return ~UINT64_C(0) << (va_bits - 1);
}

struct hvo_error *hvo_pgtable_walk(const struct hvo_program *prog, uint64_t start,
				   uint64_t end, const struct hvo_pgtable_ops *ops, void *arg,
				   struct hvo_pgtable_stats *stats)
{
	const struct hvo_arch *arch = prog->arch;
	struct hvo_pgtable_stats local_stats = { 0 };
	uint64_t root;
	struct hvo_error *err = hvo_dump_pgt_root(prog->dump, &root);
	if (err)
		return err;
	if (prog->pgtable_levels < 2 || prog->pgtable_levels > HVO_PGTABLE_MAX_LEVELS ||
	    arch->pte_size != sizeof(uint64_t) ||
	    (UINT64_C(1) << arch->table_shift) > MAX_TABLE_ENTRIES)
		return hvo_error_create(HVO_ERROR_INTERNAL, "%u-level %s page tables are not "
					"walked", prog->pgtable_levels, arch->name);
	struct walk walk = {
		.prog = prog, .arch = arch, .ops = ops, .arg = arg,
		.stats = stats ? stats : &local_stats,
		.start = start, .last = end ? end - 1 : UINT64_MAX,
		.levels = prog->pgtable_levels,
		.nr_entries = 1u << arch->table_shift,
		.page_size = hvo_arch_page_size(arch),
	};
	hvo_u64map_init(&walk.visited);
	err = walk_table(&walk, walk.levels, root & ~(walk.page_size - 1), 0, true);
	hvo_u64map_deinit(&walk.visited);
	return err;
}
