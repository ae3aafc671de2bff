/* output: the dump container for a model. */
#include "output.h"

#include <stdlib.h>

#include "elfwrite.h"

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

int mkv_output_write(const struct mkv_model *m, FILE *out, struct mkv_diskdump_stats *stats_ret,
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

	size_t notes_len = 0;
	unsigned char *notes = mkv_elf_notes(&eo, &notes_len);
	if (!notes) {
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	struct mkv_diskdump_opts dd = {
		.utsname_release = m->lay->osrelease,
		.utsname_version = "#1 SMP PREEMPT_DYNAMIC Debian (mkvmcore)",
		.utsname_machine = machine_name(p->e_machine),
		.vmcoreinfo = m->vmcoreinfo,
		.vmcoreinfo_len = m->vmcoreinfo_len,
		.notes = notes_len ? notes : NULL,
		.notes_len = notes_len,
		.phys_base = m->phys_base,
		.max_pfn = m->max_pfn,
		.zlib_level = p->zlib_level,
		.timestamp = p->crashtime,
		.dump_level = 31,
		.flattened = p->flattened || p->qemu,
		.qemu_quirks = p->qemu,
	};
	int ret = mkv_diskdump_write(out, m->mem, &dd, stats_ret, errbuf, errlen);
	free(notes);
	return ret;
}
