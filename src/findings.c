/* findings.c - severities of findings. */
#include <string.h>

#include "findings.h"

const char *const hvo_severity_names[] = {
	[HVO_SEV_INFO] = "info",
	[HVO_SEV_WARNING] = "warning",
	[HVO_SEV_ERROR] = "error",
	[HVO_SEV_CRITICAL] = "critical",
	[HVO_SEV_CRITICAL + 1] = NULL,
};

const char *hvo_severity_name(enum hvo_severity severity)
{
	if ((unsigned int)severity > HVO_SEV_CRITICAL)
		return "unknown";
	return hvo_severity_names[severity];
}

bool hvo_severity_parse(const char *name, enum hvo_severity *ret)
{
	for (int s = HVO_SEV_INFO; s <= HVO_SEV_CRITICAL; s++) {
		if (!strcmp(name, hvo_severity_name(s))) {
			*ret = s;
			return true;
		}
	}
	return false;
}
