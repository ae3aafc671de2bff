/*
 * findings.h - what the analysis can find wrong in a dump, and how bad it
 * is: the severities a finding has.
 */
#ifndef HVO_FINDINGS_H
#define HVO_FINDINGS_H

#include <stdbool.h>

enum hvo_severity {
	HVO_SEV_INFO,
	HVO_SEV_WARNING,
	HVO_SEV_ERROR,
	HVO_SEV_CRITICAL,
};

/* "info", "warning", "error", "critical", by enum hvo_severity; NULL-terminated. */
extern const char *const hvo_severity_names[];
const char *hvo_severity_name(enum hvo_severity severity);
/* Parse "info", "warning", "error", "critical"; false if unknown. */
bool hvo_severity_parse(const char *name, enum hvo_severity *ret);

#endif /* HVO_FINDINGS_H */
