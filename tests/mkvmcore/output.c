/* output: the dump container for a model. */
#include "output.h"

#include <stdbool.h>
#include <stdlib.h>

#include "elfwrite.h"
#include "flatten.h"

/* utsname.machine for the kdump header, from the ELF machine the spec asks for. */
static const char *machine_name(int e_machine)
{
	switch (e_machine) {
	case 62: return "x86_64";
	case 3: return "i686";
	case 21: return "ppc64le";
	case 22: return "s390x";
	case 183: return "aarch64";
	case 243: return "riscv64";
	default: return "unknown";
	}
}

/* The content id of every zero page store_all adds: no model buffer has it. */
#define ZERO_PAGE_ID (UINT64_MAX - 1)

/* hvo_page_source over the model's sparse memory: the buffer id is the content id. */
static struct hvo_error *get_page(void *arg, uint64_t pfn, const void **data_ret,
				  uint64_t *content_id_ret)
{
	const struct mkv_model *m = arg;
	static const unsigned char zero_page[MKV_PAGE_SIZE];
	*data_ret = mkv_phys_page(m->mem, pfn);
	*content_id_ret = mkv_phys_page_id(m->mem, pfn);
	if (!*data_ret && m->params.store_all) {
		*data_ret = zero_page;
		*content_id_ret = ZERO_PAGE_ID;
	}
	return *data_ret ? NULL : &hvo_error_not_found;
}

static int compare_ranges(const void *a, const void *b)
{
	const struct mkv_range *x = a, *y = b;
	return (x->start_pfn > y->start_pfn) - (x->start_pfn < y->start_pfn);
}

/*
 * store_all: every RAM page of every node, and any page the model holds, in
 * PFN order: the RAM ranges, sorted, merged with the model's sorted PFNs.
 */
static uint64_t *all_pfns(const struct mkv_model *m, const uint64_t *model_pfns,
			  size_t nr_model, size_t *nr_ret)
{
	struct mkv_range ranges[2 * MKV_MAX_NUMNODES];
	size_t nr_ranges = 0, nr = nr_model;
	for (unsigned n = 0; n < m->nr_nodes; n++)
		for (int r = 0; r < m->nodes[n].nr_ram; r++) {
			ranges[nr_ranges] = m->nodes[n].ram[r];
			nr += ranges[nr_ranges].end_pfn - ranges[nr_ranges].start_pfn;
			nr_ranges++;
		}
	qsort(ranges, nr_ranges, sizeof(*ranges), compare_ranges);
	uint64_t *pfns = malloc((nr ? nr : 1) * sizeof(*pfns));
	if (!pfns)
		return NULL;
	size_t k = 0, i = 0;
	for (size_t r = 0; r < nr_ranges; r++) {
		for (uint64_t pfn = ranges[r].start_pfn; pfn < ranges[r].end_pfn; pfn++) {
			while (i < nr_model && model_pfns[i] < pfn)
				pfns[k++] = model_pfns[i++];
			if (i < nr_model && model_pfns[i] == pfn)
				i++;
			if (!k || pfns[k - 1] < pfn)
				pfns[k++] = pfn;
		}
	}
	while (i < nr_model)
		pfns[k++] = model_pfns[i++];
	*nr_ret = k;
	return pfns;
}

static void take_error(struct hvo_error *err, char *errbuf, size_t errlen)
{
	snprintf(errbuf, errlen, "%s", err->message ? err->message : "error");
	hvo_error_destroy(err);
}

int mkv_output_write(const struct mkv_model *m, FILE *out, struct hvo_diskdump_stats *stats_ret,
		     char *errbuf, size_t errlen)
{
	const struct mkv_params *p = &m->params;
	struct mkv_elf_opts eo = {
		.e_machine = (uint16_t)p->e_machine,
		.prstatus = p->prstatus,
		.vmcoreinfo = m->vmcoreinfo,
		.vmcoreinfo_len = m->vmcoreinfo_len,
		.vaddr_zero = p->elf_vaddr == MKV_VADDR_ZERO || p->qemu,
		.qemu_layout = p->qemu,
		.page_offset = m->page_offset,
		.force_xnum = p->elf_xnum,
	};
	if (p->format == MKV_FMT_ELF)
		return mkv_elf_write(out, m->mem, &eo, errbuf, errlen);

	int ret = -1;
	size_t notes_len = 0, nr_pfns = 0;
	unsigned char *notes = mkv_elf_notes(&eo, &notes_len);
	uint64_t *pfns = mkv_phys_sorted_pfns(m->mem, &nr_pfns);
	if (pfns && p->store_all) {
		uint64_t *all = all_pfns(m, pfns, nr_pfns, &nr_pfns);
		free(pfns);
		pfns = all;
	}
	bool flat = p->flattened || p->qemu;
	FILE *dst = flat ? tmpfile() : out;
	if (!notes || (nr_pfns && !pfns) || !dst) {
		snprintf(errbuf, errlen, "out of memory or no temporary file");
		goto out;
	}
	uint64_t phys_base = m->phys_base;
	if (p->qemu) {
		/* QEMU 7.2 parses the decimal NUMBER(phys_base) as hex */
		char dec[32];
		snprintf(dec, sizeof(dec), "%lld", (long long)m->phys_base);
		phys_base = strtoull(dec[0] == '-' ? dec + 1 : dec, NULL, 16);
	}
	struct hvo_page_source src = {
		.pfns = pfns, .nr_pfns = nr_pfns, .get_page = get_page, .arg = (void *)m,
	};
	struct hvo_diskdump_options dd = {
		.page_size = MKV_PAGE_SIZE,
		/* QEMU fills only utsname.machine */
		.utsname_sysname = p->qemu ? "" : "Linux",
		.utsname_release = p->qemu ? NULL : m->lay->osrelease,
		.utsname_version = p->qemu ? NULL : "#1 SMP PREEMPT_DYNAMIC Debian (mkvmcore)",
		.utsname_machine = machine_name(p->e_machine),
		.vmcoreinfo = m->vmcoreinfo,
		.vmcoreinfo_len = m->vmcoreinfo_len,
		.notes = notes_len ? notes : NULL,
		.notes_len = notes_len,
		.phys_base = phys_base,
		.max_pfn = m->max_pfn,
		.zlib_level = p->zlib_level,
		.timestamp = p->crashtime,
		.dump_level = 31,
	};
	struct hvo_error *err = hvo_diskdump_write(dst, p->output ? p->output : "vmcore", &src,
						   &dd, stats_ret);
	if (err) {
		take_error(err, errbuf, errlen);
		goto out;
	}
	if (flat && mkv_flatten(dst, out, errbuf, errlen))
		goto out;
	ret = 0;
out:
	if (flat && dst)
		fclose(dst);
	free(pfns);
	free(notes);
	return ret;
}
