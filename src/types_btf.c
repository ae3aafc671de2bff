/*
 * types_btf.c - the BTF provider: the kernel's own BTF read from the dump.
 *
 * The blob is read into one buffer and indexed in place: a table of where
 * each type id starts.  libbpf's btf__new() would copy the 5 MiB blob again
 * and build its own tables, 3 ms of a 20 ms report for the three structs and
 * six members the analysis asks about.  The type section is read whole (the
 * index walks it), the string section a page at a time as names are
 * compared: kernels since 6.19 sort their named types by name, so a lookup
 * is a binary search that reads a few dozen of its 550 pages (and
 * decompresses only those, in a kdump file).  The format is the kernel's
 * stable uapi (linux/btf.h); libbpf still writes the generator's BTF and
 * checks this reader in the tests.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/btf.h>

#include "dump.h"
#include "kallsyms.h"
#include "types_btf.h"

/* Lookups remembered by name. */
#define BTF_MEMO_SLOTS 32
#define BTF_MEMO_NAME_MAX 64
/* Pointers are 8 bytes: hvoinspect reads x86_64 kernels only. */
#define BTF_POINTER_SIZE 8

/*
 * The blob and its index share one buffer: the blob, then room for the
 * two id tables at their largest (a type takes at least 12 bytes), of
 * which only what the walk fills is ever touched.
 */
struct hvo_btf {
	void *buffer;
	size_t buffer_map_size;		/* 0: buffer is malloc()ed */
	size_t size;			/* of the blob, at the start of buffer */
	const uint8_t *types;		/* the type section */
	char *strings;			/* the string section, NUL-terminated */
	uint32_t strings_len;
	/*
	 * Until the whole string section is here (read == NULL), pages of it
	 * are read on demand through read(read_arg, ...).
	 */
	hvo_vread_fn *read;
	void *read_arg;
	uint64_t strings_address;	/* kernel virtual address of strings[0] */
	uint8_t *string_page_read;	/* [page - first page]: read yet? */
	uint32_t nr_types;		/* ids 1..nr_types; 0 is void */
	uint32_t *type_offsets;		/* [id - 1]: offset in types */
	uint32_t *named;		/* named structs, unions, typedefs: ids in order */
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

static const struct btf_type *type_by_id(const struct hvo_btf *hb, uint32_t id)
{
	if (id == 0)
		return &void_type;
	if (id > hb->nr_types)
		return NULL;
	return (const struct btf_type *)(hb->types + hb->type_offsets[id - 1]);
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

/* Check the header at the start of hb->buffer and point types and strings into it. */
static struct hvo_error *check_header(struct hvo_btf *hb, struct btf_header *hdr_ret)
{
	struct btf_header hdr;
	memcpy(&hdr, hb->buffer, sizeof(hdr));
	*hdr_ret = hdr;		/* defined on errors too */
	if (hdr.magic != BTF_MAGIC)
		return bad_blob(hdr.magic == __builtin_bswap16(BTF_MAGIC) ?
				"big-endian BTF (hvoinspect reads x86_64 kernels)" :
				"no BTF magic (0x%04x)", hdr.magic);
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
	uint8_t *data = (uint8_t *)hb->buffer + hdr.hdr_len;
	hb->types = data + hdr.type_off;
	hb->strings = (char *)data + hdr.str_off;
	hb->strings_len = hdr.str_len;
	return NULL;
}

#define BTF_STRING_PAGE 4096U

/*
 * The page of the string section holding offset: its index from the first
 * page, and where in the section it starts and ends.
 */
static uint64_t string_page(const struct hvo_btf *hb, uint32_t offset, uint32_t *start_ret,
			    uint32_t *end_ret)
{
	/* hvo_btf_open() leaves a page of address space after the blob. */
	uint64_t first = hb->strings_address & ~(uint64_t)(BTF_STRING_PAGE - 1);
	uint64_t page = (hb->strings_address + offset) & ~(uint64_t)(BTF_STRING_PAGE - 1);
	*start_ret = page > hb->strings_address ? (uint32_t)(page - hb->strings_address) : 0;
	uint64_t end = page + BTF_STRING_PAGE - hb->strings_address;
	*end_ret = end < hb->strings_len ? (uint32_t)end : hb->strings_len;
	return (page - first) / BTF_STRING_PAGE;
}

/* Read the page of the string section holding offset unless it is here; *end_ret: its end. */
static struct hvo_error *read_string_page(struct hvo_btf *hb, uint32_t offset, uint32_t *end_ret)
{
	uint32_t start;
	uint64_t page = string_page(hb, offset, &start, end_ret);
	if (!hb->read || hb->string_page_read[page])
		return NULL;
	struct hvo_error *err = hb->read(hb->read_arg, hb->strings_address + start,
					 hb->strings + start, *end_ret - start, "kernel BTF strings");
	if (err)
		return err;
	hb->string_page_read[page] = 1;
	return NULL;
}

/* Read what is left of the string section, for a scan of every name. */
static struct hvo_error *read_all_strings(const struct hvo_btf *chb)
{
	struct hvo_btf *hb = (struct hvo_btf *)chb;	/* a cache: logically const */
	if (!hb->read)
		return NULL;
	/* Each run of pages not read yet in one read: no page is read twice. */
	uint32_t start, end;
	for (uint32_t at = 0; at < hb->strings_len; at = end) {
		uint64_t page = string_page(hb, at, &start, &end);
		if (hb->string_page_read[page])
			continue;
		while (end < hb->strings_len && !hb->string_page_read[++page])
			string_page(hb, end, &start, &end);
		struct hvo_error *err = hb->read(hb->read_arg, hb->strings_address + at,
						 hb->strings + at, end - at, "kernel BTF strings");
		if (err)
			return err;
	}
	hb->read = NULL;
	free(hb->string_page_read);
	hb->string_page_read = NULL;
	return NULL;
}

/* The name at offset in the string section, read from the dump as needed. */
static struct hvo_error *name_at(const struct hvo_btf *chb, uint32_t offset, const char **ret)
{
	struct hvo_btf *hb = (struct hvo_btf *)chb;	/* a cache: logically const */
	if (offset >= hb->strings_len)
		return hvo_error_create(HVO_ERROR_FORMAT, "BTF name offset %" PRIu32 " is past "
					"the %" PRIu32 "-byte string section", offset,
					hb->strings_len);
	/* Page by page up to the name's NUL; the section's last byte is one. */
	for (uint32_t at = offset, end; hb->read; at = end) {
		struct hvo_error *err = read_string_page(hb, at, &end);
		if (err)
			return err;
		if (memchr(hb->strings + at, '\0', end - at))
			break;
	}
	*ret = hb->strings + offset;
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

/* Check the ends of the string section, then index the types hdr describes. */
static struct hvo_error *index_blob(struct hvo_btf *hb, const struct btf_header *hdr)
{
	struct hvo_error *err;
	uint32_t end;
	if (!hb->strings || !hb->strings_len)	/* check_header() refuses both */
		return bad_blob("no string section");
	if ((err = read_string_page(hb, 0, &end)) ||
	    (err = read_string_page(hb, hb->strings_len - 1, &end)))
		return err;
	if (hb->strings[0] || hb->strings[hb->strings_len - 1])
		return bad_blob("string section (%" PRIu32 " bytes) does not start and end "
				"with NUL", hb->strings_len);

	/* The tables after the blob, 4-byte aligned: see struct hvo_btf. */
	size_t max_types = hdr->type_len / sizeof(struct btf_type);
	hb->type_offsets = (uint32_t *)((uint8_t *)hb->buffer + ((hb->size + 3) & ~(size_t)3));
	hb->named = hb->type_offsets + max_types;
	uint32_t offset = 0, first_named = 0, last_anonymous = 0;
	while (offset < hdr->type_len) {
		const struct btf_type *t = (const struct btf_type *)(hb->types + offset);
		if (hdr->type_len - offset < sizeof(*t))
			return bad_blob("type %" PRIu32 " is cut off", hb->nr_types + 1);
		unsigned int kind = btf_kind(t);
		if (!kind_layout[kind].known)
			return bad_blob("type %" PRIu32 " has kind %u, unknown to hvoinspect",
					hb->nr_types + 1, kind);
		size_t extra = kind_layout[kind].fixed +
			(size_t)kind_layout[kind].per_entry * btf_vlen(t);
		if (extra > hdr->type_len - offset - sizeof(*t))
			return bad_blob("type %" PRIu32 " runs past the type section",
					hb->nr_types + 1);
		if (hb->nr_types == BTF_MAX_TYPE)
			return bad_blob("more than %u types", BTF_MAX_TYPE);
		hb->type_offsets[hb->nr_types++] = offset;
		if (!t->name_off)
			last_anonymous = hb->nr_types;
		else if (!first_named)
			first_named = hb->nr_types;
		if (t->name_off && (kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION ||
				    kind == BTF_KIND_TYPEDEF))
			hb->named[hb->nr_named++] = hb->nr_types;
		offset += (uint32_t)(sizeof(*t) + extra);
	}
	hb->named_sorted = hb->nr_named && first_named > last_anonymous;
	return NULL;
}

/*
 * A buffer for the blob.  A large one gets its own mapping, which the kernel
 * backs with huge pages where it can (transparent huge pages on madvise):
 * 5 MiB then takes some 0.3 ms to fault in instead of 2 ms in 4 KiB pages.
 * A small one, and any under ASan (which sees no bounds in a mapping), is
 * malloc()ed.
 */
#define BTF_HUGE_PAGE ((size_t)2 << 20)

#if defined(__SANITIZE_ADDRESS__)
#define BTF_MAP_BLOBS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BTF_MAP_BLOBS 0
#endif
#endif
#ifndef BTF_MAP_BLOBS
#define BTF_MAP_BLOBS 1
#endif

static void *map_blob(size_t size, size_t *map_size_ret)
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

/* An empty provider with room for a blob of size bytes (and its index). */
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
	size_t max_types = size / sizeof(struct btf_type);
	size_t buffer_size = ((size + 3) & ~(size_t)3) + 2 * sizeof(uint32_t) * max_types;
	if (BTF_MAP_BLOBS && size >= BTF_HUGE_PAGE)
		hb->buffer = map_blob(buffer_size, &hb->buffer_map_size);
	else
		hb->buffer = malloc(buffer_size);
	if (!hb->buffer) {
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
	memcpy(hb->buffer, data, size);
	struct btf_header hdr;
	if (!(err = check_header(hb, &hdr)))
		err = index_blob(hb, &hdr);
	return btf_finish(hb, err, ret);
}

struct hvo_error *hvo_btf_open(uint64_t address, size_t size, hvo_vread_fn *read, void *arg,
			       struct hvo_btf **ret)
{
	if (address > UINT64_MAX - BTF_STRING_PAGE || size > UINT64_MAX - BTF_STRING_PAGE - address)
		return hvo_error_create(HVO_ERROR_FORMAT, "BTF blob of %zu bytes at 0x%" PRIx64
					" runs off the address space", size, address);
	struct hvo_btf *hb;
	struct hvo_error *err = btf_new(size, &hb);
	if (err)
		return err;
	hb->read = read;
	hb->read_arg = arg;
	struct btf_header hdr;
	uint8_t *data = (uint8_t *)hb->buffer;
	if ((err = read(arg, address, data, sizeof(hdr), "kernel BTF header")) ||
	    (err = check_header(hb, &hdr)))
		return btf_finish(hb, err, ret);
	/* The types whole, straight into the blob's own buffer: the index walks them all. */
	uint64_t types_offset = (uint64_t)hdr.hdr_len + hdr.type_off;
	if (hdr.type_len &&
	    (err = read(arg, address + types_offset, data + types_offset, hdr.type_len,
			"kernel BTF types")))
		return btf_finish(hb, err, ret);
	hb->strings_address = address + hdr.hdr_len + hdr.str_off;
	uint32_t start, end;
	hb->string_page_read = calloc(string_page(hb, hb->strings_len - 1, &start, &end) + 1, 1);
	if (!hb->string_page_read)
		return btf_finish(hb, &hvo_error_nomem, ret);
	return btf_finish(hb, index_blob(hb, &hdr), ret);
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
	return hvo_btf_open(start, (size_t)(stop - start), hvo_dump_vread, dump, ret);
}

struct hvo_error *hvo_btf_read_all(const struct hvo_btf *btf)
{
	return read_all_strings(btf);
}

void hvo_btf_free(struct hvo_btf *btf)
{
	if (!btf)
		return;
	if (btf->buffer_map_size)
		munmap(btf->buffer, btf->buffer_map_size);
	else
		free(btf->buffer);
	free(btf->string_page_read);
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
		const struct btf_type *t = type_by_id(hb, id);
		if (!t)
			return bad_type(id, "does not exist");
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
		const struct btf_type *t = type_by_id(hb, id);
		if (!t)
			return bad_type(id, "does not exist");
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

/* found[]'s slot for a named struct (0), union (1) or typedef (2). */
static unsigned int found_slot(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_STRUCT ? 0 : btf_kind(t) == BTF_KIND_UNION ? 1 : 2;
}

/* A scan of every named struct, union and typedef, up to the first struct called name. */
static struct hvo_error *find_scan(const struct hvo_btf *hb, const char *name, uint32_t found[3])
{
	struct hvo_error *err = read_all_strings(hb);
	for (uint32_t i = 0; !err && i < hb->nr_named && !found[0]; i++) {
		const struct btf_type *t = type_by_id(hb, hb->named[i]);
		unsigned int slot = found_slot(t);
		int cmp;
		if (!found[slot] && !(err = compare_name(hb, t->name_off, name, &cmp)) && !cmp)
			found[slot] = hb->named[i];
	}
	return err;
}

/*
 * A binary search of name-sorted named types: the types called name are
 * together, in id order, so the first of each kind is the one a scan finds.
 */
static struct hvo_error *find_sorted(const struct hvo_btf *hb, const char *name, uint32_t found[3])
{
	struct hvo_error *err;
	uint32_t lo = 0, hi = hb->nr_named;
	int cmp;
	while (lo < hi) {	/* the first not below name */
		uint32_t mid = lo + (hi - lo) / 2;
		if ((err = compare_name(hb, type_by_id(hb, hb->named[mid])->name_off, name, &cmp)))
			return err;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < hb->nr_named; lo++) {
		const struct btf_type *t = type_by_id(hb, hb->named[lo]);
		if ((err = compare_name(hb, t->name_off, name, &cmp)))
			return err;
		if (cmp)
			break;
		if (!found[found_slot(t)])
			found[found_slot(t)] = hb->named[lo];
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
	uint32_t found[3] = { 0 };	/* struct, union, typedef */
	struct hvo_error *err = hb->named_sorted ? find_sorted(hb, name, found) : NULL;
	if (!err && !found[0] && !found[1] && !found[2])
		err = find_scan(hb, name, found);
	if (err)
		return err;
	uint32_t id = found[0] ? found[0] : found[1];
	if (id) {
		*id_ret = id;
		*t_ret = type_by_id(hb, id);
		return NULL;
	}
	if (!found[2])
		return &hvo_error_not_found;
	err = strip(hb, found[2], id_ret, t_ret);
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
		*t_ret = type_by_id(hb, *id_ret);
		return NULL;
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

struct hvo_error *hvo_btf_enum_value(const struct hvo_btf *hb, const char *enumerator,
				     int64_t *value_ret)
{
	/* Enumerators are in no order: every name is compared. */
	struct hvo_error *err = read_all_strings(hb);
	if (err)
		return err;
	for (uint32_t id = 1; id <= hb->nr_types; id++) {
		const struct btf_type *t = type_by_id(hb, id);
		unsigned int kind = btf_kind(t);
		if (kind != BTF_KIND_ENUM && kind != BTF_KIND_ENUM64)
			continue;
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
			if ((err = compare_name(hb, name_off, enumerator, &cmp)))
				return err;
			if (!cmp) {
				*value_ret = value;
				return NULL;
			}
		}
	}
	return &hvo_error_not_found;
}
