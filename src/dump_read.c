/*
 * dump_read.c - reads of a dump by physical or kernel virtual address,
 * translation with libaddrxlat, and which pages the dump stores.  A page
 * a filter left out is HVO_ERROR_NODATA, never zeros.
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "dump_internal.h"

struct hvo_error *hvo_dump_check_unchanged(struct hvo_dump *dump)
{
	struct stat st;
	if (fstat(dump->data_fd, &st))
		return hvo_error_errno(errno, "'%s': stat", dump->path);
	if ((uint64_t)st.st_size != dump->data_size)
		return hvo_error_create(HVO_ERROR_FORMAT,
					"'%s': the file changed size while open (%" PRIu64
					" -> %" PRIu64 " bytes); what was read from it cannot be "
					"trusted", dump->path, dump->data_size,
					(uint64_t)st.st_size);
	return NULL;
}

const struct hvo_dump_read_stats *hvo_dump_stats(const struct hvo_dump *dump)
{
	return &dump->stats;
}

/* by_phys: the caller asked for a physical address, not a translated one. */
static struct hvo_error *read_phys(struct hvo_dump *dump, uint64_t paddr, void *buf,
				   size_t len, bool by_phys, const char *what)
{
	size_t done = len;
	dump->stats.nr_reads++;
	struct hvo_error *tracked = hvo_dump_track_read(dump, paddr, len, by_phys);
	if (tracked)
		return tracked;
	for (uint64_t pfn = paddr >> dump->page_shift; dump->pds.nr && len &&
	     pfn <= (paddr + len - 1) >> dump->page_shift; pfn++) {
		struct hvo_error *err = hvo_dump_check_pfn(dump, pfn);
		if (err)
			return hvo_error_prefix(err, "'%s'", dump->path);
	}
	kdump_status ks = kdump_read(dump->ctx, KDUMP_KPHYSADDR, paddr, buf, &done);
	if (ks == KDUMP_OK) {
		dump->stats.nr_bytes += len;
		return NULL;
	}
	/* A page cut off by a shrinking file fails to decompress: say why. */
	struct hvo_error *changed = hvo_dump_check_unchanged(dump);
	if (changed)
		return changed;
	if (ks == KDUMP_ERR_NODATA) {
		dump->stats.nr_nodata++;
		return hvo_error_create(HVO_ERROR_NODATA,
					"reading %s at physical 0x%" PRIx64 ": page not in the dump (filtered out)",
					what, paddr + done);
	}
	return hvo_dump_kdump_failure(dump, ks, "reading %s at physical 0x%" PRIx64, what,
				      paddr + done);
}

struct hvo_error *hvo_dump_virt_to_phys(struct hvo_dump *dump, uint64_t vaddr,
					uint64_t *paddr_ret)
{
	addrxlat_fulladdr_t faddr = { .addr = vaddr, .as = ADDRXLAT_KVADDR };
	hvo_error_destroy(hvo_dump_take_hook_error(dump));	/* one a translation got past */
	addrxlat_status status = addrxlat_fulladdr_conv(&faddr, ADDRXLAT_KPHYSADDR,
							dump->xctx, dump->xsys);
	if (status != ADDRXLAT_OK) {
		struct hvo_error *refused = hvo_dump_refused_descriptor(dump);
		if (refused)	/* a page table's descriptor: the file is corrupt */
			return refused;
		const char *why = addrxlat_ctx_get_err(dump->xctx);
		enum hvo_error_code code = status == ADDRXLAT_ERR_NODATA ?
			HVO_ERROR_NODATA : HVO_ERROR_TRANSLATE;
		return hvo_error_create(code, "translating 0x%" PRIx64 ": %s", vaddr,
					why && *why ? why : "no mapping");
	}
	*paddr_ret = faddr.addr;
	return NULL;
}

struct hvo_error *hvo_dump_read(struct hvo_dump *dump, enum hvo_addr_space space,
				uint64_t addr, void *buf, size_t len, const char *what)
{
	if (space == HVO_PHYS)
		return read_phys(dump, addr, buf, len, true, what);
	/* Page by page: consecutive virtual pages need not be contiguous. */
	unsigned char *out = buf;
	while (len) {
		uint64_t in_page = dump->page_size - (addr & (dump->page_size - 1));
		size_t chunk = len < in_page ? len : in_page;
		uint64_t paddr;
		struct hvo_error *err = hvo_dump_virt_to_phys(dump, addr, &paddr);
		if (err)
			return hvo_error_prefix(err, "reading %s", what);
		err = read_phys(dump, paddr, out, chunk, false, what);
		if (err)
			return hvo_error_prefix(err, "at virtual 0x%" PRIx64, addr);
		out += chunk;
		addr += chunk;
		len -= chunk;
	}
	return NULL;
}

struct hvo_error *hvo_dump_read_u64(struct hvo_dump *dump, enum hvo_addr_space space,
				    uint64_t addr, uint64_t *ret, const char *what)
{
	/* Every architecture in arch.c is little-endian, like the only host we build on. */
	return hvo_dump_read(dump, space, addr, ret, sizeof(*ret), what);
}

struct hvo_error *hvo_dump_vread(void *dump, uint64_t vaddr, void *buf, size_t len,
				 const char *what)
{
	return hvo_dump_read(dump, HVO_VIRT, vaddr, buf, len, what);
}

struct hvo_error *hvo_dump_pgt_root(struct hvo_dump *dump, uint64_t *paddr_ret)
{
	const addrxlat_meth_t *meth = addrxlat_sys_get_meth(dump->xsys, ADDRXLAT_SYS_METH_PGT);
	if (!meth || meth->kind != ADDRXLAT_PGT)
		return hvo_error_create(HVO_ERROR_TRANSLATE,
					"libaddrxlat has no kernel page table for this dump");
	addrxlat_fulladdr_t root = meth->param.pgt.root;
	if (root.as != ADDRXLAT_KPHYSADDR && root.as != ADDRXLAT_MACHPHYSADDR) {
		hvo_error_destroy(hvo_dump_take_hook_error(dump));
		addrxlat_status status = addrxlat_fulladdr_conv(&root, ADDRXLAT_KPHYSADDR,
								dump->xctx, dump->xsys);
		struct hvo_error *refused = status != ADDRXLAT_OK ?
			hvo_dump_refused_descriptor(dump) : NULL;
		if (refused)
			return refused;
		if (status != ADDRXLAT_OK)
			return hvo_error_create(HVO_ERROR_TRANSLATE,
						"locating the kernel page table: %s",
						addrxlat_ctx_get_err(dump->xctx));
	}
	*paddr_ret = root.addr;
	return NULL;
}

bool hvo_dump_has_page(struct hvo_dump *dump, uint64_t paddr)
{
	if (!dump->file_pagemap)
		return true;
	unsigned char bit = 0;
	kdump_addr_t pfn = paddr >> dump->page_shift;
	if (kdump_bmp_get_bits(dump->file_pagemap, pfn, pfn, &bit) != KDUMP_OK)
		return false;
	return bit & 1;
}

uint64_t hvo_dump_next_page(struct hvo_dump *dump, uint64_t paddr)
{
	kdump_addr_t pfn = paddr >> dump->page_shift;
	if (!dump->file_pagemap)
		return pfn << dump->page_shift;
	if (kdump_bmp_find_set(dump->file_pagemap, &pfn) != KDUMP_OK ||
	    pfn > UINT64_MAX >> dump->page_shift)
		return UINT64_MAX;
	return pfn << dump->page_shift;
}
