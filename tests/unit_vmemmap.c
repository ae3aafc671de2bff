/* Unit tests for vmemmap run lookups: with and without a hint, against a linear search. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "vmemmap.h"

#define BASE UINT64_C(0xffffea0000000000)
#define PAGE UINT64_C(4096)

/* The run holding vaddr by looking at every run: the answer to check against. */
static const struct hvo_vmemmap_run *linear_find(const struct hvo_vmemmap *vm, uint64_t vaddr)
{
	for (size_t i = 0; i < vm->nr_runs; i++) {
		if (vaddr >= vm->runs[i].vaddr &&
		    vaddr < vm->runs[i].vaddr + vm->runs[i].nr_pages * PAGE)
			return &vm->runs[i];
	}
	return NULL;
}

/*
 * Runs as the walk leaves them for 2 MiB HVO folios (a head page, then seven
 * pages of one shared tail) with holes and longer runs mixed in.
 */
static struct hvo_vmemmap *make_runs(size_t nr)
{
	struct hvo_vmemmap *vm = calloc(1, sizeof(*vm));
	assert_non_null(vm);
	vm->arch = &hvo_arch_x86_64;
	vm->runs = calloc(nr, sizeof(*vm->runs));
	assert_non_null(vm->runs);
	uint64_t vaddr = BASE;
	srand(8);
	for (size_t i = 0; i < nr; i++) {
		uint64_t pages = i % 2 ? 7 : 1 + (uint64_t)(rand() % 3 == 0) * (uint64_t)(rand() % 600);
		if (rand() % 5 == 0)
			vaddr += PAGE * (uint64_t)(1 + rand() % 9);	/* a hole */
		vm->runs[i] = (struct hvo_vmemmap_run){
			.vaddr = vaddr, .nr_pages = pages, .paddr = i * PAGE,
			.flags = HVO_MAP_PTE | (i % 2 ? HVO_MAP_REPEAT : 0),
		};
		vaddr += pages * PAGE;
	}
	vm->nr_runs = nr;
	vm->start_vaddr = BASE;
	vm->end_vaddr = vaddr;
	return vm;
}

static void free_runs(struct hvo_vmemmap *vm)
{
	free(vm->runs);
	free(vm);
}

/* Every page and every hole, in address order, as the scan looks them up. */
static void test_in_order(void **state)
{
	struct hvo_vmemmap *vm = make_runs(3000);
	size_t hint = 0, checked = 0;
	for (uint64_t vaddr = BASE - PAGE; vaddr < vm->end_vaddr + 2 * PAGE; vaddr += PAGE / 2) {
		const struct hvo_vmemmap_run *want = linear_find(vm, vaddr);
		assert_ptr_equal(hvo_vmemmap_find(vm, vaddr, &hint), want);
		assert_ptr_equal(hvo_vmemmap_find(vm, vaddr, NULL), want);
		if (want)
			assert_ptr_equal(&vm->runs[hint], want);
		checked++;
	}
	assert_true(checked > 3000);
	free_runs(vm);
}

/* Lookups out of order, and hints that are stale or out of range. */
static void test_any_order(void **state)
{
	struct hvo_vmemmap *vm = make_runs(1000);
	size_t hint = 0;
	uint64_t span = vm->end_vaddr - BASE;
	for (int i = 0; i < 20000; i++) {
		uint64_t vaddr = BASE - PAGE + (uint64_t)rand() % (span + 3 * PAGE);
		if (i % 7 == 0)
			hint = (size_t)rand() % (vm->nr_runs + 5);	/* past the end too */
		const struct hvo_vmemmap_run *want = linear_find(vm, vaddr);
		assert_ptr_equal(hvo_vmemmap_find(vm, vaddr, &hint), want);
	}
	/* Translation follows the run: a repeated run maps every page to one frame. */
	const struct hvo_vmemmap_run *tail = &vm->runs[1];
	uint64_t paddr;
	unsigned int flags;
	hint = 0;
	assert_true(hvo_vmemmap_translate(vm, tail->vaddr + 3 * PAGE + 64, &hint, &paddr, &flags));
	assert_true(paddr == tail->paddr + 64);
	assert_true(flags & HVO_MAP_REPEAT);
	assert_int_equal(hint, 1);
	const struct hvo_vmemmap_run *head = &vm->runs[0];
	assert_true(hvo_vmemmap_translate(vm, head->vaddr + 128, NULL, &paddr, NULL));
	assert_true(paddr == head->paddr + 128);
	assert_false(hvo_vmemmap_translate(vm, BASE - PAGE, &hint, &paddr, NULL));
	free_runs(vm);
}

static void test_empty(void **state)
{
	struct hvo_vmemmap vm = { 0 };
	size_t hint = 3;
	assert_null(hvo_vmemmap_find(&vm, BASE, &hint));
	assert_null(hvo_vmemmap_find(&vm, BASE, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_any_order),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
