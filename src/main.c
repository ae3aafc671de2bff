/* main.c - options, mode selection and exit status of the hvoinspect program. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "program.h"

static const char usage_text[] =
	"usage: hvoinspect [OPTIONS] COMMAND VMCORE [ARGS...]\n"
	"       hvoinspect [OPTIONS] VMCORE [COMMAND [ARGS...]]\n"
	"\n"
	"Post-mortem analysis of HugeTLB Vmemmap Optimization (HVO) in Linux crash\n"
	"dumps (kdump-compressed or ELF, x86_64).\n"
	"\n"
	"Options:\n"
	"  -j, --json       print results as JSON (one object per command)\n"
	"      --fail-on SEVERITY\n"
	"                   exit 1 when a finding is at or above SEVERITY\n"
	"                   (info, warning, error, critical; default warning)\n"
	"  -h, --help       show this help and exit\n"
	"  -V, --version    show the version and exit\n"
	"\n"
	"Commands:\n";

static const char exit_text[] =
	"\n"
	"Exit status:\n"
	"  0  analysed, nothing found\n"
	"  1  findings at or above the --fail-on severity\n"
	"  2  usage error, or the dump cannot be read\n"
	"  3  analysed, but incomplete (pages missing or filtered from the dump)\n"
	"\n"
	"See hvoinspect(1) for details.\n";

static void print_usage(FILE *out)
{
	fputs(usage_text, out);
	for (size_t i = 0; hvo_cmds[i]; i++)
		fprintf(out, "  %-12s %s\n", hvo_cmds[i]->name, hvo_cmds[i]->summary);
	fputs(exit_text, out);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("hvoinspect: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'hvoinspect --help' for more information.\n", stderr);
	return HVO_EXIT_ERROR;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "fail-on", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct hvo_cmd_ctx ctx = { .out = stdout, .status = HVO_EXIT_OK,
				   .fail_on = HVO_SEV_WARNING };
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+jhVF:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			ctx.json = true;
			break;
		case 'F':
			if (!hvo_severity_parse(optarg, &ctx.fail_on))
				return usage_error("--fail-on: unknown severity '%s' "
						   "(info, warning, error, critical)", optarg);
			break;
		case 'h':
			print_usage(stdout);
			return HVO_EXIT_OK;
		case 'V':
			printf("hvoinspect %s\n", PACKAGE_VERSION);
			return HVO_EXIT_OK;
		default:
			if (optopt == 'F' || (optind > 0 && !strcmp(argv[optind - 1], "--fail-on")))
				return usage_error("%s", "--fail-on needs a SEVERITY");
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return usage_error("%s", "no dump file given");

	/* COMMAND VMCORE ARGS... or VMCORE [COMMAND ARGS...] */
	const char *path;
	char *default_cmd[] = { (char *)"report", NULL };
	char **cmd_argv;
	int cmd_argc;
	if (hvo_cmd_find(argv[0])) {
		if (argc < 2)
			return usage_error("%s: no dump file given", argv[0]);
		path = argv[1];
		argv[1] = argv[0];
		cmd_argv = argv + 1;
		cmd_argc = argc - 1;
	} else {
		path = argv[0];
		if (argc > 1) {
			cmd_argv = argv + 1;
			cmd_argc = argc - 1;
			if (!hvo_cmd_find(cmd_argv[0]))
				return usage_error("unknown command '%s'", cmd_argv[0]);
		} else {
			cmd_argv = default_cmd;
			cmd_argc = 1;
		}
	}

	struct hvo_error *err = hvo_program_open(path, &ctx.prog);
	if (err) {
		fprintf(stderr, "hvoinspect: %s\n", err->message);
		int status = HVO_EXIT_ERROR;
		hvo_error_destroy(err);
		return status;
	}
	err = hvo_cmd_run(&ctx, cmd_argc, cmd_argv);
	int status = ctx.status;
	if (err) {
		fprintf(stderr, "hvoinspect: %s\n", err->message);
		status = hvo_error_exit_status(err);
		hvo_error_destroy(err);
	}
	hvo_cmd_ctx_deinit(&ctx);
	hvo_program_close(ctx.prog);
	if (fflush(stdout) && status == HVO_EXIT_OK) {
		perror("hvoinspect: writing output");
		status = HVO_EXIT_ERROR;
	}
	return status;
}
