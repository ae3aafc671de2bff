/* kallsyms.c - decode the kernel's compressed symbol table read from the dump. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "kallsyms.h"
#include "vmcoreinfo.h"

struct kallsyms_entry {
	const char *name;	/* into pool */
	uint64_t address;
	uint32_t index;		/* position in the kernel's table (address order) */
	char type;
};

struct hvo_kallsyms {
	char *pool;
	struct kallsyms_entry *entries;	/* in the kernel's (address) order */
	size_t nr_entries;
	enum hvo_kallsyms_encoding encoding;
	/*
	 * Lookups go through a hash of the names (a sort of 200k names cost a
	 * third of a whole report); completion sorts a copy on first use.
	 */
	uint32_t *slots;		/* entry index + 1, 0 = empty; power-of-two size */
	size_t nr_slots;
	struct kallsyms_entry *sorted;	/* by name, then index; NULL until needed */
};

static uint64_t name_hash(const char *name)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);	/* FNV-1a */
	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * UINT64_C(0x100000001b3);
	return h;
}

static struct hvo_error *build_index(struct hvo_kallsyms *ks)
{
	size_t nr_slots = 16;
	while (nr_slots < ks->nr_entries * 2)
		nr_slots *= 2;
	ks->slots = calloc(nr_slots, sizeof(*ks->slots));
	if (!ks->slots)
		return &hvo_error_nomem;
	ks->nr_slots = nr_slots;
	/* In index order, so the first match a probe meets is the lowest index. */
	for (size_t i = 0; i < ks->nr_entries; i++) {
		size_t slot = name_hash(ks->entries[i].name) & (nr_slots - 1);
		while (ks->slots[slot])
			slot = (slot + 1) & (nr_slots - 1);
		ks->slots[slot] = (uint32_t)i + 1;
	}
	return NULL;
}

const char *hvo_kallsyms_encoding_name(enum hvo_kallsyms_encoding encoding)
{
	switch (encoding) {
	case HVO_KALLSYMS_PC_RELATIVE:
		return "pc-relative";
	case HVO_KALLSYMS_BASE_RELATIVE:
		return "base-relative";
	case HVO_KALLSYMS_ABSOLUTE_PERCPU:
		return "absolute-percpu";
	}
	return "unknown";
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static int32_t get_le32s(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
			 ((uint32_t)p[3] << 24));
}

static int compare_entries(const void *a, const void *b)
{
	const struct kallsyms_entry *x = a, *y = b;
	int r = strcmp(x->name, y->name);
	if (r)
		return r;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Every token index points inside the table at a NUL-terminated token. */
static struct hvo_error *check_tokens(const struct hvo_kallsyms_tables *t)
{
	if (!t->token_table_size)
		return hvo_error_create(HVO_ERROR_FORMAT, "kallsyms_token_table is empty");
	for (unsigned int i = 0; i < 256; i++) {
		uint16_t idx = get_le16(t->token_index + 2 * i);
		if (idx >= t->token_table_size ||
		    !memchr(t->token_table + idx, '\0', t->token_table_size - idx))
			return hvo_error_create(HVO_ERROR_FORMAT,
						"kallsyms_token_index[%u]=%u is outside "
						"kallsyms_token_table (%zu bytes)",
						i, idx, t->token_table_size);
	}
	return NULL;
}

/* Expand the symbol at *off into buf (type char first); advance *off. */
static struct hvo_error *expand_symbol(const struct hvo_kallsyms_tables *t, uint32_t i,
				       size_t *off, char *buf, size_t *len_ret)
{
	size_t pos = *off;
	if (pos >= t->names_size)
		goto truncated;
	size_t len = t->names[pos++];
	if (len & 0x80) {
		if (pos >= t->names_size)
			goto truncated;
		len = (len & 0x7f) | ((size_t)t->names[pos++] << 7);
	}
	if (len > t->names_size - pos)
		goto truncated;
	size_t out = 0;
	for (size_t k = 0; k < len; k++) {
		const char *tok = (const char *)t->token_table +
			get_le16(t->token_index + 2 * t->names[pos + k]);
		size_t tlen = strlen(tok);	/* NUL checked by check_tokens */
		if (tlen > HVO_KALLSYMS_NAME_MAX - out)
			return hvo_error_create(HVO_ERROR_FORMAT,
						"kallsyms symbol %" PRIu32
						" expands past %d characters", i,
						HVO_KALLSYMS_NAME_MAX);
		memcpy(buf + out, tok, tlen);
		out += tlen;
	}
	buf[out] = '\0';
	*off = pos + len;
	*len_ret = out;
	return NULL;
truncated:
	return hvo_error_create(HVO_ERROR_FORMAT,
				"kallsyms_names ends inside symbol %" PRIu32 " (%zu bytes)", i,
				t->names_size);
}

struct hvo_error *hvo_kallsyms_decode(const struct hvo_kallsyms_tables *t,
				      struct hvo_kallsyms **ret)
{
	struct hvo_error *err;
	if (t->num_syms > HVO_KALLSYMS_MAX_SYMS)
		return hvo_error_create(HVO_ERROR_FORMAT,
					"kallsyms_num_syms=%" PRIu32 " is not plausible (max %u)",
					t->num_syms, HVO_KALLSYMS_MAX_SYMS);
	if ((err = check_tokens(t)))
		return err;

	struct hvo_kallsyms *ks = calloc(1, sizeof(*ks));
	if (!ks)
		return &hvo_error_nomem;
	ks->entries = calloc(t->num_syms ? t->num_syms : 1, sizeof(*ks->entries));
	size_t pool_cap = 1 << 16, pool_len = 0;
	ks->pool = malloc(pool_cap);
	if (!ks->entries || !ks->pool) {
		err = &hvo_error_nomem;
		goto err;
	}

	/* Base-relative tables with negative entries use the absolute-percpu scheme. */
	ks->encoding = HVO_KALLSYMS_PC_RELATIVE;
	if (t->has_relative_base) {
		ks->encoding = HVO_KALLSYMS_BASE_RELATIVE;
		for (uint32_t i = 0; i < t->num_syms; i++) {
			if (get_le32s(t->offsets + 4 * (size_t)i) < 0) {
				ks->encoding = HVO_KALLSYMS_ABSOLUTE_PERCPU;
				break;
			}
		}
	}

	char buf[HVO_KALLSYMS_NAME_MAX + 1];
	size_t off = 0;
	for (uint32_t i = 0; i < t->num_syms; i++) {
		size_t len = 0;
		if ((err = expand_symbol(t, i, &off, buf, &len)))
			goto err;
		/* Type character first, then the name (may be empty for a 0-length entry). */
		const char *name = len ? buf + 1 : buf;
		size_t name_len = len ? len - 1 : 0;
		if (pool_cap - pool_len < name_len + 1) {
			while (pool_cap - pool_len < name_len + 1)
				pool_cap *= 2;
			char *pool = realloc(ks->pool, pool_cap);
			if (!pool) {
				err = &hvo_error_nomem;
				goto err;
			}
			ks->pool = pool;
		}
		memcpy(ks->pool + pool_len, name, name_len + 1);

		int32_t raw = get_le32s(t->offsets + 4 * (size_t)i);
		uint64_t address;
		switch (ks->encoding) {
		case HVO_KALLSYMS_PC_RELATIVE:
			address = t->offsets_vaddr + 4 * (uint64_t)i + (uint64_t)(int64_t)raw;
			break;
		case HVO_KALLSYMS_BASE_RELATIVE:
			address = t->relative_base + (uint32_t)raw;
			break;
		default:
			address = raw >= 0 ? (uint64_t)raw :
				t->relative_base - 1 - (uint64_t)(int64_t)raw;
			break;
		}
		ks->entries[i] = (struct kallsyms_entry){
			.name = (const char *)(uintptr_t)pool_len,	/* fixed up below */
			.address = address,
			.index = i,
			.type = len ? buf[0] : (char)'?',
		};
		pool_len += name_len + 1;
	}
	ks->nr_entries = t->num_syms;
	for (size_t i = 0; i < ks->nr_entries; i++)
		ks->entries[i].name = ks->pool + (uintptr_t)ks->entries[i].name;
	if ((err = build_index(ks)))
		goto err;
	*ret = ks;
	return NULL;
err:
	hvo_kallsyms_free(ks);
	return err;
}

void hvo_kallsyms_free(struct hvo_kallsyms *ks)
{
	if (!ks)
		return;
	free(ks->entries);
	free(ks->sorted);
	free(ks->slots);
	free(ks->pool);
	free(ks);
}

struct hvo_error *hvo_kallsyms_lookup_type(const struct hvo_kallsyms *ks, const char *name,
					   uint64_t *address_ret, char *type_ret)
{
	if (!ks->nr_slots)
		return &hvo_error_not_found;
	size_t slot = name_hash(name) & (ks->nr_slots - 1);
	for (; ks->slots[slot]; slot = (slot + 1) & (ks->nr_slots - 1)) {
		const struct kallsyms_entry *entry = &ks->entries[ks->slots[slot] - 1];
		if (strcmp(entry->name, name) != 0)
			continue;
		*address_ret = entry->address;
		if (type_ret)
			*type_ret = entry->type;
		return NULL;
	}
	return &hvo_error_not_found;
}

struct hvo_error *hvo_kallsyms_lookup(const struct hvo_kallsyms *ks, const char *name,
				      uint64_t *address_ret)
{
	return hvo_kallsyms_lookup_type(ks, name, address_ret, NULL);
}

const char *hvo_kallsyms_complete(const struct hvo_kallsyms *cks, const char *prefix,
				  size_t *cursor)
{
	/* The sorted copy is a cache: logically const. */
	struct hvo_kallsyms *ks = (struct hvo_kallsyms *)cks;
	if (!ks->sorted) {
		ks->sorted = malloc((ks->nr_entries ? ks->nr_entries : 1) * sizeof(*ks->sorted));
		if (!ks->sorted)
			return NULL;
		memcpy(ks->sorted, ks->entries, ks->nr_entries * sizeof(*ks->sorted));
		qsort(ks->sorted, ks->nr_entries, sizeof(*ks->sorted), compare_entries);
	}
	const struct kallsyms_entry *entries = ks->sorted;
	size_t len = strlen(prefix);
	size_t i = *cursor;
	if (i == 0) {
		/* First name not below the prefix: entries are sorted by name. */
		size_t lo = 0, hi = ks->nr_entries;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(entries[mid].name, prefix) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		i = lo;
	}
	/* Skip duplicates of the name just returned. */
	while (i < ks->nr_entries && i > 0 && *cursor &&
	       !strcmp(entries[i].name, entries[i - 1].name))
		i++;
	if (i >= ks->nr_entries || strncmp(entries[i].name, prefix, len) != 0) {
		*cursor = ks->nr_entries;
		return NULL;
	}
	*cursor = i + 1;
	return entries[i].name;
}

size_t hvo_kallsyms_count(const struct hvo_kallsyms *ks)
{
	return ks->nr_entries;
}

enum hvo_kallsyms_encoding hvo_kallsyms_encoding(const struct hvo_kallsyms *ks)
{
	return ks->encoding;
}

/* A SYMBOL(kallsyms_*) address; missing is FORMAT once the first one was found. */
static struct hvo_error *table_address(const struct hvo_vmcoreinfo *vi, const char *name,
				       uint64_t *ret)
{
	char key[64];
	snprintf(key, sizeof(key), "SYMBOL(%s)", name);
	struct hvo_error *err = hvo_vmcoreinfo_u64(vi, key, ret);
	if (err == &hvo_error_not_found)
		return hvo_error_create(HVO_ERROR_FORMAT, "VMCOREINFO has no %s", key);
	return err;
}

/* Bytes from start up to next, when next follows start within max. */
static struct hvo_error *gap_size(const char *what, uint64_t start, const char *next_name,
				  uint64_t next, size_t max, size_t *size_ret)
{
	if (next <= start || next - start > max)
		return hvo_error_create(HVO_ERROR_FORMAT,
					"cannot bound %s: %s at 0x%" PRIx64
					" is not within %zu bytes after it (0x%" PRIx64 ")",
					what, next_name, next, max, start);
	*size_ret = next - start;
	return NULL;
}

static struct hvo_error *read_alloc(struct hvo_dump *dump, uint64_t vaddr, size_t size,
				    const char *what, uint8_t **ret)
{
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return &hvo_error_nomem;
	struct hvo_error *err = hvo_dump_read(dump, HVO_VIRT, vaddr, buf, size, what);
	if (err) {
		free(buf);
		return err;
	}
	*ret = buf;
	return NULL;
}

struct hvo_error *hvo_kallsyms_read(struct hvo_dump *dump, const struct hvo_vmcoreinfo *vi,
				    struct hvo_kallsyms **ret)
{
	struct hvo_error *err;
	uint64_t num_syms_addr, names_addr, token_table_addr, token_index_addr, offsets_addr;
	struct hvo_kallsyms_tables t = { 0 };
	uint8_t *names = NULL, *token_table = NULL, *token_index = NULL, *offsets = NULL;

	err = hvo_vmcoreinfo_u64(vi, "SYMBOL(kallsyms_names)", &names_addr);
	if (err)
		return err;	/* not_found: no kallsyms in this dump */
	if ((err = table_address(vi, "kallsyms_num_syms", &num_syms_addr)) ||
	    (err = table_address(vi, "kallsyms_token_table", &token_table_addr)) ||
	    (err = table_address(vi, "kallsyms_token_index", &token_index_addr)) ||
	    (err = table_address(vi, "kallsyms_offsets", &offsets_addr)))
		goto out;
	err = hvo_vmcoreinfo_u64(vi, "SYMBOL(kallsyms_relative_base)", &t.relative_base);
	if (!err) {
		uint64_t base;
		/* kallsyms_relative_base is an unsigned long holding the base. */
		if ((err = hvo_dump_read_u64(dump, HVO_VIRT, t.relative_base, &base,
					     "kallsyms_relative_base")))
			goto out;
		t.relative_base = base;
		t.has_relative_base = true;
	} else if (err == &hvo_error_not_found) {
		err = NULL;
	} else {
		goto out;
	}

	uint32_t num_syms;
	if ((err = hvo_dump_read(dump, HVO_VIRT, num_syms_addr, &num_syms, sizeof(num_syms),
				 "kallsyms_num_syms")))
		goto out;
	if (num_syms > HVO_KALLSYMS_MAX_SYMS) {
		err = hvo_error_create(HVO_ERROR_FORMAT,
				       "kallsyms_num_syms=%" PRIu32 " is not plausible (max %u)",
				       num_syms, HVO_KALLSYMS_MAX_SYMS);
		goto out;
	}
	t.num_syms = num_syms;
	/* scripts/kallsyms.c emits names, markers, token_table, token_index, offsets. */
	if ((err = gap_size("kallsyms_names", names_addr, "kallsyms_token_table",
			    token_table_addr, HVO_KALLSYMS_MAX_NAMES_SIZE, &t.names_size)) ||
	    (err = gap_size("kallsyms_token_table", token_table_addr, "kallsyms_token_index",
			    token_index_addr, HVO_KALLSYMS_TOKEN_TABLE_MAX_SIZE,
			    &t.token_table_size)))
		goto out;
	if ((err = read_alloc(dump, names_addr, t.names_size, "kallsyms_names", &names)) ||
	    (err = read_alloc(dump, token_table_addr, t.token_table_size,
			      "kallsyms_token_table", &token_table)) ||
	    (err = read_alloc(dump, token_index_addr, 512, "kallsyms_token_index",
			      &token_index)) ||
	    (err = read_alloc(dump, offsets_addr, 4 * (size_t)num_syms, "kallsyms_offsets",
			      &offsets)))
		goto out;
	t.names = names;
	t.token_table = token_table;
	t.token_index = token_index;
	t.offsets = offsets;
	t.offsets_vaddr = offsets_addr;
	err = hvo_kallsyms_decode(&t, ret);
out:
	free(offsets);
	free(token_index);
	free(token_table);
	free(names);
	if (err && err != &hvo_error_not_found)
		err = hvo_error_prefix(err, "reading kallsyms");
	return err;
}
