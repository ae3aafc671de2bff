/* diskdump_write: kdump-compressed dump writer. */
#include "diskdump_write.h"

int mkv_diskdump_write(FILE *out, const struct mkv_phys *mem, const struct mkv_diskdump_opts *opts,
		       char *errbuf, size_t errlen)
{
	(void)out;
	(void)mem;
	(void)opts;
	snprintf(errbuf, errlen, "format=kdump is not implemented yet");
	return -1;
}
