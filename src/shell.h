/*
 * shell.h - the interactive readline shell and the scripted (batch) mode.
 *
 * Both run the same command table as the command line; batch mode reads
 * commands from -c, -f or a non-terminal stdin, one per line or separated
 * by ';', and stops at the first failing command unless --keep-going.
 */
#ifndef HVO_SHELL_H
#define HVO_SHELL_H

#include <stdbool.h>
#include <stdio.h>

#include "cmd.h"

/* Split one command line into words ('...' and "..." quote, no expansion). */
struct hvo_error *hvo_shell_split(const char *line, int *argc_ret, char ***argv_ret);
void hvo_shell_free_argv(int argc, char **argv);

/* `help [CMD]`: the commands, or one (a shell word too), as text or JSON; no dump needed. */
struct hvo_error *hvo_shell_help(struct hvo_cmd_ctx *ctx, int argc, char **argv);

/* Interactive loop on a terminal; returns the exit status. */
int hvo_shell_interactive(struct hvo_cmd_ctx *ctx);
/* The readline library run, as it reports its version. */
const char *hvo_shell_readline_version(void);

/*
 * Run the commands in text (lines and ';'-separated commands).  source names
 * the origin for messages ("-c", a file name, "stdin").  *nr_run_ret gets
 * the number of commands run.  Returns the exit status.
 */
int hvo_shell_script(struct hvo_cmd_ctx *ctx, const char *text, const char *source,
		     bool keep_going, unsigned int *nr_run_ret);

#endif /* HVO_SHELL_H */
