/* flatten: a seekable kdump file as makedumpfile's flattened records. */
#include "flatten.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MDF_HEADER_SIZE 4096
#define MDF_TYPE_FLAT_HEADER 1
#define MDF_VERSION_FLAT_HEADER 1
#define BLOCK 4096
#define CHUNK (256 * BLOCK)

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (56 - 8 * i));
}

static int record(FILE *out, uint64_t off, const unsigned char *buf, size_t len)
{
	unsigned char rec[16];
	put_be64(rec, off);
	put_be64(rec + 8, len);
	return fwrite(rec, sizeof(rec), 1, out) != 1 || (len && fwrite(buf, len, 1, out) != 1) ? -1 : 0;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int mkv_flatten(FILE *in, FILE *out, char *errbuf, size_t errlen)
{
	unsigned char hdr[MDF_HEADER_SIZE];
	unsigned char *buf = malloc(CHUNK);
	int ret = -1;

	if (!buf) {
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, "makedumpfile", 12);
	put_be64(hdr + 16, MDF_TYPE_FLAT_HEADER);
	put_be64(hdr + 24, MDF_VERSION_FLAT_HEADER);
	if (fwrite(hdr, sizeof(hdr), 1, out) != 1 || fseeko(in, 0, SEEK_SET))
		goto ioerr;
	uint64_t off = 0;
	bool ends_zero = false;
	for (;;) {
		size_t n = fread(buf, 1, CHUNK, in);
		if (!n)
			break;
		/* one record per run of non-zero blocks in this chunk */
		size_t run = 0, i;
		for (i = 0; i < n; i += BLOCK) {
			size_t len = n - i < BLOCK ? n - i : BLOCK;
			if (all_zero(buf + i, len)) {
				if (i > run && record(out, off + run, buf + run, i - run))
					goto ioerr;
				run = i + len;
			}
		}
		if (n > run && record(out, off + run, buf + run, n - run))
			goto ioerr;
		ends_zero = n == run;
		off += n;
	}
	if (ferror(in))
		goto ioerr;
	/* a zero last byte, so the length survives when the file ends in zeros */
	if (ends_zero && record(out, off - 1, (const unsigned char *)"", 1))
		goto ioerr;
	if (record(out, UINT64_MAX, NULL, 0) || fflush(out))
		goto ioerr;
	ret = 0;
	goto out;
ioerr:
	snprintf(errbuf, errlen, "write error: %s", strerror(errno));
out:
	free(buf);
	return ret;
}
