/*
 * dump_error.c - libkdumpfile's status as struct hvo_error: the one adapter
 * between its errors and ours, used by every dump file.
 */
#include <stdarg.h>

#include "dump_internal.h"

/* libkdumpfile's message for its last failure, as an hvo_error. */
struct hvo_error *hvo_dump_kdump_failure(struct hvo_dump *dump, kdump_status status,
					 const char *fmt, ...)
{
	enum hvo_error_code code;
	switch (status) {
	case KDUMP_ERR_NODATA: code = HVO_ERROR_NODATA; break;
	case KDUMP_ERR_ADDRXLAT: code = HVO_ERROR_TRANSLATE; break;
	case KDUMP_ERR_NOTIMPL: code = HVO_ERROR_UNSUPPORTED; break;
	case KDUMP_ERR_SYSTEM: code = HVO_ERROR_OS; break;
	default: code = HVO_ERROR_FORMAT; break;
	}
	const char *why = kdump_get_err(dump->ctx);
	struct hvo_error *err = hvo_error_create(code, "%s", why && *why ? why :
						 "libkdumpfile error");
	va_list ap;
	va_start(ap, fmt);
	err = hvo_error_vprefix(err, fmt, ap);
	va_end(ap);
	return err;
}
