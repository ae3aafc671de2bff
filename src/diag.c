/* diag.c - the diagnostics list (diag.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

static struct hvo_error *add(struct hvo_diags *diags, enum hvo_diag_kind kind,
			     const char *subject, char *message)
{
	char *subject_copy = subject ? strdup(subject) : NULL;
	struct hvo_diag *diag = message && (!subject || subject_copy) ?
		hvo_diags_append(diags) : NULL;
	if (!diag) {
		free(subject_copy);
		free(message);
		return &hvo_error_nomem;
	}
	diag->kind = kind;
	diag->subject = subject_copy;
	diag->message = message;
	return NULL;
}

struct hvo_error *hvo_diag_vadd(struct hvo_diags *diags, enum hvo_diag_kind kind,
				const char *subject, const char *fmt, va_list ap)
{
	char *message;
	int n = vasprintf(&message, fmt, ap);
	return add(diags, kind, subject, n < 0 ? NULL : message);
}

struct hvo_error *hvo_diag_add(struct hvo_diags *diags, enum hvo_diag_kind kind,
			       const char *subject, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct hvo_error *err = hvo_diag_vadd(diags, kind, subject, fmt, ap);
	va_end(ap);
	return err;
}

struct hvo_error *hvo_diags_copy(struct hvo_diags *to, const struct hvo_diags *from)
{
	for (size_t i = 0; i < from->size; i++) {
		const struct hvo_diag *d = &from->data[i];
		struct hvo_error *err = add(to, d->kind, d->subject, strdup(d->message));
		if (err)
			return err;
	}
	return NULL;
}

void hvo_diags_free(struct hvo_diags *diags)
{
	for (size_t i = 0; i < diags->size; i++) {
		free(diags->data[i].subject);
		free(diags->data[i].message);
	}
	hvo_diags_deinit(diags);
}

char *hvo_diag_text(const struct hvo_diag *diag)
{
	char *text;
	if (!diag->subject)
		return strdup(diag->message);
	if (asprintf(&text, "%s: %s", diag->subject, diag->message) < 0)
		return NULL;
	return text;
}

const struct hvo_diag *hvo_diags_find(const struct hvo_diags *diags, enum hvo_diag_kind kind)
{
	for (size_t i = 0; i < diags->size; i++) {
		if (diags->data[i].kind == kind)
			return &diags->data[i];
	}
	return NULL;
}
