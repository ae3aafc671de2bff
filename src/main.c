/* main.c - options, mode selection and exit status of the hvoinspect program. */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cmd.h"
#include "dump.h"
#include "types_dwarf.h"
#include "shell.h"
#include "program.h"

static const char usage_text[] =
	"usage: hvoinspect [OPTIONS] COMMAND VMCORE [ARGS...]\n"
	"       hvoinspect [OPTIONS] VMCORE [COMMAND [ARGS...]]\n"
	"\n"
	"Post-mortem analysis of HugeTLB Vmemmap Optimization (HVO) in Linux crash\n"
	"dumps (kdump-compressed or ELF, x86_64).\n"
	"\n"
	"With no COMMAND: an interactive shell when stdin and stdout are terminals,\n"
	"the commands read from stdin when it is not a terminal, else `report`.\n"
	"\n"
	"Options:\n"
	"  -j, --json       print results as JSON (one object per command)\n"
	"  -c, --commands 'CMD; CMD'\n"
	"                   run these commands (scripted mode)\n"
	"  -f, --file FILE  run the commands in FILE, one per line\n"
	"  -k, --keep-going go on after a failing command in a script\n"
	"  -d, --deep       read every struct page: also check the tails of THP and\n"
	"                   other compound pages (slower: one read per 256 KiB of RAM)\n"
	"      --vmlinux FILE\n"
	"                   kernel types and symbols from FILE's DWARF (its build id\n"
	"                   must match the dump's); default: found by build id under\n"
	"                   /usr/lib/debug, else the BTF in the dump, else VMCOREINFO\n"
	"      --force      use a --vmlinux whose build id differs\n"
	"      --no-dwarf, --no-btf\n"
	"                   do not use that type provider\n"
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

#define MAX_SCRIPT_SIZE (1024 * 1024)
/* stdout buffer when it is not a terminal. */
#define STDOUT_BUFFER_SIZE (64 * 1024)

static struct hvo_error *read_stream(FILE *in, const char *name, char **text_ret)
{
	char *text = malloc(MAX_SCRIPT_SIZE + 1);
	if (!text)
		return &hvo_error_nomem;
	size_t size = fread(text, 1, MAX_SCRIPT_SIZE + 1, in);
	if (ferror(in)) {
		free(text);
		return hvo_error_errno(errno, "reading '%s'", name);
	}
	if (size > MAX_SCRIPT_SIZE) {
		free(text);
		return hvo_error_create(HVO_ERROR_USAGE, "'%s': script larger than %d bytes",
					name, MAX_SCRIPT_SIZE);
	}
	text[size] = '\0';
	*text_ret = text;
	return NULL;
}

static struct hvo_error *read_script(const char *path, char **text_ret)
{
	FILE *in = fopen(path, "r");
	if (!in)
		return hvo_error_errno(errno, "cannot open '%s'", path);
	struct hvo_error *err = read_stream(in, path, text_ret);
	fclose(in);
	return err;
}

/* A closed or unreadable stdin just means no commands: the report runs. */
static struct hvo_error *read_stdin_script(char **text_ret)
{
	struct hvo_error *err = read_stream(stdin, "stdin", text_ret);
	if (err && err->code == HVO_ERROR_OS) {
		hvo_error_destroy(err);
		*text_ret = NULL;
		return NULL;
	}
	return err;
}

/* Whether a script has anything but blanks and comments. */
static bool has_command(const char *text)
{
	if (!text)
		return false;
	for (const char *p = text; *p; p++) {
		if (*p == '#') {
			while (*p && *p != '\n')
				p++;
			if (!*p)
				break;
		} else if (*p != ' ' && *p != '\t' && *p != '\n' && *p != ';' && *p != '\r') {
			return true;
		}
	}
	return false;
}

/*
 * HVOINSPECT_READ_LOG: the PFNs of every page read, one per line, for
 * bench/floor; HVOINSPECT_PHYS_READ_LOG: of those read by physical address.
 */
static void write_read_log(struct hvo_dump *dump, const char *path, bool phys_only)
{
	const uint64_t *pfns;
	size_t nr;
	if (phys_only)
		hvo_dump_tracked_phys_pfns(dump, &pfns, &nr);
	else
		hvo_dump_tracked_pfns(dump, &pfns, &nr);
	FILE *out = fopen(path, "w");
	if (!out) {
		fprintf(stderr, "hvoinspect: cannot write '%s': %s\n", path, strerror(errno));
		return;
	}
	for (size_t i = 0; i < nr; i++)
		fprintf(out, "%" PRIu64 "\n", pfns[i]);
	fclose(out);
}

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

/* A closed stdin/stdout/stderr would be reused by the dump's descriptor. */
static void ensure_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int null_fd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
			if (null_fd >= 0 && null_fd != fd)
				close(null_fd);	/* not the lowest free fd: give up quietly */
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "fail-on", required_argument, NULL, 'F' },
		{ "commands", required_argument, NULL, 'c' },
		{ "file", required_argument, NULL, 'f' },
		{ "keep-going", no_argument, NULL, 'k' },
		{ "deep", no_argument, NULL, 'd' },
		{ "vmlinux", required_argument, NULL, 'L' },
		{ "force", no_argument, NULL, 'O' },
		{ "no-dwarf", no_argument, NULL, 'D' },
		{ "no-btf", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct hvo_cmd_ctx ctx = { .out = stdout, .status = HVO_EXIT_OK,
				   .fail_on = HVO_SEV_WARNING };
	int opt;
	const char *script_text = NULL, *script_file = NULL;
	bool keep_going = false;

	ensure_std_fds();
	/*
	 * Into a file or a pipe, output goes out in writes of a pipe's size:
	 * `folios` of a host with 490K folios is 45 MB, 11,000 write()s with
	 * stdio's 4 KiB.  Larger writes than the pipe holds were slower.
	 */
	static char stdout_buffer[STDOUT_BUFFER_SIZE];	/* glibc ignores a size without one */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, stdout_buffer, _IOFBF, sizeof(stdout_buffer));
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+jhVF:c:f:kdL:ODB", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			ctx.json = true;
			break;
		case 'F':
			if (!hvo_severity_parse(optarg, &ctx.fail_on))
				return usage_error("--fail-on: unknown severity '%s' "
						   "(info, warning, error, critical)", optarg);
			break;
		case 'c':
			script_text = optarg;
			break;
		case 'f':
			script_file = optarg;
			break;
		case 'k':
			keep_going = true;
			break;
		case 'd':
			ctx.deep = true;
			break;
		case 'L':
			ctx.types_options.vmlinux_path = optarg;
			break;
		case 'O':
			ctx.types_options.force = true;
			break;
		case 'D':
			ctx.types_options.no_dwarf = true;
			break;
		case 'B':
			ctx.types_options.no_btf = true;
			break;
		case 'h':
			print_usage(stdout);
			return HVO_EXIT_OK;
		case 'V':
			/* The libraries too: the dump readers' versions move the figures of a bug report. */
			printf("hvoinspect %s\n%s, libdwarf %s, json-c %s, readline %s\n", PACKAGE_VERSION,
			       hvo_dump_libraries(), hvo_dwarf_library_version(), json_c_version(),
			       hvo_shell_readline_version());
			return HVO_EXIT_OK;
		default:
			if (optopt == 'F' || optopt == 'c' || optopt == 'f' || optopt == 'L')
				return usage_error("option '%s' needs an argument", argv[optind - 1]);
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

	if ((script_text || script_file) && cmd_argv != default_cmd)
		return usage_error("%s", "give either a COMMAND or -c/-f, not both");
	char *script_owned = NULL;
	if (script_file) {
		struct hvo_error *rerr = read_script(script_file, &script_owned);
		if (rerr) {
			fprintf(stderr, "hvoinspect: %s\n", rerr->message);
			hvo_error_destroy(rerr);
			return HVO_EXIT_ERROR;
		}
	}

	struct hvo_error *err = hvo_program_open(path, &ctx.prog);
	if (err) {
		fprintf(stderr, "hvoinspect: %s\n", err->message);
		hvo_error_destroy(err);
		free(script_owned);
		return HVO_EXIT_ERROR;
	}
	/* Benchmark aids: which frames were read, and how many reads. */
	const char *read_log = getenv("HVOINSPECT_READ_LOG");
	const char *phys_read_log = getenv("HVOINSPECT_PHYS_READ_LOG");
	if (read_log || phys_read_log)
		hvo_dump_track_reads(ctx.prog->dump, true);
	ctx.time_commands = getenv("HVOINSPECT_STATS") != NULL;
	/* Progress only for a person watching: stderr a terminal, no JSON. */
	ctx.progress = isatty(STDERR_FILENO) && !ctx.json;
	int status;
	bool no_command = cmd_argv == default_cmd;
	if (script_text || script_file) {
		unsigned int nr_run;
		status = hvo_shell_script(&ctx, script_text ? script_text : script_owned,
					  script_text ? "-c" : script_file, keep_going, &nr_run);
	} else if (no_command && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		status = hvo_shell_interactive(&ctx);
	} else if (no_command && !isatty(STDIN_FILENO) &&
		   !(err = read_stdin_script(&script_owned)) && has_command(script_owned)) {
		unsigned int nr_run;
		status = hvo_shell_script(&ctx, script_owned, "stdin", keep_going, &nr_run);
	} else if (err) {
		fprintf(stderr, "hvoinspect: %s\n", err->message);
		hvo_error_destroy(err);
		status = HVO_EXIT_ERROR;
	} else {
		err = hvo_cmd_run(&ctx, cmd_argc, cmd_argv);
		status = ctx.status;
		if (err) {
			fprintf(stderr, "hvoinspect: %s\n", err->message);
			status = hvo_error_exit_status(err);
			hvo_error_destroy(err);
		}
	}
	free(script_owned);
	if (read_log)
		write_read_log(ctx.prog->dump, read_log, false);
	if (phys_read_log)
		write_read_log(ctx.prog->dump, phys_read_log, true);
	if (getenv("HVOINSPECT_STATS")) {
		const struct hvo_dump_read_stats *stats = hvo_dump_stats(ctx.prog->dump);
		fprintf(stderr, "hvoinspect: stats: %" PRIu64 " reads, %" PRIu64 " bytes, %" PRIu64
			" not in dump\n", stats->nr_reads, stats->nr_bytes, stats->nr_nodata);
	}
	hvo_cmd_ctx_deinit(&ctx);
	hvo_program_close(ctx.prog);
	if (fflush(stdout) && status == HVO_EXIT_OK) {
		perror("hvoinspect: writing output");
		status = HVO_EXIT_ERROR;
	}
	return status;
}
