/* types_btf.c - the BTF provider: the kernel's own BTF read from the dump, via libbpf. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "dump.h"
#include "kallsyms.h"
#include "types_btf.h"

/*
 * libbpf finds a type by name with a linear scan of ~130k types; the
 * analysis asks about a handful of structs many times, so remember them.
 */
#define BTF_MEMO_SLOTS 32
#define BTF_MEMO_NAME_MAX 64

struct hvo_btf {
	struct btf *btf;
	size_t size;
	struct {
		char name[BTF_MEMO_NAME_MAX];
		int64_t id;		/* < 0: no such struct, union or typedef */
	} memo[BTF_MEMO_SLOTS];
	unsigned int nr_memo;
};

/* libbpf prints its own diagnostics; ours carry the context instead. */
static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

struct hvo_error *hvo_btf_parse(const void *data, size_t size, struct hvo_btf **ret)
{
	if (size < sizeof(struct btf_header) || size > HVO_BTF_MAX_SIZE)
		return hvo_error_create(HVO_ERROR_FORMAT,
					"BTF blob of %zu bytes is not plausible "
					"(expected %zu to %u)", size, sizeof(struct btf_header),
					HVO_BTF_MAX_SIZE);
	struct hvo_btf *hb = calloc(1, sizeof(*hb));
	if (!hb)
		return &hvo_error_nomem;
	libbpf_print_fn_t old = libbpf_set_print(quiet_print);
	errno = 0;
	hb->btf = btf__new(data, (uint32_t)size);
	int saved = errno;
	libbpf_set_print(old);
	if (!hb->btf) {
		free(hb);
		if (saved == ENOMEM)
			return &hvo_error_nomem;
		return hvo_error_create(HVO_ERROR_FORMAT, "libbpf rejects the BTF blob: %s",
					strerror(saved ? saved : EINVAL));
	}
	hb->size = size;
	*ret = hb;
	return NULL;
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
	size_t size = (size_t)(stop - start);
	void *buf = malloc(size);
	if (!buf)
		return &hvo_error_nomem;
	err = hvo_dump_read(dump, HVO_VIRT, start, buf, size, "kernel BTF");
	if (!err)
		err = hvo_btf_parse(buf, size, ret);
	free(buf);
	return err;
}

void hvo_btf_free(struct hvo_btf *btf)
{
	if (!btf)
		return;
	btf__free(btf->btf);
	free(btf);
}

size_t hvo_btf_size(const struct hvo_btf *btf)
{
	return btf->size;
}

uint32_t hvo_btf_nr_types(const struct hvo_btf *btf)
{
	return btf__type_cnt(btf->btf) - 1;
}

static struct hvo_error *bad_type(uint32_t id, const char *why)
{
	return hvo_error_create(HVO_ERROR_FORMAT, "BTF type %" PRIu32 " %s", id, why);
}

/* Follow typedefs and qualifiers to the underlying type, to a bounded depth. */
static struct hvo_error *strip(const struct btf *btf, uint32_t id, uint32_t *id_ret,
			       const struct btf_type **t_ret)
{
	uint32_t first = id;
	for (int depth = 0; depth < HVO_BTF_MAX_DEPTH; depth++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!t)
			return bad_type(id, "does not exist");
		if (!btf_is_typedef(t) && !btf_is_mod(t) && !btf_is_type_tag(t)) {
			*id_ret = id;
			*t_ret = t;
			return NULL;
		}
		id = t->type;
	}
	return bad_type(first, "is a typedef/qualifier chain too deep (cyclic?)");
}

static struct hvo_error *type_size(const struct btf *btf, uint32_t id, uint64_t *size_ret)
{
	int64_t size = btf__resolve_size(btf, id);
	if (size < 0)
		return bad_type(id, "has no valid size (cyclic, absurd or unsized)");
	*size_ret = (uint64_t)size;
	return NULL;
}

/* The named struct, union or typedef of one; libbpf's lookup skips forward declarations. */
static struct hvo_error *find_composite_uncached(const struct btf *btf, const char *name,
						 uint32_t *id_ret, const struct btf_type **t_ret)
{
	int32_t id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
	if (id < 0)
		id = btf__find_by_name_kind(btf, name, BTF_KIND_UNION);
	if (id >= 0) {
		*id_ret = (uint32_t)id;
		*t_ret = btf__type_by_id(btf, (uint32_t)id);
		return NULL;
	}
	/* A typedef of an anonymous struct: nodemask_t, atomic_long_t. */
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return &hvo_error_not_found;
	struct hvo_error *err = strip(btf, (uint32_t)id, id_ret, t_ret);
	if (err)
		return err;
	return btf_is_composite(*t_ret) ? NULL : &hvo_error_not_found;
}

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
		*t_ret = btf__type_by_id(hb->btf, *id_ret);
		return NULL;
	}
	struct hvo_error *err = find_composite_uncached(hb->btf, name, id_ret, t_ret);
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
static struct hvo_error *find_member(const struct btf *btf, const struct btf_type *t,
				     const char *name, size_t len, int depth,
				     uint64_t *offset_ret, uint32_t *type_ret)
{
	const struct btf_member *m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++) {
		const char *mname = btf__name_by_offset(btf, m[i].name_off);
		if (!mname)
			return hvo_error_create(HVO_ERROR_FORMAT,
						"BTF member name offset %" PRIu32 " is out of range",
						m[i].name_off);
		uint64_t off = btf_member_bit_offset(t, i) / 8;
		if (mname[0] == '\0') {
			uint32_t id;
			const struct btf_type *mt;
			struct hvo_error *err = strip(btf, m[i].type, &id, &mt);
			if (err)
				return err;
			if (!btf_is_composite(mt))
				continue;
			if (depth >= HVO_BTF_MAX_DEPTH)
				return bad_type(id, "nests anonymous members too deep (cyclic?)");
			uint64_t inner = 0;
			err = find_member(btf, mt, name, len, depth + 1, &inner, type_ret);
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
	const struct btf *btf = hb->btf;
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
		err = find_member(btf, t, p, len, 0, &offset, &mtype);
		if (err)
			return err;
		if (!p[len]) {
			id = mtype;
			break;
		}
		if ((err = strip(btf, mtype, &id, &t)))
			return err;
		p += len + 1;
	}
	struct hvo_member m = { .offset = offset, .provider = HVO_TYPES_BTF };
	if ((err = type_size(btf, id, &m.size)) || (err = strip(btf, id, &id, &t)))
		return err;
	if (btf_is_array(t)) {
		const struct btf_array *a = btf_array(t);
		m.array_len = a->nelems;
		if ((err = type_size(btf, a->type, &m.elem_size)))
			return err;
	}
	*ret = m;
	return NULL;
}

struct hvo_error *hvo_btf_enum_value(const struct hvo_btf *hb, const char *enumerator,
				     int64_t *value_ret)
{
	const struct btf *btf = hb->btf;
	uint32_t n = btf__type_cnt(btf);
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!t || !btf_is_any_enum(t))
			continue;
		bool is_signed = btf_kflag(t);
		for (uint16_t i = 0; i < btf_vlen(t); i++) {
			uint32_t name_off;
			int64_t value;
			if (btf_is_enum(t)) {
				const struct btf_enum *e = btf_enum(t) + i;
				name_off = e->name_off;
				value = is_signed ? (int64_t)e->val : (int64_t)(uint32_t)e->val;
			} else {
				const struct btf_enum64 *e = btf_enum64(t) + i;
				name_off = e->name_off;
				value = (int64_t)btf_enum64_value(e);
			}
			const char *ename = btf__name_by_offset(btf, name_off);
			if (ename && strcmp(ename, enumerator) == 0) {
				*value_ret = value;
				return NULL;
			}
		}
	}
	return &hvo_error_not_found;
}
