/* cmd.c - command lookup and dispatch. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "interrupt.h"

const struct hvo_cmd *const hvo_cmds[] = {
	&hvo_cmd_report,
	&hvo_cmd_check,
	&hvo_cmd_savings,
	&hvo_cmd_tails,
	&hvo_cmd_folios,
	&hvo_cmd_decode,
	&hvo_cmd_page,
	&hvo_cmd_map,
	&hvo_cmd_info,
	&hvo_cmd_vmcoreinfo,
	&hvo_cmd_vtop,
	&hvo_cmd_pte,
	&hvo_cmd_rd,
	&hvo_cmd_slice,
	NULL,
};

const struct hvo_cmd *hvo_cmd_find(const char *name)
{
	for (size_t i = 0; hvo_cmds[i]; i++) {
		if (!strcmp(hvo_cmds[i]->name, name))
			return hvo_cmds[i];
	}
	return NULL;
}

/* Edits (insert, delete, replace, swap two neighbours) from a to b, at most limit + 1. */
static size_t edit_distance(const char *a, const char *b, size_t limit)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 32 || lb > 32)
		return limit + 1;
	size_t d[33][33];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

/* Whether name is nearer to word than *best so far: two edits at most, as git's "did you mean". */
static void consider(const char *word, const char *name, const char **best,
		     size_t *best_distance)
{
	size_t distance = edit_distance(word, name, 2);
	/* Not a word of two letters turned into any other of four. */
	if (distance < *best_distance && distance < strlen(word) && distance < strlen(name)) {
		*best = name;
		*best_distance = distance;
	}
}

const char *hvo_cmd_suggest(const char *word, const char *const *more)
{
	const char *best = NULL;
	size_t best_distance = 3;
	for (size_t i = 0; hvo_cmds[i]; i++)
		consider(word, hvo_cmds[i]->name, &best, &best_distance);
	for (size_t i = 0; more && more[i]; i++)
		consider(word, more[i], &best, &best_distance);
	return best;
}

struct hvo_error *hvo_cmd_unknown(const char *word)
{
	const char *suggestion = hvo_cmd_suggest(word, NULL);
	if (suggestion)
		return hvo_error_create(HVO_ERROR_USAGE,
					"unknown command '%s' (did you mean '%s'?)", word, suggestion);
	return hvo_error_create(HVO_ERROR_USAGE, "unknown command '%s' (try 'help')", word);
}

void hvo_cmd_synopsis(const struct hvo_cmd *cmd, bool long_options, char *buf, size_t size)
{
	size_t len = (size_t)snprintf(buf, size, "%s", cmd->name);
	for (const struct hvo_cmd_option *o = cmd->options; o && o->name && len < size; o++) {
		if (!long_options && o->name[1] == '-')
			continue;
		len += (size_t)snprintf(buf + len, size - len, " [%s%s%s]", o->name,
					o->arg ? " " : "", o->arg ? o->arg : "");
	}
	if (*cmd->args && len < size)
		snprintf(buf + len, size - len, " %s", cmd->args);
}

static const struct hvo_cmd_option *find_option(const struct hvo_cmd *cmd, const char *word,
						size_t len)
{
	for (const struct hvo_cmd_option *o = cmd->options; o && o->name; o++) {
		if (strlen(o->name) == len && !strncmp(o->name, word, len))
			return o;
	}
	return NULL;
}

/* "info, warning, error, critical" */
static void list_values(const char *const *values, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; values[i] && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", values[i]);
}

static struct hvo_error *apply_option(const struct hvo_cmd *cmd, struct hvo_cmd_ctx *ctx,
				      const struct hvo_cmd_option *o, const char *value)
{
	if (o->values && value) {
		size_t i = 0;
		while (o->values[i] && strcmp(o->values[i], value) != 0)
			i++;
		if (!o->values[i]) {
			char list[128];
			list_values(o->values, list, sizeof(list));
			return hvo_error_create(HVO_ERROR_USAGE, "%s: %s: '%s' is not one of %s",
						cmd->name, o->name, value, list);
		}
	}
	ctx->given |= 1u << o->opt;
	switch (o->opt) {
	case HVO_CMD_OPT_JSON:
		ctx->json = true;
		break;
	case HVO_CMD_OPT_DEEP:
		ctx->deep = true;
		break;
	case HVO_CMD_OPT_FAIL_ON:
		hvo_severity_parse(value, &ctx->fail_on);	/* checked against values */
		break;
	case HVO_CMD_OPT_PHYSICAL:
		break;	/* the command asks hvo_cmd_given() */
	}
	return NULL;
}

/*
 * Take cmd's options out of argv into ctx; the operands go to *argv_ret in
 * order.  "--opt VALUE" and "--opt=VALUE" both work; "--" ends the options.
 */
static struct hvo_error *parse_options(const struct hvo_cmd *cmd, struct hvo_cmd_ctx *ctx,
				       int argc, char **argv, int *argc_ret, char ***argv_ret)
{
	char **operands = calloc((size_t)argc + 1, sizeof(*operands));
	if (!operands)
		return &hvo_error_nomem;
	int nr = 0;
	operands[nr++] = argv[0];
	bool options_done = false;
	struct hvo_error *err = NULL;
	for (int i = 1; i < argc; i++) {
		const char *word = argv[i];
		if (options_done || word[0] != '-' || !word[1]) {
			operands[nr++] = argv[i];
			continue;
		}
		if (!strcmp(word, "--")) {
			options_done = true;
			continue;
		}
		const char *equals = strchr(word, '=');
		size_t len = equals ? (size_t)(equals - word) : strlen(word);
		const struct hvo_cmd_option *o = find_option(cmd, word, len);
		if (!o) {
			err = hvo_error_create(HVO_ERROR_USAGE, "%s: unknown option '%.*s' (try 'help %s')",
					       cmd->name, (int)len, word, cmd->name);
			goto err;
		}
		const char *value = NULL;
		if (o->arg && equals) {
			value = equals + 1;
		} else if (o->arg) {
			if (i + 1 == argc) {
				err = hvo_error_create(HVO_ERROR_USAGE, "%s: %s needs a %s", cmd->name,
						       o->name, o->arg);
				goto err;
			}
			value = argv[++i];
		} else if (equals) {
			err = hvo_error_create(HVO_ERROR_USAGE, "%s: %s takes no value", cmd->name,
					       o->name);
			goto err;
		}
		if ((err = apply_option(cmd, ctx, o, value)))
			goto err;
	}
	*argc_ret = nr;
	*argv_ret = operands;
	return NULL;
err:
	free(operands);
	return err;
}

struct hvo_error *hvo_cmd_run(struct hvo_cmd_ctx *ctx, int argc, char **argv)
{
	if (argc < 1)
		return hvo_error_create(HVO_ERROR_USAGE, "no command given");
	const struct hvo_cmd *cmd = hvo_cmd_find(argv[0]);
	if (!cmd)
		return hvo_cmd_unknown(argv[0]);
	/* Options hold for this one command: the settings come back after it. */
	bool json = ctx->json, deep = ctx->deep;
	enum hvo_severity fail_on = ctx->fail_on;
	int nr_operands = 0;
	char **operands = NULL;
	void *result = NULL;
	struct hvo_error *err = parse_options(cmd, ctx, argc, argv, &nr_operands, &operands);
	if (!err && cmd->needs_dump && !ctx->prog)
		err = hvo_error_create(HVO_ERROR_USAGE, "%s: no dump is open", cmd->name);
	else if (!err)
		err = cmd->exec(ctx, nr_operands, operands, &result);
	/*
	 * kdump files are read(2), which gives zeros past a shrunken end: a
	 * result read from a dump that changed under it is not shown.  (slice
	 * also checks before it keeps its file.)
	 */
	if (!err && cmd->needs_dump)
		err = hvo_dump_check_unchanged(ctx->prog->dump);
	if (!err)
		err = ctx->json ? cmd->render_json(ctx, result) : cmd->render_text(ctx, result);
	/*
	 * Ctrl-C unwinds through whatever step was running ("walking the
	 * vmemmap page tables: interrupted"): every front end says which
	 * command stopped, unless the command said more itself (slice's file).
	 */
	size_t name_len = strlen(cmd->name);
	if (err && err->code == HVO_ERROR_INTERRUPTED &&
	    (strncmp(err->message, cmd->name, name_len) != 0 || err->message[name_len] != ':')) {
		hvo_error_destroy(err);
		err = hvo_error_create(HVO_ERROR_INTERRUPTED, "%s: interrupted", cmd->name);
	}
	if (cmd->free_result)
		cmd->free_result(result);
	free(operands);
	ctx->json = json;
	ctx->deep = deep;
	ctx->fail_on = fail_on;
	ctx->given = 0;
	return err;
}

struct progress {
	struct timespec start;
	bool drawn;	/* the bar is on the screen and must be wiped */
};

/* A one-line bar on stderr, shown only once a step has run for a second. */
static void draw_progress(void *arg, const char *what, double done)
{
	struct progress *progress = arg;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double elapsed = (now.tv_sec - progress->start.tv_sec) +
		(now.tv_nsec - progress->start.tv_nsec) / 1e9;
	if (elapsed < 1.0)
		return;
	if (done >= 1.0) {
		fprintf(stderr, "\r\033[K");
		progress->drawn = false;
		return;
	}
	int width = 30, filled = (int)(done * width);
	fprintf(stderr, "\r%s [%.*s%*s] %3d%%", what, filled, "##############################",
		width - filled, "", (int)(done * 100));
	progress->drawn = true;
}

struct hvo_error *hvo_cmd_types(struct hvo_cmd_ctx *ctx, struct hvo_types **ret)
{
	if (!ctx->types) {
		struct hvo_error *err = hvo_types_open(ctx->prog, &ctx->types_options, &ctx->types);
		if (err)
			return err;
	}
	*ret = ctx->types;
	return NULL;
}

struct hvo_error *hvo_cmd_analysis(struct hvo_cmd_ctx *ctx, const struct hvo_analysis **ret)
{
	/* A deep analysis checks more than a shallow one: once made, later commands use it. */
	if (!ctx->analysis || (ctx->deep && !ctx->analysis->deep)) {
		struct hvo_types *types;
		struct hvo_error *err = hvo_cmd_types(ctx, &types);
		/* Once, before the scan: later commands (decode) decode with it too. */
		if (!err && !ctx->layout_settled &&
		    !(err = hvo_program_settle_layout(ctx->prog, types)))
			ctx->layout_settled = true;
		if (err)
			return err;
		struct progress progress = { .drawn = false };
		clock_gettime(CLOCK_MONOTONIC, &progress.start);
		struct hvo_analyze_options options = {
			.deep = ctx->deep, .types = types,
			.progress = ctx->progress ? draw_progress : NULL, .progress_arg = &progress,
		};
		struct hvo_analysis *an;
		err = hvo_analyze(ctx->prog, &options, &an);
		/* Stopped half way (Ctrl-C): the message goes where the bar was. */
		if (progress.drawn)
			fprintf(stderr, "\r\033[K");
		if (err)
			return err;	/* and the analysis kept so far stays */
		hvo_analysis_free(ctx->analysis);
		ctx->analysis = an;
	}
	*ret = ctx->analysis;
	return NULL;
}

void hvo_cmd_note_outcome(struct hvo_cmd_ctx *ctx, const struct hvo_analysis *an,
			  bool findings_count)
{
	/* Findings are a definite answer and win over incompleteness. */
	if (findings_count && hvo_analysis_worst_severity(an) >= (int)ctx->fail_on)
		ctx->status = HVO_EXIT_FINDINGS;
	else if (an->incomplete && ctx->status == HVO_EXIT_OK)
		ctx->status = HVO_EXIT_INCOMPLETE;
}

void hvo_cmd_ctx_deinit(struct hvo_cmd_ctx *ctx)
{
	hvo_analysis_free(ctx->analysis);
	ctx->analysis = NULL;
	hvo_types_close(ctx->types);
	ctx->types = NULL;
	ctx->layout_settled = false;
}

struct hvo_error *hvo_cmd_json_emit(struct hvo_cmd_ctx *ctx, json_object *result)
{
	return hvo_json_write(ctx->out, result, NULL, 0, NULL, NULL);
}

struct hvo_error *hvo_cmd_json_emit_array(struct hvo_cmd_ctx *ctx, json_object *result,
					  const char *key, size_t nr_items,
					  int (*write_item)(FILE *out, size_t i, const void *arg),
					  const void *arg)
{
	return hvo_json_write(ctx->out, result, key, nr_items, write_item, arg);
}
