/* elfwrite: ELF64 kdump-style vmcore writer. */
#include "elfwrite.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PRSTATUS_SIZE 336	/* struct elf_prstatus on x86_64 */
#define PRSTATUS_PID 32
#define MAX_SEGMENTS UINT32_MAX

struct run {
	uint64_t start_pfn, nr;
};

static size_t note_size(size_t namesz, size_t descsz)
{
	return sizeof(Elf64_Nhdr) + ((namesz + 3) & ~(size_t)3) + ((descsz + 3) & ~(size_t)3);
}

static int put_note(unsigned char *p, const char *name, uint32_t type, const void *desc,
		    size_t descsz)
{
	Elf64_Nhdr nh = { .n_namesz = (Elf64_Word)(strlen(name) + 1),
			  .n_descsz = (Elf64_Word)descsz, .n_type = type };
	memcpy(p, &nh, sizeof(nh));
	p += sizeof(nh);
	memcpy(p, name, nh.n_namesz);
	p += (nh.n_namesz + 3) & ~3u;
	memcpy(p, desc, descsz);
	return (int)note_size(nh.n_namesz, descsz);
}

unsigned char *mkv_elf_notes(const struct mkv_elf_opts *opts, size_t *len_ret)
{
	size_t len = 0;
	if (opts->prstatus)
		len += note_size(5, PRSTATUS_SIZE);
	if (opts->vmcoreinfo)
		len += note_size(11, opts->vmcoreinfo_len);
	unsigned char *notes = calloc(1, len ? len : 1);
	if (!notes)
		return NULL;
	size_t np = 0;
	if (opts->prstatus) {
		unsigned char prs[PRSTATUS_SIZE] = { 0 };
		uint32_t pid = 1;
		memcpy(prs + PRSTATUS_PID, &pid, sizeof(pid));
		np += (size_t)put_note(notes + np, "CORE", NT_PRSTATUS, prs, sizeof(prs));
	}
	if (opts->vmcoreinfo)
		np += (size_t)put_note(notes + np, "VMCOREINFO", 0, opts->vmcoreinfo,
				       opts->vmcoreinfo_len);
	*len_ret = len;
	return notes;
}

int mkv_elf_write(FILE *out, const struct mkv_phys *mem, const struct mkv_elf_opts *opts,
		  char *errbuf, size_t errlen)
{
	size_t nr_pfns = 0, nr_runs = 0;
	uint64_t *pfns = mkv_phys_sorted_pfns(mem, &nr_pfns);
	struct run *runs = NULL;
	unsigned char *notes = NULL;
	Elf64_Phdr *ph = NULL;
	int ret = -1;

	if (nr_pfns && !pfns)
		goto nomem;
	runs = calloc(nr_pfns ? nr_pfns : 1, sizeof(*runs));
	if (!runs)
		goto nomem;
	for (size_t i = 0; i < nr_pfns; i++) {
		if (nr_runs && runs[nr_runs - 1].start_pfn + runs[nr_runs - 1].nr == pfns[i]) {
			runs[nr_runs - 1].nr++;
		} else {
			runs[nr_runs].start_pfn = pfns[i];
			runs[nr_runs].nr = 1;
			nr_runs++;
		}
	}
	if (nr_runs > MAX_SEGMENTS) {
		snprintf(errbuf, errlen, "%zu runs of present pages: too many for ELF, use format=kdump",
			 nr_runs);
		goto out;
	}

	size_t notes_len = 0;
	notes = mkv_elf_notes(opts, &notes_len);
	if (!notes)
		goto nomem;

	size_t phnum = 1 + nr_runs;
	bool xnum = phnum >= PN_XNUM || opts->force_xnum;
	bool has_shdr = xnum || opts->qemu_layout;
	uint64_t phdr_off = sizeof(Elf64_Ehdr), shdr_off;
	if (opts->qemu_layout) {
		shdr_off = sizeof(Elf64_Ehdr);
		phdr_off = shdr_off + sizeof(Elf64_Shdr);
	} else {
		shdr_off = phdr_off + phnum * sizeof(Elf64_Phdr);
	}
	uint64_t notes_off = opts->qemu_layout ? phdr_off + phnum * sizeof(Elf64_Phdr)
					       : shdr_off + (has_shdr ? sizeof(Elf64_Shdr) : 0);
	uint64_t data_off = (notes_off + notes_len + 4095) & ~UINT64_C(4095);

	Elf64_Ehdr eh;
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_CORE;
	eh.e_machine = opts->e_machine;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = phdr_off;
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = xnum ? PN_XNUM : (Elf64_Half)phnum;
	Elf64_Shdr sh0;
	memset(&sh0, 0, sizeof(sh0));
	if (has_shdr) {
		eh.e_shoff = shdr_off;
		eh.e_shentsize = sizeof(Elf64_Shdr);
		eh.e_shnum = 1;
		sh0.sh_info = (Elf64_Word)phnum;
	}

	ph = calloc(phnum, sizeof(*ph));
	if (!ph)
		goto nomem;
	ph[0].p_type = PT_NOTE;
	ph[0].p_offset = notes_off;
	ph[0].p_filesz = notes_len;
	ph[0].p_memsz = notes_len;
	ph[0].p_align = 0;
	uint64_t off = data_off;
	for (size_t i = 0; i < nr_runs; i++) {
		Elf64_Phdr *p = &ph[1 + i];
		uint64_t paddr = runs[i].start_pfn << MKV_PAGE_SHIFT;
		p->p_type = PT_LOAD;
		p->p_flags = PF_R | PF_W | PF_X;
		p->p_offset = off;
		p->p_paddr = paddr;
		p->p_vaddr = opts->vaddr_zero ? 0 : opts->page_offset + paddr;
		p->p_filesz = runs[i].nr << MKV_PAGE_SHIFT;
		p->p_memsz = p->p_filesz;
		p->p_align = 0;
		off += p->p_filesz;
	}

	if (fwrite(&eh, sizeof(eh), 1, out) != 1 ||
	    (opts->qemu_layout && fwrite(&sh0, sizeof(sh0), 1, out) != 1) ||
	    fwrite(ph, sizeof(*ph), phnum, out) != phnum ||
	    (has_shdr && !opts->qemu_layout && fwrite(&sh0, sizeof(sh0), 1, out) != 1) ||
	    (notes_len && fwrite(notes, notes_len, 1, out) != 1))
		goto ioerr;
	static const unsigned char zero[4096];
	uint64_t pos = notes_off + notes_len;
	if (data_off > pos && fwrite(zero, (size_t)(data_off - pos), 1, out) != 1)
		goto ioerr;
	for (size_t i = 0; i < nr_pfns; i++)
		if (fwrite(mkv_phys_page(mem, pfns[i]), MKV_PAGE_SIZE, 1, out) != 1)
			goto ioerr;
	if (fflush(out))
		goto ioerr;
	ret = 0;
	goto out;
ioerr:
	snprintf(errbuf, errlen, "write error: %s", strerror(errno));
	goto out;
nomem:
	snprintf(errbuf, errlen, "out of memory");
out:
	free(ph);
	free(notes);
	free(runs);
	free(pfns);
	return ret;
}
