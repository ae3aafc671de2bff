/*
 * fuzz_dump.c - the whole pipeline on an untrusted file: open (flattened
 * reassembly, libkdumpfile set-up, VMCOREINFO), the page-table walk, the
 * analysis and every renderer.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cmd.h"
#include "program.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-dump", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct hvo_cmd_ctx ctx = { .json = true, .deep = true, .fail_on = HVO_SEV_WARNING };
	ctx.out = fopen("/dev/null", "w");
	struct hvo_error *err = hvo_program_open(path, &ctx.prog);
	if (!err && ctx.out) {
		static char *const commands[][2] = {
			{ (char *)"info", NULL }, { (char *)"report", NULL },
			{ (char *)"folios", NULL }, { (char *)"tails", NULL },
		};
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
			err = hvo_cmd_run(&ctx, 1, (char **)commands[i]);
			hvo_error_destroy(err);
		}
		char *decode[] = { (char *)"decode", (char *)"0x100000", NULL };
		hvo_error_destroy(hvo_cmd_run(&ctx, 2, decode));
		hvo_cmd_ctx_deinit(&ctx);
	} else {
		hvo_error_destroy(err);
	}
	if (ctx.out)
		fclose(ctx.out);
	hvo_program_close(ctx.prog);
	close(fd);
	return 0;
}
