/* vmemmap.c - one page-table walk over the vmemmap, recorded as runs. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "u64map.h"
#include "vmemmap.h"

/* x86_64 page-table entry bits (arch/x86/include/asm/pgtable_types.h). */
#define X86_PTE_PRESENT UINT64_C(0x1)
#define X86_PTE_RW UINT64_C(0x2)
#define X86_PTE_PSE UINT64_C(0x80)
#define X86_PTE_ADDR_MASK UINT64_C(0x000ffffffffff000)
#define X86_PTRS_PER_TABLE 512
#define PAGE_SIZE_4K UINT64_C(4096)

/* A corrupted dump could make every entry point somewhere: bound the work. */
#define MAX_TABLE_PAGES (UINT64_C(1) << 22)
#define MAX_PROBLEMS 1000

/* Page-table pages by level, 1 = PTE; the top level (4 or 5) is the pgd. */
static const char *const table_names[] = {
	"", "pte page", "pmd page", "pud page", "p4d page", "pgd page",
};

struct walk {
	struct hvo_program *prog;
	struct hvo_vmemmap *vm;
	struct hvo_u64map visited;	/* table pages already walked */
	uint64_t start, end;
	unsigned int levels;
};

static struct hvo_error *add_problem(struct hvo_vmemmap *vm, uint64_t vaddr,
				     uint64_t table_paddr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static struct hvo_error *add_problem(struct hvo_vmemmap *vm, uint64_t vaddr,
				     uint64_t table_paddr, const char *fmt, ...)
{
	if (vm->nr_problems >= MAX_PROBLEMS)
		return NULL;
	struct hvo_vmemmap_problem *grown =
		realloc(vm->problems, (vm->nr_problems + 1) * sizeof(*grown));
	if (!grown)
		return &hvo_error_nomem;
	vm->problems = grown;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&grown[vm->nr_problems].what, fmt, ap);
	va_end(ap);
	if (n < 0)
		return &hvo_error_nomem;
	grown[vm->nr_problems].vaddr = vaddr;
	grown[vm->nr_problems].table_paddr = table_paddr;
	vm->nr_problems++;
	return NULL;
}

/* Append nr_pages mapping consecutive (or, with repeat, identical) frames. */
static struct hvo_error *add_mapping(struct hvo_vmemmap *vm, uint64_t vaddr,
				     uint64_t paddr, uint64_t nr_pages, unsigned int flags)
{
	vm->nr_mapped_pages += nr_pages;
	if (vm->nr_runs) {
		struct hvo_vmemmap_run *last = &vm->runs[vm->nr_runs - 1];
		bool adjacent = last->vaddr + last->nr_pages * PAGE_SIZE_4K == vaddr;
		unsigned int base_flags = last->flags & ~HVO_MAP_REPEAT;
		if (adjacent && base_flags == (flags & ~HVO_MAP_REPEAT)) {
			/* Same frame again: grow (or start) a repeat run. */
			if (nr_pages == 1 && paddr == last->paddr &&
			    (last->nr_pages == 1 || (last->flags & HVO_MAP_REPEAT))) {
				last->flags |= HVO_MAP_REPEAT;
				last->nr_pages++;
				return NULL;
			}
			/* Next frame in sequence: grow a contiguous run. */
			if (!(last->flags & HVO_MAP_REPEAT) && !(flags & HVO_MAP_REPEAT) &&
			    paddr == last->paddr + last->nr_pages * PAGE_SIZE_4K) {
				last->nr_pages += nr_pages;
				return NULL;
			}
		}
	}
	if (vm->nr_runs == vm->runs_capacity) {
		size_t capacity = vm->runs_capacity ? vm->runs_capacity * 2 : 256;
		struct hvo_vmemmap_run *grown = realloc(vm->runs, capacity * sizeof(*grown));
		if (!grown)
			return &hvo_error_nomem;
		vm->runs = grown;
		vm->runs_capacity = capacity;
	}
	vm->runs[vm->nr_runs++] = (struct hvo_vmemmap_run){
		.vaddr = vaddr, .nr_pages = nr_pages, .paddr = paddr, .flags = flags,
	};
	return NULL;
}

/* n more pages mapping the same frame as the last page of the last run. */
static struct hvo_error *add_repeats(struct hvo_vmemmap *vm, uint64_t paddr, uint64_t n)
{
	struct hvo_vmemmap_run *last = &vm->runs[vm->nr_runs - 1];
	vm->nr_mapped_pages += n;
	if (last->nr_pages == 1 || (last->flags & HVO_MAP_REPEAT)) {
		last->flags |= HVO_MAP_REPEAT;
		last->nr_pages += n;
		return NULL;
	}
	/*
	 * The last run steps through frames: the repeats start a run of their
	 * own.  add_mapping() may move the runs: last is not used after it.
	 */
	struct hvo_error *err = NULL;
	uint64_t vaddr = last->vaddr + last->nr_pages * PAGE_SIZE_4K;
	unsigned int flags = last->flags;
	for (uint64_t k = 0; k < n && !err; k++)
		err = add_mapping(vm, vaddr + k * PAGE_SIZE_4K, paddr, 1, flags);
	return err;
}

/* Bytes of virtual address one entry at this level maps (level 1 = PTE). */
static uint64_t entry_span(unsigned int level)
{
	return PAGE_SIZE_4K << (9 * (level - 1));
}

/*
 * A PTE table: consecutive entries that repeat a frame or step through
 * frames become one run before they reach add_mapping(), so an HVO table of
 * 511 identical tail PTEs costs one call, not 511.
 */
static struct hvo_error *add_pte_table(struct walk *walk, const uint64_t *entries,
				       uint64_t table_vaddr, bool writable_above)
{
	struct hvo_vmemmap *vm = walk->vm;
	unsigned int i = 0;
	while (i < X86_PTRS_PER_TABLE) {
		uint64_t vaddr = table_vaddr + i * PAGE_SIZE_4K;
		uint64_t entry = entries[i];
		if (!(entry & X86_PTE_PRESENT) || vaddr + (PAGE_SIZE_4K - 1) < walk->start ||
		    vaddr >= walk->end) {
			i++;
			continue;
		}
		uint64_t paddr = entry & X86_PTE_ADDR_MASK;
		unsigned int flags = HVO_MAP_PTE |
			(writable_above && (entry & X86_PTE_RW) ? HVO_MAP_WRITABLE : 0);
		/* Extend while the next entry repeats the frame, or while it steps by one. */
		unsigned int n = 1, limit = X86_PTRS_PER_TABLE - i;
		uint64_t left = walk->end - vaddr;	/* vaddr < end here */
		uint64_t pages_left = left / PAGE_SIZE_4K + (left % PAGE_SIZE_4K != 0);
		if (pages_left < limit)
			limit = (unsigned int)pages_left;
		uint64_t step = 0;
		if (i + 1 < X86_PTRS_PER_TABLE) {
			uint64_t next = entries[i + 1];
			uint64_t next_paddr = next & X86_PTE_ADDR_MASK;
			if (next_paddr == paddr || next_paddr == paddr + PAGE_SIZE_4K)
				step = next_paddr - paddr;
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
			uint64_t next = entries[i + n];
			unsigned int next_flags = HVO_MAP_PTE |
				(writable_above && (next & X86_PTE_RW) ? HVO_MAP_WRITABLE : 0);
			if (!(next & X86_PTE_PRESENT) || next_flags != flags ||
			    (next & X86_PTE_ADDR_MASK) != paddr + n * step)
				break;
			n++;
		}
		struct hvo_error *err;
		if (step == 0 && n > 1) {
			/* A repeated frame: one page, then the repeats merge onto it. */
			err = add_mapping(vm, vaddr, paddr, 1, flags);
			if (!err)
				err = add_repeats(vm, paddr, n - 1);
		} else {
			err = add_mapping(vm, vaddr, paddr, n, flags);
		}
		if (err)
			return err;
		i += n;
	}
	return NULL;
}

static struct hvo_error *walk_table(struct walk *walk, unsigned int level,
				    uint64_t table_paddr, uint64_t table_vaddr,
				    bool writable_above)
{
	struct hvo_vmemmap *vm = walk->vm;
	uint64_t entries[X86_PTRS_PER_TABLE];
	uint64_t span = entry_span(level);
	struct hvo_error *err;

	const char *what = level == walk->levels ? "pgd page" : table_names[level];
	/*
	 * A table referenced twice would be walked twice, and a corrupted dump
	 * can make every entry point at the same table: walk each one once.
	 */
	size_t seen;
	if (hvo_u64map_get(&walk->visited, table_paddr, &seen))
		return add_problem(vm, table_vaddr, table_paddr,
				   "%s at physical 0x%" PRIx64 " is referenced again "
				   "(for 0x%" PRIx64 "); not walked twice",
				   what, table_paddr, table_vaddr);
	if (!hvo_u64map_put(&walk->visited, table_paddr, level))
		return &hvo_error_nomem;
	if (vm->nr_table_pages >= MAX_TABLE_PAGES)
		return hvo_error_create(HVO_ERROR_INVALID,
					"vmemmap page tables exceed %" PRIu64 " pages; the dump's "
					"page tables are corrupted", MAX_TABLE_PAGES);
	vm->nr_table_pages++;
	/* A dump of many TiB has hundreds of thousands of tables: let Ctrl-C in. */
	if ((err = hvo_interrupt_check()))
		return err;
	err = hvo_dump_read(walk->prog->dump, HVO_PHYS, table_paddr, entries,
			    sizeof(entries), what);
	if (err) {
		if (err->code != HVO_ERROR_NODATA && err->code != HVO_ERROR_FORMAT)
			return err;
		vm->incomplete = true;
		struct hvo_error *perr = add_problem(vm, table_vaddr, table_paddr, "%s",
						     err->message);
		hvo_error_destroy(err);
		return perr;
	}

	if (level == 1)
		return add_pte_table(walk, entries, table_vaddr, writable_above);
	for (unsigned int i = 0; i < X86_PTRS_PER_TABLE; i++) {
		uint64_t vaddr = table_vaddr + i * span;
		/* span - 1: the last entry of the top table ends at 2^64, which wraps. */
		if (vaddr + (span - 1) < walk->start || vaddr >= walk->end)
			continue;
		uint64_t entry = entries[i];
		if (!(entry & X86_PTE_PRESENT))
			continue;
		bool writable = writable_above && (entry & X86_PTE_RW);
		uint64_t paddr = entry & X86_PTE_ADDR_MASK;
		if ((level == 2 || level == 3) && (entry & X86_PTE_PSE)) {
			/* 2 MiB or 1 GiB leaf: bit 12 is PAT here, not address. */
			paddr &= ~(span - 1);
			vm->nr_pmd_leaves++;
			err = add_mapping(vm, vaddr, paddr, span / PAGE_SIZE_4K,
					  writable ? HVO_MAP_WRITABLE : 0);
		} else {
			if (level == 2)
				vm->nr_pte_tables++;
			err = walk_table(walk, level - 1, paddr, vaddr, writable);
		}
		if (err)
			return err;
	}
	return NULL;
}

struct hvo_error *hvo_vmemmap_walk(struct hvo_program *prog, uint64_t start_vaddr,
				   uint64_t end_vaddr, struct hvo_vmemmap **ret)
{
	struct hvo_error *err;
	uint64_t root;
	struct hvo_vmemmap *vm = calloc(1, sizeof(*vm));
	if (!vm)
		return &hvo_error_nomem;
	vm->start_vaddr = start_vaddr & ~(PAGE_SIZE_4K - 1);
	vm->end_vaddr = end_vaddr;
	err = hvo_dump_pgt_root(prog->dump, &root);
	if (err)
		goto err;
	struct walk walk = {
		.prog = prog, .vm = vm, .start = vm->start_vaddr, .end = end_vaddr,
		.levels = prog->pgtable_levels,
	};
	/* The top-level table covers the whole canonical address space. */
	unsigned int va_bits = 12 + 9 * walk.levels;
	uint64_t top_vaddr = ~UINT64_C(0) << (va_bits - 1);	/* kernel half, sign-extended */
	/* Walk only the kernel half: index 256 and up of the top-level table. */
	hvo_u64map_init(&walk.visited);
	err = walk_table(&walk, walk.levels, root & X86_PTE_ADDR_MASK,
			 top_vaddr - (UINT64_C(256) * entry_span(walk.levels)), true);
	hvo_u64map_deinit(&walk.visited);
	if (err)
		goto err;
	*ret = vm;
	return NULL;
err:
	hvo_vmemmap_free(vm);
	return hvo_error_prefix(err, "walking the vmemmap page tables");
}

void hvo_vmemmap_free(struct hvo_vmemmap *vm)
{
	if (!vm)
		return;
	for (size_t i = 0; i < vm->nr_problems; i++)
		free(vm->problems[i].what);
	free(vm->problems);
	free(vm->runs);
	free(vm);
}

static inline bool run_holds(const struct hvo_vmemmap_run *run, uint64_t vaddr)
{
	return vaddr >= run->vaddr && vaddr - run->vaddr < run->nr_pages * PAGE_SIZE_4K;
}

const struct hvo_vmemmap_run *hvo_vmemmap_find(const struct hvo_vmemmap *vm,
					       uint64_t vaddr, size_t *hint)
{
	size_t lo = 0, hi = vm->nr_runs;
	if (hint && *hint < vm->nr_runs && vaddr >= vm->runs[*hint].vaddr) {
		/* Gallop forward from the hint: a scan's next run is a step or two on. */
		lo = *hint;
		for (size_t step = 1; lo + step < hi; step *= 2) {
			if (vaddr < vm->runs[lo + step].vaddr) {
				hi = lo + step;
				break;
			}
			lo += step;
		}
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct hvo_vmemmap_run *run = &vm->runs[mid];
		if (vaddr < run->vaddr) {
			hi = mid;
		} else if (!run_holds(run, vaddr)) {
			lo = mid + 1;
		} else {
			if (hint)
				*hint = mid;
			return run;
		}
	}
	return NULL;
}

bool hvo_vmemmap_translate(const struct hvo_vmemmap *vm, uint64_t vaddr, size_t *hint,
			   uint64_t *paddr_ret, unsigned int *flags_ret)
{
	const struct hvo_vmemmap_run *run = hvo_vmemmap_find(vm, vaddr, hint);
	if (!run)
		return false;
	uint64_t page_index = (vaddr - run->vaddr) / PAGE_SIZE_4K;
	uint64_t frame = run->flags & HVO_MAP_REPEAT ? run->paddr :
		run->paddr + page_index * PAGE_SIZE_4K;
	*paddr_ret = frame + (vaddr & (PAGE_SIZE_4K - 1));
	if (flags_ret)
		*flags_ret = run->flags;
	return true;
}
