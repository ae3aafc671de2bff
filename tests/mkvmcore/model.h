/*
 * model: the modelled x86_64 kernel: physical layout of nodes and zones,
 * kernel image and its symbols, page tables, and (memmap.c) struct pages and
 * HVO.  mkv_model_build() turns a scenario into memory contents plus the
 * facts the ground truth reports.
 */
#ifndef MKV_MODEL_H
#define MKV_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "layout.h"
#include "pgtable.h"
#include "physmem.h"
#include "spec.h"

#define MKV_START_KERNEL_MAP UINT64_C(0xffffffff80000000)
#define MKV_LOAD_PHYSICAL_ADDR UINT64_C(0x1000000)
#define MKV_KERNEL_IMAGE_SIZE UINT64_C(0x40000000)
#define MKV_SECTION_SIZE_BITS 27
#define MKV_PAGES_PER_SECTION (UINT64_C(1) << (MKV_SECTION_SIZE_BITS - MKV_PAGE_SHIFT))

struct mkv_zone {
	int idx;			/* enum mkv_zone_idx */
	uint64_t start_pfn, spanned_pages, present_pages;
	uint64_t tails_pfn[MKV_NR_VMEMMAP_TAILS];	/* merged: shared tail frames, 0 = none */
	uint64_t tails_used[MKV_NR_VMEMMAP_TAILS];	/* folios mapping each tail */
};

struct mkv_range {
	uint64_t start_pfn, end_pfn;
};

struct mkv_node {
	int id;
	uint64_t start_pfn, end_pfn;	/* spanned */
	struct mkv_range ram[2];	/* RAM ranges (node 0 has the 3-4 GiB hole) */
	int nr_ram;
	struct mkv_zone zones[MKV_MAX_NR_ZONES];
	uint64_t pgdat_paddr;
	/* boot allocator: bump up from alloc_pfn; huge pages come down from top_pfn */
	uint64_t alloc_pfn, alloc_end_pfn, top_pfn;
	uint64_t tails_pfn[MKV_NR_VMEMMAP_TAILS];	/* v3: per node */
	uint64_t tails_used[MKV_NR_VMEMMAP_TAILS];
};

enum mkv_folio_kind { MKV_FOLIO_HUGETLB, MKV_FOLIO_THP, MKV_FOLIO_COMPOUND };

struct mkv_folio {
	uint64_t head_pfn;
	uint8_t order;
	uint8_t kind;
	uint8_t zone;
	uint16_t node;
	bool boot, in_use, hvo;
	uint64_t head_vmemmap_pfn;	/* HVO: frame of the (copied) head vmemmap page */
};

struct mkv_fault_rec {
	enum mkv_fault id;
	uint64_t address;	/* vaddr of the struct page / PTE target range */
	uint64_t pte_address;	/* kernel vaddr of the PTE (0 if none) */
	uint64_t head_pfn;	/* UINT64_MAX if none */
	int node, zone, order;	/* -1 if none */
	uint64_t expected, actual;	/* entry or word values, when has_values */
	bool has_values;
	const char *extra_name;	/* one more named address, or NULL */
	uint64_t extra_addr;
	char detail[200];
};

struct mkv_symbol {
	const char *name;
	uint64_t vaddr;
};

struct mkv_model {
	struct mkv_params params;	/* borrowed strings: owned by the caller */
	const struct mkv_layout *lay;
	struct mkv_phys *mem;
	struct mkv_pgt pgt;

	uint64_t page_offset, vmemmap_base, vmalloc_base;
	uint64_t kaslr_offset, phys_base;
	uint64_t text_vaddr, text_paddr;	/* _text */
	uint64_t max_physmem_bits;
	uint64_t nr_section_roots, mem_section_root_paddr;

	struct mkv_symbol *syms;
	size_t nr_syms, cap_syms;

	struct mkv_node *nodes;
	unsigned nr_nodes;
	uint64_t max_pfn;

	struct mkv_folio *folios;
	size_t nr_folios, cap_folios;

	struct mkv_fault_rec *faults;
	size_t nr_faults, cap_faults;

	int64_t nr_memmap_pages, nr_memmap_boot_pages;
	uint64_t nr_hvo_folios;		/* hugetlb_optimize_vmemmap_key.enabled (6.12, v3) */
	unsigned char build_id[20];
	char *vmcoreinfo;	/* text of the note, NULL when omitted */
	size_t vmcoreinfo_len;
	uint64_t rng;
	char errbuf[256];
};

/* Build the whole model; returns 0 or -1 with m->errbuf set.  Always call _free. */
int mkv_model_build(struct mkv_model *m, const struct mkv_params *params);
void mkv_model_free(struct mkv_model *m);

uint64_t mkv_model_symbol(const struct mkv_model *m, const char *name);
/* Add a kernel symbol (name must outlive the model: a string literal). */
int mkv_model_add_symbol(struct mkv_model *m, const char *name, uint64_t vaddr);
uint64_t mkv_model_pfn_to_vmemmap(const struct mkv_model *m, uint64_t pfn);
uint64_t mkv_model_paddr_to_direct(const struct mkv_model *m, uint64_t paddr);
/* Physical address of a kernel-image virtual address. */
uint64_t mkv_model_image_to_paddr(const struct mkv_model *m, uint64_t vaddr);
/* Allocate zeroed pages on a node (boot allocator); returns the first PFN or 0. */
uint64_t mkv_model_alloc_pages(struct mkv_model *m, int node, uint64_t nr_pages,
			       uint64_t align_pages);
/* Kernel virtual writes/reads through the model's page tables; -1 if unmapped. */
int mkv_model_kwrite64(struct mkv_model *m, uint64_t vaddr, uint64_t val);
int mkv_model_kwrite32(struct mkv_model *m, uint64_t vaddr, uint32_t val);
int mkv_model_kread64(const struct mkv_model *m, uint64_t vaddr, uint64_t *val_ret);
/* Physical address of the mem_section entry of a section. */
uint64_t mkv_model_mem_section_paddr(const struct mkv_model *m, uint64_t section);
int mkv_model_zone_of(const struct mkv_model *m, int node, uint64_t pfn);
int mkv_model_node_of(const struct mkv_model *m, uint64_t pfn);
int mkv_model_add_fault(struct mkv_model *m, const struct mkv_fault_rec *rec);
/* Deterministic pseudo-random numbers from the seed. */
uint64_t mkv_model_rand(struct mkv_model *m);

/* The generation's default build id (vmlinux-<gen> is linked with it). */
void mkv_model_default_build_id(enum mkv_gen gen, unsigned char id_ret[20]);

/* A GNU ld script placing vmlinux.c's variables at the model's link-time addresses. */
int mkv_model_print_lds(FILE *out);

/* memmap.c: struct pages, huge pages, HVO, counters, faults. */
int mkv_memmap_build(struct mkv_model *m);
/* faults.c: inject the requested faults into a built memmap. */
int mkv_faults_apply(struct mkv_model *m);
/* kallsyms.c: the compressed symbol table in the image's rodata. */
int mkv_kallsyms_build(struct mkv_model *m);
/* btf.c: the kernel's BTF in rodata between __start_BTF and __stop_BTF. */
int mkv_btf_build(struct mkv_model *m);
/* vmcoreinfo.c: the VMCOREINFO text as the generation's kernel writes it. */
int mkv_vmcoreinfo_build(struct mkv_model *m);

#endif
