/*
 * dump_shrink - a test helper for tests/t7001-shrink.sh (not a test itself).
 *
 *   dump_shrink DUMP SIZE PADDR
 * Opens DUMP through libhvo, truncates the file to SIZE bytes behind the
 * open dump's back, then reads the 4 KiB page at physical PADDR.  The dump
 * is mapped, so that read faults; libhvo's SIGBUS guard must turn the
 * fault into its message and exit status 2.  Exit 0 means the read
 * returned (wrongly or because the page was not past the new end), 1 an
 * error from libhvo before the read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dump.h"

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: dump_shrink DUMP SIZE PADDR\n");
		return 1;
	}
	struct hvo_dump *dump;
	struct hvo_error *err = hvo_dump_open(argv[1], &dump);
	if (err) {
		fprintf(stderr, "dump_shrink: %s\n", err->message);
		hvo_error_destroy(err);
		return 1;
	}
	if (truncate(argv[1], strtoll(argv[2], NULL, 0))) {
		perror("dump_shrink: truncate");
		return 1;
	}
	unsigned char page[4096];
	err = hvo_dump_read(dump, HVO_PHYS, strtoull(argv[3], NULL, 0), page, sizeof(page),
			    "a page past the new end");
	if (err) {
		fprintf(stderr, "dump_shrink: %s\n", err->message);
		hvo_error_destroy(err);
		hvo_dump_close(dump);
		return 1;
	}
	printf("read returned\n");
	hvo_dump_close(dump);
	return 0;
}
