/*
 * cmd.h - the command table shared by the command line, the shell and
 * scripted runs.
 *
 * To add a command: write src/cmd_NAME.c defining a const struct hvo_cmd
 * (name, argument synopsis, one-line summary, help text, exec), declare it
 * below, list it in hvo_cmds[] in cmd.c, add it to src/local.am and give it
 * a section in man/hvoinspect.1.  `help` and completion come from the table.
 */
#ifndef HVO_CMD_H
#define HVO_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "error.h"
#include "hvo.h"
#include "program.h"
#include "types.h"

/* Version of the JSON output schema; bump on incompatible change. */
#define HVO_JSON_SCHEMA 1

struct hvo_cmd_ctx {
	struct hvo_program *prog;
	FILE *out;
	bool json;
	enum hvo_severity fail_on;	/* findings at or above this exit 1 */
	bool deep;			/* --deep: read every struct page */
	struct hvo_types_options types_options;	/* --vmlinux, --force, --no-dwarf, --no-btf */
	struct hvo_types *types;	/* opened on first use */
	bool progress;			/* draw a progress bar on stderr (a terminal) */
	struct hvo_analysis *analysis;	/* computed on first use, then shared */
	/* Worst outcome so far that is not an error: findings, incomplete. */
	enum hvo_exit_status status;
};

struct hvo_cmd {
	const char *name;
	const char *args;	/* synopsis of the arguments, "" if none */
	const char *summary;	/* one line for `help` */
	const char *help;	/* paragraph for `help CMD` */
	bool needs_dump;
	struct hvo_error *(*exec)(struct hvo_cmd_ctx *ctx, int argc, char **argv);
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
extern const struct hvo_cmd hvo_cmd_pte;
extern const struct hvo_cmd hvo_cmd_map;

extern const struct hvo_cmd *const hvo_cmds[];

const struct hvo_cmd *hvo_cmd_find(const char *name);
/* Run one command line (already split into argv) against ctx. */
struct hvo_error *hvo_cmd_run(struct hvo_cmd_ctx *ctx, int argc, char **argv);

/* The analysis of ctx->prog, run once and kept for later commands. */
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

/* A JSON result object with "schema" and "command" set. */
json_object *hvo_cmd_json_new(const char *command);
/* Print a JSON result as one line, take ownership of it. */
struct hvo_error *hvo_cmd_json_emit(struct hvo_cmd_ctx *ctx, json_object *result);
/* Helpers for JSON values that must not lose 64-bit precision. */
json_object *hvo_json_hex(uint64_t value);
json_object *hvo_json_u64(uint64_t value);

#endif /* HVO_CMD_H */
