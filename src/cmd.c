/* cmd.c - command lookup and dispatch, JSON result helpers. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"

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

struct hvo_error *hvo_cmd_run(struct hvo_cmd_ctx *ctx, int argc, char **argv)
{
	if (argc < 1)
		return hvo_error_create(HVO_ERROR_USAGE, "no command given");
	const struct hvo_cmd *cmd = hvo_cmd_find(argv[0]);
	if (!cmd)
		return hvo_error_create(HVO_ERROR_USAGE,
					"unknown command '%s' (try 'help')", argv[0]);
	if (cmd->needs_dump && !ctx->prog)
		return hvo_error_create(HVO_ERROR_USAGE, "%s: no dump is open", cmd->name);
	return cmd->exec(ctx, argc, argv);
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
	if (!ctx->analysis) {
		struct hvo_types *types;
		struct hvo_error *terr = hvo_cmd_types(ctx, &types);
		if (terr)
			return terr;
		struct progress progress = { .drawn = false };
		clock_gettime(CLOCK_MONOTONIC, &progress.start);
		struct hvo_analyze_options options = {
			.deep = ctx->deep, .types = types,
			.progress = ctx->progress ? draw_progress : NULL, .progress_arg = &progress,
		};
		struct hvo_error *err = hvo_analyze(ctx->prog, &options, &ctx->analysis);
		/* Stopped half way (Ctrl-C): the message goes where the bar was. */
		if (progress.drawn)
			fprintf(stderr, "\r\033[K");
		if (err)
			return err;
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
}

json_object *hvo_cmd_json_new(const char *command)
{
	json_object *obj = json_object_new_object();
	if (!obj)
		return NULL;
	json_object_object_add(obj, "schema", json_object_new_int(HVO_JSON_SCHEMA));
	json_object_object_add(obj, "command", json_object_new_string(command));
	return obj;
}

struct hvo_error *hvo_cmd_json_emit(struct hvo_cmd_ctx *ctx, json_object *result)
{
	if (!result)
		return &hvo_error_nomem;
	const char *text = json_object_to_json_string_ext(result, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	struct hvo_error *err = NULL;
	if (!text)
		err = &hvo_error_nomem;
	else if (fprintf(ctx->out, "%s\n", text) < 0)
		err = hvo_error_errno(errno, "writing output");
	json_object_put(result);
	return err;
}

json_object *hvo_json_hex(uint64_t value)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "0x%" PRIx64, value);
	return json_object_new_string(buf);
}

json_object *hvo_json_u64(uint64_t value)
{
	/* json-c 0.14+ keeps unsigned 64-bit values exact. */
	return json_object_new_uint64(value);
}
