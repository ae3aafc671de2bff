/* flat.c - rebuild a flattened makedumpfile stream into a seekable memfd. */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "flat.h"

#define FLAT_SIGNATURE "makedumpfile"
#define FLAT_HEADER_SIZE 4096
#define FLAT_TYPE 1
#define FLAT_VERSION 1
#define FLAT_END (-1)
/* Limits on untrusted record fields: a real record is at most a few MiB. */
#define FLAT_MAX_RECORD (1u << 30)
#define FLAT_MAX_OFFSET (UINT64_C(1) << 50)
#define FLAT_COPY_CHUNK (1u << 20)

static struct hvo_error *read_exact(int fd, uint64_t offset, void *buf, size_t len,
				    const char *what)
{
	size_t done = 0;
	while (done < len) {
		/* Offsets stay within the file or FLAT_MAX_OFFSET: they fit off_t. */
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(offset + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return hvo_error_errno(errno, "reading flattened %s at offset %" PRIu64,
					       what, offset + done);
		}
		if (n == 0)
			return hvo_error_create(HVO_ERROR_FORMAT,
						"flattened dump truncated: %s at offset %" PRIu64
						" needs %zu bytes, file ends after %zu",
						what, offset, len, done);
		done += n;
	}
	return NULL;
}

static struct hvo_error *copy_record(int in_fd, uint64_t in_offset, int out_fd,
				     uint64_t out_offset, uint64_t size, char *buf)
{
	while (size) {
		size_t chunk = size < FLAT_COPY_CHUNK ? size : FLAT_COPY_CHUNK;
		struct hvo_error *err = read_exact(in_fd, in_offset, buf, chunk, "record data");
		if (err)
			return err;
		size_t done = 0;
		while (done < chunk) {
			ssize_t n = pwrite(out_fd, buf + done, chunk - done,
					   (off_t)(out_offset + done));
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return hvo_error_errno(errno, "rebuilding flattened dump in memory");
			}
			done += n;
		}
		in_offset += chunk;
		out_offset += chunk;
		size -= chunk;
	}
	return NULL;
}

struct hvo_error *hvo_flat_reassemble(int fd, int *data_fd_ret, bool *flattened_ret)
{
	struct {
		char signature[16];
		uint64_t type;
		uint64_t version;
	} header;
	*data_fd_ret = -1;
	*flattened_ret = false;

	ssize_t n = pread(fd, &header, sizeof(header), 0);
	if (n < 0)
		return hvo_error_errno(errno, "reading the file header");
	if ((size_t)n < sizeof(header) ||
	    strncmp(header.signature, FLAT_SIGNATURE, sizeof(header.signature)) != 0)
		return NULL;	/* not flattened: libkdumpfile reads it directly */
	if (be64toh(header.type) != FLAT_TYPE || be64toh(header.version) != FLAT_VERSION)
		return hvo_error_create(HVO_ERROR_FORMAT,
					"flattened dump header has type %" PRIu64 " version %" PRIu64
					" (expected 1 and 1)",
					(uint64_t)be64toh(header.type), (uint64_t)be64toh(header.version));

	struct hvo_error *err = NULL;
	char *buf = malloc(FLAT_COPY_CHUNK);
	if (!buf)
		return &hvo_error_nomem;
	int out_fd = memfd_create("hvoinspect-flattened", MFD_CLOEXEC);
	if (out_fd < 0) {
		err = hvo_error_errno(errno, "creating an in-memory file for the flattened dump");
		goto out;
	}

	uint64_t in_offset = FLAT_HEADER_SIZE;
	uint64_t nr_records = 0;
	for (;;) {
		struct {
			int64_t offset;
			int64_t size;
		} record;
		err = read_exact(fd, in_offset, &record, sizeof(record), "record header");
		if (err)
			goto out;
		int64_t offset = (int64_t)be64toh((uint64_t)record.offset);
		int64_t size = (int64_t)be64toh((uint64_t)record.size);
		if (offset == FLAT_END && size == FLAT_END)
			break;
		if (offset < 0 || (uint64_t)offset > FLAT_MAX_OFFSET || size <= 0 ||
		    (uint64_t)size > FLAT_MAX_RECORD) {
			err = hvo_error_create(HVO_ERROR_FORMAT,
					       "flattened record %" PRIu64 " at offset %" PRIu64
					       " has offset %" PRId64 " and size %" PRId64 " out of range",
					       nr_records, in_offset, offset, size);
			goto out;
		}
		in_offset += sizeof(record);
		err = copy_record(fd, in_offset, out_fd, offset, size, buf);
		if (err)
			goto out;
		in_offset += size;
		nr_records++;
	}
	if (nr_records == 0) {
		err = hvo_error_create(HVO_ERROR_FORMAT, "flattened dump has no records");
		goto out;
	}
	*data_fd_ret = out_fd;
	*flattened_ret = true;
	out_fd = -1;
out:
	if (out_fd >= 0)
		close(out_fd);
	free(buf);
	return err;
}
