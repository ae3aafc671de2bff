/*
 * error.h - the one error type of hvoinspect.
 *
 * Every fallible function returns a struct hvo_error pointer: NULL means
 * success, results travel through *_ret out-parameters.  Each layer that
 * passes an error up may prefix its own context ("reading pgd page: ..."),
 * so the final message reads outer to inner.  Two static errors need no
 * allocation: out-of-memory, and "not found" (a miss, not a failure).
 */
#ifndef HVO_ERROR_H
#define HVO_ERROR_H

#include <stdarg.h>
#include <stdbool.h>

enum hvo_error_code {
	HVO_ERROR_NOMEM = 1,	/* out of memory */
	HVO_ERROR_USAGE,	/* bad command line or command arguments */
	HVO_ERROR_OS,		/* system call failed; errnum says why */
	HVO_ERROR_FORMAT,	/* not a dump, or a malformed one */
	HVO_ERROR_NODATA,	/* page not in the dump (filtered or missing) */
	HVO_ERROR_NOT_FOUND,	/* lookup missed (symbol, key, type) */
	HVO_ERROR_UNSUPPORTED,	/* valid input we cannot handle */
	HVO_ERROR_INVALID,	/* a value read from the dump is out of range */
	HVO_ERROR_MISMATCH,	/* e.g. vmlinux build id differs from the dump */
	HVO_ERROR_TRANSLATE,	/* address translation failed */
	HVO_ERROR_INTERRUPTED,	/* stopped by the user (Ctrl-C) */
	HVO_ERROR_INTERNAL,	/* a bug in hvoinspect */
};

struct hvo_error {
	enum hvo_error_code code;
	int errnum;		/* errno for HVO_ERROR_OS, else 0 */
	bool is_static;		/* static errors are never freed */
	char *message;
};

/* Process exit status, documented in --help and hvoinspect(1). */
enum hvo_exit_status {
	HVO_EXIT_OK = 0,		/* analysed, nothing found */
	HVO_EXIT_FINDINGS = 1,		/* findings at or above --fail-on */
	HVO_EXIT_ERROR = 2,		/* usage error or dump unreadable */
	HVO_EXIT_INCOMPLETE = 3,	/* analysed, but pages missing or filtered */
	HVO_EXIT_INTERRUPTED = 130,	/* stopped by Ctrl-C, as a shell reports SIGINT */
};

extern struct hvo_error hvo_error_nomem;
extern struct hvo_error hvo_error_not_found;

/* The constructors never return NULL: &hvo_error_nomem when out of memory. */
struct hvo_error *hvo_error_create(enum hvo_error_code code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), returns_nonnull));
/* An HVO_ERROR_OS error whose message ends with strerror(errnum). */
struct hvo_error *hvo_error_errno(int errnum, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), returns_nonnull));
#ifdef __clang_analyzer__
/*
 * clang 14's analyzer (make tidy) ignores returns_nonnull and follows a NULL
 * "error" as success, with the out-parameters unset; show it the promise
 * (a statement expression: an inline function is not always inlined).
 */
#define HVO_ERROR_NONNULL(call) \
	({ struct hvo_error *nonnull_err_ = (call); \
	   if (!nonnull_err_) \
		   __builtin_unreachable(); \
	   nonnull_err_; })
#define hvo_error_create(...) HVO_ERROR_NONNULL(hvo_error_create(__VA_ARGS__))
#define hvo_error_errno(...) HVO_ERROR_NONNULL(hvo_error_errno(__VA_ARGS__))
#endif
/*
 * Prefix the message with context: "context: message".  Consumes err and
 * returns the error to pass on (a static error is copied first).
 */
struct hvo_error *hvo_error_prefix(struct hvo_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
struct hvo_error *hvo_error_vprefix(struct hvo_error *err, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void hvo_error_destroy(struct hvo_error *err);
const char *hvo_error_code_name(enum hvo_error_code code);
/* Exit status for a command that failed with err. */
enum hvo_exit_status hvo_error_exit_status(const struct hvo_error *err);

#endif /* HVO_ERROR_H */
