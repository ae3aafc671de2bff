/*
 * json.h - the JSON side of rendering: result objects, numbers that keep
 * 64 bits, and writing an object (with one long array streamed) as a line.
 *
 * Every JSON renderer uses these; they know nothing of commands or the
 * analysis, so any layer may include this header.
 */
#ifndef HVO_JSON_H
#define HVO_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "error.h"

/* Version of the JSON output schema; bump on incompatible change. */
#define HVO_JSON_SCHEMA 1

/* A JSON result object with "schema" and "command" set. */
json_object *hvo_json_result_new(const char *command);
/*
 * Print result as one line on out and take ownership of it; with key, one
 * more member KEY, an array too long for a json-c tree: write_item prints
 * item i of arg as JSON (returns < 0 on a write error).
 */
struct hvo_error *hvo_json_write(FILE *out, json_object *result, const char *key,
				 size_t nr_items,
				 int (*write_item)(FILE *out, size_t i, const void *arg),
				 const void *arg);
/* Values that must not lose 64-bit precision. */
json_object *hvo_json_hex(uint64_t value);
json_object *hvo_json_u64(uint64_t value);

#endif /* HVO_JSON_H */
