/*
 * cmd.h - the command table shared by the command line, the shell and
 * scripted runs.
 *
 * A command computes a result and prints nothing; its renderers draw that
 * result as text or JSON (or, for map, SVG); hvo_cmd_run() runs one, checks
 * the dump once after it, and then renders.  To add a command: write
 * src/cmd_NAME.c defining a const struct hvo_cmd (name, argument synopsis,
 * one-line summary, help text, exec, render_text, render_json), declare it
 * below, list it in hvo_cmds[] in cmd.c, add it to src/local.am and give it
 * a section in man/hvoinspect.1.  Its options go in its options[] (the
 * HVO_CMD_OPTION_* entries, or a new enum hvo_cmd_opt): hvo_cmd_run parses
 * them, and `help`, usage errors and shell completion all read the table.
 */
#ifndef HVO_CMD_H
#define HVO_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "error.h"
#include "hvo.h"
#include "json.h"
#include "program.h"
#include "types.h"

struct hvo_cmd_ctx {
	struct hvo_program *prog;
	FILE *out;
	bool json;
	enum hvo_severity fail_on;	/* findings at or above this exit 1 */
	bool deep;			/* --deep: read every struct page */
	struct hvo_types_options types_options;	/* --vmlinux, --force, --no-dwarf, --no-btf */
	struct hvo_types *types;	/* opened on first use */
	bool layout_settled;		/* prog's page layout, by the first analysis */
	bool progress;			/* draw a progress bar on stderr (a terminal) */
	struct hvo_analysis *analysis;	/* computed on first use, then shared */
	/* Worst outcome so far that is not an error: findings, incomplete. */
	enum hvo_exit_status status;
	unsigned int given;		/* 1 << enum hvo_cmd_opt, for the running command */
	/* Benchmark aid (HVOINSPECT_STATS): each script command's wall time to stderr. */
	bool time_commands;
};

/* What an option does.  The first three set ctx for the one command. */
enum hvo_cmd_opt {
	HVO_CMD_OPT_JSON,	/* ctx->json */
	HVO_CMD_OPT_DEEP,	/* ctx->deep: an analysis reading every struct page */
	HVO_CMD_OPT_FAIL_ON,	/* ctx->fail_on */
	HVO_CMD_OPT_PHYSICAL,	/* rd -p */
};

struct hvo_cmd_option {
	const char *name;		/* "--deep", "-p" */
	enum hvo_cmd_opt opt;
	const char *arg;		/* name of its value ("SEVERITY"), NULL for a flag */
	const char *const *values;	/* the values it takes, NULL-terminated; NULL: any */
	const char *help;		/* one line for `help CMD` */
};

#define HVO_CMD_OPTION_JSON \
	{ "--json", HVO_CMD_OPT_JSON, NULL, NULL, "print this result as JSON" }
#define HVO_CMD_OPTION_DEEP \
	{ "--deep", HVO_CMD_OPT_DEEP, NULL, NULL, \
	  "read every struct page (also checks THP and slab tails); kept for later commands" }
#define HVO_CMD_OPTION_FAIL_ON \
	{ "--fail-on", HVO_CMD_OPT_FAIL_ON, "SEVERITY", hvo_severity_names, \
	  "findings at or above SEVERITY set exit status 1" }
#define HVO_CMD_OPTION_END { NULL, 0, NULL, NULL, NULL }

struct hvo_cmd {
	const char *name;
	const char *args;	/* synopsis of the arguments, "" if none */
	const char *summary;	/* one line for `help` */
	const char *help;	/* paragraph for `help CMD` */
	const struct hvo_cmd_option *options;	/* ends with HVO_CMD_OPTION_END; NULL: none */
	bool needs_dump;
	/*
	 * Compute the result, printing nothing: *result_ret is the command's own
	 * struct, or NULL when it has none.
	 */
	struct hvo_error *(*exec)(struct hvo_cmd_ctx *ctx, int argc, char **argv,
				  void **result_ret);
	/* Draw the result on ctx->out, for people and as one JSON object a line. */
	struct hvo_error *(*render_text)(struct hvo_cmd_ctx *ctx, const void *result);
	struct hvo_error *(*render_json)(struct hvo_cmd_ctx *ctx, const void *result);
	/* Free what exec allocated; NULL when the result is not the command's to free. */
	void (*free_result)(void *result);
};

extern const struct hvo_cmd hvo_cmd_info;
extern const struct hvo_cmd hvo_cmd_vmcoreinfo;
extern const struct hvo_cmd hvo_cmd_report;
extern const struct hvo_cmd hvo_cmd_check;
extern const struct hvo_cmd hvo_cmd_savings;
extern const struct hvo_cmd hvo_cmd_tails;
extern const struct hvo_cmd hvo_cmd_folios;
extern const struct hvo_cmd hvo_cmd_decode;
extern const struct hvo_cmd hvo_cmd_page;
extern const struct hvo_cmd hvo_cmd_slice;
extern const struct hvo_cmd hvo_cmd_rd;
extern const struct hvo_cmd hvo_cmd_vtop;
extern const struct hvo_cmd hvo_cmd_pte;
extern const struct hvo_cmd hvo_cmd_map;

extern const struct hvo_cmd *const hvo_cmds[];

const struct hvo_cmd *hvo_cmd_find(const char *name);
/* The command (or word of more, NULL-terminated) nearest to a mistyped word; NULL if none is near. */
const char *hvo_cmd_suggest(const char *word, const char *const *more);
/* "unknown command 'reprot' (did you mean 'report'?)", a usage error. */
struct hvo_error *hvo_cmd_unknown(const char *word);
/*
 * Run one command line (already split into argv) against ctx: its options,
 * anywhere before a "--", apply to this command only; exec sees the rest.
 */
struct hvo_error *hvo_cmd_run(struct hvo_cmd_ctx *ctx, int argc, char **argv);
/* Whether the running command was given an option. */
static inline bool hvo_cmd_given(const struct hvo_cmd_ctx *ctx, enum hvo_cmd_opt opt)
{
	return ctx->given & (1u << opt);
}
/*
 * "rd [-p] ADDR [BYTES]": the name, its options and its arguments; long
 * options only when long_options (they make the `help` list too wide).
 */
void hvo_cmd_synopsis(const struct hvo_cmd *cmd, bool long_options, char *buf, size_t size);

/*
 * The analysis of ctx->prog, run once and kept for later commands; the
 * first settles prog's page layout (hvo_program_settle_layout()).
 */
struct hvo_error *hvo_cmd_analysis(struct hvo_cmd_ctx *ctx, const struct hvo_analysis **ret);
/* A number (0x hex or decimal), a symbol, or symbol+offset. */
struct hvo_error *hvo_cmd_parse_address(struct hvo_cmd_ctx *ctx, const char *text,
					uint64_t *address_ret);
/* Type information for ctx->prog, opened once with ctx->types_options. */
struct hvo_error *hvo_cmd_types(struct hvo_cmd_ctx *ctx, struct hvo_types **ret);
/* Fold findings and incompleteness of the analysis into ctx->status. */
void hvo_cmd_note_outcome(struct hvo_cmd_ctx *ctx, const struct hvo_analysis *an,
			  bool findings_count);
void hvo_cmd_ctx_deinit(struct hvo_cmd_ctx *ctx);

/* Print a JSON result as one line, take ownership of it. */
struct hvo_error *hvo_cmd_json_emit(struct hvo_cmd_ctx *ctx, json_object *result);
/*
 * The same with one more member, KEY, an array too long for a json-c tree:
 * write_item prints item i of arg as JSON (returns < 0 on a write error).
 * With key NULL, just the object (hvo_cmd_json_emit).
 */
struct hvo_error *hvo_cmd_json_emit_array(struct hvo_cmd_ctx *ctx, json_object *result,
					  const char *key, size_t nr_items,
					  int (*write_item)(FILE *out, size_t i, const void *arg),
					  const void *arg);

#endif /* HVO_CMD_H */
