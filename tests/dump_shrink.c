/*
 * dump_shrink - a test helper for tests/t7001-shrink.sh (not a test itself).
 *
 *   dump_shrink DUMP SIZE PADDR read
 * Opens DUMP through libhvo, truncates the file to SIZE bytes behind the
 * open dump's back, then reads the 4 KiB page at physical PADDR and checks
 * the file as the commands do (hvo_dump_check_unchanged).  A mapped (ELF)
 * dump faults: libhvo's SIGBUS guard must print its message and exit 2.
 * A read (kdump) dump must fail the check: its message, exit 1.  Exit 0
 * means the read was trusted.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dump.h"

int main(int argc, char **argv)
{
	if (argc != 5 || strcmp(argv[4], "read")) {
		fprintf(stderr, "usage: dump_shrink DUMP SIZE PADDR read\n");
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
	if (!err)
		err = hvo_dump_check_unchanged(dump);
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
