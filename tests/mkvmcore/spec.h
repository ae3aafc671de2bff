/*
 * spec: the scenario to model, from a "key = value" file and/or command-line
 * options (the same keys: --key=value).  See README for every key.
 */
#ifndef MKV_SPEC_H
#define MKV_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"

enum mkv_format { MKV_FMT_ELF, MKV_FMT_KDUMP };
enum mkv_elf_vaddr { MKV_VADDR_KDUMP, MKV_VADDR_ZERO };

/* Fault ids: stable, shared with hvoinspect's findings. */
enum mkv_fault {
	MKV_FAULT_TAIL_WRONG_ORDER,
	MKV_FAULT_TAIL_CROSS_ZONE,
	MKV_FAULT_TAIL_CROSS_NODE,
	MKV_FAULT_TAIL_WRITABLE,
	MKV_FAULT_SHARED_TAIL_CORRUPT,
	MKV_FAULT_HEAD_SHARED,
	MKV_FAULT_HEAD_READONLY,
	MKV_FAULT_HVO_FLAG_MISMATCH,
	MKV_FAULT_FAKE_HEADS_ON_MASK_KERNEL,
	MKV_FAULT_VMEMMAP_TAILS_UNUSED,
	MKV_FAULT_VMEMMAP_TAILS_MISPLACED,
	MKV_FAULT_MEMMAP_MISALIGNED,
	MKV_FAULT_COMPOUND_BAD_MASK,
	MKV_NR_FAULTS
};

const char *mkv_fault_name(enum mkv_fault f);
int mkv_fault_parse(const char *name, enum mkv_fault *f_ret);

struct mkv_params {
	enum mkv_gen gen;
	enum mkv_format format;
	int levels;			/* 4 or 5 */
	uint64_t seed;
	unsigned nr_nodes;		/* 1..64 */
	uint64_t mem_per_node;		/* bytes */
	uint64_t movable_per_node;	/* bytes at the top of each node in ZONE_MOVABLE */
	/* per node */
	unsigned hp2m_boot, hp2m_runtime, hp1g_boot, hp1g_runtime;
	unsigned hp2m_in_use, hp1g_in_use;	/* first N folios of each size in use */
	unsigned hp2m_no_hvo, hp1g_no_hvo;	/* last N folios of each size not optimised */
	bool hvo;
	unsigned thp_per_node;		/* anonymous order-9 THP folios */
	unsigned compound_per_node;	/* order-3 slab-like compound pages */
	uint32_t faults;		/* 1 << enum mkv_fault */
	/* HPG_vmemmap_optimized in enum hugetlb_page_flags: 4 in 6.12 and 7.2 */
	unsigned hpg_vmemmap_optimized;
	/* dump container */
	int e_machine;
	bool prstatus;
	bool kallsyms;			/* kallsyms tables + SYMBOL(kallsyms_*) */
	bool btf;			/* BTF between __start_BTF and __stop_BTF */
	bool no_vmcoreinfo;
	char *vmcoreinfo_file;
	enum mkv_elf_vaddr elf_vaddr;
	bool elf_xnum;			/* force PN_XNUM extended numbering */
	bool flattened;			/* kdump: makedumpfile -F flattened records */
	bool qemu;			/* quirks = qemu: QEMU 7.2 dump-guest-memory output */
	bool kaslr_set, phys_base_set;
	uint64_t kaslr_offset, phys_base;
	int64_t crashtime;
	bool build_id_set;
	unsigned char build_id[20];	/* default: fixed per generation, as vmlinux-<gen> */
	int zlib_level;
	bool store_all;			/* kdump: every RAM page stored, as QEMU or makedumpfile -d 0 */
	/* outputs */
	char *output;
	char *truth;
};

void mkv_params_init(struct mkv_params *p);
void mkv_params_free(struct mkv_params *p);
/* Set one key; returns 0, or -1 with a message in errbuf. */
int mkv_params_set(struct mkv_params *p, const char *key, const char *value,
		   char *errbuf, size_t errlen);
/* Read a spec file of "key = value" lines ('#' comments). */
int mkv_params_load(struct mkv_params *p, const char *path, char *errbuf, size_t errlen);
/* Cross-checks (ranges, generation-specific faults). */
int mkv_params_check(const struct mkv_params *p, char *errbuf, size_t errlen);

#endif
