/*
 * diag.h - one list of what went wrong without stopping the work.
 *
 * Errors stop a command; diagnostics are kept and shown with its result:
 * a VMCOREINFO line not understood, a page-table page not in the dump, a
 * type provider not used, a flaw the dump layer corrected, a page the
 * analysis could not read.  Each says what kind it is and what it
 * concerns, and every front end shows it as hvo_diag_text() writes it.
 */
#ifndef HVO_DIAG_H
#define HVO_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "vector.h"

enum hvo_diag_kind {
	HVO_DIAG_NOTE,		/* how the work was done: a default taken, a step left out */
	HVO_DIAG_WARNING,	/* something in the dump is odd, and was passed over */
	HVO_DIAG_MISSING,	/* something needed could not be read: the result is incomplete */
	HVO_DIAG_CORRECTION,	/* the dump layer corrected a known flaw of the dump */
};

struct hvo_diag {
	enum hvo_diag_kind kind;
	char *subject;		/* what it concerns ("VMCOREINFO line 3"), or NULL */
	char *message;
};

HVO_VECTOR(hvo_diags, struct hvo_diag)

/* Add one; subject may be NULL.  Only running out of memory fails. */
struct hvo_error *hvo_diag_add(struct hvo_diags *diags, enum hvo_diag_kind kind,
			       const char *subject, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The same for a caller that takes the format and arguments itself. */
struct hvo_error *hvo_diag_vadd(struct hvo_diags *diags, enum hvo_diag_kind kind,
				const char *subject, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
/* Append copies of every diagnostic of from. */
struct hvo_error *hvo_diags_copy(struct hvo_diags *to, const struct hvo_diags *from);
void hvo_diags_free(struct hvo_diags *diags);

/* "subject: message", or the message alone: the one text form of a diagnostic. */
char *hvo_diag_text(const struct hvo_diag *diag);
/* The first diagnostic of a kind, or NULL. */
const struct hvo_diag *hvo_diags_find(const struct hvo_diags *diags, enum hvo_diag_kind kind);

#endif /* HVO_DIAG_H */
