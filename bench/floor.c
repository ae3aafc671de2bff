/*
 * floor.c - the read floor for `hvoinspect report`: open the dump with
 * libkdumpfile exactly as hvoinspect does and read, once each, the pages
 * whose PFNs are listed (hvoinspect writes the list when HVOINSPECT_READ_LOG
 * is set).  No analysis: what is left is the cost of getting the bytes.
 *
 * usage: floor DUMP PFN_LIST
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkdumpfile/kdumpfile.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: floor DUMP PFN_LIST\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY);
	FILE *list = fopen(argv[2], "r");
	kdump_ctx_t *ctx = kdump_new();
	if (fd < 0 || !list || !ctx) {
		perror("floor");
		return 2;
	}
	/* As hvoinspect does: ELF files mapped, kdump-compressed ones read. */
	char magic[4] = { 0 };
	int is_elf = pread(fd, magic, 4, 0) == 4 && !memcmp(magic, "\177ELF", 4);
	kdump_set_number_attr(ctx, KDUMP_ATTR_FILE_MMAP_POLICY,
			      is_elf ? KDUMP_MMAP_TRY : KDUMP_MMAP_NEVER);
	kdump_set_number_attr(ctx, "cache.size", 32);
	if (kdump_set_number_attr(ctx, KDUMP_ATTR_FILE_FD, fd) != KDUMP_OK) {
		fprintf(stderr, "floor: %s\n", kdump_get_err(ctx));
		return 2;
	}
	/* As hvoinspect does: libkdumpfile < 0.5.5 reads large ELF dumps, maps small ones. */
#if KDUMPFILE_VERSION < KDUMPFILE_MKVER(0, 5, 5)
	kdump_num_t max_pfn;
	if (is_elf && (kdump_get_number_attr(ctx, "max_pfn", &max_pfn) != KDUMP_OK ||
		       max_pfn > (UINT64_C(1) << 22)))
		kdump_set_number_attr(ctx, KDUMP_ATTR_FILE_MMAP_POLICY, KDUMP_MMAP_NEVER);
#endif
	/* As hvoinspect does: x86_64 when the header names no architecture, then Linux. */
	const char *arch;
	if (kdump_get_string_attr(ctx, KDUMP_ATTR_ARCH_NAME, &arch) != KDUMP_OK)
		kdump_set_string_attr(ctx, KDUMP_ATTR_ARCH_NAME, KDUMP_ARCH_X86_64);
	if (kdump_set_string_attr(ctx, KDUMP_ATTR_OSTYPE, "linux") != KDUMP_OK) {
		fprintf(stderr, "floor: %s\n", kdump_get_err(ctx));
		return 2;
	}
	unsigned char page[4096];
	uint64_t pfn, nr = 0, bad = 0;
	while (fscanf(list, "%" SCNu64, &pfn) == 1) {
		size_t len = sizeof(page);
		if (kdump_read(ctx, KDUMP_KPHYSADDR, pfn * 4096, page, &len) != KDUMP_OK)
			bad++;
		nr++;
	}
	printf("%" PRIu64 " pages read, %" PRIu64 " not in dump\n", nr, bad);
	kdump_free(ctx);
	fclose(list);
	/* A floor that did not read the pages measures nothing. */
	return bad ? 1 : 0;
}
