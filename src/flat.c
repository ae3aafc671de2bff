/* flat.c - rebuild a flattened makedumpfile stream into a seekable file. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include "flat.h"

#define FLAT_SIGNATURE "makedumpfile"
#define FLAT_HEADER_SIZE 4096	/* the format's, whatever the dump's page size */
#define FLAT_TYPE 1
#define FLAT_VERSION 1
#define FLAT_END (-1)
/* Limits on untrusted record fields: a real record is at most a few MiB. */
#define FLAT_MAX_RECORD (1u << 30)
#define FLAT_MAX_OFFSET (UINT64_C(1) << 50)
/* Records whose output is contiguous go out in one pwritev() of up to this many. */
#define FLAT_IOV_MAX 1024
/* Mapped stream behind the cursor is dropped every so often: RSS stays small. */
#define FLAT_DROP_EVERY (UINT64_C(4) << 20)
/* Where a rebuild too large for memory goes, unless TMPDIR says otherwise. */
#define FLAT_DEFAULT_DIR "/var/tmp"

/*
 * The stream is mapped, not read: each record's data goes from the page
 * cache to the memfd in one copy, and runs of records that continue each
 * other's output go out in one pwritev().  QEMU's 90 MB dumps are 6000
 * records of at most 16 KiB, nearly all contiguous.  A stream that shrinks
 * under the mapping is a SIGBUS, which hvo_dump_open()'s guard reports.
 */
struct flat_writer {
	int fd;
	uint64_t offset;		/* where iov[0] goes */
	uint64_t end;			/* where the run ends */
	struct iovec iov[FLAT_IOV_MAX];
	int nr_iov;
};

static struct hvo_error *flush_run(struct flat_writer *w)
{
	struct iovec *iov = w->iov;
	int nr = w->nr_iov;
	uint64_t offset = w->offset;
	while (nr) {
		/* Offsets stay within FLAT_MAX_OFFSET + FLAT_MAX_RECORD: they fit off_t. */
		ssize_t n = pwritev(w->fd, iov, nr, (off_t)offset);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return hvo_error_errno(errno, "rebuilding the flattened dump");
		}
		offset += (uint64_t)n;
		/* A short write: skip what went out, go on with the rest. */
		while (nr && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			nr--;
		}
		if (nr) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	w->nr_iov = 0;
	return NULL;
}

/* Queue size bytes at data for output offset, flushing when the run breaks. */
static struct hvo_error *add_record(struct flat_writer *w, uint64_t offset, const void *data,
				    size_t size)
{
	struct hvo_error *err;
	if (w->nr_iov && (offset != w->end || w->nr_iov == FLAT_IOV_MAX) &&
	    (err = flush_run(w)))
		return err;
	if (!w->nr_iov)
		w->offset = w->end = offset;
	w->iov[w->nr_iov++] = (struct iovec){ (void *)data, size };
	w->end += size;
	return NULL;
}

static struct hvo_error *truncated(const char *what, uint64_t offset, uint64_t len,
				   uint64_t file_size)
{
	return hvo_error_create(HVO_ERROR_FORMAT,
				"flattened dump truncated: %s at offset %" PRIu64 " needs %" PRIu64
				" bytes, file ends after %" PRIu64, what, offset, len,
				offset < file_size ? file_size - offset : 0);
}

/* MemAvailable from /proc/meminfo in bytes; false when it cannot be read. */
static bool memory_available(uint64_t *bytes_ret)
{
	FILE *f = fopen("/proc/meminfo", "re");
	if (!f)
		return false;
	char line[128];
	bool found = false;
	static const char key[] = "MemAvailable:";
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, sizeof(key) - 1) != 0)
			continue;
		char *end;
		errno = 0;
		unsigned long long kib = strtoull(line + sizeof(key) - 1, &end, 10);
		if (!errno && end != line + sizeof(key) - 1 && strncmp(end, " kB", 3) == 0 &&
		    kib <= UINT64_MAX / 1024) {
			*bytes_ret = (uint64_t)kib * 1024;
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* bytes in MiB or, from 1 GiB, GiB: "3.2 MiB". */
static const char *human_size(char buf[32], uint64_t bytes)
{
	double mib = (double)bytes / (1024.0 * 1024);
	if (mib < 1024)
		snprintf(buf, 32, "%.1f MiB", mib);
	else
		snprintf(buf, 32, "%.1f GiB", mib / 1024);
	return buf;
}

/*
 * An unnamed file in dir with room for size bytes; its name gone before
 * anyone can open it.  available: the memory that was too little, or 0.
 */
static struct hvo_error *temp_file(const char *dir, uint64_t size, uint64_t available,
				   int *fd_ret)
{
	struct statvfs vfs;
	if (statvfs(dir, &vfs))
		return hvo_error_errno(errno, "rebuilding the flattened dump in '%s'", dir);
	uint64_t room = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	char need_buf[32], room_buf[32], available_buf[32], memory_buf[96] = "";
	if (room < size) {
		if (available)
			snprintf(memory_buf, sizeof(memory_buf), ", over half of the %s of memory "
				 "available,", human_size(available_buf, available));
		return hvo_error_create(HVO_ERROR_UNSUPPORTED,
					"rebuilding the flattened dump needs up to %s%s and '%s' "
					"has %s free (set HVOINSPECT_FLAT_DIR to a directory with "
					"room, or reassemble the dump with makedumpfile -R)",
					human_size(need_buf, size), memory_buf, dir,
					human_size(room_buf, room));
	}
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		/* A filesystem without O_TMPFILE: a named file, unlinked at once. */
		char *path;
		if (asprintf(&path, "%s/hvoinspect-flat-XXXXXX", dir) < 0)
			return &hvo_error_nomem;
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0)
			unlink(path);
		free(path);
	}
	if (fd < 0)
		return hvo_error_errno(errno, "rebuilding the flattened dump in '%s'", dir);
	*fd_ret = fd;
	return NULL;
}

/*
 * Where the rebuild goes: memory (a memfd) while the stream takes at most
 * half of the memory available, else a temporary file in $TMPDIR or
 * /var/tmp; HVOINSPECT_FLAT_DIR puts it in a file in that directory.
 */
static struct hvo_error *rebuild_file(uint64_t stream_size, int *fd_ret, char **where_ret)
{
	const char *dir = getenv("HVOINSPECT_FLAT_DIR");
	uint64_t available = 0;	/* stays 0 when dir was chosen */
	if ((!dir || !*dir) && (!memory_available(&available) || stream_size <= available / 2)) {
		*fd_ret = memfd_create("hvoinspect-flattened", MFD_CLOEXEC);
		if (*fd_ret < 0)
			return hvo_error_errno(errno, "creating an in-memory file for the "
					       "flattened dump");
		*where_ret = strdup("memory");
		return *where_ret ? NULL : &hvo_error_nomem;
	}
	if (!dir || !*dir) {
		dir = getenv("TMPDIR");
		if (!dir || !*dir)
			dir = FLAT_DEFAULT_DIR;
	}
	struct hvo_error *err = temp_file(dir, stream_size, available, fd_ret);
	if (err)
		return err;
	if (asprintf(where_ret, "a temporary file in '%s'", dir) < 0) {
		close(*fd_ret);
		*fd_ret = -1;
		return &hvo_error_nomem;
	}
	return NULL;
}

struct hvo_error *hvo_flat_reassemble(int fd, uint64_t file_size, int *data_fd_ret,
				      char **where_ret)
{
	struct {
		char signature[16];
		uint64_t type;
		uint64_t version;
	} header;
	*data_fd_ret = -1;
	*where_ret = NULL;

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

	struct flat_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return &hvo_error_nomem;
	const uint8_t *stream = MAP_FAILED;
	char *where = NULL;
	w->fd = -1;
	struct hvo_error *err = rebuild_file(file_size, &w->fd, &where);
	if (err)
		goto out;
	stream = mmap(NULL, (size_t)file_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (stream == MAP_FAILED) {
		err = hvo_error_errno(errno, "mapping the flattened dump");
		goto out;
	}

	uint64_t in_offset = FLAT_HEADER_SIZE, dropped = 0;
	uint64_t page_size = (uint64_t)sysconf(_SC_PAGESIZE);	/* madvise()'s granule */
	uint64_t nr_records = 0;
	for (;;) {
		struct {
			int64_t offset;
			int64_t size;
		} record;
		if (in_offset > file_size || file_size - in_offset < sizeof(record)) {
			err = truncated("record header", in_offset, sizeof(record), file_size);
			goto out;
		}
		memcpy(&record, stream + in_offset, sizeof(record));
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
		if (file_size - in_offset < (uint64_t)size) {
			err = truncated("record data", in_offset, (uint64_t)size, file_size);
			goto out;
		}
		if ((err = add_record(w, (uint64_t)offset, stream + in_offset, (size_t)size)))
			goto out;
		in_offset += (uint64_t)size;
		nr_records++;
		/* What is written is done with: drop its pages from the mapping. */
		if (in_offset - dropped >= FLAT_DROP_EVERY) {
			if ((err = flush_run(w)))
				goto out;
			uint64_t upto = in_offset & ~(page_size - 1);
			(void)madvise((void *)(stream + dropped), (size_t)(upto - dropped),
				      MADV_DONTNEED);	/* a hint only */
			dropped = upto;
		}
	}
	if ((err = flush_run(w)))
		goto out;
	if (nr_records == 0) {
		err = hvo_error_create(HVO_ERROR_FORMAT, "flattened dump has no records");
		goto out;
	}
	*data_fd_ret = w->fd;
	*where_ret = where;
	where = NULL;
	w->fd = -1;
out:
	if (stream != MAP_FAILED)
		munmap((void *)stream, (size_t)file_size);
	if (w->fd >= 0)
		close(w->fd);
	free(where);
	free(w);
	return err;
}
