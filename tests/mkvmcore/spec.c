/* spec: scenario keys, from a spec file or the command line. */
#include "spec.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const fault_names[MKV_NR_FAULTS] = {
	[MKV_FAULT_TAIL_WRONG_ORDER] = "tail-wrong-order",
	[MKV_FAULT_TAIL_CROSS_ZONE] = "tail-cross-zone",
	[MKV_FAULT_TAIL_CROSS_NODE] = "tail-cross-node",
	[MKV_FAULT_TAIL_WRITABLE] = "tail-writable",
	[MKV_FAULT_SHARED_TAIL_CORRUPT] = "shared-tail-corrupt",
	[MKV_FAULT_HEAD_SHARED] = "head-shared",
	[MKV_FAULT_HEAD_READONLY] = "head-readonly",
	[MKV_FAULT_HVO_FLAG_MISMATCH] = "hvo-flag-mismatch",
	[MKV_FAULT_FAKE_HEADS_ON_MASK_KERNEL] = "fake-heads-on-mask-kernel",
	[MKV_FAULT_VMEMMAP_TAILS_UNUSED] = "vmemmap-tails-unused",
	[MKV_FAULT_VMEMMAP_TAILS_MISPLACED] = "vmemmap-tails-misplaced",
	[MKV_FAULT_MEMMAP_MISALIGNED] = "memmap-misaligned",
	[MKV_FAULT_COMPOUND_BAD_MASK] = "compound-bad-mask",
};

const char *mkv_fault_name(enum mkv_fault f)
{
	return f < MKV_NR_FAULTS ? fault_names[f] : "?";
}

int mkv_fault_parse(const char *name, enum mkv_fault *f_ret)
{
	for (int i = 0; i < MKV_NR_FAULTS; i++) {
		if (!strcmp(name, fault_names[i])) {
			*f_ret = (enum mkv_fault)i;
			return 0;
		}
	}
	return -1;
}

void mkv_params_init(struct mkv_params *p)
{
	memset(p, 0, sizeof(*p));
	p->gen = MKV_GEN_MERGED;
	p->format = MKV_FMT_ELF;
	p->levels = 4;
	p->seed = 1;
	p->nr_nodes = 1;
	p->mem_per_node = UINT64_C(2) << 30;
	p->hvo = true;
	p->hpg_vmemmap_optimized = MKV_HPG_VMEMMAP_OPTIMIZED;
	p->e_machine = 62;	/* EM_X86_64 */
	p->prstatus = true;
	p->kallsyms = true;
	p->btf = true;
	p->elf_vaddr = MKV_VADDR_KDUMP;
	p->crashtime = 1795000000;
	p->zlib_level = 1;
}

void mkv_params_free(struct mkv_params *p)
{
	free(p->vmcoreinfo_file);
	free(p->output);
	free(p->truth);
	memset(p, 0, sizeof(*p));
}

/* Unsigned number with an optional K/M/G/T suffix (binary units). */
static int parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	errno = 0;
	if (!*s || *s == '-')
		return -1;
	uint64_t v = strtoull(s, &end, 0);
	if (errno)
		return -1;
	unsigned shift = 0;
	switch (toupper((unsigned char)*end)) {
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	case 'T': shift = 40; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end == 'B')
		end++;
	if (*end)
		return -1;
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*ret = v << shift;
	return 0;
}

static int parse_uint(const char *s, unsigned *ret, unsigned max)
{
	uint64_t v;
	if (parse_u64(s, &v) || v > max)
		return -1;
	*ret = (unsigned)v;
	return 0;
}

static int parse_bool(const char *s, bool *ret)
{
	if (!strcmp(s, "1") || !strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true"))
		*ret = true;
	else if (!strcmp(s, "0") || !strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "false"))
		*ret = false;
	else
		return -1;
	return 0;
}

static int set_faults(struct mkv_params *p, const char *value, char *errbuf, size_t errlen)
{
	char *copy = strdup(value), *save = NULL;
	if (!copy) {
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	for (char *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		enum mkv_fault f;
		if (!strcmp(tok, "none"))
			continue;
		if (mkv_fault_parse(tok, &f)) {
			snprintf(errbuf, errlen, "unknown fault '%s'", tok);
			free(copy);
			return -1;
		}
		p->faults |= UINT32_C(1) << f;
	}
	free(copy);
	return 0;
}

static int set_str(char **dst, const char *value)
{
	char *s = strdup(value);
	if (!s)
		return -1;
	free(*dst);
	*dst = s;
	return 0;
}

int mkv_params_set(struct mkv_params *p, const char *key, const char *value,
		   char *errbuf, size_t errlen)
{
	int bad = 0;
	unsigned u;
	uint64_t v;

	if (!strcmp(key, "generation")) {
		bad = mkv_layout_parse_gen(value, &p->gen);
	} else if (!strcmp(key, "format")) {
		if (!strcmp(value, "elf"))
			p->format = MKV_FMT_ELF;
		else if (!strcmp(value, "kdump"))
			p->format = MKV_FMT_KDUMP;
		else
			bad = 1;
	} else if (!strcmp(key, "levels")) {
		bad = parse_uint(value, &u, 5) || (u != 4 && u != 5);
		if (!bad)
			p->levels = (int)u;
	} else if (!strcmp(key, "seed")) {
		bad = parse_u64(value, &p->seed);
	} else if (!strcmp(key, "nodes")) {
		bad = parse_uint(value, &p->nr_nodes, 64) || !p->nr_nodes;
	} else if (!strcmp(key, "mem_per_node")) {
		bad = parse_u64(value, &p->mem_per_node);
	} else if (!strcmp(key, "movable_per_node")) {
		bad = parse_u64(value, &p->movable_per_node);
	} else if (!strcmp(key, "hugepages_2m_boot")) {
		bad = parse_uint(value, &p->hp2m_boot, 1u << 24);
	} else if (!strcmp(key, "hugepages_2m")) {
		bad = parse_uint(value, &p->hp2m_runtime, 1u << 24);
	} else if (!strcmp(key, "hugepages_1g_boot")) {
		bad = parse_uint(value, &p->hp1g_boot, 1u << 16);
	} else if (!strcmp(key, "hugepages_1g")) {
		bad = parse_uint(value, &p->hp1g_runtime, 1u << 16);
	} else if (!strcmp(key, "in_use_2m")) {
		bad = parse_uint(value, &p->hp2m_in_use, 1u << 24);
	} else if (!strcmp(key, "in_use_1g")) {
		bad = parse_uint(value, &p->hp1g_in_use, 1u << 16);
	} else if (!strcmp(key, "no_hvo_2m")) {
		bad = parse_uint(value, &p->hp2m_no_hvo, 1u << 24);
	} else if (!strcmp(key, "no_hvo_1g")) {
		bad = parse_uint(value, &p->hp1g_no_hvo, 1u << 16);
	} else if (!strcmp(key, "hvo")) {
		bad = parse_bool(value, &p->hvo);
	} else if (!strcmp(key, "thp")) {
		bad = parse_uint(value, &p->thp_per_node, 1u << 20);
	} else if (!strcmp(key, "compound")) {
		bad = parse_uint(value, &p->compound_per_node, 1u << 20);
	} else if (!strcmp(key, "faults") || !strcmp(key, "fault")) {
		return set_faults(p, value, errbuf, errlen);
	} else if (!strcmp(key, "e_machine")) {
		bad = parse_uint(value, &u, 65535);
		if (!bad)
			p->e_machine = (int)u;
	} else if (!strcmp(key, "prstatus")) {
		bad = parse_bool(value, &p->prstatus);
	} else if (!strcmp(key, "flattened")) {
		bad = parse_bool(value, &p->flattened);
	} else if (!strcmp(key, "quirks")) {
		if (!strcmp(value, "qemu"))
			p->qemu = true;
		else if (!strcmp(value, "none"))
			p->qemu = false;
		else
			bad = 1;
	} else if (!strcmp(key, "elf_xnum")) {
		bad = parse_bool(value, &p->elf_xnum);
	} else if (!strcmp(key, "kallsyms")) {
		bad = parse_bool(value, &p->kallsyms);
	} else if (!strcmp(key, "btf")) {
		bad = parse_bool(value, &p->btf);
	} else if (!strcmp(key, "vmcoreinfo")) {
		bad = set_str(&p->vmcoreinfo_file, value);
	} else if (!strcmp(key, "no_vmcoreinfo")) {
		bad = parse_bool(value, &p->no_vmcoreinfo);
	} else if (!strcmp(key, "elf_vaddr")) {
		if (!strcmp(value, "kdump"))
			p->elf_vaddr = MKV_VADDR_KDUMP;
		else if (!strcmp(value, "zero"))
			p->elf_vaddr = MKV_VADDR_ZERO;
		else
			bad = 1;
	} else if (!strcmp(key, "kaslr_offset")) {
		bad = parse_u64(value, &p->kaslr_offset) || (p->kaslr_offset & 0x1fffff) ||
		      p->kaslr_offset >= (UINT64_C(1) << 30);
		p->kaslr_set = true;
	} else if (!strcmp(key, "phys_base")) {
		bad = parse_u64(value, &p->phys_base) || (p->phys_base & 0x1fffff);
		p->phys_base_set = true;
	} else if (!strcmp(key, "build_id")) {
		bad = strlen(value) != 40;
		for (unsigned i = 0; !bad && i < 20; i++) {
			unsigned x;
			bad = sscanf(value + 2 * i, "%2x", &x) != 1 ||
			      !isxdigit((unsigned char)value[2 * i]) ||
			      !isxdigit((unsigned char)value[2 * i + 1]);
			p->build_id[i] = (unsigned char)x;
		}
		p->build_id_set = !bad;
	} else if (!strcmp(key, "crashtime")) {
		bad = parse_u64(value, &v) || v > INT64_MAX;
		if (!bad)
			p->crashtime = (int64_t)v;
	} else if (!strcmp(key, "zlib_level")) {
		bad = parse_uint(value, &u, 9) || !u;
		if (!bad)
			p->zlib_level = (int)u;
	} else if (!strcmp(key, "store_all")) {
		bad = parse_bool(value, &p->store_all);
	} else if (!strcmp(key, "hpg_vmemmap_optimized")) {
		/* Above HPG_freed, as a flag added before it would move it. */
		bad = parse_uint(value, &p->hpg_vmemmap_optimized, MKV_HPG_VMEMMAP_OPTIMIZED_MAX) ||
		      p->hpg_vmemmap_optimized < MKV_HPG_VMEMMAP_OPTIMIZED;
	} else if (!strcmp(key, "output")) {
		bad = set_str(&p->output, value);
	} else if (!strcmp(key, "truth")) {
		bad = set_str(&p->truth, value);
	} else {
		snprintf(errbuf, errlen, "unknown key '%s'", key);
		return -1;
	}
	if (bad) {
		snprintf(errbuf, errlen, "bad value '%s' for '%s'", value, key);
		return -1;
	}
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int mkv_params_load(struct mkv_params *p, const char *path, char *errbuf, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(errbuf, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	char line[1024];
	unsigned lineno = 0;
	int ret = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *s = trim(line);
		if (!*s)
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(errbuf, errlen, "%s:%u: expected 'key = value'", path, lineno);
			ret = -1;
			break;
		}
		*eq = '\0';
		char msg[256];
		if (mkv_params_set(p, trim(s), trim(eq + 1), msg, sizeof(msg))) {
			snprintf(errbuf, errlen, "%s:%u: %s", path, lineno, msg);
			ret = -1;
			break;
		}
	}
	fclose(f);
	return ret;
}

int mkv_params_check(const struct mkv_params *p, char *errbuf, size_t errlen)
{
	if (p->mem_per_node < (UINT64_C(1) << 30) || (p->mem_per_node & ((UINT64_C(1) << 27) - 1))) {
		snprintf(errbuf, errlen, "mem_per_node must be a multiple of 128M, at least 1G");
		return -1;
	}
	if (p->store_all && p->format != MKV_FMT_KDUMP) {
		snprintf(errbuf, errlen, "store_all needs format kdump (an ELF dump stores every page)");
		return -1;
	}
	if (p->movable_per_node >= p->mem_per_node || (p->movable_per_node & ((UINT64_C(1) << 30) - 1))) {
		snprintf(errbuf, errlen, "movable_per_node must be a multiple of 1G below mem_per_node");
		return -1;
	}
	if (p->hp2m_in_use > p->hp2m_boot + p->hp2m_runtime ||
	    p->hp1g_in_use > p->hp1g_boot + p->hp1g_runtime ||
	    p->hp2m_no_hvo > p->hp2m_boot + p->hp2m_runtime ||
	    p->hp1g_no_hvo > p->hp1g_boot + p->hp1g_runtime) {
		snprintf(errbuf, errlen, "in_use_* and no_hvo_* cannot exceed the folios of that size");
		return -1;
	}
	uint32_t mask_only = (UINT32_C(1) << MKV_FAULT_FAKE_HEADS_ON_MASK_KERNEL) |
			     (UINT32_C(1) << MKV_FAULT_TAIL_WRONG_ORDER) |
			     (UINT32_C(1) << MKV_FAULT_TAIL_CROSS_NODE) |
			     (UINT32_C(1) << MKV_FAULT_VMEMMAP_TAILS_UNUSED) |
			     (UINT32_C(1) << MKV_FAULT_VMEMMAP_TAILS_MISPLACED) |
			     (UINT32_C(1) << MKV_FAULT_SHARED_TAIL_CORRUPT);
	if (p->gen == MKV_GEN_LEGACY && (p->faults & mask_only)) {
		snprintf(errbuf, errlen, "faults about shared tails need generation v3 or merged");
		return -1;
	}
	if (p->gen != MKV_GEN_MERGED && (p->faults & (UINT32_C(1) << MKV_FAULT_TAIL_CROSS_ZONE))) {
		snprintf(errbuf, errlen, "tail-cross-zone needs generation merged (per-zone tails)");
		return -1;
	}
	uint32_t multi_node = (UINT32_C(1) << MKV_FAULT_TAIL_CROSS_NODE) |
			      (UINT32_C(1) << MKV_FAULT_VMEMMAP_TAILS_MISPLACED);
	if (p->nr_nodes < 2 && (p->faults & multi_node)) {
		snprintf(errbuf, errlen, "tail-cross-node and vmemmap-tails-misplaced need nodes >= 2");
		return -1;
	}
	return 0;
}
