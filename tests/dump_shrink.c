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
 *
 *   dump_shrink DUMP SIZE cmd COMMAND [ARG...]
 * Opens DUMP as hvoinspect does, truncates it to SIZE bytes, then runs one
 * command through the command layer (stdout: its output; stderr: its error;
 * exit status as hvoinspect's).  For commands that read outside the
 * analysis (pte, slice) and must notice the change themselves.
 *
 *   dump_shrink DUMP SIZE vmlinux VMLINUX STRUCT.MEMBER
 * Opens DUMP with VMLINUX's DWARF, truncates VMLINUX (not the dump) to
 * SIZE bytes, then looks up STRUCT.MEMBER.  libdwarf reads the vmlinux
 * from a mapping: the SIGBUS guard must name VMLINUX, exit 2.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "dump.h"
#include "program.h"
#include "types.h"

static int run_command(const char *path, long long size, int argc, char **argv)
{
	struct hvo_cmd_ctx ctx = { .out = stdout, .status = HVO_EXIT_OK,
				   .fail_on = HVO_SEV_WARNING };
	struct hvo_error *err = hvo_program_open(path, &ctx.prog);
	if (err) {
		fprintf(stderr, "dump_shrink: %s\n", err->message);
		hvo_error_destroy(err);
		return 1;
	}
	if (truncate(path, size)) {
		perror("dump_shrink: truncate");
		return 1;
	}
	err = hvo_cmd_run(&ctx, argc, argv);
	int status = ctx.status;
	if (err) {
		fprintf(stderr, "hvoinspect: %s\n", err->message);
		status = hvo_error_exit_status(err);
		hvo_error_destroy(err);
	}
	hvo_cmd_ctx_deinit(&ctx);
	hvo_program_close(ctx.prog);
	return status;
}

static int shrink_vmlinux(const char *path, long long size, const char *vmlinux,
			  const char *query)
{
	struct hvo_program *prog;
	struct hvo_types *types = NULL;
	struct hvo_types_options options = { .vmlinux_path = vmlinux, .no_btf = true };
	struct hvo_error *err = hvo_program_open(path, &prog);
	if (!err)
		err = hvo_types_open(prog, &options, &types);
	if (err) {
		fprintf(stderr, "dump_shrink: %s\n", err->message);
		hvo_error_destroy(err);
		return 1;
	}
	if (truncate(vmlinux, size)) {
		perror("dump_shrink: truncate");
		return 1;
	}
	char name[256];
	snprintf(name, sizeof(name), "%s", query);
	char *member = strchr(name, '.');
	if (!member) {
		fprintf(stderr, "dump_shrink: '%s' is not STRUCT.MEMBER\n", query);
		return 1;
	}
	*member++ = '\0';
	struct hvo_member m;
	err = hvo_types_member(types, name, member, &m);
	if (err) {
		fprintf(stderr, "dump_shrink: %s\n", err->message);
		hvo_error_destroy(err);
	} else {
		printf("%s at %" PRIu64 "\n", query, m.offset);
	}
	hvo_types_close(types);
	hvo_program_close(prog);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[3], "vmlinux"))
		return shrink_vmlinux(argv[1], strtoll(argv[2], NULL, 0), argv[4], argv[5]);
	if (argc >= 5 && !strcmp(argv[3], "cmd"))
		return run_command(argv[1], strtoll(argv[2], NULL, 0), argc - 4, argv + 4);
	if (argc != 5 || strcmp(argv[4], "read")) {
		fprintf(stderr, "usage: dump_shrink DUMP SIZE PADDR read\n"
			"       dump_shrink DUMP SIZE cmd COMMAND [ARG...]\n"
			"       dump_shrink DUMP SIZE vmlinux VMLINUX STRUCT.MEMBER\n");
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
