/* vmemmap.c - one page-table walk over the vmemmap, recorded as runs. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgtable.h"
#include "vmemmap.h"

/* Bound the problems a corrupted dump can make us keep. */
#define MAX_PROBLEMS 1000

static inline uint64_t page_size(const struct hvo_vmemmap *vm)
{
	return UINT64_C(1) << vm->arch->page_shift;
}

/* Append nr_pages mapping consecutive (or, with repeat, identical) frames. */
static struct hvo_error *add_mapping(struct hvo_vmemmap *vm, uint64_t vaddr,
				     uint64_t paddr, uint64_t nr_pages, unsigned int flags)
{
	vm->nr_mapped_pages += nr_pages;
	if (vm->nr_runs) {
		struct hvo_vmemmap_run *last = &vm->runs[vm->nr_runs - 1];
		bool adjacent = last->vaddr + last->nr_pages * page_size(vm) == vaddr;
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
			    paddr == last->paddr + last->nr_pages * page_size(vm)) {
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
	uint64_t vaddr = last->vaddr + last->nr_pages * page_size(vm);
	unsigned int flags = last->flags;
	for (uint64_t k = 0; k < n && !err; k++)
		err = add_mapping(vm, vaddr + k * page_size(vm), paddr, 1, flags);
	return err;
}

/* pgtable.h's ops: leaves become runs, unwalked tables problems. */
static struct hvo_error *vm_leaves(void *arg, unsigned int level, uint64_t vaddr,
				   uint64_t paddr, uint64_t nr, uint64_t step, bool writable)
{
	struct hvo_vmemmap *vm = arg;
	unsigned int flags = writable ? HVO_MAP_WRITABLE : 0;
	if (level > 1) {
		/* A 2 MiB or 1 GiB leaf. */
		vm->nr_pmd_leaves++;
		uint64_t pages_per_leaf = hvo_arch_entry_span(vm->arch, level) >> vm->arch->page_shift;
		return add_mapping(vm, vaddr, paddr, nr * pages_per_leaf, flags);
	}
	flags |= HVO_MAP_PTE;
	if (step == 0 && nr > 1) {
		/* A repeated frame: one page, then the repeats merge onto it. */
		struct hvo_error *err = add_mapping(vm, vaddr, paddr, 1, flags);
		return err ? err : add_repeats(vm, paddr, nr - 1);
	}
	return add_mapping(vm, vaddr, paddr, nr, flags);
}

static struct hvo_error *vm_bad_table(void *arg, uint64_t vaddr, uint64_t table_paddr,
				      struct hvo_error *err)
{
	struct hvo_vmemmap *vm = arg;
	/* Unreadable, not merely walked already: what it maps is unknown. */
	bool missing = err->code == HVO_ERROR_NODATA || err->code == HVO_ERROR_FORMAT;
	if (missing)
		vm->incomplete = true;
	struct hvo_error *derr = NULL;
	if (vm->diags.size < MAX_PROBLEMS)
		derr = hvo_diag_add(&vm->diags, missing ? HVO_DIAG_MISSING : HVO_DIAG_WARNING,
				    "page tables", "%s", err->message);
	hvo_error_destroy(err);
	return derr;
}

static const struct hvo_pgtable_ops vmemmap_ops = {
	.leaves = vm_leaves,
	.bad_table = vm_bad_table,
};

struct hvo_error *hvo_vmemmap_walk(const struct hvo_program *prog, uint64_t start_vaddr,
				   uint64_t end_vaddr, struct hvo_vmemmap **ret)
{
	struct hvo_vmemmap *vm = calloc(1, sizeof(*vm));
	if (!vm)
		return &hvo_error_nomem;
	vm->arch = prog->arch;
	vm->start_vaddr = start_vaddr & ~(page_size(vm) - 1);
	vm->end_vaddr = end_vaddr;
	struct hvo_pgtable_stats stats = { 0 };
	struct hvo_error *err = hvo_pgtable_walk(prog, vm->start_vaddr, end_vaddr, &vmemmap_ops,
						 vm, &stats);
	vm->nr_table_pages = stats.nr_table_pages;
	vm->nr_pte_tables = stats.nr_tables_below[2];	/* PMDs split into PTE tables */
	if (err) {
		hvo_vmemmap_free(vm);
		return hvo_error_prefix(err, "walking the vmemmap page tables");
	}
	*ret = vm;
	return NULL;
}

void hvo_vmemmap_free(struct hvo_vmemmap *vm)
{
	if (!vm)
		return;
	hvo_diags_free(&vm->diags);
	free(vm->runs);
	free(vm);
}

static inline bool run_holds(const struct hvo_vmemmap *vm, const struct hvo_vmemmap_run *run,
			     uint64_t vaddr)
{
	return vaddr >= run->vaddr && vaddr - run->vaddr < run->nr_pages * page_size(vm);
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
		} else if (!run_holds(vm, run, vaddr)) {
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
	uint64_t page_index = (vaddr - run->vaddr) >> vm->arch->page_shift;
	uint64_t frame = run->flags & HVO_MAP_REPEAT ? run->paddr :
		run->paddr + page_index * page_size(vm);
	*paddr_ret = frame + (vaddr & (page_size(vm) - 1));
	if (flags_ret)
		*flags_ret = run->flags;
	return true;
}
