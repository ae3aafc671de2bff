/*
 * flatten: makedumpfile's flattened format (makedumpfile -F, QEMU's kdump-*
 * output): a 4096-byte "makedumpfile" header, then (offset, size) records in
 * big-endian each followed by its bytes, ended by offset -1.  Built from an
 * already written seekable dump; all-zero blocks (the bitmaps' holes) are
 * left out, as a reader starts from zeros anyway.
 */
#ifndef MKV_FLATTEN_H
#define MKV_FLATTEN_H

#include <stddef.h>
#include <stdio.h>

/* Copy the seekable @in as flattened records to @out; 0 or -1 with errbuf. */
int mkv_flatten(FILE *in, FILE *out, char *errbuf, size_t errlen);

#endif
