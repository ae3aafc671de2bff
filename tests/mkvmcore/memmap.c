/* memmap: vmemmap population, struct pages, huge pages and HVO. */
#include "model.h"

#include <stdio.h>
#include <string.h>

/* One 2 MiB PMD leaf of vmemmap per present section (vmemmap_populate_hugepages). */
static int populate_section(struct mkv_model *m, int node, uint64_t section)
{
	uint64_t vaddr = mkv_model_pfn_to_vmemmap(m, section * MKV_PAGES_PER_SECTION);
	struct mkv_pgt_walk w;
	if (!mkv_pgt_walk(&m->pgt, vaddr, &w))
		return 0;
	uint64_t pfn = mkv_model_alloc_pages(m, node, 512, 512);
	if (!pfn)
		return -1;
	if (mkv_pgt_map(&m->pgt, vaddr, pfn << MKV_PAGE_SHIFT, MKV_SIZE_2M, MKV_PAGE_KERNEL_LARGE,
			MKV_PAGE_TABLE, node))
		return -1;
	m->nr_memmap_boot_pages += 512;
	return 0;
}

int mkv_memmap_build(struct mkv_model *m)
{
	for (unsigned i = 0; i < m->nr_nodes; i++) {
		struct mkv_node *n = &m->nodes[i];
		for (int r = 0; r < n->nr_ram; r++) {
			uint64_t s0 = n->ram[r].start_pfn / MKV_PAGES_PER_SECTION;
			uint64_t s1 = (n->ram[r].end_pfn + MKV_PAGES_PER_SECTION - 1) /
				      MKV_PAGES_PER_SECTION;
			for (uint64_t s = s0; s < s1; s++)
				if (populate_section(m, n->id, s))
					return -1;
		}
	}
	return 0;
}
