/*
 * flat.h - reassembly of makedumpfile's "flattened" format.
 *
 * makedumpfile -F and QEMU's dump-guest-memory kdump-* formats write a
 * stream of (offset, size, data) records instead of a seekable file.
 * libkdumpfile 0.5.1 cannot read it; `makedumpfile -R` would rebuild the
 * file.  We do the same rebuild into an unnamed file, in memory while it
 * fits (a memfd) and else on disk, so the user's dump is never modified
 * and libkdumpfile still parses everything.
 */
#ifndef HVO_FLAT_H
#define HVO_FLAT_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/*
 * If fd (file_size bytes) holds a flattened dump, rebuild it and return a
 * new read-only-use descriptor in *data_fd_ret and where the rebuild is
 * ("memory", "a temporary file in '/var/tmp'"; the caller frees it) in
 * *where_ret; otherwise leave *data_fd_ret at -1 and *where_ret NULL.
 * Malformed records are a clear error, never a hang.  fd is mapped while
 * this runs: the caller handles SIGBUS.
 *
 * The rebuild is in memory while the stream takes at most half of the
 * memory available, else in a temporary file in $TMPDIR (default
 * /var/tmp); HVOINSPECT_FLAT_DIR=DIR puts it in a file in DIR always.
 */
struct hvo_error *hvo_flat_reassemble(int fd, uint64_t file_size, int *data_fd_ret,
				      char **where_ret);

#endif /* HVO_FLAT_H */
