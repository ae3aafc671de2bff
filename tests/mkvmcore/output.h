/* output: write a built model in the format its parameters ask for (ELF or kdump). */
#ifndef MKV_OUTPUT_H
#define MKV_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "diskdump_write.h"	/* the core library's writer (src/) */
#include "model.h"

/*
 * Returns 0, or -1 with a message in errbuf; kdump stats when stats_ret is
 * not NULL.  kdump output goes through hvo_diskdump_write(), the writer
 * `hvoinspect slice` uses; flattened output needs no seekable @out.
 */
int mkv_output_write(const struct mkv_model *m, FILE *out, struct hvo_diskdump_stats *stats_ret,
		     char *errbuf, size_t errlen);

#endif
