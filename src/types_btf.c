/*
 * types_btf.c - the BTF provider: the kernel's own BTF read from the dump.
 *
 * The index is a table of where each type id starts, and of the named
 * structs, unions, typedefs and enums with their names' offsets.  libbpf's
 * btf__new() would copy the 5 MiB blob again and build its own tables, 3 ms
 * of a 20 ms report for the four structs the analysis asks about.  Building
 * the index walks every record of the type section, so that is streamed
 * once through a small window; the blob's own buffer is filled a page at a
 * time, as lookups need records and names (a few dozen of its 1300 pages).
 * Kernels since 6.19 sort their named types by name, so a lookup is then a
 * binary search over the index that reads only the names it compares (and
 * decompresses only those pages, in a kdump file).  The format is the
 * kernel's stable uapi (linux/btf.h); libbpf still writes the generator's
 * BTF and checks this reader in the tests.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/btf.h>

#include "arch.h"
#include "dump.h"
#include "kallsyms.h"
#include "types_btf.h"

/* Lookups remembered by name. */
#define BTF_MEMO_SLOTS 32
#define BTF_MEMO_NAME_MAX 64
/* Pointers are 8 bytes: every architecture in arch.c is 64-bit. */
#define BTF_POINTER_SIZE 8

/* What a named type in the index is: found[]'s slots in the lookups. */
enum { SLOT_STRUCT, SLOT_UNION, SLOT_TYPEDEF, SLOT_ENUM, NR_SLOTS };

/* A named struct, union, typedef or enum in the index. */
struct btf_named {
	uint32_t name_off;
	uint32_t id : 30;
	uint32_t slot : 2;		/* found_slot() */
};

struct hvo_btf {
	/*
	 * The blob, size bytes.  Until all of it is here (page_read == NULL),
	 * its pages are read on demand through read(read_arg, ...), from the
	 * blob's kernel virtual address onward: bytes of a page not read yet
	 * are never looked at.
	 */
	uint8_t *blob;
	size_t size;
	hvo_vread_fn *read;
	void *read_arg;
	uint64_t address;
	unsigned int page_shift;	/* the dump's pages, which reads go by */
	uint8_t *page_read;		/* [blob page]: read yet? */
	uint32_t types_start, types_len;	/* the type section, in the blob */
	uint32_t strings_start, strings_len;	/* the string section, NUL-terminated */
	bool types_whole, strings_whole;	/* every page of the section is here */
	uint32_t nr_types;		/* ids 1..nr_types; 0 is void */
	void *tables;			/* type_offsets and named */
	size_t tables_map_size;		/* 0: tables is malloc()ed */
	uint32_t *type_offsets;		/* [id - 1]: offset in the type section; [nr_types]: end */
	struct btf_named *named;	/* in id order */
	uint32_t nr_named;
	/*
	 * Laid out as resolve_btfids sorts a kernel's BTF (6.19 on): every
	 * anonymous type, then every named one in strcmp() order of names.
	 */
	bool named_sorted;
	struct {
		char name[BTF_MEMO_NAME_MAX];
		int64_t id;		/* < 0: no such struct, union or typedef */
	} memo[BTF_MEMO_SLOTS];
	unsigned int nr_memo;
};

/* Type id 0: void, which has no size. */
static const struct btf_type void_type;

static inline uint16_t btf_vlen(const struct btf_type *t)
{
	return BTF_INFO_VLEN(t->info);
}

static inline unsigned int btf_kind(const struct btf_type *t)
{
	return BTF_INFO_KIND(t->info);
}

static inline bool btf_kflag(const struct btf_type *t)
{
	return BTF_INFO_KFLAG(t->info);
}

static inline bool btf_is_composite(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_STRUCT || btf_kind(t) == BTF_KIND_UNION;
}

/* The kinds that only name or qualify another type. */
static inline bool btf_is_alias(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return true;
	default:
		return false;
	}
}

/* What follows the common header: fixed bytes plus bytes per vlen entry, per kind. */
static const struct {
	bool known;
	uint8_t fixed, per_entry;
} kind_layout[32] = {
	[BTF_KIND_INT] = { true, 4, 0 },
	[BTF_KIND_PTR] = { true, 0, 0 },
	[BTF_KIND_ARRAY] = { true, sizeof(struct btf_array), 0 },
	[BTF_KIND_STRUCT] = { true, 0, sizeof(struct btf_member) },
	[BTF_KIND_UNION] = { true, 0, sizeof(struct btf_member) },
	[BTF_KIND_ENUM] = { true, 0, sizeof(struct btf_enum) },
	[BTF_KIND_FWD] = { true, 0, 0 },
	[BTF_KIND_TYPEDEF] = { true, 0, 0 },
	[BTF_KIND_VOLATILE] = { true, 0, 0 },
	[BTF_KIND_CONST] = { true, 0, 0 },
	[BTF_KIND_RESTRICT] = { true, 0, 0 },
	[BTF_KIND_FUNC] = { true, 0, 0 },
	[BTF_KIND_FUNC_PROTO] = { true, 0, sizeof(struct btf_param) },
	[BTF_KIND_VAR] = { true, sizeof(struct btf_var), 0 },
	[BTF_KIND_DATASEC] = { true, 0, sizeof(struct btf_var_secinfo) },
	[BTF_KIND_FLOAT] = { true, 0, 0 },
	[BTF_KIND_DECL_TAG] = { true, sizeof(struct btf_decl_tag), 0 },
	[BTF_KIND_TYPE_TAG] = { true, 0, 0 },
	[BTF_KIND_ENUM64] = { true, 0, sizeof(struct btf_enum64) },
};

/* Bytes after the common header of a record of a known kind. */
static inline size_t record_extra(const struct btf_type *t)
{
	return kind_layout[btf_kind(t)].fixed + (size_t)kind_layout[btf_kind(t)].per_entry * btf_vlen(t);
}

static struct hvo_error *bad_blob(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct hvo_error *bad_blob(const char *fmt, ...)
{
	char why[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return hvo_error_create(HVO_ERROR_FORMAT, "BTF blob: %s", why);
}

/* Check the header at the start of hb->blob and find the sections in it. */
static struct hvo_error *check_header(struct hvo_btf *hb, struct btf_header *hdr_ret)
{
	struct btf_header hdr;
	memcpy(&hdr, hb->blob, sizeof(hdr));
	*hdr_ret = hdr;		/* defined on errors too */
	if (hdr.magic != BTF_MAGIC)
		return hdr.magic == __builtin_bswap16(BTF_MAGIC) ?
			bad_blob("big-endian BTF (hvoinspect reads %s kernels)", hvo_arch_names()) :
			bad_blob("no BTF magic (0x%04x)", hdr.magic);
	if (hdr.version != BTF_VERSION)
		return bad_blob("version %u (hvoinspect reads version %u)", hdr.version,
				BTF_VERSION);
	if (hdr.hdr_len < sizeof(hdr) || hdr.hdr_len > hb->size || hdr.hdr_len % 4)
		return bad_blob("header length %" PRIu32 " in a blob of %zu bytes", hdr.hdr_len,
				hb->size);
	uint64_t data_len = hb->size - hdr.hdr_len;
	if ((uint64_t)hdr.type_off + hdr.type_len > data_len ||
	    (uint64_t)hdr.str_off + hdr.str_len > data_len)
		return bad_blob("types at %" PRIu32 "+%" PRIu32 " or strings at %" PRIu32
				"+%" PRIu32 " past its %" PRIu64 " bytes of data",
				hdr.type_off, hdr.type_len, hdr.str_off, hdr.str_len, data_len);
	if (hdr.type_off % 4 || hdr.type_len % 4)
		return bad_blob("type section at %" PRIu32 "+%" PRIu32 " is not 4-byte aligned",
				hdr.type_off, hdr.type_len);
	if (!hdr.str_len)
		return bad_blob("empty string section");
	/* Both fit: the blob is at most HVO_BTF_MAX_SIZE. */
	hb->types_start = hdr.hdr_len + hdr.type_off;
	hb->types_len = hdr.type_len;
	hb->strings_start = hdr.hdr_len + hdr.str_off;
	hb->strings_len = hdr.str_len;
	return NULL;
}

/* The page of the blob holding offset (counted from the blob's first page). */
static inline uint64_t blob_page(const struct hvo_btf *hb, uint64_t offset)
{
	return ((hb->address + offset) >> hb->page_shift) - (hb->address >> hb->page_shift);
}

/* Where blob page page starts and ends, as offsets in the blob. */
static inline void blob_page_bounds(const struct hvo_btf *hb, uint64_t page, size_t *start_ret,
				    size_t *end_ret)
{
	uint64_t first = (hb->address >> hb->page_shift) << hb->page_shift;
	uint64_t start = first + (page << hb->page_shift);
	*start_ret = start > hb->address ? (size_t)(start - hb->address) : 0;
	uint64_t end = start + (UINT64_C(1) << hb->page_shift) - hb->address;
	*end_ret = end < hb->size ? (size_t)end : hb->size;
}

/*
 * Make len > 0 bytes at offset of the blob readable, reading the pages not
 * read yet, each run of them in one read.
 */
static struct hvo_error *need(const struct hvo_btf *chb, size_t offset, size_t len,
			      const char *what)
{
	struct hvo_btf *hb = (struct hvo_btf *)chb;	/* a cache: logically const */
	if (!hb->page_read)
		return NULL;
	uint64_t last = blob_page(hb, offset + len - 1);
	for (uint64_t page = blob_page(hb, offset); page <= last; page++) {
		if (hb->page_read[page])
			continue;
		uint64_t run_end = page;
		while (run_end < last && !hb->page_read[run_end + 1])
			run_end++;
		size_t start, end, unused;
		blob_page_bounds(hb, page, &start, &unused);
		blob_page_bounds(hb, run_end, &unused, &end);
		struct hvo_error *err = hb->read(hb->read_arg, hb->address + start, hb->blob + start,
						 end - start, what);
		if (err)
			return err;
		memset(hb->page_read + page, 1, run_end - page + 1);
		page = run_end;
	}
	return NULL;
}

/*
 * Read what is left of a section into the blob (len bytes at start), for a
 * scan of every name or a walk of every record; *whole says it is all here.
 */
static struct hvo_error *need_section(const struct hvo_btf *hb, size_t start, uint32_t len,
				      const bool *whole, const char *what)
{
	if (*whole || !len)
		return NULL;
	struct hvo_error *err = need(hb, start, len, what);
	if (!err)
		*(bool *)whole = true;	/* a cache: logically const */
	return err;
}

static struct hvo_error *need_all_strings(const struct hvo_btf *hb)
{
	return need_section(hb, hb->strings_start, hb->strings_len, &hb->strings_whole,
			    "kernel BTF strings");
}

static struct hvo_error *need_all_types(const struct hvo_btf *hb)
{
	return need_section(hb, hb->types_start, hb->types_len, &hb->types_whole,
			    "kernel BTF types");
}

/* The record of type id, read from the dump as needed. */
static struct hvo_error *type_by_id(const struct hvo_btf *hb, uint32_t id,
				    const struct btf_type **t_ret)
{
	*t_ret = &void_type;	/* defined on errors too */
	if (id == 0)
		return NULL;
	if (id > hb->nr_types)
		return hvo_error_create(HVO_ERROR_FORMAT, "BTF type %" PRIu32 " does not exist",
					id);
	uint32_t offset = hb->type_offsets[id - 1], len = hb->type_offsets[id] - offset;
	if (!hb->types_whole) {
		struct hvo_error *err = need(hb, hb->types_start + (size_t)offset, len,
					     "kernel BTF types");
		if (err)
			return err;
	}
	const struct btf_type *t = (const struct btf_type *)(hb->blob + hb->types_start + offset);
	/* A read that gave other bytes than the index walked must not run past the record. */
	if (!hb->types_whole &&
	    (!kind_layout[btf_kind(t)].known || sizeof(*t) + record_extra(t) != len))
		return hvo_error_create(HVO_ERROR_FORMAT, "BTF type %" PRIu32 " read back other "
					"than indexed", id);
	*t_ret = t;
	return NULL;
}

/* The name at offset in the string section, read from the dump as needed. */
static struct hvo_error *name_at(const struct hvo_btf *hb, uint32_t offset, const char **ret)
{
	if (offset >= hb->strings_len)
		return hvo_error_create(HVO_ERROR_FORMAT, "BTF name offset %" PRIu32 " is past "
					"the %" PRIu32 "-byte string section", offset,
					hb->strings_len);
	const char *name = (const char *)hb->blob + hb->strings_start + offset;
	/* Page by page up to the name's NUL; the section's last byte is one. */
	if (!hb->strings_whole) {
		size_t at = hb->strings_start + (size_t)offset, start, end;
		for (;; at = end) {
			blob_page_bounds(hb, blob_page(hb, at), &start, &end);
			if (end > hb->strings_start + (size_t)hb->strings_len)
				end = hb->strings_start + (size_t)hb->strings_len;
			struct hvo_error *err = need(hb, at, end - at, "kernel BTF strings");
			if (err)
				return err;
			if (memchr(hb->blob + at, '\0', end - at))
				break;
		}
	}
	*ret = name;
	return NULL;
}

/* strcmp() of the name at name_off with name. */
static struct hvo_error *compare_name(const struct hvo_btf *hb, uint32_t name_off,
				      const char *name, int *cmp_ret)
{
	const char *s;
	struct hvo_error *err = name_at(hb, name_off, &s);
	if (err)
		return err;
	*cmp_ret = strcmp(s, name);
	return NULL;
}

/* The index slot of a named struct, union, typedef or enum. */
static unsigned int found_slot(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
		return SLOT_STRUCT;
	case BTF_KIND_UNION:
		return SLOT_UNION;
	case BTF_KIND_TYPEDEF:
		return SLOT_TYPEDEF;
	default:
		return SLOT_ENUM;
	}
}

/*
 * The type section as the index walks it: in the blob when the blob is here,
 * else streamed through a window of BTF_WINDOW bytes, every byte read once
 * and in order (so a slice, which keeps what was read, keeps all of it).
 */
#define BTF_WINDOW (128U * 1024)

struct type_stream {
	const uint8_t *data;	/* the bytes at [start, start + len) of the type section */
	uint32_t start, len;
	uint8_t *window;	/* NULL: data is the blob's */
};

/*
 * Read on until the window holds need bytes at offset (up to the section's
 * end): what is already here of them is kept, what lies between is read and
 * passed over.
 */
static struct hvo_error *stream_to(const struct hvo_btf *hb, struct type_stream *st,
				   uint32_t offset, uint32_t need)
{
	while (st->start + st->len < hb->types_len && offset - st->start + need > st->len) {
		uint32_t end = st->start + st->len;
		uint32_t kept = offset < end ? end - offset : 0;
		memmove(st->window, st->window + (st->len - kept), kept);
		uint32_t len = hb->types_len - end < BTF_WINDOW - kept ? hb->types_len - end :
			BTF_WINDOW - kept;
		struct hvo_error *err = hb->read(hb->read_arg, hb->address + hb->types_start + end,
						 st->window + kept, len, "kernel BTF types");
		if (err)
			return err;
		st->start = end - kept;
		st->len = kept + len;
	}
	return NULL;
}

/*
 * Room for the index.  Large tables get their own mapping, which the kernel
 * backs with huge pages where it can (transparent huge pages on madvise):
 * the index of the 7.2 kernel then faults in at once, not in some 150
 * faults of 4 KiB.  Small tables, and any under ASan (which sees no bounds
 * in a mapping), are malloc()ed.
 */
#define BTF_HUGE_PAGE ((size_t)2 << 20)

#if defined(__SANITIZE_ADDRESS__)
#define BTF_MAP_TABLES 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BTF_MAP_TABLES 0
#endif
#endif
#ifndef BTF_MAP_TABLES
#define BTF_MAP_TABLES 1
#endif

static void *map_tables(size_t size, size_t *map_size_ret)
{
	size_t map_size = (size + BTF_HUGE_PAGE - 1) & ~(BTF_HUGE_PAGE - 1);
	/* Room to align the start to a huge page; the slack is unmapped again. */
	void *map = mmap(NULL, map_size + BTF_HUGE_PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	uintptr_t start = ((uintptr_t)map + BTF_HUGE_PAGE - 1) & ~(uintptr_t)(BTF_HUGE_PAGE - 1);
	size_t head = start - (uintptr_t)map;
	if (head)
		munmap(map, head);
	munmap((void *)(start + map_size), BTF_HUGE_PAGE - head);
#ifdef MADV_HUGEPAGE
	(void)madvise((void *)start, map_size, MADV_HUGEPAGE);	/* a hint only */
#endif
	*map_size_ret = map_size;
	return (void *)start;
}

static void free_tables(void *tables, size_t map_size)
{
	if (map_size)
		munmap(tables, map_size);
	else
		free(tables);
}

/* Check the ends of the string section, then index the type section. */
static struct hvo_error *index_blob(struct hvo_btf *hb)
{
	struct hvo_error *err;
	if (!hb->strings_len)	/* check_header() refuses it */
		return bad_blob("no string section");
	const char *first, *last;
	if ((err = name_at(hb, 0, &first)) ||
	    (err = need(hb, hb->strings_start + (size_t)hb->strings_len - 1, 1,
			"kernel BTF strings")))
		return err;
	last = (const char *)hb->blob + hb->strings_start + hb->strings_len - 1;
	if (*first || *last)
		return bad_blob("string section (%" PRIu32 " bytes) does not start and end "
				"with NUL", hb->strings_len);

	/* Tables at their largest (a type takes at least 12 bytes); only what is filled is touched. */
	size_t max_types = hb->types_len / sizeof(struct btf_type);
	size_t tables_size = (max_types + 1) * (sizeof(*hb->type_offsets) + sizeof(*hb->named));
	hb->tables = BTF_MAP_TABLES && tables_size >= BTF_HUGE_PAGE ?
		map_tables(tables_size, &hb->tables_map_size) : malloc(tables_size);
	if (!hb->tables)
		return &hvo_error_nomem;
	/* The offsets first, so that what the walk fills of both shares the first huge page. */
	hb->type_offsets = hb->tables;
	hb->named = (struct btf_named *)(hb->type_offsets + max_types + 1);
	struct type_stream st = { .data = hb->blob + hb->types_start, .len = hb->types_len };
	if (hb->page_read && hb->types_len) {
		st.window = malloc(BTF_WINDOW);
		if (!st.window)
			return &hvo_error_nomem;
		st.data = st.window;
		st.len = 0;
	}
	uint32_t offset = 0, first_named = 0, last_anonymous = 0;
	while (offset < hb->types_len) {
		if (hb->types_len - offset < sizeof(struct btf_type)) {
			err = bad_blob("type %" PRIu32 " is cut off", hb->nr_types + 1);
			break;
		}
		if (st.window && (err = stream_to(hb, &st, offset, sizeof(struct btf_type))))
			break;
		struct btf_type t;
		memcpy(&t, st.data + (offset - st.start), sizeof(t));
		unsigned int kind = btf_kind(&t);
		if (!kind_layout[kind].known) {
			err = bad_blob("type %" PRIu32 " has kind %u, unknown to hvoinspect",
				       hb->nr_types + 1, kind);
			break;
		}
		size_t extra = record_extra(&t);
		if (extra > hb->types_len - offset - sizeof(t)) {
			err = bad_blob("type %" PRIu32 " runs past the type section",
				       hb->nr_types + 1);
			break;
		}
		if (hb->nr_types == BTF_MAX_TYPE) {
			err = bad_blob("more than %u types", BTF_MAX_TYPE);
			break;
		}
		hb->type_offsets[hb->nr_types++] = offset;
		if (!t.name_off)
			last_anonymous = hb->nr_types;
		else if (!first_named)
			first_named = hb->nr_types;
		if (t.name_off && (kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION ||
				   kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_ENUM ||
				   kind == BTF_KIND_ENUM64))
			hb->named[hb->nr_named++] = (struct btf_named){
				.name_off = t.name_off, .id = hb->nr_types, .slot = found_slot(&t),
			};
		offset += (uint32_t)(sizeof(t) + extra);
	}
	/* The tail of the last record, which the walk passed over. */
	if (!err && st.window)
		err = stream_to(hb, &st, hb->types_len, 0);
	free(st.window);
	if (err)
		return err;
	hb->type_offsets[hb->nr_types] = offset;
	hb->named_sorted = hb->nr_named && first_named > last_anonymous;
	return NULL;
}

/* An empty provider with room for a blob of size bytes. */
static struct hvo_error *btf_new(size_t size, struct hvo_btf **ret)
{
	if (size < sizeof(struct btf_header) || size > HVO_BTF_MAX_SIZE)
		return hvo_error_create(HVO_ERROR_FORMAT,
					"BTF blob of %zu bytes is not plausible "
					"(expected %zu to %u)", size, sizeof(struct btf_header),
					HVO_BTF_MAX_SIZE);
	struct hvo_btf *hb = calloc(1, sizeof(*hb));
	if (!hb)
		return &hvo_error_nomem;
	/* Pages of it not read are not touched, so not faulted in either. */
	hb->blob = malloc(size);
	if (!hb->blob) {
		free(hb);
		return &hvo_error_nomem;
	}
	hb->size = size;
	*ret = hb;
	return NULL;
}

/* hb, or on an error none: hb is freed. */
static struct hvo_error *btf_finish(struct hvo_btf *hb, struct hvo_error *err,
				    struct hvo_btf **ret)
{
	if (err) {
		hvo_btf_free(hb);
		return err;
	}
	*ret = hb;
	return NULL;
}

struct hvo_error *hvo_btf_parse(const void *data, size_t size, struct hvo_btf **ret)
{
	struct hvo_btf *hb;
	struct hvo_error *err = btf_new(size, &hb);
	if (err)
		return err;
	memcpy(hb->blob, data, size);
	hb->types_whole = hb->strings_whole = true;
	struct btf_header hdr;
	if (!(err = check_header(hb, &hdr)))
		err = index_blob(hb);
	return btf_finish(hb, err, ret);
}

struct hvo_error *hvo_btf_open(uint64_t address, size_t size, uint64_t page_size,
			       hvo_vread_fn *read, void *arg, struct hvo_btf **ret)
{
	if (!page_size || (page_size & (page_size - 1)))
		return hvo_error_create(HVO_ERROR_INTERNAL, "BTF read by pages of %" PRIu64
					" bytes, not a power of two", page_size);
	if (address > UINT64_MAX - page_size || size > UINT64_MAX - page_size - address)
		return hvo_error_create(HVO_ERROR_FORMAT, "BTF blob of %zu bytes at 0x%" PRIx64
					" runs off the address space", size, address);
	struct hvo_btf *hb;
	struct hvo_error *err = btf_new(size, &hb);
	if (err)
		return err;
	hb->read = read;
	hb->read_arg = arg;
	hb->address = address;
	hb->page_shift = (unsigned int)__builtin_ctzll(page_size);
	hb->page_read = calloc(blob_page(hb, size - 1) + 1, 1);
	if (!hb->page_read)
		return btf_finish(hb, &hvo_error_nomem, ret);
	/* Only the header: the rest of its page is types, which the index streams. */
	struct btf_header hdr;
	if ((err = read(arg, address, hb->blob, sizeof(hdr), "kernel BTF header")) ||
	    (err = check_header(hb, &hdr)))
		return btf_finish(hb, err, ret);
	return btf_finish(hb, index_blob(hb), ret);
}

struct hvo_error *hvo_btf_read(struct hvo_dump *dump, const struct hvo_kallsyms *ks,
			       struct hvo_btf **ret)
{
	uint64_t start, stop;
	struct hvo_error *err = hvo_kallsyms_lookup(ks, "__start_BTF", &start);
	if (err)
		return err;
	err = hvo_kallsyms_lookup(ks, "__stop_BTF", &stop);
	if (err == &hvo_error_not_found)
		return hvo_error_create(HVO_ERROR_FORMAT, "kallsyms has __start_BTF but no __stop_BTF");
	if (err)
		return err;
	if (stop <= start || stop - start > HVO_BTF_MAX_SIZE)
		return hvo_error_create(HVO_ERROR_FORMAT,
					"__start_BTF=0x%" PRIx64 " and __stop_BTF=0x%" PRIx64
					" do not bound a BTF blob of at most %u bytes",
					start, stop, HVO_BTF_MAX_SIZE);
	return hvo_btf_open(start, (size_t)(stop - start), hvo_dump_page_size(dump),
			    hvo_dump_vread, dump, ret);
}

struct hvo_error *hvo_btf_read_all(const struct hvo_btf *btf)
{
	/* The index walk has read every byte of the type section once already. */
	return need_all_strings(btf);
}

void hvo_btf_free(struct hvo_btf *btf)
{
	if (!btf)
		return;
	free(btf->blob);
	free(btf->page_read);
	if (btf->tables)
		free_tables(btf->tables, btf->tables_map_size);
	free(btf);
}

size_t hvo_btf_size(const struct hvo_btf *btf)
{
	return btf->size;
}

uint32_t hvo_btf_nr_types(const struct hvo_btf *btf)
{
	return btf->nr_types;
}

bool hvo_btf_sorted(const struct hvo_btf *btf)
{
	return btf->named_sorted;
}

static struct hvo_error *bad_type(uint32_t id, const char *why)
{
	return hvo_error_create(HVO_ERROR_FORMAT, "BTF type %" PRIu32 " %s", id, why);
}

/* Follow typedefs and qualifiers to the underlying type, to a bounded depth. */
static struct hvo_error *strip(const struct hvo_btf *hb, uint32_t id, uint32_t *id_ret,
			       const struct btf_type **t_ret)
{
	uint32_t first = id;
	*id_ret = 0;		/* defined on errors too */
	*t_ret = &void_type;
	for (int depth = 0; depth < HVO_BTF_MAX_DEPTH; depth++) {
		const struct btf_type *t;
		struct hvo_error *err = type_by_id(hb, id, &t);
		if (err)
			return err;
		if (!btf_is_alias(t)) {
			*id_ret = id;
			*t_ret = t;
			return NULL;
		}
		id = t->type;
	}
	return bad_type(first, "is a typedef/qualifier chain too deep (cyclic?)");
}

/* The size of a type in bytes, through aliases and arrays, refusing past 4 GiB. */
static struct hvo_error *type_size(const struct hvo_btf *hb, uint32_t id, uint64_t *size_ret)
{
	uint64_t nelems = 1;
	uint32_t first = id;
	for (int depth = 0; depth < HVO_BTF_MAX_DEPTH; depth++) {
		const struct btf_type *t;
		struct hvo_error *err = type_by_id(hb, id, &t);
		if (err)
			return err;
		uint64_t size;
		switch (btf_kind(t)) {
		case BTF_KIND_INT:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_DATASEC:
		case BTF_KIND_FLOAT:
			size = t->size;
			break;
		case BTF_KIND_PTR:
			size = BTF_POINTER_SIZE;
			break;
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_VAR:
		case BTF_KIND_DECL_TAG:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			continue;
		case BTF_KIND_ARRAY: {
			const struct btf_array *a = (const struct btf_array *)(t + 1);
			nelems *= a->nelems;
			if (nelems > UINT32_MAX)
				return bad_type(first, "is an array of more than 4G elements");
			id = a->type;
			continue;
		}
		default:
			return bad_type(first, "has no size (void, a function or a declaration)");
		}
		if (nelems && size > UINT32_MAX / nelems)
			return bad_type(first, "is larger than 4 GiB");
		*size_ret = nelems * size;
		return NULL;
	}
	return bad_type(first, "is a type chain too deep (cyclic?)");
}

/* A scan of every named type in the index, up to the first struct called name. */
static struct hvo_error *find_scan(const struct hvo_btf *hb, const char *name,
				   uint32_t found[NR_SLOTS])
{
	struct hvo_error *err = need_all_strings(hb);
	for (uint32_t i = 0; !err && i < hb->nr_named && !found[SLOT_STRUCT]; i++) {
		const struct btf_named *n = &hb->named[i];
		int cmp;
		if (n->slot != SLOT_ENUM && !found[n->slot] &&
		    !(err = compare_name(hb, n->name_off, name, &cmp)) && !cmp)
			found[n->slot] = n->id;
	}
	return err;
}

/* In name-sorted named types, the first not below name. */
static struct hvo_error *lower_bound(const struct hvo_btf *hb, const char *name, uint32_t *ret)
{
	struct hvo_error *err;
	uint32_t lo = 0, hi = hb->nr_named;
	int cmp;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if ((err = compare_name(hb, hb->named[mid].name_off, name, &cmp)))
			return err;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*ret = lo;
	return NULL;
}

/*
 * A binary search of name-sorted named types: the types called name are
 * together, in id order, so the first of each kind is the one a scan finds.
 */
static struct hvo_error *find_sorted(const struct hvo_btf *hb, const char *name,
				     uint32_t found[NR_SLOTS])
{
	uint32_t lo;
	int cmp;
	struct hvo_error *err = lower_bound(hb, name, &lo);
	if (err)
		return err;
	for (; lo < hb->nr_named; lo++) {
		const struct btf_named *n = &hb->named[lo];
		if ((err = compare_name(hb, n->name_off, name, &cmp)))
			return err;
		if (cmp)
			break;
		if (!found[n->slot])
			found[n->slot] = n->id;
	}
	return NULL;
}

/*
 * The named struct or union (the first of either, structs first), else a
 * typedef of one (nodemask_t, atomic_long_t); forward declarations are
 * skipped.  A binary search where the types are sorted by name; a miss there,
 * and any lookup in an unsorted BTF, scans the ~25k named structs, unions
 * and typedefs, so a blob that only looks sorted cannot hide a type.
 */
static struct hvo_error *find_composite_uncached(const struct hvo_btf *hb, const char *name,
						 uint32_t *id_ret, const struct btf_type **t_ret)
{
	uint32_t found[NR_SLOTS] = { 0 };
	struct hvo_error *err = hb->named_sorted ? find_sorted(hb, name, found) : NULL;
	if (!err && !found[SLOT_STRUCT] && !found[SLOT_UNION] && !found[SLOT_TYPEDEF])
		err = find_scan(hb, name, found);
	if (err)
		return err;
	uint32_t id = found[SLOT_STRUCT] ? found[SLOT_STRUCT] : found[SLOT_UNION];
	if (id) {
		*id_ret = id;
		return type_by_id(hb, id, t_ret);
	}
	if (!found[SLOT_TYPEDEF])
		return &hvo_error_not_found;
	err = strip(hb, found[SLOT_TYPEDEF], id_ret, t_ret);
	if (err)
		return err;
	return btf_is_composite(*t_ret) ? NULL : &hvo_error_not_found;
}

/* The analysis asks about a handful of structs many times: remember them. */
static struct hvo_error *find_composite(const struct hvo_btf *chb, const char *name,
					uint32_t *id_ret, const struct btf_type **t_ret)
{
	/* The memo is a cache: logically const. */
	struct hvo_btf *hb = (struct hvo_btf *)chb;
	for (unsigned int i = 0; i < hb->nr_memo; i++) {
		if (strcmp(hb->memo[i].name, name) != 0)
			continue;
		if (hb->memo[i].id < 0)
			return &hvo_error_not_found;
		*id_ret = (uint32_t)hb->memo[i].id;
		return type_by_id(hb, *id_ret, t_ret);
	}
	struct hvo_error *err = find_composite_uncached(hb, name, id_ret, t_ret);
	size_t len = strlen(name);
	if ((!err || err == &hvo_error_not_found) && hb->nr_memo < BTF_MEMO_SLOTS &&
	    len < BTF_MEMO_NAME_MAX) {
		memcpy(hb->memo[hb->nr_memo].name, name, len + 1);
		hb->memo[hb->nr_memo].id = err ? -1 : (int64_t)*id_ret;
		hb->nr_memo++;
	}
	return err;
}

struct hvo_error *hvo_btf_struct_size(const struct hvo_btf *hb, const char *name,
				      uint64_t *size_ret)
{
	uint32_t id;
	const struct btf_type *t;
	struct hvo_error *err = find_composite(hb, name, &id, &t);
	if (err)
		return err;
	*size_ret = t->size;
	return NULL;
}

/*
 * Find member name (len bytes) in composite t, looking into anonymous
 * structs and unions; *offset_ret is added the member's byte offset.
 */
static struct hvo_error *find_member(const struct hvo_btf *hb, const struct btf_type *t,
				     const char *name, size_t len, int depth,
				     uint64_t *offset_ret, uint32_t *type_ret)
{
	const struct btf_member *m = (const struct btf_member *)(t + 1);
	for (uint16_t i = 0; i < btf_vlen(t); i++) {
		const char *mname;
		struct hvo_error *err = name_at(hb, m[i].name_off, &mname);
		if (err)
			return err;
		/* With kflag set, the top byte holds a bitfield's width. */
		uint64_t off = (btf_kflag(t) ? BTF_MEMBER_BIT_OFFSET(m[i].offset) : m[i].offset) / 8;
		if (mname[0] == '\0') {
			uint32_t id;
			const struct btf_type *mt;
			err = strip(hb, m[i].type, &id, &mt);
			if (err)
				return err;
			if (!btf_is_composite(mt))
				continue;
			if (depth >= HVO_BTF_MAX_DEPTH)
				return bad_type(id, "nests anonymous members too deep (cyclic?)");
			uint64_t inner = 0;
			err = find_member(hb, mt, name, len, depth + 1, &inner, type_ret);
			if (err == &hvo_error_not_found)
				continue;
			if (err)
				return err;
			*offset_ret += off + inner;
			return NULL;
		}
		if (strlen(mname) == len && memcmp(mname, name, len) == 0) {
			*offset_ret += off;
			*type_ret = m[i].type;
			return NULL;
		}
	}
	return &hvo_error_not_found;
}

struct hvo_error *hvo_btf_member(const struct hvo_btf *hb, const char *name,
				 const char *member, struct hvo_member *ret)
{
	uint32_t id;
	const struct btf_type *t;
	struct hvo_error *err = find_composite(hb, name, &id, &t);
	if (err)
		return err;
	uint64_t offset = 0;
	const char *p = member;
	for (;;) {
		size_t len = strcspn(p, ".");
		if (!btf_is_composite(t))
			return hvo_error_create(HVO_ERROR_NOT_FOUND,
						"'%.*s' in struct %s: not a struct or union",
						(int)(p - member), member, name);
		uint32_t mtype;
		err = find_member(hb, t, p, len, 0, &offset, &mtype);
		if (err)
			return err;
		if (!p[len]) {
			id = mtype;
			break;
		}
		if ((err = strip(hb, mtype, &id, &t)))
			return err;
		p += len + 1;
	}
	struct hvo_member m = { .offset = offset, .provider = HVO_TYPES_BTF };
	if ((err = type_size(hb, id, &m.size)) || (err = strip(hb, id, &id, &t)))
		return err;
	if (btf_kind(t) == BTF_KIND_ARRAY) {
		const struct btf_array *a = (const struct btf_array *)(t + 1);
		m.array_len = a->nelems;
		if ((err = type_size(hb, a->type, &m.elem_size)))
			return err;
	}
	*ret = m;
	return NULL;
}

/* The value of enumerator in enum t; &hvo_error_not_found if t has none of that name. */
static struct hvo_error *enumerator_value(const struct hvo_btf *hb, const struct btf_type *t,
					  const char *enumerator, int64_t *value_ret)
{
	unsigned int kind = btf_kind(t);
	if (kind != BTF_KIND_ENUM && kind != BTF_KIND_ENUM64)
		return &hvo_error_not_found;
	bool is_signed = btf_kflag(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++) {
		uint32_t name_off;
		int64_t value;
		if (kind == BTF_KIND_ENUM) {
			const struct btf_enum *e = (const struct btf_enum *)(t + 1) + i;
			name_off = e->name_off;
			value = is_signed ? (int64_t)e->val : (int64_t)(uint32_t)e->val;
		} else {
			const struct btf_enum64 *e = (const struct btf_enum64 *)(t + 1) + i;
			name_off = e->name_off;
			value = (int64_t)((uint64_t)e->val_hi32 << 32 | e->val_lo32);
		}
		int cmp;
		struct hvo_error *err = compare_name(hb, name_off, enumerator, &cmp);
		if (err)
			return err;
		if (!cmp) {
			*value_ret = value;
			return NULL;
		}
	}
	return &hvo_error_not_found;
}

/*
 * Index entry i, if it is called enum_name (*cmp_ret: strcmp() of its name
 * with enum_name) and is an enum: the value of its enumerator.
 */
static struct hvo_error *named_enumerator_value(const struct hvo_btf *hb, uint32_t i,
						const char *enum_name, const char *enumerator,
						int64_t *value_ret, int *cmp_ret)
{
	const struct btf_type *t;
	struct hvo_error *err = compare_name(hb, hb->named[i].name_off, enum_name, cmp_ret);
	if (err)
		return err;
	if (*cmp_ret || hb->named[i].slot != SLOT_ENUM)
		return &hvo_error_not_found;
	err = type_by_id(hb, hb->named[i].id, &t);
	return err ? err : enumerator_value(hb, t, enumerator, value_ret);
}

/*
 * In the enums called enum_name (a declaration has no enumerators, and
 * BTF may keep two enums of one name): a binary search where the types are
 * sorted by name, else, and after a miss there, a scan of the index.
 */
static struct hvo_error *named_enum_value(const struct hvo_btf *hb, const char *enum_name,
					  const char *enumerator, int64_t *value_ret)
{
	struct hvo_error *err = NULL;
	int cmp = 0;
	if (hb->named_sorted) {
		uint32_t i;
		if ((err = lower_bound(hb, enum_name, &i)))
			return err;
		for (; i < hb->nr_named && !cmp; i++) {
			err = named_enumerator_value(hb, i, enum_name, enumerator, value_ret, &cmp);
			if (err != &hvo_error_not_found)
				return err;
		}
	}
	if ((err = need_all_strings(hb)))
		return err;
	for (uint32_t i = 0; i < hb->nr_named; i++) {
		if (hb->named[i].slot != SLOT_ENUM)
			continue;
		err = named_enumerator_value(hb, i, enum_name, enumerator, value_ret, &cmp);
		if (err != &hvo_error_not_found)
			return err;
	}
	return &hvo_error_not_found;
}

struct hvo_error *hvo_btf_enum_value(const struct hvo_btf *hb, const char *enum_name,
				     const char *enumerator, int64_t *value_ret)
{
	if (enum_name)
		return named_enum_value(hb, enum_name, enumerator, value_ret);
	/* Enumerators are in no order: every name is compared. */
	struct hvo_error *err = need_all_strings(hb);
	if (!err)
		err = need_all_types(hb);
	if (err)
		return err;
	for (uint32_t id = 1; id <= hb->nr_types; id++) {
		const struct btf_type *t;
		if ((err = type_by_id(hb, id, &t)))
			return err;
		err = enumerator_value(hb, t, enumerator, value_ret);
		if (err != &hvo_error_not_found)
			return err;
	}
	return &hvo_error_not_found;
}
