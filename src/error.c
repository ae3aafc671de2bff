/* error.c - construction, context prefixes and exit status of struct hvo_error. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

struct hvo_error hvo_error_nomem = {
	.code = HVO_ERROR_NOMEM,
	.is_static = true,
	.message = (char *)"out of memory",
};

struct hvo_error hvo_error_not_found = {
	.code = HVO_ERROR_NOT_FOUND,
	.is_static = true,
	.message = (char *)"not found",
};

static struct hvo_error *error_vcreate(enum hvo_error_code code, int errnum,
				       const char *fmt, va_list ap)
{
	struct hvo_error *err = malloc(sizeof(*err));
	if (!err)
		return &hvo_error_nomem;
	err->code = code;
	err->errnum = errnum;
	err->is_static = false;
	if (vasprintf(&err->message, fmt, ap) < 0) {
		free(err);
		return &hvo_error_nomem;
	}
	return err;
}

/* The names in parentheses: error.h may define them as macros (make tidy). */
struct hvo_error *(hvo_error_create)(enum hvo_error_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct hvo_error *err = error_vcreate(code, 0, fmt, ap);
	va_end(ap);
	return err;
}

struct hvo_error *(hvo_error_errno)(int errnum, const char *fmt, ...)
{
	struct hvo_error *err = hvo_error_create(HVO_ERROR_OS, "%s", strerror(errnum));
	if (err != &hvo_error_nomem)
		err->errnum = errnum;
	va_list ap;
	va_start(ap, fmt);
	err = hvo_error_vprefix(err, fmt, ap);
	va_end(ap);
	return err;
}

struct hvo_error *hvo_error_prefix(struct hvo_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err = hvo_error_vprefix(err, fmt, ap);
	va_end(ap);
	return err;
}

struct hvo_error *hvo_error_vprefix(struct hvo_error *err, const char *fmt, va_list ap)
{
	if (!err || err == &hvo_error_nomem)
		return err;
	char *context;
	if (vasprintf(&context, fmt, ap) < 0)
		return err;	/* keep the inner error rather than lose it */
	char *message;
	if (asprintf(&message, "%s: %s", context, err->message) < 0) {
		free(context);
		return err;
	}
	free(context);
	if (err->is_static) {
		struct hvo_error *copy = malloc(sizeof(*copy));
		if (!copy) {
			free(message);
			return err;
		}
		*copy = *err;
		copy->is_static = false;
		copy->message = message;
		return copy;
	}
	free(err->message);
	err->message = message;
	return err;
}

void hvo_error_destroy(struct hvo_error *err)
{
	if (err && !err->is_static) {
		free(err->message);
		free(err);
	}
}

const char *hvo_error_code_name(enum hvo_error_code code)
{
	switch (code) {
	case HVO_ERROR_NOMEM: return "nomem";
	case HVO_ERROR_USAGE: return "usage";
	case HVO_ERROR_OS: return "os";
	case HVO_ERROR_FORMAT: return "format";
	case HVO_ERROR_NODATA: return "nodata";
	case HVO_ERROR_NOT_FOUND: return "not-found";
	case HVO_ERROR_UNSUPPORTED: return "unsupported";
	case HVO_ERROR_INVALID: return "invalid";
	case HVO_ERROR_MISMATCH: return "mismatch";
	case HVO_ERROR_TRANSLATE: return "translate";
	case HVO_ERROR_INTERRUPTED: return "interrupted";
	case HVO_ERROR_INTERNAL: return "internal";
	}
	return "unknown";
}

enum hvo_exit_status hvo_error_exit_status(const struct hvo_error *err)
{
	if (!err)
		return HVO_EXIT_OK;
	/* A dump that opened but lacks pages we need is an incomplete analysis. */
	if (err->code == HVO_ERROR_NODATA)
		return HVO_EXIT_INCOMPLETE;
	if (err->code == HVO_ERROR_INTERRUPTED)
		return HVO_EXIT_INTERRUPTED;
	return HVO_EXIT_ERROR;
}
