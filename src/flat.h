/*
 * flat.h - reassembly of makedumpfile's "flattened" format.
 *
 * makedumpfile -F and QEMU's dump-guest-memory kdump-* formats write a
 * stream of (offset, size, data) records instead of a seekable file.
 * libkdumpfile 0.5.1 cannot read it; `makedumpfile -R` would rebuild the
 * file.  We do the same rebuild into an anonymous in-memory file so the
 * user's dump is never modified and libkdumpfile still parses everything.
 */
#ifndef HVO_FLAT_H
#define HVO_FLAT_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/*
 * If fd (file_size bytes) holds a flattened dump, rebuild it and return a
 * new read-only-use descriptor in *data_fd_ret and true in *flattened_ret;
 * otherwise leave *data_fd_ret at -1.  Malformed records are a clear error,
 * never a hang.  fd is mapped while this runs: the caller handles SIGBUS.
 */
struct hvo_error *hvo_flat_reassemble(int fd, uint64_t file_size, int *data_fd_ret,
				      bool *flattened_ret);

#endif /* HVO_FLAT_H */
