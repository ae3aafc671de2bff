/* kallsyms.c - decode the kernel's compressed symbol table read from the dump. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "kallsyms.h"
#include "vmcoreinfo.h"

/*
 * Lookups must not expand every name: that was a third of a whole report
 * (200k names, 3 MiB).  Names hash with a polynomial hash, which composes
 * over tokens: hash(a b) = hash(a) * B^len(b) + hash(b), so one multiply-add
 * per token gives each name's hash from per-token constants.  Symbols are
 * bucketed by hash with a counting sort (linear however the hashes collide),
 * and a lookup expands only the candidates whose hash matches.  Completion
 * needs every name, sorted: that copy is made on first use.
 */
#define HASH_BASE UINT64_C(0x100000001b3)

struct kallsyms_entry {
	const char *name;	/* into pool */
	uint32_t index;		/* position in the kernel's table (address order) */
};

struct hvo_kallsyms {
	/* The tables, owned. */
	uint8_t *names;
	size_t names_size;
	uint8_t *offsets;		/* num_syms little-endian s32 */
	uint64_t offsets_vaddr;
	uint64_t relative_base;
	uint32_t num_syms;
	enum hvo_kallsyms_encoding encoding;
	char *token_chars;		/* the token table */
	uint16_t token_start[256];
	uint16_t token_len[256];
	uint64_t token_hash[256], token_mul[256];		/* whole token */
	uint64_t token_hash_tail[256], token_mul_tail[256];	/* without its first char */

	uint32_t *name_offsets;		/* per symbol: its length byte in names */
	/* Buckets by hash: symbols of bucket b are bucket_syms[bucket_start[b]..[b+1]). */
	uint32_t nr_buckets;		/* power of two */
	uint32_t *bucket_start;
	uint32_t *bucket_syms;		/* in index order within a bucket */
	uint64_t *bucket_hashes;	/* the hash of each bucket_syms entry */

	/* Completion: every name, sorted by name then index; NULL until needed. */
	char *pool;
	struct kallsyms_entry *sorted;

	/*
	 * Sorted mode (read != NULL, names == NULL): lookups binary-search the
	 * kernel's own kallsyms_seqs_of_names and expand only the names on
	 * the way, read 256 at a time from kallsyms_markers' blocks.
	 */
	hvo_vread_fn *read;
	void *read_arg;
	uint64_t names_vaddr;
	size_t names_region;		/* bytes from names to markers */
	uint32_t *markers;
	uint32_t nr_markers;
	/* num_syms big-endian 3-byte indices, in chunks read on first use */
	uint64_t seqs_vaddr;
	uint8_t **seq_chunks;
	uint32_t nr_seq_chunks;
	uint8_t **blocks;		/* per marker, read on first use */
	size_t *block_sizes;
};

static uint64_t hash_chars(const char *s, size_t len, uint64_t *mul_ret)
{
	uint64_t h = 0, mul = 1;
	for (size_t i = 0; i < len; i++) {
		h = h * HASH_BASE + (unsigned char)s[i];
		mul *= HASH_BASE;
	}
	if (mul_ret)
		*mul_ret = mul;
	return h;
}

static uint32_t bucket_of(const struct hvo_kallsyms *ks, uint64_t hash)
{
	/* Mix: the low bits of a polynomial hash are weak. */
	hash ^= hash >> 31;
	hash *= UINT64_C(0x9e3779b97f4a7c15);
	return (uint32_t)(hash >> 32) & (ks->nr_buckets - 1);
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

/*
 * Every token index points inside the table at a NUL-terminated token;
 * record each token's place, length and hash constants.
 */
static struct hvo_error *load_tokens(struct hvo_kallsyms *ks, const uint8_t *token_table,
				     size_t token_table_size, const uint8_t *token_index)
{
	if (!token_table_size)
		return hvo_error_create(HVO_ERROR_FORMAT, "kallsyms_token_table is empty");
	for (unsigned int i = 0; i < 256; i++) {
		uint16_t idx = get_le16(token_index + 2 * i);
		const uint8_t *nul = idx < token_table_size ?
			memchr(token_table + idx, '\0', token_table_size - idx) : NULL;
		if (!nul)
			return hvo_error_create(HVO_ERROR_FORMAT,
						"kallsyms_token_index[%u]=%u is outside "
						"kallsyms_token_table (%zu bytes)",
						i, idx, token_table_size);
		/* < 64 KiB: the table size is bounded by the caller. */
		size_t len = (size_t)(nul - (token_table + idx));
		const char *tok = (const char *)token_table + idx;
		ks->token_start[i] = idx;
		ks->token_len[i] = (uint16_t)len;
		ks->token_hash[i] = hash_chars(tok, len, &ks->token_mul[i]);
		ks->token_hash_tail[i] = len ? hash_chars(tok + 1, len - 1, &ks->token_mul_tail[i]) : 0;
		if (!len)
			ks->token_mul_tail[i] = 1;
	}
	ks->token_chars = malloc(token_table_size);
	if (!ks->token_chars)
		return &hvo_error_nomem;
	memcpy(ks->token_chars, token_table, token_table_size);
	return NULL;
}

/* The symbol at *off: its token bytes and their count; advance *off. */
/*
 * The symbol at *pos of a names stream: a one- or two-byte length, then
 * that many token indices.  false when the stream ends inside it.
 */
static bool next_symbol(const uint8_t *data, size_t size, size_t *pos,
			const uint8_t **tokens_ret, size_t *nr_tokens_ret)
{
	size_t p = *pos;
	if (p >= size)
		return false;
	size_t len = data[p++];
	if (len & 0x80) {
		if (p >= size)
			return false;
		len = (len & 0x7f) | ((size_t)data[p++] << 7);
	}
	if (len > size - p)
		return false;
	*tokens_ret = data + p;
	*nr_tokens_ret = len;
	*pos = p + len;
	return true;
}

static struct hvo_error *symbol_tokens(const struct hvo_kallsyms *ks, uint32_t i, size_t *off,
				       const uint8_t **tokens_ret, size_t *nr_tokens_ret)
{
	if (next_symbol(ks->names, ks->names_size, off, tokens_ret, nr_tokens_ret))
		return NULL;
	return hvo_error_create(HVO_ERROR_FORMAT,
				"kallsyms_names ends inside symbol %" PRIu32 " (%zu bytes)", i,
				ks->names_size);
}

static struct hvo_error *too_long(uint32_t i)
{
	return hvo_error_create(HVO_ERROR_FORMAT,
				"kallsyms symbol %" PRIu32 " expands past %d characters", i,
				HVO_KALLSYMS_NAME_MAX);
}

/*
 * Expand the tokens of symbol i into buf (HVO_KALLSYMS_NAME_MAX + 1 bytes):
 * the type character first, then the name.
 */
static struct hvo_error *expand_tokens(const struct hvo_kallsyms *ks, uint32_t i,
				       const uint8_t *tokens, size_t nr_tokens, char *buf,
				       size_t *len_ret)
{
	size_t out = 0;
	for (size_t k = 0; k < nr_tokens; k++) {
		size_t tlen = ks->token_len[tokens[k]];
		if (tlen > HVO_KALLSYMS_NAME_MAX - out) {
			buf[out] = '\0';
			*len_ret = out;
			return too_long(i);
		}
		memcpy(buf + out, ks->token_chars + ks->token_start[tokens[k]], tlen);
		out += tlen;
	}
	buf[out] = '\0';
	*len_ret = out;
	return NULL;
}

/* Expand symbol i of the hashed names; their bounds were checked by index_names(). */
static size_t expand_symbol(const struct hvo_kallsyms *ks, uint32_t i, char *buf)
{
	size_t off = ks->name_offsets[i], nr_tokens, len = 0;
	const uint8_t *tokens;
	struct hvo_error *err = symbol_tokens(ks, i, &off, &tokens, &nr_tokens);
	if (!err)
		err = expand_tokens(ks, i, tokens, nr_tokens, buf, &len);
	if (err) {	/* cannot happen after index_names(); stay bounded anyway */
		hvo_error_destroy(err);
		buf[len] = '\0';
	}
	return len;
}

/* The name of an expansion of length len (the type character dropped). */
static const char *name_of(const char *buf, size_t len)
{
	return len ? buf + 1 : buf;
}

static uint64_t address_from_raw(const struct hvo_kallsyms *ks, uint32_t i, int32_t raw)
{
	switch (ks->encoding) {
	case HVO_KALLSYMS_PC_RELATIVE:
		return ks->offsets_vaddr + 4 * (uint64_t)i + (uint64_t)(int64_t)raw;
	case HVO_KALLSYMS_BASE_RELATIVE:
		return ks->relative_base + (uint32_t)raw;
	default:
		return raw >= 0 ? (uint64_t)raw : ks->relative_base - 1 - (uint64_t)(int64_t)raw;
	}
}

static uint64_t address_of(const struct hvo_kallsyms *ks, uint32_t i)
{
	return address_from_raw(ks, i, get_le32s(ks->offsets + 4 * (size_t)i));
}

/*
 * One pass over the names: check every symbol's bounds, record where it
 * starts and hash its name (without the type character) token by token.
 */
static struct hvo_error *index_names(struct hvo_kallsyms *ks, uint64_t *hashes)
{
	size_t off = 0;
	for (uint32_t i = 0; i < ks->num_syms; i++) {
		ks->name_offsets[i] = (uint32_t)off;	/* names_size < 4 GiB */
		const uint8_t *tokens;
		size_t nr_tokens;
		struct hvo_error *err = symbol_tokens(ks, i, &off, &tokens, &nr_tokens);
		if (err)
			return err;
		uint64_t h = 0;
		size_t out = 0;
		for (size_t k = 0; k < nr_tokens; k++) {
			uint8_t tok = tokens[k];
			size_t tlen = ks->token_len[tok];
			if (tlen > HVO_KALLSYMS_NAME_MAX - out)
				return too_long(i);
			/* The first character of the expansion is the type. */
			if (out)
				h = h * ks->token_mul[tok] + ks->token_hash[tok];
			else if (tlen)
				h = h * ks->token_mul_tail[tok] + ks->token_hash_tail[tok];
			out += tlen;
		}
		hashes[i] = h;
	}
	return NULL;
}

/* Bucket the symbols by hash, keeping index order within each bucket. */
static struct hvo_error *build_buckets(struct hvo_kallsyms *ks, const uint64_t *hashes)
{
	uint32_t nr_buckets = 16;
	while (nr_buckets < ks->num_syms)
		nr_buckets *= 2;
	ks->nr_buckets = nr_buckets;
	ks->bucket_start = calloc((size_t)nr_buckets + 1, sizeof(*ks->bucket_start));
	ks->bucket_syms = malloc((ks->num_syms ? ks->num_syms : 1) * sizeof(*ks->bucket_syms));
	ks->bucket_hashes = malloc((ks->num_syms ? ks->num_syms : 1) *
				   sizeof(*ks->bucket_hashes));
	if (!ks->bucket_start || !ks->bucket_syms || !ks->bucket_hashes)
		return &hvo_error_nomem;
	for (uint32_t i = 0; i < ks->num_syms; i++)
		ks->bucket_start[bucket_of(ks, hashes[i]) + 1]++;
	for (uint32_t b = 0; b < nr_buckets; b++)
		ks->bucket_start[b + 1] += ks->bucket_start[b];
	/* bucket_start[b] is used as the fill cursor, then restored. */
	for (uint32_t i = 0; i < ks->num_syms; i++) {
		uint32_t slot = ks->bucket_start[bucket_of(ks, hashes[i])]++;
		ks->bucket_syms[slot] = i;
		ks->bucket_hashes[slot] = hashes[i];
	}
	for (uint32_t b = nr_buckets; b > 0; b--)
		ks->bucket_start[b] = ks->bucket_start[b - 1];
	ks->bucket_start[0] = 0;
	return NULL;
}

/* Index the tables ks already holds. */
static struct hvo_error *index_tables(struct hvo_kallsyms *ks)
{
	/* Base-relative tables with negative entries use the absolute-percpu scheme. */
	if (ks->encoding == HVO_KALLSYMS_BASE_RELATIVE) {
		for (uint32_t i = 0; i < ks->num_syms; i++) {
			if (get_le32s(ks->offsets + 4 * (size_t)i) < 0) {
				ks->encoding = HVO_KALLSYMS_ABSOLUTE_PERCPU;
				break;
			}
		}
	}
	ks->name_offsets = malloc((ks->num_syms ? ks->num_syms : 1) * sizeof(*ks->name_offsets));
	uint64_t *hashes = malloc((ks->num_syms ? ks->num_syms : 1) * sizeof(*hashes));
	struct hvo_error *err = &hvo_error_nomem;
	if (ks->name_offsets && hashes && !(err = index_names(ks, hashes)))
		err = build_buckets(ks, hashes);
	free(hashes);
	return err;
}

/* Check the untrusted sizes and set up ks's scalar fields and tokens. */
static struct hvo_error *kallsyms_create(const struct hvo_kallsyms_tables *t,
					 struct hvo_kallsyms **ret)
{
	if (t->num_syms > HVO_KALLSYMS_MAX_SYMS)
		return hvo_error_create(HVO_ERROR_FORMAT,
					"kallsyms_num_syms=%" PRIu32 " is not plausible (max %u)",
					t->num_syms, HVO_KALLSYMS_MAX_SYMS);
	if (t->names_size > HVO_KALLSYMS_MAX_NAMES_SIZE)
		return hvo_error_create(HVO_ERROR_FORMAT,
					"kallsyms_names of %zu bytes is not plausible (max %u)",
					t->names_size, HVO_KALLSYMS_MAX_NAMES_SIZE);
	if (t->token_table_size > HVO_KALLSYMS_TOKEN_TABLE_MAX_SIZE)
		return hvo_error_create(HVO_ERROR_FORMAT,
					"kallsyms_token_table of %zu bytes is not plausible (max %u)",
					t->token_table_size, HVO_KALLSYMS_TOKEN_TABLE_MAX_SIZE);
	struct hvo_kallsyms *ks = calloc(1, sizeof(*ks));
	if (!ks)
		return &hvo_error_nomem;
	ks->num_syms = t->num_syms;
	ks->names_size = t->names_size;
	ks->offsets_vaddr = t->offsets_vaddr;
	ks->relative_base = t->relative_base;
	ks->encoding = t->has_relative_base ? HVO_KALLSYMS_BASE_RELATIVE :
		HVO_KALLSYMS_PC_RELATIVE;
	struct hvo_error *err = load_tokens(ks, t->token_table, t->token_table_size,
					    t->token_index);
	if (err) {
		hvo_kallsyms_free(ks);
		return err;
	}
	*ret = ks;
	return NULL;
}

static uint8_t *memdup(const uint8_t *p, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);
	if (copy && n)
		memcpy(copy, p, n);
	return copy;
}

struct hvo_error *hvo_kallsyms_decode(const struct hvo_kallsyms_tables *t,
				      struct hvo_kallsyms **ret)
{
	struct hvo_kallsyms *ks;
	struct hvo_error *err = kallsyms_create(t, &ks);
	if (err)
		return err;
	ks->names = memdup(t->names, t->names_size);
	ks->offsets = memdup(t->offsets, 4 * (size_t)t->num_syms);
	err = ks->names && ks->offsets ? index_tables(ks) : &hvo_error_nomem;
	if (err) {
		hvo_kallsyms_free(ks);
		return err;
	}
	*ret = ks;
	return NULL;
}

/* Drop the chunks of kallsyms_seqs_of_names read so far. */
static void free_seqs(struct hvo_kallsyms *ks)
{
	if (ks->seq_chunks) {
		for (uint32_t c = 0; c < ks->nr_seq_chunks; c++)
			free(ks->seq_chunks[c]);
	}
	free(ks->seq_chunks);
	ks->seq_chunks = NULL;
	ks->nr_seq_chunks = 0;
}

/* Drop the sorted-mode tables (markers, seqs, blocks read so far). */
static void free_sorted(struct hvo_kallsyms *ks)
{
	if (ks->blocks) {
		for (uint32_t k = 0; k < ks->nr_markers; k++)
			free(ks->blocks[k]);
	}
	free(ks->blocks);
	free(ks->block_sizes);
	free_seqs(ks);
	free(ks->markers);
	ks->blocks = NULL;
	ks->block_sizes = NULL;
	ks->markers = NULL;
	ks->nr_markers = 0;
	ks->names_region = 0;
}

/* Drop the hashed names (names, offsets and their index). */
static void free_hashed(struct hvo_kallsyms *ks)
{
	free(ks->bucket_hashes);
	free(ks->bucket_syms);
	free(ks->bucket_start);
	free(ks->name_offsets);
	free(ks->offsets);
	free(ks->names);
	ks->bucket_hashes = NULL;
	ks->bucket_syms = ks->bucket_start = ks->name_offsets = NULL;
	ks->offsets = ks->names = NULL;
	ks->nr_buckets = 0;
}

void hvo_kallsyms_free(struct hvo_kallsyms *ks)
{
	if (!ks)
		return;
	free(ks->sorted);
	free(ks->pool);
	free_sorted(ks);
	free_hashed(ks);
	free(ks->token_chars);
	free(ks);
}

/* Names of symbols 256k .. 256k+255: one kallsyms_markers block, read once. */
static struct hvo_error *sorted_block(struct hvo_kallsyms *ks, uint32_t k,
				      const uint8_t **data_ret, size_t *size_ret)
{
	if (!ks->blocks[k]) {
		/* Bounded by sorted_setup(): start < end <= names_region. */
		size_t start = ks->markers[k];
		size_t end = k + 1 < ks->nr_markers ? ks->markers[k + 1] : ks->names_region;
		uint8_t *block = malloc(end - start);
		if (!block)
			return &hvo_error_nomem;
		struct hvo_error *err = ks->read(ks->read_arg, ks->names_vaddr + start, block,
						 end - start, "kallsyms_names");
		if (err) {
			free(block);
			return err;
		}
		ks->blocks[k] = block;
		ks->block_sizes[k] = end - start;
	}
	*data_ret = ks->blocks[k];
	*size_ret = ks->block_sizes[k];
	return NULL;
}

/* Expand symbol i into buf (type character first); its length in *len_ret. */
static struct hvo_error *sorted_expand(struct hvo_kallsyms *ks, uint32_t i, char *buf,
				       size_t *len_ret)
{
	const uint8_t *data, *tokens;
	size_t size, pos = 0, nr_tokens;
	struct hvo_error *err = sorted_block(ks, i >> 8, &data, &size);
	if (err)
		return err;
	/* Symbol i is the (i % 256)-th of its block. */
	for (uint32_t k = 0; k <= (i & 255); k++) {
		if (!next_symbol(data, size, &pos, &tokens, &nr_tokens))
			return hvo_error_create(HVO_ERROR_FORMAT,
						"kallsyms_names block %" PRIu32
						" ends before symbol %" PRIu32, i >> 8, i);
	}
	return expand_tokens(ks, i, tokens, nr_tokens, buf, len_ret);
}

/*
 * kallsyms_seqs_of_names is read SEQ_CHUNK entries at a time, when a
 * lookup first needs one: a binary search touches a few chunks of the
 * 600 KB table, and reading it whole was most of opening kallsyms.
 */
#define SEQ_CHUNK 1024u

/* Entries in chunk c: SEQ_CHUNK, but fewer in the last. */
static uint32_t seq_chunk_len(const struct hvo_kallsyms *ks, uint32_t c)
{
	uint32_t first = c * SEQ_CHUNK;
	return ks->num_syms - first < SEQ_CHUNK ? ks->num_syms - first : SEQ_CHUNK;
}

static uint32_t get_be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static struct hvo_error *seq_chunk(struct hvo_kallsyms *ks, uint32_t c, const uint8_t **ret)
{
	if (!ks->seq_chunks[c]) {
		uint32_t first = c * SEQ_CHUNK, n = seq_chunk_len(ks, c);
		uint8_t *chunk = malloc(3 * (size_t)n);
		if (!chunk)
			return &hvo_error_nomem;
		struct hvo_error *err = ks->read(ks->read_arg, ks->seqs_vaddr + 3 * (uint64_t)first,
						 chunk, 3 * (size_t)n, "kallsyms_seqs_of_names");
		if (err) {
			free(chunk);
			return err;
		}
		ks->seq_chunks[c] = chunk;
	}
	*ret = ks->seq_chunks[c];
	return NULL;
}

/* Entry pos of kallsyms_seqs_of_names: a symbol index, checked against num_syms. */
static struct hvo_error *seq_at(struct hvo_kallsyms *ks, uint32_t pos, uint32_t *i_ret)
{
	const uint8_t *chunk;
	struct hvo_error *err = seq_chunk(ks, pos / SEQ_CHUNK, &chunk);
	if (err)
		return err;
	uint32_t i = get_be24(chunk + 3 * (size_t)(pos % SEQ_CHUNK));
	if (i >= ks->num_syms)
		return hvo_error_create(HVO_ERROR_FORMAT,
					"kallsyms_seqs_of_names[%" PRIu32 "] = %" PRIu32
					" is not below kallsyms_num_syms=%" PRIu32,
					pos, i, ks->num_syms);
	*i_ret = i;
	return NULL;
}

/*
 * The lowest index among the symbols called name, by binary search of the
 * name-sorted kallsyms_seqs_of_names (as kallsyms_lookup_name() does).
 */
static struct hvo_error *sorted_find(struct hvo_kallsyms *ks, const char *name,
				     uint32_t *index_ret, char *type_ret)
{
	char buf[HVO_KALLSYMS_NAME_MAX + 1];
	size_t len;
	struct hvo_error *err;
	uint32_t lo = 0, hi = ks->num_syms;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2, i;
		if ((err = seq_at(ks, mid, &i)) || (err = sorted_expand(ks, i, buf, &len)))
			return err;
		if (strcmp(name_of(buf, len), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	bool found = false;
	for (uint32_t pos = lo; pos < ks->num_syms; pos++) {
		uint32_t i;
		if ((err = seq_at(ks, pos, &i)) || (err = sorted_expand(ks, i, buf, &len)))
			return err;
		if (strcmp(name_of(buf, len), name) != 0)
			break;
		if (!found || i < *index_ret) {
			*index_ret = i;
			*type_ret = len ? buf[0] : '?';
		}
		found = true;
	}
	return found ? NULL : &hvo_error_not_found;
}

/* kallsyms_offsets[i], read from the image. */
static struct hvo_error *read_raw_offset(struct hvo_kallsyms *ks, uint32_t i, int32_t *raw_ret)
{
	uint8_t raw[4];
	struct hvo_error *err = ks->read(ks->read_arg, ks->offsets_vaddr + 4 * (uint64_t)i, raw,
					 sizeof(raw), "kallsyms_offsets");
	if (!err)
		*raw_ret = get_le32s(raw);
	return err;
}

static struct hvo_error *sorted_lookup(struct hvo_kallsyms *ks, const char *name,
				       uint64_t *address_ret, char *type_ret)
{
	uint32_t i;
	char type;
	int32_t raw;
	struct hvo_error *err = sorted_find(ks, name, &i, &type);
	if (!err)
		err = read_raw_offset(ks, i, &raw);
	if (err)
		return err;
	*address_ret = address_from_raw(ks, i, raw);
	if (type_ret)
		*type_ret = type;
	return NULL;
}

struct hvo_error *hvo_kallsyms_lookup_type(const struct hvo_kallsyms *cks, const char *name,
					   uint64_t *address_ret, char *type_ret)
{
	/* The blocks read on the way are a cache: logically const. */
	struct hvo_kallsyms *ks = (struct hvo_kallsyms *)cks;
	if (!ks->names) {
		if (strlen(name) > HVO_KALLSYMS_NAME_MAX)
			return &hvo_error_not_found;
		return sorted_lookup(ks, name, address_ret, type_ret);
	}
	if (!ks->nr_buckets)
		return &hvo_error_not_found;
	size_t len = strlen(name);
	if (len > HVO_KALLSYMS_NAME_MAX)
		return &hvo_error_not_found;
	uint64_t hash = hash_chars(name, len, NULL);
	uint32_t b = bucket_of(ks, hash);
	char buf[HVO_KALLSYMS_NAME_MAX + 1];
	/* Within a bucket symbols are in index order: the first match is the lowest index. */
	for (uint32_t slot = ks->bucket_start[b]; slot < ks->bucket_start[b + 1]; slot++) {
		if (ks->bucket_hashes[slot] != hash)
			continue;
		uint32_t i = ks->bucket_syms[slot];
		size_t n = expand_symbol(ks, i, buf);
		if (strcmp(name_of(buf, n), name) != 0)
			continue;
		*address_ret = address_of(ks, i);
		if (type_ret)
			*type_ret = n ? buf[0] : '?';
		return NULL;
	}
	return &hvo_error_not_found;
}

struct hvo_error *hvo_kallsyms_lookup(const struct hvo_kallsyms *ks, const char *name,
				      uint64_t *address_ret)
{
	return hvo_kallsyms_lookup_type(ks, name, address_ret, NULL);
}

/* Expand every name into a pool and sort them: only completion needs it. */
static int build_sorted(struct hvo_kallsyms *ks)
{
	size_t pool_cap = 1 << 16, pool_len = 0;
	ks->pool = malloc(pool_cap);
	ks->sorted = malloc((ks->num_syms ? ks->num_syms : 1) * sizeof(*ks->sorted));
	if (!ks->pool || !ks->sorted)
		goto nomem;
	char buf[HVO_KALLSYMS_NAME_MAX + 1];
	for (uint32_t i = 0; i < ks->num_syms; i++) {
		size_t n = expand_symbol(ks, i, buf);
		const char *name = name_of(buf, n);
		size_t name_len = strlen(name);
		if (pool_cap - pool_len < name_len + 1) {
			while (pool_cap - pool_len < name_len + 1)
				pool_cap *= 2;
			char *pool = realloc(ks->pool, pool_cap);
			if (!pool)
				goto nomem;
			ks->pool = pool;
		}
		memcpy(ks->pool + pool_len, name, name_len + 1);
		ks->sorted[i] = (struct kallsyms_entry){
			.name = (const char *)(uintptr_t)pool_len,	/* fixed up below */
			.index = i,
		};
		pool_len += name_len + 1;
	}
	for (uint32_t i = 0; i < ks->num_syms; i++)
		ks->sorted[i].name = ks->pool + (uintptr_t)ks->sorted[i].name;
	qsort(ks->sorted, ks->num_syms, sizeof(*ks->sorted), compare_entries);
	return 0;
nomem:
	free(ks->sorted);
	free(ks->pool);
	ks->sorted = NULL;
	ks->pool = NULL;
	return -1;
}

static struct hvo_error *read_alloc(hvo_vread_fn *read, void *arg, uint64_t vaddr,
				    size_t size, const char *what, uint8_t **ret);

/* Sorted mode to hashed: read every name and offset (completion needs them). */
static struct hvo_error *load_full(struct hvo_kallsyms *ks)
{
	uint8_t *names = NULL, *offsets = NULL;
	struct hvo_error *err;
	if ((err = read_alloc(ks->read, ks->read_arg, ks->names_vaddr, ks->names_region,
			      "kallsyms_names", &names)) ||
	    (err = read_alloc(ks->read, ks->read_arg, ks->offsets_vaddr,
			      4 * (size_t)ks->num_syms, "kallsyms_offsets", &offsets))) {
		free(names);
		return err;
	}
	ks->names = names;
	ks->names_size = ks->names_region;
	ks->offsets = offsets;
	if ((err = index_tables(ks)))
		free_hashed(ks);	/* back to sorted mode, which still works */
	return err;
}

struct hvo_error *hvo_kallsyms_read_all(struct hvo_kallsyms *ks)
{
	return ks->names ? NULL : load_full(ks);
}

const char *hvo_kallsyms_complete(const struct hvo_kallsyms *cks, const char *prefix,
				  size_t *cursor)
{
	/* The sorted copy is a cache: logically const. */
	struct hvo_kallsyms *ks = (struct hvo_kallsyms *)cks;
	struct hvo_error *err = hvo_kallsyms_read_all(ks);
	if (err) {
		hvo_error_destroy(err);
		return NULL;
	}
	if (!ks->sorted && build_sorted(ks))
		return NULL;
	const struct kallsyms_entry *entries = ks->sorted;
	size_t nr_entries = ks->num_syms;
	size_t len = strlen(prefix);
	size_t i = *cursor;
	if (i == 0) {
		/* First name not below the prefix: entries are sorted by name. */
		size_t lo = 0, hi = nr_entries;
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
	while (i < nr_entries && i > 0 && *cursor &&
	       !strcmp(entries[i].name, entries[i - 1].name))
		i++;
	if (i >= nr_entries || strncmp(entries[i].name, prefix, len) != 0) {
		*cursor = nr_entries;
		return NULL;
	}
	*cursor = i + 1;
	return entries[i].name;
}

size_t hvo_kallsyms_count(const struct hvo_kallsyms *ks)
{
	return ks->num_syms;
}

enum hvo_kallsyms_encoding hvo_kallsyms_encoding(const struct hvo_kallsyms *ks)
{
	return ks->encoding;
}

const char *hvo_kallsyms_method(const struct hvo_kallsyms *ks)
{
	return ks->names ? "hashed names" : "kallsyms_seqs_of_names";
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

static struct hvo_error *read_alloc(hvo_vread_fn *read, void *arg, uint64_t vaddr,
				    size_t size, const char *what, uint8_t **ret)
{
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return &hvo_error_nomem;
	struct hvo_error *err = read(arg, vaddr, buf, size, what);
	if (err) {
		free(buf);
		return err;
	}
	*ret = buf;
	return NULL;
}

/* A names block longer than this is not a kernel's (256 names of <= 512 tokens). */
#define SORTED_MAX_BLOCK (256u * (HVO_KALLSYMS_NAME_MAX + 2))
#define SORTED_SPOT_CHECKS 16

/*
 * kallsyms_markers: ceil(num_syms / 256) u32 offsets into kallsyms_names,
 * just before kallsyms_token_table (scripts/kallsyms.c aligns each table to
 * 4; mkvmcore to 8, so up to 4 bytes of padding).  One placement must
 * give offsets that start at 0 and grow by at least 256 (one length byte
 * per name) within the names; two that disagree are refused.
 */
static bool find_markers(struct hvo_kallsyms *ks, uint64_t token_table_addr)
{
	uint32_t nr = (ks->num_syms + 255) / 256;
	uint64_t span = 4 * (uint64_t)nr + 4;
	if (!nr || token_table_addr - ks->names_vaddr < span)
		return false;
	uint8_t *raw = malloc(span);
	if (!raw)
		return false;
	struct hvo_error *err = ks->read(ks->read_arg, token_table_addr - span, raw, span,
					 "kallsyms_markers");
	bool found = false;
	for (unsigned int pad = 0; !err && pad <= 4; pad += 4) {
		const uint8_t *m = raw + 4 - pad;
		uint64_t region = token_table_addr - pad - 4 * (uint64_t)nr - ks->names_vaddr;
		bool ok = get_le32s(m) == 0 && region <= HVO_KALLSYMS_MAX_NAMES_SIZE;
		for (uint32_t k = 0; ok && k < nr; k++) {
			uint64_t start = (uint32_t)get_le32s(m + 4 * (size_t)k);
			uint64_t end = k + 1 < nr ? (uint32_t)get_le32s(m + 4 * (size_t)k + 4) : region;
			uint64_t min = k + 1 < nr ? 256 : ks->num_syms - 256 * (uint64_t)k;
			ok = end <= region && end > start && end - start >= min &&
				end - start <= SORTED_MAX_BLOCK;
		}
		if (!ok)
			continue;
		if (found) {
			/*
			 * Both placements fit only when they agree (one block: just
			 * [0]); then the names end before the word in question.
			 */
			for (uint32_t k = 0; found && k < nr; k++)
				found = ks->markers[k] == (uint32_t)get_le32s(m + 4 * (size_t)k);
			if (!found)
				break;
			ks->names_region = region;
			continue;
		}
		found = true;
		ks->names_region = region;
		ks->nr_markers = nr;
		ks->markers = malloc(4 * (size_t)nr);
		if (!ks->markers) {
			found = false;
			break;
		}
		for (uint32_t k = 0; k < nr; k++)
			ks->markers[k] = (uint32_t)get_le32s(m + 4 * (size_t)k);
	}
	if (!found) {
		free(ks->markers);
		ks->markers = NULL;
	}
	hvo_error_destroy(err);
	free(raw);
	return found;
}

/*
 * Whether the table at ks->seqs_vaddr looks like kallsyms_seqs_of_names:
 * its first and last chunks and SEQ_SAMPLE_CHUNKS between them hold
 * distinct symbol indices below num_syms.  (Each entry is checked again
 * when a lookup uses it.)
 */
#define SEQ_SAMPLE_CHUNKS 7

static bool seqs_plausible(struct hvo_kallsyms *ks)
{
	uint8_t *seen = calloc(ks->num_syms / 8 + 1, 1);
	if (!seen)
		return false;
	bool ok = true;
	uint32_t last = ks->nr_seq_chunks - 1;
	for (uint32_t j = 0; ok && j <= SEQ_SAMPLE_CHUNKS + 1; j++) {
		uint32_t c = j == SEQ_SAMPLE_CHUNKS + 1 ? last :
			(uint32_t)((uint64_t)j * last / (SEQ_SAMPLE_CHUNKS + 1));
		if (ks->seq_chunks[c] && j)
			continue;	/* sampled already: few chunks, the same one twice */
		const uint8_t *chunk;
		struct hvo_error *err = seq_chunk(ks, c, &chunk);
		if (err) {
			hvo_error_destroy(err);
			ok = false;
			break;
		}
		uint32_t n = seq_chunk_len(ks, c);
		for (uint32_t k = 0; ok && k < n; k++) {
			uint32_t i = get_be24(chunk + 3 * (size_t)k);
			ok = i < ks->num_syms && !(seen[i / 8] & (1u << (i % 8)));
			if (ok)
				seen[i / 8] |= (uint8_t)(1u << (i % 8));
		}
	}
	free(seen);
	return ok;
}

/*
 * kallsyms_seqs_of_names (5.19+): after kallsyms_offsets, or after
 * kallsyms_relative_base when there is one (6.x), 4- or 8-aligned; not in
 * VMCOREINFO, so the candidate places are tried and a sample of the table
 * must be plausible.
 */
static bool find_seqs(struct hvo_kallsyms *ks, bool has_relative_base,
		      uint64_t relative_base_addr)
{
	uint64_t after = ks->offsets_vaddr + 4 * (uint64_t)ks->num_syms;
	uint64_t candidates[] = {
		after, (after + 7) & ~UINT64_C(7),
		has_relative_base ? relative_base_addr + 8 : after,
	};
	size_t nr = sizeof(candidates) / sizeof(candidates[0]);
	for (size_t c = 0; c < nr; c++) {
		bool tried = false;
		for (size_t d = 0; d < c; d++)
			tried |= candidates[d] == candidates[c];
		if (tried)
			continue;
		ks->seqs_vaddr = candidates[c];
		ks->nr_seq_chunks = (ks->num_syms + SEQ_CHUNK - 1) / SEQ_CHUNK;
		ks->seq_chunks = calloc(ks->nr_seq_chunks, sizeof(*ks->seq_chunks));
		if (!ks->seq_chunks)
			return false;
		if (seqs_plausible(ks))
			return true;
		free_seqs(ks);
	}
	return false;
}

/*
 * Set ks up to look names up through the kernel's sorted table; false
 * (ks unchanged for the caller's fallback) when this kernel's layout is
 * not recognised or the tables do not hold together.  A lookup checks the
 * name it finds, so a wrong table can only fail to find a name; spot checks
 * of the order guard against that.
 */
static bool sorted_setup(struct hvo_kallsyms *ks, uint64_t token_table_addr,
			 bool has_relative_base, uint64_t relative_base_addr)
{
	if (!ks->num_syms || !find_markers(ks, token_table_addr) ||
	    !find_seqs(ks, has_relative_base, relative_base_addr))
		goto fail;
	ks->blocks = calloc(ks->nr_markers, sizeof(*ks->blocks));
	ks->block_sizes = calloc(ks->nr_markers, sizeof(*ks->block_sizes));
	if (!ks->blocks || !ks->block_sizes)
		goto fail;
	char prev[HVO_KALLSYMS_NAME_MAX + 1], cur[HVO_KALLSYMS_NAME_MAX + 1];
	for (uint32_t j = 1; j <= SORTED_SPOT_CHECKS; j++) {
		uint32_t pos = (uint32_t)((uint64_t)j * ks->num_syms / (SORTED_SPOT_CHECKS + 1));
		size_t prev_len, cur_len;
		if (!pos)
			continue;
		uint32_t i_prev, i_cur;
		struct hvo_error *err = seq_at(ks, pos - 1, &i_prev);
		if (!err)
			err = sorted_expand(ks, i_prev, prev, &prev_len);
		if (!err)
			err = seq_at(ks, pos, &i_cur);
		if (!err)
			err = sorted_expand(ks, i_cur, cur, &cur_len);
		if (err) {
			hvo_error_destroy(err);
			goto fail;
		}
		if (strcmp(name_of(prev, prev_len), name_of(cur, cur_len)) > 0)
			goto fail;
	}
	/* Absolute-percpu tables store kernel symbols as negative offsets. */
	if (has_relative_base) {
		uint32_t i;
		char type;
		int32_t raw;
		struct hvo_error *err = sorted_find(ks, "_stext", &i, &type);
		if (!err)
			err = read_raw_offset(ks, i, &raw);
		if (err) {
			hvo_error_destroy(err);
			goto fail;
		}
		if (raw < 0)
			ks->encoding = HVO_KALLSYMS_ABSOLUTE_PERCPU;
	}
	return true;
fail:
	free_sorted(ks);
	return false;
}

struct hvo_error *hvo_kallsyms_open(const struct hvo_kallsyms_location *loc,
				    hvo_vread_fn *read, void *arg,
				    struct hvo_kallsyms **ret)
{
	struct hvo_error *err;
	struct hvo_kallsyms_tables t = { .offsets_vaddr = loc->offsets };
	struct hvo_kallsyms *ks = NULL;
	uint8_t *names = NULL, *token_table = NULL, *token_index = NULL, *offsets = NULL;

	if (loc->has_relative_base) {
		/* kallsyms_relative_base is an unsigned long holding the base. */
		uint8_t base[8];
		if ((err = read(arg, loc->relative_base, base, sizeof(base),
				"kallsyms_relative_base")))
			goto out;
		for (int k = 7; k >= 0; k--)
			t.relative_base = t.relative_base << 8 | base[k];
		t.has_relative_base = true;
	}
	uint8_t raw_num[4];
	if ((err = read(arg, loc->num_syms, raw_num, sizeof(raw_num), "kallsyms_num_syms")))
		goto out;
	uint32_t num_syms = (uint32_t)get_le32s(raw_num);
	if (num_syms > HVO_KALLSYMS_MAX_SYMS) {
		err = hvo_error_create(HVO_ERROR_FORMAT,
				       "kallsyms_num_syms=%" PRIu32 " is not plausible (max %u)",
				       num_syms, HVO_KALLSYMS_MAX_SYMS);
		goto out;
	}
	t.num_syms = num_syms;
	/* scripts/kallsyms.c emits names, markers, token_table, token_index, offsets. */
	if ((err = gap_size("kallsyms_names", loc->names, "kallsyms_token_table",
			    loc->token_table, HVO_KALLSYMS_MAX_NAMES_SIZE, &t.names_size)) ||
	    (err = gap_size("kallsyms_token_table", loc->token_table, "kallsyms_token_index",
			    loc->token_index, HVO_KALLSYMS_TOKEN_TABLE_MAX_SIZE,
			    &t.token_table_size)))
		goto out;
	if ((err = read_alloc(read, arg, loc->token_table, t.token_table_size,
			      "kallsyms_token_table", &token_table)) ||
	    (err = read_alloc(read, arg, loc->token_index, 512, "kallsyms_token_index",
			      &token_index)))
		goto out;
	t.token_table = token_table;
	t.token_index = token_index;
	if ((err = kallsyms_create(&t, &ks)))
		goto out;
	ks->read = read;
	ks->read_arg = arg;
	ks->names_vaddr = loc->names;
	/* Expanding nothing up front: the kernel's own name-sorted table. */
	if (sorted_setup(ks, loc->token_table, t.has_relative_base, loc->relative_base))
		goto done;

	/* No usable sorted table: read all names and offsets and hash them. */
	if ((err = read_alloc(read, arg, loc->names, t.names_size, "kallsyms_names", &names)) ||
	    (err = read_alloc(read, arg, loc->offsets, 4 * (size_t)num_syms, "kallsyms_offsets",
			      &offsets)))
		goto out;
	/* The index keeps the 3 MiB of names and the offsets: no copy. */
	ks->names = names;
	ks->offsets = offsets;
	names = NULL;
	offsets = NULL;
	if ((err = index_tables(ks)))
		goto out;
done:
	*ret = ks;
	ks = NULL;
out:
	hvo_kallsyms_free(ks);
	free(offsets);
	free(token_index);
	free(token_table);
	free(names);
	return err;
}

struct hvo_error *hvo_kallsyms_read(struct hvo_dump *dump, const struct hvo_vmcoreinfo *vi,
				    struct hvo_kallsyms **ret)
{
	struct hvo_kallsyms_location loc = { 0 };
	struct hvo_error *err = hvo_vmcoreinfo_u64(vi, "SYMBOL(kallsyms_names)", &loc.names);
	if (err)
		return err;	/* not_found: no kallsyms in this dump */
	if ((err = table_address(vi, "kallsyms_num_syms", &loc.num_syms)) ||
	    (err = table_address(vi, "kallsyms_token_table", &loc.token_table)) ||
	    (err = table_address(vi, "kallsyms_token_index", &loc.token_index)) ||
	    (err = table_address(vi, "kallsyms_offsets", &loc.offsets)))
		goto out;
	err = hvo_vmcoreinfo_u64(vi, "SYMBOL(kallsyms_relative_base)", &loc.relative_base);
	if (!err)
		loc.has_relative_base = true;
	else if (err == &hvo_error_not_found)
		err = NULL;
	else
		goto out;
	err = hvo_kallsyms_open(&loc, hvo_dump_vread, dump, ret);
out:
	if (err && err != &hvo_error_not_found)
		err = hvo_error_prefix(err, "reading kallsyms");
	return err;
}
