/* shell.c - readline shell with history, completion and pager; batch mode. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "interrupt.h"
#include "shell.h"

#define MAX_WORDS 64
#define MAX_LINE 4096
#define HISTORY_MAX 1000

struct hvo_error *hvo_shell_split(const char *line, int *argc_ret, char ***argv_ret)
{
	char **argv = calloc(MAX_WORDS + 1, sizeof(*argv));
	char *word = malloc(strlen(line) + 1);
	int argc = 0;
	struct hvo_error *err = NULL;
	if (!argv || !word) {
		err = &hvo_error_nomem;
		goto err;
	}
	const char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			break;
		size_t len = 0;
		char quote = 0;
		while (*p && (quote || (*p != ' ' && *p != '\t'))) {
			if (quote && *p == quote)
				quote = 0;
			else if (!quote && (*p == '\'' || *p == '"'))
				quote = *p;
			else
				word[len++] = *p;
			p++;
		}
		if (quote) {
			err = hvo_error_create(HVO_ERROR_USAGE, "unterminated %c quote", quote);
			goto err;
		}
		if (argc == MAX_WORDS) {
			err = hvo_error_create(HVO_ERROR_USAGE, "more than %d words", MAX_WORDS);
			goto err;
		}
		argv[argc] = strndup(word, len);
		if (!argv[argc]) {
			err = &hvo_error_nomem;
			goto err;
		}
		argc++;
	}
	free(word);
	*argc_ret = argc;
	*argv_ret = argv;
	return NULL;
err:
	free(word);
	hvo_shell_free_argv(argc, argv);
	return err;
}

void hvo_shell_free_argv(int argc, char **argv)
{
	if (!argv)
		return;
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

static bool pager_enabled = true;

static const char *const on_off[] = { "on", "off", NULL };

/* The shell's settings: `set`, its usage, `help` and completion read this. */
static const struct setting {
	const char *name;
	const char *const *values;
	const char *shown;	/* the values in usage messages */
} settings[] = {
	{ "pager", on_off, "on|off" },
	{ "json", on_off, "on|off" },
	{ "fail-on", hvo_severity_names, "SEVERITY" },
	{ NULL, NULL, NULL },
};

static const char *setting_value(const struct hvo_cmd_ctx *ctx, const char *name)
{
	if (!strcmp(name, "pager"))
		return pager_enabled ? "on" : "off";
	if (!strcmp(name, "json"))
		return ctx->json ? "on" : "off";
	return hvo_severity_name(ctx->fail_on);
}

/* "pager on|off, json on|off, fail-on SEVERITY" */
static void settings_synopsis(char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; settings[i].name && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s %s", i ? ", " : "",
					settings[i].name, settings[i].shown);
}

static struct hvo_error *set_command(struct hvo_cmd_ctx *ctx, int argc, char **argv)
{
	if (argc == 1) {
		for (size_t i = 0; settings[i].name; i++)
			fprintf(ctx->out, "%-7s %s\n", settings[i].name,
				setting_value(ctx, settings[i].name));
		return NULL;
	}
	if (argc != 3) {
		char synopsis[96];
		settings_synopsis(synopsis, sizeof(synopsis));
		return hvo_error_create(HVO_ERROR_USAGE, "set: usage: set %s", synopsis);
	}
	bool on = !strcmp(argv[2], "on");
	if (!strcmp(argv[1], "pager") || !strcmp(argv[1], "json")) {
		if (!on && strcmp(argv[2], "off") != 0)
			return hvo_error_create(HVO_ERROR_USAGE, "set %s: on or off", argv[1]);
		if (!strcmp(argv[1], "pager"))
			pager_enabled = on;
		else
			ctx->json = on;
		return NULL;
	}
	if (!strcmp(argv[1], "fail-on")) {
		if (!hvo_severity_parse(argv[2], &ctx->fail_on))
			return hvo_error_create(HVO_ERROR_USAGE, "set fail-on: unknown severity '%s'",
						argv[2]);
		return NULL;
	}
	return hvo_error_create(HVO_ERROR_USAGE, "set: unknown setting '%s'", argv[1]);
}

/* The shell's own words, which are not in the command table. */
static const char *const shell_words[] = { "help", "set", "quit", NULL };

/* A word of the shell's own, or one of quit's other names. */
static bool is_shell_word(const char *name)
{
	for (size_t i = 0; shell_words[i]; i++) {
		if (!strcmp(name, shell_words[i]))
			return true;
	}
	return !strcmp(name, "exit") || !strcmp(name, "q");
}

/* "help: no command 'x'", with the nearest name when one is near. */
static struct hvo_error *no_such_command(const char *name)
{
	const char *near = hvo_cmd_suggest(name, shell_words);
	if (near)
		return hvo_error_create(HVO_ERROR_USAGE, "help: no command '%s' (did you mean "
					"'%s'?)", name, near);
	return hvo_error_create(HVO_ERROR_USAGE, "help: no command '%s' (try 'help')", name);
}

static struct hvo_error *help_json(struct hvo_cmd_ctx *ctx, int argc, char **argv)
{
	if (argc >= 2 && !hvo_cmd_find(argv[1]) && !is_shell_word(argv[1]))
		return no_such_command(argv[1]);
	json_object *result = hvo_json_result_new("help");
	json_object *list = json_object_new_array();
	if (!result || !list) {
		json_object_put(result);
		json_object_put(list);
		return &hvo_error_nomem;
	}
	for (size_t i = 0; hvo_cmds[i]; i++) {
		const struct hvo_cmd *c = hvo_cmds[i];
		if (argc >= 2 && strcmp(argv[1], c->name) != 0)
			continue;
		json_object *cmd = json_object_new_object();
		json_object *options = json_object_new_array();
		for (const struct hvo_cmd_option *o = c->options; o && o->name; o++) {
			json_object *option = json_object_new_object();
			json_object_object_add(option, "name", json_object_new_string(o->name));
			if (o->arg)
				json_object_object_add(option, "arg", json_object_new_string(o->arg));
			json_object_object_add(option, "help", json_object_new_string(o->help));
			json_object_array_add(options, option);
		}
		json_object_object_add(cmd, "name", json_object_new_string(c->name));
		json_object_object_add(cmd, "args", json_object_new_string(c->args));
		json_object_object_add(cmd, "options", options);
		json_object_object_add(cmd, "summary", json_object_new_string(c->summary));
		json_object_object_add(cmd, "help", json_object_new_string(c->help));
		json_object_array_add(list, cmd);
	}
	json_object_object_add(result, "commands", list);
	return hvo_cmd_json_emit(ctx, result);
}

/* `help set`, `help help`, `help quit`: the shell's words have help too. */
static bool help_shell_word(FILE *out, const char *name)
{
	char synopsis[160];
	if (!strcmp(name, "set")) {
		settings_synopsis(synopsis, sizeof(synopsis));
		fprintf(out, "set [KEY VALUE]\n    show or change a setting of this session\n\n"
			"With no arguments, shows every setting; with a KEY and a VALUE, changes\n"
			"it for the commands that follow: %s.\n", synopsis);
		return true;
	}
	if (!strcmp(name, "help")) {
		fputs("help [CMD]\n    the list of commands, or one command's help\n\n"
		      "With --json, the commands and their options as one JSON object.\n"
		      "Also: hvoinspect help CMD, hvoinspect CMD --help (no dump needed).\n", out);
		return true;
	}
	if (!strcmp(name, "quit") || !strcmp(name, "exit") || !strcmp(name, "q")) {
		fputs("quit\n    leave the shell (also exit, q, or Ctrl-D)\n", out);
		return true;
	}
	return false;
}

static struct hvo_error *help_command(FILE *out, int argc, char **argv)
{
	char synopsis[160];
	if (argc >= 2) {
		const struct hvo_cmd *cmd = hvo_cmd_find(argv[1]);
		if (!cmd && help_shell_word(out, argv[1]))
			return NULL;
		if (!cmd)
			return no_such_command(argv[1]);
		hvo_cmd_synopsis(cmd, true, synopsis, sizeof(synopsis));
		fprintf(out, "%s\n    %s\n\n%s\n", synopsis, cmd->summary, cmd->help);
		if (cmd->options && cmd->options[0].name)
			fprintf(out, "\nOptions:\n");
		for (const struct hvo_cmd_option *o = cmd->options; o && o->name; o++) {
			char name[32];
			snprintf(name, sizeof(name), "%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
			fprintf(out, "  %-18s %s\n", name, o->help);
		}
		return NULL;
	}
	fprintf(out, "Commands:\n");
	for (size_t i = 0; hvo_cmds[i]; i++) {
		/* Short options and arguments; `help CMD` has the long options. */
		hvo_cmd_synopsis(hvo_cmds[i], false, synopsis, sizeof(synopsis));
		const char *args = synopsis + strlen(hvo_cmds[i]->name);
		fprintf(out, "  %-12s %-10s %s\n", hvo_cmds[i]->name, *args ? args + 1 : "",
			hvo_cmds[i]->summary);
	}
	settings_synopsis(synopsis, sizeof(synopsis));
	fprintf(out, "  %-12s %-10s %s\n", "set", "[K V]", synopsis);
	fprintf(out, "  %-12s %-10s %s\n", "help", "[CMD]", "this list, or one command's help");
	fprintf(out, "  %-12s %-10s %s\n", "quit", "", "leave the shell");
	return NULL;
}

struct hvo_error *hvo_shell_help(struct hvo_cmd_ctx *ctx, int argc, char **argv)
{
	if (ctx->json)
		return help_json(ctx, argc, argv);
	return help_command(ctx->out, argc, argv);
}

/* Shell words (help, set, quit) or a command from the table. */
static struct hvo_error *dispatch(struct hvo_cmd_ctx *ctx, int argc, char **argv, bool *quit)
{
	if (!strcmp(argv[0], "quit") || !strcmp(argv[0], "exit") || !strcmp(argv[0], "q")) {
		*quit = true;
		return NULL;
	}
	if (!strcmp(argv[0], "help"))
		return hvo_shell_help(ctx, argc, argv);
	if (!strcmp(argv[0], "set"))
		return set_command(ctx, argc, argv);
	return hvo_cmd_run(ctx, argc, argv);
}

/* Run one command line; "quit" sets *quit. */
static struct hvo_error *run_line(struct hvo_cmd_ctx *ctx, const char *line, bool *ran,
				  bool *quit)
{
	int argc;
	char **argv;
	*ran = false;
	struct hvo_error *err = hvo_shell_split(line, &argc, &argv);
	if (err)
		return err;
	if (argc > 0) {
		*ran = true;
		err = dispatch(ctx, argc, argv, quit);
	}
	hvo_shell_free_argv(argc, argv);
	return err;
}

/* One command of a script as it was typed, without the blanks around it. */
static const char *trim(const char *cmd, size_t *len_ret)
{
	cmd += strspn(cmd, " \t");
	size_t len = strlen(cmd);
	while (len && (cmd[len - 1] == ' ' || cmd[len - 1] == '\t' || cmd[len - 1] == '\r'))
		len--;
	*len_ret = len;
	return cmd;
}

/*
 * "hvoinspect: stats: 'CMD' took N ms": from before the command is parsed
 * to its output written out (flushed), as a user at a pipe would see it.
 */
static void print_command_time(struct hvo_cmd_ctx *ctx, const char *cmd,
			       const struct timespec *start)
{
	fflush(ctx->out);
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	double ms = (double)(end.tv_sec - start->tv_sec) * 1e3 +
		(double)(end.tv_nsec - start->tv_nsec) / 1e6;
	size_t len;
	cmd = trim(cmd, &len);
	fprintf(stderr, "hvoinspect: stats: '%.*s' took %.3f ms\n", (int)len, cmd, ms);
}

/* "hvoinspect: -c:1: command 2 'sys': unknown command 'sys'": where, which, why. */
static void report_failure(const char *source, unsigned int lineno, unsigned int index,
			   const char *cmd, const struct hvo_error *err)
{
	size_t len;
	cmd = trim(cmd, &len);
	if (index)
		fprintf(stderr, "hvoinspect: %s:%u: command %u '%.*s': %s\n", source, lineno, index,
			(int)len, cmd, err->message);
	else
		fprintf(stderr, "hvoinspect: %s:%u: '%.*s': %s\n", source, lineno, (int)len, cmd,
			err->message);
}

int hvo_shell_script(struct hvo_cmd_ctx *ctx, const char *text, const char *source,
		     bool keep_going, unsigned int *nr_run_ret)
{
	unsigned int lineno = 0, nr_run = 0;
	int status = HVO_EXIT_OK;
	bool quit = false;
	const char *p = text;
	while (*p && !quit) {
		lineno++;
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);
		if (!line) {
			fprintf(stderr, "hvoinspect: out of memory\n");
			return HVO_EXIT_ERROR;
		}
		/* ';' separates commands; quotes are not special here. */
		bool several = strchr(line, ';') != NULL;
		unsigned int index = 0;
		char *save = NULL;
		for (char *cmd = strtok_r(line, ";", &save); cmd && !quit;
		     cmd = strtok_r(NULL, ";", &save)) {
			index++;
			bool ran;
			struct timespec start = { 0 };
			if (ctx->time_commands)
				clock_gettime(CLOCK_MONOTONIC, &start);
			struct hvo_error *err = run_line(ctx, cmd, &ran, &quit);
			if (ran)
				nr_run++;
			if (ran && ctx->time_commands)
				print_command_time(ctx, cmd, &start);
			if (err) {
				report_failure(source, lineno, several ? index : 0, cmd, err);
				int cmd_status = hvo_error_exit_status(err);
				hvo_error_destroy(err);
				if (cmd_status > status || status == HVO_EXIT_OK)
					status = cmd_status;
				if (!keep_going) {
					free(line);
					*nr_run_ret = nr_run;
					return status;
				}
			}
		}
		free(line);
		p = nl ? nl + 1 : p + len;
	}
	*nr_run_ret = nr_run;
	if (status == HVO_EXIT_OK)
		status = ctx->status;
	return status;
}

/* ---- interactive shell ---- */

static char *command_generator(const char *text, int state)
{
	static size_t index;
	if (!state)
		index = 0;
	size_t len = strlen(text);
	size_t nr_cmds = 0;
	while (hvo_cmds[nr_cmds])
		nr_cmds++;
	while (index < nr_cmds + 3) {
		const char *name = index < nr_cmds ? hvo_cmds[index]->name :
			shell_words[index - nr_cmds];
		index++;
		if (!strncmp(name, text, len))
			return strdup(name);
	}
	return NULL;
}

/* The words to complete from, set by complete() for list_generator. */
static const char *const *completion_list;

static char *list_generator(const char *text, int state)
{
	static size_t index;
	if (!state)
		index = 0;
	size_t len = strlen(text);
	while (completion_list && completion_list[index]) {
		const char *word = completion_list[index++];
		if (!strncmp(word, text, len))
			return strdup(word);
	}
	return NULL;
}

/* The command whose options complete, set by complete() for option_generator. */
static const struct hvo_cmd *completion_cmd;

static char *option_generator(const char *text, int state)
{
	static const struct hvo_cmd_option *option;
	if (!state)
		option = completion_cmd->options;
	size_t len = strlen(text);
	while (option && option->name) {
		const char *name = (option++)->name;
		if (!strncmp(name, text, len))
			return strdup(name);
	}
	return NULL;
}

/* The shell's context, for completion of symbols; set while the shell runs. */
static struct hvo_cmd_ctx *completion_ctx;

#define RECENT_ADDRESSES 16
static char *recent[RECENT_ADDRESSES];
static size_t nr_recent;

/* Remember the address arguments of decode, vtop and rd, newest first. */
static void remember_addresses(int argc, char **argv)
{
	if (strcmp(argv[0], "decode") != 0 && strcmp(argv[0], "vtop") != 0 &&
	    strcmp(argv[0], "rd") != 0)
		return;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		char *copy = strdup(argv[i]);
		if (!copy)
			return;
		free(recent[RECENT_ADDRESSES - 1]);
		memmove(recent + 1, recent, (RECENT_ADDRESSES - 1) * sizeof(recent[0]));
		recent[0] = copy;
		if (nr_recent < RECENT_ADDRESSES)
			nr_recent++;
		break;
	}
}

/* Arguments: recent addresses, then kernel symbols from the dump. */
static char *argument_generator(const char *text, int state)
{
	static size_t recent_index, cursor;
	static bool symbols_done;
	if (!state) {
		recent_index = 0;
		cursor = 0;
		symbols_done = false;
	}
	size_t len = strlen(text);
	while (recent_index < nr_recent) {
		const char *word = recent[recent_index++];
		if (!strncmp(word, text, len))
			return strdup(word);
	}
	if (symbols_done || !len || !completion_ctx || text[0] == '0')
		return NULL;
	struct hvo_types *types;
	struct hvo_error *err = hvo_cmd_types(completion_ctx, &types);
	if (err) {
		hvo_error_destroy(err);
		symbols_done = true;
		return NULL;
	}
	const char *name = hvo_types_complete_symbol(types, text, &cursor);
	if (!name) {
		symbols_done = true;
		return NULL;
	}
	return strdup(name);
}

static char **complete(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1;
	/* The words before the one completed: the first, the last, how many. */
	char first[32] = "", last[32] = "";
	int nr_words = 0;
	for (int i = 0; i < start;) {
		while (i < start && (rl_line_buffer[i] == ' ' || rl_line_buffer[i] == '\t'))
			i++;
		int w = i;
		while (i < start && rl_line_buffer[i] != ' ' && rl_line_buffer[i] != '\t')
			i++;
		if (i == w)
			break;
		snprintf(last, sizeof(last), "%.*s", i - w, rl_line_buffer + w);
		if (!nr_words++)
			snprintf(first, sizeof(first), "%s", last);
	}
	/* First word, and after "help": a command. */
	if (!nr_words || (!strcmp(first, "help") && nr_words == 1))
		return rl_completion_matches(text, command_generator);
	/* set NAME VALUE: from the settings table. */
	if (!strcmp(first, "set")) {
		static const char *names[sizeof(settings) / sizeof(settings[0])];
		for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
			names[i] = settings[i].name;
		completion_list = NULL;
		if (nr_words == 1)
			completion_list = names;
		for (size_t i = 0; nr_words == 2 && settings[i].name; i++) {
			if (!strcmp(last, settings[i].name))
				completion_list = settings[i].values;
		}
		return completion_list ? rl_completion_matches(text, list_generator) : NULL;
	}
	/* A command's options, and the values of the one before the cursor. */
	const struct hvo_cmd *cmd = hvo_cmd_find(first);
	if (cmd && nr_words > 1) {
		for (const struct hvo_cmd_option *o = cmd->options; o && o->name; o++) {
			if (!o->arg || strcmp(o->name, last) != 0)
				continue;
			completion_list = o->values;
			return o->values ? rl_completion_matches(text, list_generator) : NULL;
		}
	}
	if (cmd && text[0] == '-') {
		completion_cmd = cmd;
		return rl_completion_matches(text, option_generator);
	}
	return rl_completion_matches(text, argument_generator);
}

static char *history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char *dir = NULL, *path = NULL;
	if (state && *state) {
		if (asprintf(&dir, "%s/hvoinspect", state) < 0)
			return NULL;
	} else if (home && *home) {
		if (asprintf(&dir, "%s/.local/state/hvoinspect", home) < 0)
			return NULL;
	} else {
		return NULL;
	}
	/* mkdir -p: a fresh account has no ~/.local/state yet. */
	for (char *slash = strchr(dir + 1, '/');; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = '\0';
		if (mkdir(dir, 0700) && errno != EEXIST) {
			fprintf(stderr, "hvoinspect: history is not kept: cannot create '%s': %s\n",
				dir, strerror(errno));
			free(dir);
			return NULL;
		}
		if (!slash)
			break;
		*slash = '/';
	}
	if (asprintf(&path, "%s/history", dir) < 0)
		path = NULL;
	free(dir);
	return path;
}

static unsigned int terminal_rows(void)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
		return ws.ws_row;
	return 24;
}

/*
 * Write all of text to fd, in pieces, so that Ctrl-C stops a long output:
 * SIGINT interrupts a write blocked on a full pipe or terminal (EINTR).
 */
static size_t write_all(int fd, const char *text, size_t size)
{
	size_t done = 0;
	while (done < size && !hvo_interrupt_pending()) {
		size_t left = size - done;
		ssize_t n = write(fd, text + done, left < 65536 ? left : 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* the pager quit (EPIPE) or the terminal went away */
		done += (size_t)n;
	}
	return done;
}

/* Output cut short by Ctrl-C: say so on a line of its own, so the prompt starts one. */
static void say_stopped(bool mid_line)
{
	fprintf(stderr, "%shvoinspect: output stopped (interrupted)\n", mid_line ? "\n" : "");
}

#define PAGER_MAX_WORDS 32

/*
 * Start $PAGER (default "less -FRX") reading a pipe; its write end in
 * *fd_ret.  The value is split at blanks and run directly, never through
 * a shell: nothing the user typed or set reaches one.
 */
static pid_t start_pager(int *fd_ret)
{
	const char *value = getenv("PAGER");
	char *words = strdup(value && *value ? value : "less -FRX");
	char *argv[PAGER_MAX_WORDS + 1];
	int argc = 0;
	pid_t pid = -1;
	if (!words)
		return -1;
	for (char *save = NULL, *w = strtok_r(words, " \t", &save);
	     w && argc < PAGER_MAX_WORDS; w = strtok_r(NULL, " \t", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	int fds[2];
	if (!argc || pipe2(fds, O_CLOEXEC)) {
		free(words);
		return -1;
	}
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t none;
	sigemptyset(&none);
	if (!posix_spawn_file_actions_init(&actions)) {
		if (!posix_spawnattr_init(&attr)) {
			/* The pager gets stdin from the pipe and an empty signal mask. */
			if (!posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO) &&
			    !posix_spawnattr_setsigmask(&attr, &none) &&
			    !posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK) &&
			    posix_spawnp(&pid, argv[0], &actions, &attr, argv, environ))
				pid = -1;
			posix_spawnattr_destroy(&attr);
		}
		posix_spawn_file_actions_destroy(&actions);
	}
	free(words);
	close(fds[0]);
	if (pid < 0) {
		close(fds[1]);
		return -1;
	}
	*fd_ret = fds[1];
	return pid;
}

/* Show text through $PAGER when it is taller than the screen. */
static void show_output(const char *text, size_t size)
{
	unsigned int lines = 0;
	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';
	fflush(stdout);
	pid_t pid = -1;
	int fd;
	if (pager_enabled && lines + 1 >= terminal_rows())
		pid = start_pager(&fd);
	if (pid < 0) {
		size_t done = write_all(STDOUT_FILENO, text, size);
		if (done < size && hvo_interrupt_pending())
			say_stopped(done && text[done - 1] != '\n');
		return;
	}
	/*
	 * A pager quit before the end (q in less) must not kill the shell with
	 * SIGPIPE.  Ignored only after the spawn, so the pager keeps the default.
	 */
	struct sigaction ignore = { .sa_handler = SIG_IGN }, saved;
	sigemptyset(&ignore.sa_mask);
	sigaction(SIGPIPE, &ignore, &saved);
	size_t done = write_all(fd, text, size);
	close(fd);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGPIPE, &saved, NULL);
	/* Where the pager left the cursor is its business: a line of our own. */
	if (done < size && hvo_interrupt_pending())
		say_stopped(true);
}

static char *line_read;
static bool line_done;

static void on_line(char *line)
{
	line_read = line;
	line_done = true;
	rl_callback_handler_remove();
}

/*
 * readline(), driven through its callback interface so that Ctrl-C at the
 * prompt is seen wherever it lands: SIGINT stays blocked but in pselect(),
 * whose EINTR then drops the line and starts a fresh one below it, as bash
 * does.  NULL at end of input.
 */
static char *read_line(const char *prompt)
{
	sigset_t block, unblocked;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	sigdelset(&unblocked, SIGINT);
	line_read = NULL;
	line_done = false;
	rl_callback_handler_install(prompt, on_line);
	while (!line_done) {
		fd_set fds;
		FD_ZERO(&fds);
		FD_SET(STDIN_FILENO, &fds);
		int n = pselect(STDIN_FILENO + 1, &fds, NULL, NULL, NULL, &unblocked);
		if (hvo_interrupt_pending()) {
			hvo_interrupt_clear();
			rl_echo_signal_char(SIGINT);
			rl_callback_sigcleanup();
			rl_free_line_state();
			rl_replace_line("", 0);
			rl_crlf();
			rl_on_new_line();
			rl_redisplay();
			continue;
		}
		if (n < 0 && errno != EINTR) {
			rl_callback_handler_remove();
			break;
		}
		if (n > 0)
			rl_callback_read_char();
	}
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	return line_read;
}

const char *hvo_shell_readline_version(void)
{
	return rl_library_version;
}

int hvo_shell_interactive(struct hvo_cmd_ctx *ctx)
{
	rl_readline_name = "hvoinspect";
	completion_ctx = ctx;
	rl_attempted_completion_function = complete;
	rl_catch_signals = 0;	/* SIGINT is ours, also at the prompt: see read_line() */
	char *hist = history_path();
	if (hist)
		read_history(hist);
	stifle_history(HISTORY_MAX);
	hvo_interrupt_install();

	char prompt[96];
	snprintf(prompt, sizeof(prompt), "hvo %.64s> ",
		 ctx->prog->release[0] ? ctx->prog->release : "?");
	printf("hvoinspect %s: %s, %s generation. Type 'help' for commands, 'report' for the report.\n",
	       PACKAGE_VERSION, hvo_dump_path(ctx->prog->dump), hvo_generation_name(ctx->prog->generation));

	for (;;) {
		hvo_interrupt_clear();
		char *line = read_line(prompt);
		if (!line) {
			putchar('\n');
			break;
		}
		if (strlen(line) > MAX_LINE) {
			fprintf(stderr, "hvoinspect: line longer than %d bytes ignored\n", MAX_LINE);
			free(line);
			continue;
		}
		if (*line)
			add_history(line);
		int argc;
		char **argv;
		struct hvo_error *err = hvo_shell_split(line, &argc, &argv);
		free(line);
		if (err) {
			fprintf(stderr, "hvoinspect: %s\n", err->message);
			hvo_error_destroy(err);
			continue;
		}
		if (argc == 0) {
			hvo_shell_free_argv(argc, argv);
			continue;
		}
		remember_addresses(argc, argv);
		/* Capture the output so long results can go through the pager. */
		char *text = NULL;
		size_t size = 0;
		bool quit = false;
		FILE *mem = open_memstream(&text, &size);
		if (!mem) {
			err = hvo_error_errno(errno, "open_memstream");
		} else {
			FILE *saved = ctx->out;
			ctx->out = mem;
			ctx->status = HVO_EXIT_OK;
			err = dispatch(ctx, argc, argv, &quit);
			ctx->out = saved;
			fclose(mem);
			show_output(text, size);
			free(text);
		}
		if (err)
			fprintf(stderr, "hvoinspect: %s\n", err->message);
		hvo_error_destroy(err);
		hvo_shell_free_argv(argc, argv);
		if (quit)
			break;
	}
	if (hist) {
		int history_errno = write_history(hist);
		if (history_errno)
			fprintf(stderr, "hvoinspect: history not saved to '%s': %s\n", hist,
				strerror(history_errno));
		free(hist);
	}
	for (size_t i = 0; i < nr_recent; i++)
		free(recent[i]);
	nr_recent = 0;
	completion_ctx = NULL;
	return HVO_EXIT_OK;
}
