/* truth: ground-truth JSON, written with json-c. */
#include "truth.h"

#include <stdio.h>

int mkv_truth_write(const struct mkv_model *m, const char *path, char *errbuf, size_t errlen)
{
	(void)m;
	(void)path;
	snprintf(errbuf, errlen, "truth is not implemented yet");
	return -1;
}
