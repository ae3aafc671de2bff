/* vmcoreinfo: VMCOREINFO text of the modelled kernel. */
#include "vmcoreinfo.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

struct buf {
	char *data;
	size_t len, cap;
	int err;
};

static void append(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(b->data ? b->data + b->len : NULL, b->data ? b->cap - b->len : 0,
				  fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->err = 1;
			return;
		}
		if (b->data && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d) {
			b->err = 1;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
}

#define SYMBOL(name) append(&b, "SYMBOL(%s)=%" PRIx64 "\n", name, mkv_model_symbol(m, name))
#define SIZE(name, v) append(&b, "SIZE(%s)=%lu\n", name, (unsigned long)(v))
#define OFFSET(name, v) append(&b, "OFFSET(%s)=%lu\n", name, (unsigned long)(v))
#define LENGTH(name, v) append(&b, "LENGTH(%s)=%lu\n", name, (unsigned long)(v))
#define NUMBER(name, v) append(&b, "NUMBER(%s)=%ld\n", name, (long)(v))

int mkv_vmcoreinfo_build(struct mkv_model *m)
{
	const struct mkv_layout *lay = m->lay;
	struct buf b = { 0 };

	if (m->params.no_vmcoreinfo)
		return 0;
	if (m->params.vmcoreinfo_file) {
		m->vmcoreinfo = mkv_vmcoreinfo_read_file(m->params.vmcoreinfo_file,
							 &m->vmcoreinfo_len);
		if (!m->vmcoreinfo) {
			snprintf(m->errbuf, sizeof(m->errbuf), "cannot read '%s': %s",
				 m->params.vmcoreinfo_file, strerror(errno));
			return -1;
		}
		return 0;
	}

	append(&b, "OSRELEASE=%s\n", lay->osrelease);
	/* %20phN: 20 bytes of the build id as hex */
	const unsigned char *id = m->build_id;
	append(&b, "BUILD-ID=");
	for (int i = 0; i < 20; i++)
		append(&b, "%02x", id[i]);
	append(&b, "\n");
	append(&b, "PAGESIZE=%ld\n", (long)MKV_PAGE_SIZE);
	SYMBOL("init_uts_ns");
	OFFSET("uts_namespace.name", 0);
	SYMBOL("node_online_map");
	SYMBOL("swapper_pg_dir");
	SYMBOL("_stext");
	append(&b, "NUMBER(VMALLOC_START)=0x%" PRIx64 "\n", m->vmalloc_base);
	append(&b, "SYMBOL(vmemmap)=%" PRIx64 "\n", m->vmemmap_base);
	append(&b, "SYMBOL(mem_section)=%" PRIx64 "\n",
	       mkv_model_paddr_to_direct(m, m->mem_section_root_paddr));
	LENGTH("mem_section", m->nr_section_roots);
	SIZE("mem_section", 32);
	OFFSET("mem_section.section_mem_map", 0);
	NUMBER("SECTION_SIZE_BITS", MKV_SECTION_SIZE_BITS);
	NUMBER("MAX_PHYSMEM_BITS", m->max_physmem_bits);
	SIZE("page", MKV_STRUCT_PAGE_SIZE);
	SIZE("pglist_data", lay->size_pglist_data);
	SIZE("zone", lay->size_zone);
	SIZE("free_area", lay->size_free_area);
	SIZE("list_head", 16);
	SIZE("nodemask_t", MKV_MAX_NUMNODES / 8);
	OFFSET("page.flags", MKV_PAGE_FLAGS);
	OFFSET("page._refcount", MKV_PAGE_REFCOUNT);
	OFFSET("page.mapping", MKV_PAGE_MAPPING);
	OFFSET("page.lru", MKV_PAGE_LRU);
	OFFSET("page._mapcount", MKV_PAGE_MAPCOUNT);
	OFFSET("page.private", MKV_PAGE_PRIVATE);
	append(&b, "OFFSET(page.%s)=%lu\n", lay->compound_field, (unsigned long)MKV_PAGE_COMPOUND);
	OFFSET("pglist_data.node_zones", lay->pgdat_node_zones);
	OFFSET("pglist_data.nr_zones", lay->pgdat_nr_zones);
	OFFSET("pglist_data.node_start_pfn", lay->pgdat_node_start_pfn);
	OFFSET("pglist_data.node_spanned_pages", lay->pgdat_node_spanned_pages);
	OFFSET("pglist_data.node_id", lay->pgdat_node_id);
	OFFSET("zone.free_area", lay->zone_free_area);
	OFFSET("zone.vm_stat", lay->zone_vm_stat);
	OFFSET("zone.spanned_pages", lay->zone_spanned_pages);
	OFFSET("free_area.free_list", 0);
	OFFSET("list_head.next", 0);
	OFFSET("list_head.prev", 8);
	LENGTH("zone.free_area", MKV_NR_PAGE_ORDERS);

	/* log_buf_vmcoreinfo_setup() */
	SYMBOL("prb");
	SYMBOL("printk_rb_static");
	SYMBOL("clear_seq");
	SIZE("printk_ringbuffer", 88);
	OFFSET("printk_ringbuffer.desc_ring", 0);
	OFFSET("printk_ringbuffer.text_data_ring", 48);
	OFFSET("printk_ringbuffer.fail", 80);
	SIZE("prb_desc_ring", 48);
	OFFSET("prb_desc_ring.count_bits", 0);
	OFFSET("prb_desc_ring.descs", 8);
	OFFSET("prb_desc_ring.infos", 16);
	OFFSET("prb_desc_ring.head_id", 24);
	OFFSET("prb_desc_ring.tail_id", 32);
	SIZE("prb_desc", 24);
	OFFSET("prb_desc.state_var", 0);
	OFFSET("prb_desc.text_blk_lpos", 8);
	SIZE("prb_data_blk_lpos", 16);
	OFFSET("prb_data_blk_lpos.begin", 0);
	OFFSET("prb_data_blk_lpos.next", 8);
	SIZE("printk_info", lay->size_printk_info);
	OFFSET("printk_info.seq", 0);
	OFFSET("printk_info.ts_nsec", 8);
	OFFSET("printk_info.text_len", 16);
	OFFSET("printk_info.caller_id", 20);
	OFFSET("printk_info.dev_info", lay->printk_info_dev_info);
	SIZE("dev_printk_info", 64);
	OFFSET("dev_printk_info.subsystem", 0);
	LENGTH("printk_info_subsystem", 16);
	OFFSET("dev_printk_info.device", 16);
	LENGTH("printk_info_device", 48);
	SIZE("prb_data_ring", 32);
	OFFSET("prb_data_ring.size_bits", 0);
	OFFSET("prb_data_ring.data", 8);
	OFFSET("prb_data_ring.head_lpos", 16);
	OFFSET("prb_data_ring.tail_lpos", 24);
	SIZE("atomic_long_t", 8);
	OFFSET("atomic_long_t.counter", 0);
	SIZE("latched_seq", 24);
	OFFSET("latched_seq.val", 8);

	LENGTH("free_area.free_list", lay->migrate_types);
	NUMBER("NR_FREE_PAGES", 0);
	NUMBER("PG_lru", 5);
	NUMBER("PG_private", 14);
	NUMBER("PG_swapcache", 10);
	NUMBER("PG_swapbacked", 17);
	NUMBER("PAGE_SLAB_MAPCOUNT_VALUE", (int32_t)(MKV_PGTY_SLAB << 24));
	NUMBER("PG_hwpoison", lay->pg_hwpoison);
	NUMBER("PG_head_mask", 1L << MKV_PG_HEAD);
	NUMBER("PAGE_BUDDY_MAPCOUNT_VALUE", (int32_t)(MKV_PGTY_BUDDY << 24));
	NUMBER("PAGE_HUGETLB_MAPCOUNT_VALUE", (int32_t)(MKV_PGTY_HUGETLB << 24));
	NUMBER("PAGE_OFFLINE_MAPCOUNT_VALUE", (int32_t)(0xf1u << 24));
	if (lay->has_unaccepted_number)
		NUMBER("PAGE_UNACCEPTED_MAPCOUNT_VALUE", (int32_t)(0xf7u << 24));
	if (mkv_model_symbol(m, "kallsyms_names")) {
		SYMBOL("kallsyms_names");
		SYMBOL("kallsyms_num_syms");
		SYMBOL("kallsyms_token_table");
		SYMBOL("kallsyms_token_index");
		SYMBOL("kallsyms_offsets");
		if (lay->has_kallsyms_relative_base)
			SYMBOL("kallsyms_relative_base");
	}

	/* arch_crash_save_vmcoreinfo() */
	NUMBER("phys_base", (int64_t)m->phys_base);
	SYMBOL("init_top_pgt");
	append(&b, "NUMBER(pgtable_l5_enabled)=%d\n", m->params.levels == 5);
	SYMBOL("node_data");
	LENGTH("node_data", MKV_MAX_NUMNODES);
	append(&b, "KERNELOFFSET=%" PRIx64 "\n", m->kaslr_offset);
	NUMBER("KERNEL_IMAGE_SIZE", MKV_KERNEL_IMAGE_SIZE);
	NUMBER("sme_mask", 0);
	/* crash_save_vmcoreinfo() */
	append(&b, "CRASHTIME=%lld\n", (long long)m->params.crashtime);

	if (b.err) {
		free(b.data);
		snprintf(m->errbuf, sizeof(m->errbuf), "out of memory");
		return -1;
	}
	m->vmcoreinfo = b.data;
	m->vmcoreinfo_len = b.len;
	return 0;
}

char *mkv_vmcoreinfo_read_file(const char *path, size_t *len_ret)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *data = malloc(cap);
	while (data) {
		size_t n = fread(data + len, 1, cap - len, f);
		len += n;
		if (len < cap)
			break;
		if (cap >= (1u << 20)) {	/* the kernel's note is one page; be generous */
			free(data);
			data = NULL;
			errno = EFBIG;
			break;
		}
		char *d = realloc(data, cap * 2);
		if (!d) {
			free(data);
			data = NULL;
			break;
		}
		data = d;
		cap *= 2;
	}
	if (data && ferror(f)) {
		free(data);
		data = NULL;
		errno = EIO;
	}
	fclose(f);
	if (data)
		*len_ret = len;
	return data;
}
