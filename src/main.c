/* main.c - options, mode selection and exit status of the hvoinspect program. */
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
#include "interrupt.h"
#include "types_dwarf.h"
#include "shell.h"
#include "program.h"

static const char usage_text[] =
	"usage: hvoinspect [OPTIONS] COMMAND VMCORE [ARGS...]\n"
	"       hvoinspect [OPTIONS] VMCORE [COMMAND [ARGS...]]\n"
	"       hvoinspect help [COMMAND]    (or COMMAND --help: no dump needed)\n"
	"\n"
	"Post-mortem analysis of HugeTLB Vmemmap Optimization (HVO) in Linux crash\n"
	"dumps (kdump-compressed, flattened or ELF; x86_64).\n"
	"\n"
	"With no COMMAND: an interactive shell when stdin and stdout are terminals,\n"
	"the commands read from stdin when it is not a terminal, else `report`.\n"
	"\n"
	"Options go anywhere on the line (before or after COMMAND and VMCORE);\n"
	"-- ends them.\n"
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
	"  130  interrupted (Ctrl-C)\n"
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

/* The program's own options; any other word goes to the command, in order. */
enum global_opt {
	OPT_JSON, OPT_FAIL_ON, OPT_COMMANDS, OPT_FILE, OPT_KEEP_GOING, OPT_DEEP,
	OPT_VMLINUX, OPT_FORCE, OPT_NO_DWARF, OPT_NO_BTF, OPT_HELP, OPT_VERSION,
};

struct global_option {
	const char *long_name;
	enum global_opt opt;
	char short_name;	/* 0: long only */
	bool has_value;
};

static const struct global_option global_options[] = {
	{ "json", OPT_JSON, 'j', false }, { "fail-on", OPT_FAIL_ON, 0, true },
	{ "commands", OPT_COMMANDS, 'c', true }, { "file", OPT_FILE, 'f', true },
	{ "keep-going", OPT_KEEP_GOING, 'k', false }, { "deep", OPT_DEEP, 'd', false },
	{ "vmlinux", OPT_VMLINUX, 0, true }, { "force", OPT_FORCE, 0, false },
	{ "no-dwarf", OPT_NO_DWARF, 0, false }, { "no-btf", OPT_NO_BTF, 0, false },
	{ "help", OPT_HELP, 'h', false }, { "version", OPT_VERSION, 'V', false },
};

#define NR_GLOBAL_OPTIONS (sizeof(global_options) / sizeof(global_options[0]))

/* The command line once read: settings for ctx, and the other words in order. */
struct cmdline {
	const char *script_text, *script_file;
	bool keep_going, help, version;
	char **words;		/* the dump, the command, its operands and options */
	int nr_words;
	int first_literal;	/* words from here on came after "--" */
	const char *path;	/* the dump */
	bool no_command;	/* none given: the shell, stdin's commands, or report */
	char **cmd_argv;	/* the command, then its words, for hvo_cmd_run() */
	int cmd_argc;
};

static struct hvo_error *apply_global(const struct global_option *o, const char *value,
				      struct cmdline *line, struct hvo_cmd_ctx *ctx)
{
	switch (o->opt) {
	case OPT_JSON: ctx->json = true; break;
	case OPT_FAIL_ON:
		if (!hvo_severity_parse(value, &ctx->fail_on))
			return hvo_error_create(HVO_ERROR_USAGE, "--fail-on: unknown severity '%s' "
						"(info, warning, error, critical)", value);
		break;
	case OPT_COMMANDS: line->script_text = value; break;
	case OPT_FILE: line->script_file = value; break;
	case OPT_KEEP_GOING: line->keep_going = true; break;
	case OPT_DEEP: ctx->deep = true; break;
	case OPT_VMLINUX: ctx->types_options.vmlinux_path = value; break;
	case OPT_FORCE: ctx->types_options.force = true; break;
	case OPT_NO_DWARF: ctx->types_options.no_dwarf = true; break;
	case OPT_NO_BTF: ctx->types_options.no_btf = true; break;
	case OPT_HELP: line->help = true; break;
	case OPT_VERSION: line->version = true; break;
	}
	return NULL;
}

/* "--name[=value]": the global option it names, if it is one. */
static const struct global_option *find_long(const char *word, const char **value_ret)
{
	const char *equals = strchr(word, '=');
	size_t len = equals ? (size_t)(equals - word) : strlen(word);
	for (size_t i = 0; i < NR_GLOBAL_OPTIONS; i++) {
		const char *name = global_options[i].long_name;
		if (strlen(name) == len && !strncmp(word, name, len)) {
			*value_ret = equals ? equals + 1 : NULL;
			return &global_options[i];
		}
	}
	return NULL;
}

static const struct global_option *find_short(char c)
{
	for (size_t i = 0; i < NR_GLOBAL_OPTIONS; i++) {
		if (global_options[i].short_name == c)
			return &global_options[i];
	}
	return NULL;
}

/* "-jd", "-cCMDS", "-c CMDS": a word of global short options, all or nothing. */
static bool is_global_cluster(const char *word)
{
	for (const char *p = word + 1; *p; p++) {
		const struct global_option *o = find_short(*p);
		if (!o)
			return false;
		if (o->has_value)
			return true;	/* the rest of the word, or the next one, is its value */
	}
	return true;
}

/*
 * GNU and git conventions: the program's options anywhere, before or after
 * the command and the dump, "--" ending them; a command's own options (rd -p)
 * and anything unknown go to the command, which says what it does not take.
 */
static struct hvo_error *parse_cmdline(int argc, char **argv, struct cmdline *line,
				       struct hvo_cmd_ctx *ctx)
{
	line->words = calloc((size_t)argc + 1, sizeof(*line->words));
	line->cmd_argv = calloc((size_t)argc + 2, sizeof(*line->cmd_argv));
	if (!line->words || !line->cmd_argv)
		return &hvo_error_nomem;
	line->first_literal = argc;
	for (int i = 1; i < argc; i++) {
		const char *word = argv[i];
		if (!strcmp(word, "--")) {
			line->first_literal = line->nr_words;
			while (++i < argc)
				line->words[line->nr_words++] = argv[i];
			break;
		}
		const struct global_option *o = NULL;
		const char *value = NULL;
		if (word[0] == '-' && word[1] == '-') {
			o = find_long(word + 2, &value);
			if (o && !o->has_value && value)
				return hvo_error_create(HVO_ERROR_USAGE, "option '--%s' takes no value",
							o->long_name);
			if (o && o->has_value && !value) {
				if (i + 1 == argc)
					return hvo_error_create(HVO_ERROR_USAGE, "option '%s' needs an "
								"argument", word);
				value = argv[++i];
			}
			if (o) {
				struct hvo_error *err = apply_global(o, value, line, ctx);
				if (err)
					return err;
				continue;
			}
		} else if (word[0] == '-' && word[1] && is_global_cluster(word)) {
			for (const char *p = word + 1; *p; p++) {
				o = find_short(*p);
				value = NULL;
				if (o->has_value) {
					if (p[1])
						value = p + 1;
					else if (i + 1 < argc)
						value = argv[++i];
					else
						return hvo_error_create(HVO_ERROR_USAGE, "option '-%c' needs "
									"an argument", *p);
				}
				struct hvo_error *err = apply_global(o, value, line, ctx);
				if (err)
					return err;
				if (value)
					break;
			}
			continue;
		}
		line->words[line->nr_words++] = argv[i];
	}
	return NULL;
}

/* Whether word i is the dump or a command: not an option, unless after "--". */
static bool is_operand(const struct cmdline *line, int i)
{
	return i >= line->first_literal || line->words[i][0] != '-' || !line->words[i][1];
}

/* The first two operands: the command and the dump, in either order. */
static void find_operands(const struct cmdline *line, int *first_ret, int *second_ret)
{
	*first_ret = *second_ret = -1;
	for (int i = 0; i < line->nr_words; i++) {
		if (!is_operand(line, i))
			continue;
		if (*first_ret < 0) {
			*first_ret = i;
		} else {
			*second_ret = i;
			return;
		}
	}
}

/* Print what went wrong and give the exit status it means. */
static int fail(struct hvo_error *err)
{
	fprintf(stderr, "hvoinspect: %s\n", err->message);
	int status = hvo_error_exit_status(err);
	hvo_error_destroy(err);
	return status;
}

/* `hvoinspect help [CMD]`, `hvoinspect CMD --help`: no dump needed. */
static int run_help(struct hvo_cmd_ctx *ctx, const char *name)
{
	if (!name && !ctx->json) {
		print_usage(stdout);
		return HVO_EXIT_OK;
	}
	char *argv[] = { (char *)"help", (char *)name, NULL };
	struct hvo_error *err = hvo_shell_help(ctx, name ? 2 : 1, argv);
	return err ? fail(err) : HVO_EXIT_OK;
}

/* A word that is neither a command nor a file: most likely a mistyped command. */
static bool looks_mistyped(const char *word)
{
	return !strchr(word, '/') && access(word, F_OK) != 0;
}

/* A usage error from a struct hvo_error: the message, the hint, exit 2. */
static int usage_failure(struct hvo_error *err)
{
	int status = usage_error("%s", err->message);
	hvo_error_destroy(err);
	return status;
}

/*
 * Read the command line: -1 when there is a dump to open and a command (or
 * a script, or the shell) to run, else the exit status of what was done
 * instead (help, version, a usage error).
 */
static int select_command(int argc, char **argv, struct cmdline *line, struct hvo_cmd_ctx *ctx)
{
	struct hvo_error *err = parse_cmdline(argc, argv, line, ctx);
	if (err)
		return usage_failure(err);
	if (line->version) {
		/* The libraries too: the dump readers' versions move the figures of a bug report. */
		printf("hvoinspect %s\n%s, libdwarf %s, json-c %s, readline %s\n", PACKAGE_VERSION,
		       hvo_dump_libraries(), hvo_dwarf_library_version(), json_c_version(),
		       hvo_shell_readline_version());
		return HVO_EXIT_OK;
	}
	char **words = line->words;
	int first, second;
	find_operands(line, &first, &second);
	const char *first_word = first >= 0 ? words[first] : NULL;
	if (first_word && !strcmp(first_word, "help"))
		return run_help(ctx, second >= 0 ? words[second] : NULL);
	if (line->help) {
		const char *name = NULL;
		if (first >= 0 && hvo_cmd_find(words[first]))
			name = words[first];
		else if (second >= 0 && hvo_cmd_find(words[second]))
			name = words[second];
		return run_help(ctx, name);
	}
	if (!first_word)
		return usage_error("%s", "no dump file given");

	/* COMMAND VMCORE ARGS... or VMCORE [COMMAND ARGS...] */
	int cmd_index = second, path_index = first;
	if (hvo_cmd_find(first_word)) {
		if (second < 0)
			return usage_error("%s: no dump file given", first_word);
		cmd_index = first;
		path_index = second;
	} else if (second >= 0 && !hvo_cmd_find(words[second])) {
		/* `reprot DUMP`: the word that is wrong is the one that is not a file. */
		bool first_wrong = looks_mistyped(first_word) && !looks_mistyped(words[second]);
		return usage_failure(hvo_cmd_unknown(first_wrong ? first_word : words[second]));
	}
	line->path = words[path_index];
	if ((line->script_text || line->script_file) && cmd_index >= 0)
		return usage_error("%s", "give either a COMMAND or -c/-f, not both");
	line->no_command = cmd_index < 0;
	/* The command first, then every other word in order, for hvo_cmd_run(). */
	line->cmd_argv[line->cmd_argc++] = line->no_command ? (char *)"report" : words[cmd_index];
	for (int i = 0; i < line->nr_words; i++) {
		if (i == cmd_index || i == path_index)
			continue;
		/* Without a command, a word left over has no one to take it. */
		if (line->no_command)
			return usage_error(is_operand(line, i) ? "unexpected argument '%s'" :
					   "unknown option '%s'", words[i]);
		if (i == line->first_literal)
			line->cmd_argv[line->cmd_argc++] = (char *)"--";
		line->cmd_argv[line->cmd_argc++] = words[i];
	}
	return -1;
}

/* Open the dump and run the command, the script or the shell. */
static int run(struct cmdline *line, struct hvo_cmd_ctx *ctx)
{
	char *script_owned = NULL;
	struct hvo_error *err;
	if (line->script_file && (err = read_script(line->script_file, &script_owned)))
		return fail(err);
	if ((err = hvo_program_open(line->path, &ctx->prog))) {
		free(script_owned);
		return fail(err);
	}
	/* Benchmark aids: which frames were read, and how many reads. */
	const char *read_log = getenv("HVOINSPECT_READ_LOG");
	const char *phys_read_log = getenv("HVOINSPECT_PHYS_READ_LOG");
	if (read_log || phys_read_log)
		hvo_dump_track_reads(ctx->prog->dump, true);
	ctx->time_commands = getenv("HVOINSPECT_STATS") != NULL;
	/* Progress only for a person watching: stderr a terminal, no JSON. */
	ctx->progress = isatty(STDERR_FILENO) && !ctx->json;
	int status;
	unsigned int nr_run;
	/*
	 * Ctrl-C stops the command where it polls, so it unwinds (slice removes
	 * its partial file) and says so; before that stdin was read whole.
	 */
	bool read_stdin = line->no_command && !line->script_text && !line->script_file &&
		!isatty(STDIN_FILENO);
	if (read_stdin)
		err = read_stdin_script(&script_owned);
	if (!(line->no_command && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)))
		hvo_interrupt_install();
	if (line->script_text || line->script_file) {
		status = hvo_shell_script(ctx, line->script_text ? line->script_text : script_owned,
					  line->script_text ? "-c" : line->script_file,
					  line->keep_going, &nr_run);
	} else if (line->no_command && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		status = hvo_shell_interactive(ctx);
	} else if (read_stdin && !err && has_command(script_owned)) {
		status = hvo_shell_script(ctx, script_owned, "stdin", line->keep_going, &nr_run);
	} else if (err) {
		status = fail(err);
	} else {
		err = hvo_cmd_run(ctx, line->cmd_argc, line->cmd_argv);
		status = err ? fail(err) : (int)ctx->status;
	}
	free(script_owned);
	if (read_log)
		write_read_log(ctx->prog->dump, read_log, false);
	if (phys_read_log)
		write_read_log(ctx->prog->dump, phys_read_log, true);
	if (getenv("HVOINSPECT_STATS")) {
		const struct hvo_dump_read_stats *stats = hvo_dump_stats(ctx->prog->dump);
		fprintf(stderr, "hvoinspect: stats: %" PRIu64 " reads, %" PRIu64 " bytes, %" PRIu64
			" not in dump\n", stats->nr_reads, stats->nr_bytes, stats->nr_nodata);
	}
	hvo_cmd_ctx_deinit(ctx);
	hvo_program_close(ctx->prog);
	if (fflush(stdout) && status == HVO_EXIT_OK) {
		perror("hvoinspect: writing output");
		status = HVO_EXIT_ERROR;
	}
	return status;
}

int main(int argc, char **argv)
{
	struct hvo_cmd_ctx ctx = { .out = stdout, .status = HVO_EXIT_OK,
				   .fail_on = HVO_SEV_WARNING };

	ensure_std_fds();
	/*
	 * Into a file or a pipe, output goes out in writes of a pipe's size:
	 * `folios` of a host with 490K folios is 45 MB, 11,000 write()s with
	 * stdio's 4 KiB.  Larger writes than the pipe holds were slower.
	 */
	static char stdout_buffer[STDOUT_BUFFER_SIZE];	/* glibc ignores a size without one */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, stdout_buffer, _IOFBF, sizeof(stdout_buffer));
	struct cmdline line = { 0 };
	int status = select_command(argc, argv, &line, &ctx);
	if (status < 0)
		status = run(&line, &ctx);
	free(line.words);
	free(line.cmd_argv);
	return status;
}
