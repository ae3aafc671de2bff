/*
 * test-readback: the generator's output read back independently, with
 * libkdumpfile (VMCOREINFO, physical reads) and libaddrxlat (page-table
 * walks from init_top_pgt through the kernel image, direct map, vmemmap).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkdumpfile/kdumpfile.h>

#include "model.h"
#include "output.h"

struct dump {
	struct mkv_params params;
	struct mkv_model model;
	char path[64];
	int fd;
	kdump_ctx_t *ctx;
	kdump_status open_status;
};

static void dump_params(struct mkv_params *p, const char *const *kv)
{
	char err[256];
	mkv_params_init(p);
	p->mem_per_node = UINT64_C(1) << 30;
	for (; kv && kv[0]; kv += 2)
		if (mkv_params_set(p, kv[0], kv[1], err, sizeof(err)))
			fail_msg("%s", err);
}

static void write_dump(struct mkv_model *m, FILE *f)
{
	char err[256];
	if (mkv_output_write(m, f, NULL, err, sizeof(err)))
		fail_msg("%s", err);
}

static uint64_t from_be64(const unsigned char *b)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/*
 * libkdumpfile 0.5.1 predates flattened support (0.5.3): rebuild the
 * seekable file from the (offset, size, data) records, checking their form.
 */
static void unflatten(int fd)
{
	unsigned char hdr[4096], rec[16];
	FILE *in = fdopen(dup(fd), "rb");
	assert_non_null(in);
	rewind(in);
	assert_int_equal(fread(hdr, sizeof(hdr), 1, in), 1);
	assert_memory_equal(hdr, "makedumpfile\0\0\0\0", 16);
	assert_int_equal(from_be64(hdr + 16), 1);
	assert_int_equal(from_be64(hdr + 24), 1);
	char path[] = "mkvmcore-unflat-XXXXXX";
	int ofd = mkstemp(path);
	assert_true(ofd >= 0);
	unlink(path);
	for (;;) {
		assert_int_equal(fread(rec, sizeof(rec), 1, in), 1);
		uint64_t off = from_be64(rec), size = from_be64(rec + 8);
		if (off == UINT64_MAX)
			break;
		assert_true(size > 0 && size < (UINT64_C(1) << 32));
		char *buf = malloc(size);
		assert_non_null(buf);
		assert_int_equal(fread(buf, size, 1, in), 1);
		assert_int_equal(pwrite(ofd, buf, size, (off_t)off), (ssize_t)size);
		free(buf);
	}
	fclose(in);
	assert_int_equal(dup2(ofd, fd), fd);
	close(ofd);
}

/*
 * What a reader does with QEMU's kdump header: libkdumpfile ignores a
 * utsname without sysname, so the architecture is unknown; the header's
 * machine field (the only one QEMU fills) says x86_64.  phys_base comes from
 * VMCOREINFO (QEMU's sub-header value is the decimal number read as hex).
 */
static void qemu_workarounds(struct dump *d)
{
	const char *arch = NULL;
	assert_int_not_equal(kdump_get_string_attr(d->ctx, KDUMP_ATTR_ARCH_NAME, &arch), KDUMP_OK);
	char hdr[12 + 6 * 65];
	assert_int_equal(pread(d->fd, hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
	assert_int_equal(hdr[12], '\0');		/* sysname */
	assert_string_equal(hdr + 12 + 4 * 65, "x86_64");	/* machine */
	assert_int_equal(kdump_set_string_attr(d->ctx, KDUMP_ATTR_ARCH_NAME, "x86_64"), KDUMP_OK);
	uint64_t sub_phys_base = 0;	/* kdump_sub_header.phys_base */
	assert_int_equal(pread(d->fd, &sub_phys_base, 8, 4096), 8);
	assert_int_not_equal(sub_phys_base, d->model.phys_base);
	/* the note's text (check_dump compares it with what libkdumpfile reads) */
	const char *v = strstr(d->model.vmcoreinfo, "NUMBER(phys_base)=");
	assert_non_null(v);
	long long pb = strtoll(v + strlen("NUMBER(phys_base)="), NULL, 10);
	assert_int_equal(kdump_set_address_attr(d->ctx, "linux.phys_base", (kdump_addr_t)pb), KDUMP_OK);
}

/* Build the model from key/value pairs, write it, open it with libkdumpfile. */
static struct dump *dump_open(const char *const *kv)
{
	struct dump *d = calloc(1, sizeof(*d));
	assert_non_null(d);
	dump_params(&d->params, kv);
	if (mkv_model_build(&d->model, &d->params))
		fail_msg("model: %s", d->model.errbuf);
	strcpy(d->path, "mkvmcore-test-XXXXXX");
	d->fd = mkstemp(d->path);
	assert_true(d->fd >= 0);
	FILE *f = fdopen(dup(d->fd), "wb");
	assert_non_null(f);
	write_dump(&d->model, f);
	assert_int_equal(fclose(f), 0);
	if (d->params.format == MKV_FMT_KDUMP && (d->params.flattened || d->params.qemu))
		unflatten(d->fd);
	d->ctx = kdump_new();
	assert_non_null(d->ctx);
	d->open_status = kdump_open_fd(d->ctx, d->fd);
	if (d->open_status == KDUMP_OK && d->params.qemu && d->params.format == MKV_FMT_KDUMP)
		qemu_workarounds(d);
	/* as drgn does: the OS type is not detected from an ELF core */
	if (d->open_status == KDUMP_OK)
		d->open_status = kdump_set_string_attr(d->ctx, KDUMP_ATTR_OSTYPE, "linux");
	return d;
}

static void dump_close(struct dump *d)
{
	kdump_free(d->ctx);
	close(d->fd);
	unlink(d->path);
	mkv_model_free(&d->model);
	mkv_params_free(&d->params);
	free(d);
}

static uint64_t read_u64(kdump_ctx_t *ctx, kdump_addrspace_t as, uint64_t addr)
{
	uint64_t v = 0;
	size_t sz = sizeof(v);
	kdump_status st = kdump_read(ctx, as, addr, &v, &sz);
	if (st != KDUMP_OK)
		fail_msg("read 0x%llx: %s", (unsigned long long)addr, kdump_get_err(ctx));
	return v;
}

static uint64_t xlat(kdump_ctx_t *ctx, uint64_t vaddr)
{
	addrxlat_ctx_t *axctx;
	addrxlat_sys_t *axsys;
	assert_int_equal(kdump_get_addrxlat(ctx, &axctx, &axsys), KDUMP_OK);
	addrxlat_fulladdr_t a = { .addr = vaddr, .as = ADDRXLAT_KVADDR };
	addrxlat_status st = addrxlat_fulladdr_conv(&a, ADDRXLAT_KPHYSADDR, axctx, axsys);
	if (st != ADDRXLAT_OK)
		fail_msg("translate 0x%llx: %s", (unsigned long long)vaddr, addrxlat_ctx_get_err(axctx));
	addrxlat_ctx_decref(axctx);
	addrxlat_sys_decref(axsys);
	return a.addr;
}

/* Everything a reader needs: VMCOREINFO, arch, translation of each kind of address. */
static void check_dump(struct dump *d)
{
	struct mkv_model *m = &d->model;
	assert_int_equal(d->open_status, KDUMP_OK);

	const char *arch = NULL;
	assert_int_equal(kdump_get_string_attr(d->ctx, KDUMP_ATTR_ARCH_NAME, &arch), KDUMP_OK);
	assert_string_equal(arch, "x86_64");
	const char *ostype = NULL;
	assert_int_equal(kdump_get_string_attr(d->ctx, KDUMP_ATTR_OSTYPE, &ostype), KDUMP_OK);
	assert_string_equal(ostype, "linux");

	char *raw = NULL;
	assert_int_equal(kdump_vmcoreinfo_raw(d->ctx, &raw), KDUMP_OK);
	assert_int_equal(strlen(raw), m->vmcoreinfo_len);
	assert_memory_equal(raw, m->vmcoreinfo, m->vmcoreinfo_len);
	free(raw);
	const char *rel = NULL;
	assert_int_equal(kdump_get_string_attr(d->ctx, "linux.uts.release", &rel), KDUMP_OK);
	assert_string_equal(rel, m->lay->osrelease);

	/* physical read of init_top_pgt: exactly the model's page */
	uint64_t pgd_vaddr = mkv_model_symbol(m, "init_top_pgt");
	uint64_t pgd = mkv_model_image_to_paddr(m, pgd_vaddr);
	unsigned char page[4096];
	size_t sz = sizeof(page);
	assert_int_equal(kdump_read(d->ctx, KDUMP_KPHYSADDR, pgd, page, &sz), KDUMP_OK);
	assert_memory_equal(page, mkv_phys_page(m->mem, pgd >> 12), sizeof(page));

	/* kernel image: the symbol translates with phys_base */
	assert_int_equal(xlat(d->ctx, pgd_vaddr), pgd);
	uint64_t nd = mkv_model_symbol(m, "node_data");
	assert_int_equal(xlat(d->ctx, nd), mkv_model_image_to_paddr(m, nd));

	/* node_data[i] -> pglist_data in the direct map; node_id reads back */
	for (unsigned i = 0; i < m->nr_nodes; i++) {
		uint64_t pgdat = read_u64(d->ctx, KDUMP_KVADDR, nd + i * 8);
		assert_int_equal(pgdat, m->page_offset + m->nodes[i].pgdat_paddr);
		assert_int_equal(xlat(d->ctx, pgdat), m->nodes[i].pgdat_paddr);
		uint64_t w = read_u64(d->ctx, KDUMP_KVADDR, pgdat + m->lay->pgdat_node_id);
		assert_int_equal((uint32_t)w, i);
		w = read_u64(d->ctx, KDUMP_KVADDR, pgdat + m->lay->pgdat_node_start_pfn);
		assert_int_equal(w, m->nodes[i].start_pfn);
	}

	/* vmemmap: every node's first struct page maps where the model's walk says */
	for (unsigned i = 0; i < m->nr_nodes; i++) {
		uint64_t v = mkv_model_pfn_to_vmemmap(m, m->nodes[i].start_pfn);
		struct mkv_pgt_walk w;
		assert_int_equal(mkv_pgt_walk(&m->pgt, v, &w), 0);
		assert_int_equal(xlat(d->ctx, v), w.paddr);
	}

	/* mem_section root from VMCOREINFO */
	kdump_addr_t ms;
	assert_int_equal(kdump_vmcoreinfo_symbol(d->ctx, "mem_section", &ms), KDUMP_OK);
	assert_int_equal(ms, m->page_offset + m->mem_section_root_paddr);
	uint64_t root0 = read_u64(d->ctx, KDUMP_KVADDR, ms);
	uint64_t sec0 = read_u64(d->ctx, KDUMP_KVADDR, root0);
	assert_int_equal(sec0 & ~UINT64_C(63), m->vmemmap_base);
}

static void test_elf_merged_4level(void **state)
{
	static const char *const kv[] = { "generation", "merged", "nodes", "2", NULL };
	struct dump *d = dump_open(kv);
	check_dump(d);
	dump_close(d);
}

static void test_elf_legacy_5level(void **state)
{
	static const char *const kv[] = { "generation", "legacy", "levels", "5", "seed", "7", NULL };
	struct dump *d = dump_open(kv);
	check_dump(d);
	assert_int_equal(d->model.page_offset, UINT64_C(0xff11000000000000));
	dump_close(d);
}

static void test_elf_v3_vaddr_zero(void **state)
{
	static const char *const kv[] = { "generation", "v3", "elf_vaddr", "zero",
					  "prstatus", "no", "mem_per_node", "4G", NULL };
	struct dump *d = dump_open(kv);
	check_dump(d);
	dump_close(d);
}

static void expect_line(kdump_ctx_t *ctx, const char *key, const char *expect)
{
	char *v = NULL;
	if (kdump_vmcoreinfo_line(ctx, key, &v) != KDUMP_OK)
		fail_msg("%s: %s", key, kdump_get_err(ctx));
	assert_string_equal(v, expect);
	free(v);
}

static void test_vmcoreinfo_lines(void **state)
{
	static const char *const kv[] = { "generation", "legacy", NULL };
	struct dump *d = dump_open(kv);
	expect_line(d->ctx, "OFFSET(page.compound_head)", "8");
	expect_line(d->ctx, "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)", "-201326592");
	expect_line(d->ctx, "NUMBER(PG_head_mask)", "64");
	expect_line(d->ctx, "SIZE(zone)", "1536");
	expect_line(d->ctx, "NUMBER(SECTION_SIZE_BITS)", "27");
	dump_close(d);

	static const char *const kv2[] = { "generation", "merged", NULL };
	d = dump_open(kv2);
	expect_line(d->ctx, "OFFSET(page.compound_info)", "8");
	expect_line(d->ctx, "SIZE(zone)", "1856");
	expect_line(d->ctx, "NUMBER(pgtable_l5_enabled)", "0");
	dump_close(d);
}

static void test_no_vmcoreinfo(void **state)
{
	static const char *const kv[] = { "no_vmcoreinfo", "yes", NULL };
	struct dump *d = dump_open(kv);
	char *raw = NULL;
	if (d->open_status == KDUMP_OK)
		assert_int_not_equal(kdump_vmcoreinfo_raw(d->ctx, &raw), KDUMP_OK);
	free(raw);
	dump_close(d);
}

static void test_elf_xnum(void **state)
{
	static const char *const kv[] = { "generation", "merged", "nodes", "2", "elf_xnum", "yes", NULL };
	struct dump *d = dump_open(kv);
	check_dump(d);
	dump_close(d);
}

static void test_qemu_elf(void **state)
{
	static const char *const kv[] = { "generation", "legacy", "quirks", "qemu", NULL };
	struct dump *d = dump_open(kv);
	check_dump(d);
	dump_close(d);
}

static void test_qemu_kdump_flattened(void **state)
{
	static const char *const kv[] = { "generation", "merged", "format", "kdump", "quirks", "qemu",
					  "nodes", "2", NULL };
	struct dump *d = dump_open(kv);
	check_dump(d);
	/* the sub-header's phys_base is wrong: libkdumpfile must use VMCOREINFO's */
	dump_close(d);
}

static void test_kdump_flattened(void **state)
{
	static const char *const kv[] = { "generation", "v3", "format", "kdump", "flattened", "yes",
					  "levels", "5", NULL };
	struct dump *d = dump_open(kv);
	check_dump(d);
	dump_close(d);
}

static void test_vmcoreinfo_file(void **state)
{
	char path[] = "mkvmcore-vmci-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	static const char text[] = "OSRELEASE=1.2.3-custom\nPAGESIZE=4096\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	const char *const kv[] = { "vmcoreinfo", path, NULL };
	struct dump *d = dump_open(kv);
	char *raw = NULL;
	assert_int_equal(kdump_vmcoreinfo_raw(d->ctx, &raw), KDUMP_OK);
	assert_string_equal(raw, text);
	free(raw);
	dump_close(d);
	unlink(path);
}

static void test_e_machine(void **state)
{
	static const char *const kv[] = { "e_machine", "183", NULL };	/* EM_AARCH64 */
	struct dump *d = dump_open(kv);
	const char *arch = NULL;
	if (d->open_status == KDUMP_OK &&
	    kdump_get_string_attr(d->ctx, KDUMP_ATTR_ARCH_NAME, &arch) == KDUMP_OK)
		assert_string_not_equal(arch, "x86_64");
	dump_close(d);
}

/* Same spec and seed: byte-identical output; another seed: different KASLR. */
static void test_deterministic(void **state)
{
	static const char *const kv[] = { "generation", "merged", "nodes", "2", "seed", "42", NULL };
	char *buf[2] = { NULL, NULL };
	size_t len[2] = { 0, 0 };
	for (int i = 0; i < 2; i++) {
		struct mkv_params p;
		struct mkv_model m;
		dump_params(&p, kv);
		assert_int_equal(mkv_model_build(&m, &p), 0);
		FILE *f = open_memstream(&buf[i], &len[i]);
		assert_non_null(f);
		write_dump(&m, f);
		fclose(f);
		mkv_model_free(&m);
		mkv_params_free(&p);
	}
	assert_int_equal(len[0], len[1]);
	assert_memory_equal(buf[0], buf[1], len[0]);
	free(buf[0]);
	free(buf[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_merged_4level),
		cmocka_unit_test(test_elf_legacy_5level),
		cmocka_unit_test(test_elf_v3_vaddr_zero),
		cmocka_unit_test(test_vmcoreinfo_lines),
		cmocka_unit_test(test_no_vmcoreinfo),
		cmocka_unit_test(test_vmcoreinfo_file),
		cmocka_unit_test(test_elf_xnum),
		cmocka_unit_test(test_qemu_elf),
		cmocka_unit_test(test_qemu_kdump_flattened),
		cmocka_unit_test(test_kdump_flattened),
		cmocka_unit_test(test_e_machine),
		cmocka_unit_test(test_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
