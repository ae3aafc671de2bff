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
#include "program.h"

/* Version of the JSON output schema; bump on incompatible change. */
#define HVO_JSON_SCHEMA 1

struct hvo_cmd_ctx {
	struct hvo_program *prog;
	FILE *out;
	bool json;
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

extern const struct hvo_cmd *const hvo_cmds[];

const struct hvo_cmd *hvo_cmd_find(const char *name);
/* Run one command line (already split into argv) against ctx. */
struct hvo_error *hvo_cmd_run(struct hvo_cmd_ctx *ctx, int argc, char **argv);

/* A JSON result object with "schema" and "command" set. */
json_object *hvo_cmd_json_new(const char *command);
/* Print a JSON result as one line, take ownership of it. */
struct hvo_error *hvo_cmd_json_emit(struct hvo_cmd_ctx *ctx, json_object *result);
/* Helpers for JSON values that must not lose 64-bit precision. */
json_object *hvo_json_hex(uint64_t value);
json_object *hvo_json_u64(uint64_t value);

#endif /* HVO_CMD_H */
