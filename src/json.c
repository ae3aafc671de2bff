/* json.c - JSON result objects and their output, shared by every renderer. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "interrupt.h"
#include "json.h"

json_object *hvo_json_result_new(const char *command)
{
	json_object *obj = json_object_new_object();
	if (!obj)
		return NULL;
	json_object_object_add(obj, "schema", json_object_new_int(HVO_JSON_SCHEMA));
	json_object_object_add(obj, "command", json_object_new_string(command));
	return obj;
}

struct hvo_error *hvo_json_write(FILE *out, json_object *result, const char *key,
				 size_t nr_items,
				 int (*write_item)(FILE *out, size_t i, const void *arg),
				 const void *arg)
{
	if (!result)
		return &hvo_error_nomem;
	const char *text = json_object_to_json_string_ext(result, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	struct hvo_error *err = NULL;
	size_t len = text ? strlen(text) : 0;
	if (len < 2 || text[len - 1] != '}') {
		err = &hvo_error_nomem;
		goto out;
	}
	if (!key) {
		if (fprintf(out, "%s\n", text) < 0)
			err = hvo_error_errno(errno, "writing output");
		goto out;
	}
	/* The object without its closing brace, then the array as its last member. */
	bool empty = len == 2;
	bool ok = fprintf(out, "%.*s%s\"%s\":[", (int)(len - 1), text, empty ? "" : ",",
			  key) >= 0;
	for (size_t i = 0; ok && i < nr_items; i++) {
		if ((i & 4095) == 0 && (err = hvo_interrupt_check())) {
			/* The line so far is not JSON: end it so the next one parses. */
			fputc('\n', out);
			goto out;
		}
		ok = (i == 0 || fputc(',', out) != EOF) && write_item(out, i, arg) >= 0;
	}
	if (!ok || fprintf(out, "]}\n") < 0)
		err = hvo_error_errno(errno, "writing output");
out:
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
