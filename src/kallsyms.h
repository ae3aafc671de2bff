/*
 * kallsyms.h - the kernel's own symbol table, decoded from the dump.
 *
 * VMCOREINFO exports the addresses of the kallsyms tables (SYMBOL(kallsyms_*)),
 * so symbol addresses such as `hstates` or `__start_BTF` need no vmlinux.
 * The tables are compressed (scripts/kallsyms.c): each name is a 1- or
 * 2-byte length followed by indices into a 256-entry token table, its first
 * character the symbol type.  Addresses are 32-bit entries of
 * kallsyms_offsets, in one of three encodings:
 *   - PC-relative (7.x, no kallsyms_relative_base): &offsets[i] + (s32)offsets[i];
 *   - base-relative: relative_base + (u32)offsets[i];
 *   - absolute per-cpu (CONFIG_KALLSYMS_ABSOLUTE_PERCPU, 6.12 x86_64 SMP):
 *     offsets >= 0 are absolute, negative ones relative_base - 1 - offsets[i].
 * Everything read from the dump is untrusted: counts, lengths and token
 * indices are bounded and a malformed table is an HVO_ERROR_FORMAT naming
 * the symbol index.
 */
#ifndef HVO_KALLSYMS_H
#define HVO_KALLSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dump.h"
#include "error.h"

struct hvo_vmcoreinfo;

/* Bounds on untrusted table sizes; Debian 7.2 has ~190k symbols, 3 MiB of names. */
#define HVO_KALLSYMS_MAX_SYMS (4U * 1024 * 1024)
#define HVO_KALLSYMS_MAX_NAMES_SIZE (64U * 1024 * 1024)
#define HVO_KALLSYMS_TOKEN_TABLE_MAX_SIZE (64U * 1024)
#define HVO_KALLSYMS_NAME_MAX 512	/* KSYM_NAME_LEN */

enum hvo_kallsyms_encoding {
	HVO_KALLSYMS_PC_RELATIVE,
	HVO_KALLSYMS_BASE_RELATIVE,
	HVO_KALLSYMS_ABSOLUTE_PERCPU,
};

const char *hvo_kallsyms_encoding_name(enum hvo_kallsyms_encoding encoding);

/* The raw tables, as read from the dump (or built by a test). */
struct hvo_kallsyms_tables {
	uint32_t num_syms;
	const uint8_t *names;		/* compressed names; at least as long as used */
	size_t names_size;
	const uint8_t *token_table;	/* NUL-terminated tokens */
	size_t token_table_size;
	const uint8_t *token_index;	/* 256 little-endian u16 */
	const uint8_t *offsets;		/* num_syms little-endian s32 */
	uint64_t offsets_vaddr;		/* run-time address of kallsyms_offsets */
	bool has_relative_base;
	uint64_t relative_base;
};

struct hvo_kallsyms;

/* Decode the tables into a name-sorted symbol table. */
struct hvo_error *hvo_kallsyms_decode(const struct hvo_kallsyms_tables *tables,
				      struct hvo_kallsyms **ret);

/* Where the tables are: VMCOREINFO's SYMBOL(kallsyms_*) addresses. */
struct hvo_kallsyms_location {
	uint64_t num_syms, names, token_table, token_index, offsets;
	bool has_relative_base;
	uint64_t relative_base;		/* address of kallsyms_relative_base */
};

/*
 * Open the tables at loc, read through read(arg, ...), which must stay
 * usable until hvo_kallsyms_free(): lookups binary-search the kernel's
 * kallsyms_seqs_of_names when it is found and holds together, else every
 * name is read and hashed here.
 */
struct hvo_error *hvo_kallsyms_open(const struct hvo_kallsyms_location *loc,
				    hvo_vread_fn *read, void *arg,
				    struct hvo_kallsyms **ret);
/*
 * Locate the tables through VMCOREINFO and open them from the dump.
 * &hvo_error_not_found when VMCOREINFO has no SYMBOL(kallsyms_*) at all.
 */
struct hvo_error *hvo_kallsyms_read(struct hvo_dump *dump, const struct hvo_vmcoreinfo *vi,
				    struct hvo_kallsyms **ret);
void hvo_kallsyms_free(struct hvo_kallsyms *ks);

/* Address of the first symbol called name; &hvo_error_not_found if none. */
struct hvo_error *hvo_kallsyms_lookup(const struct hvo_kallsyms *ks, const char *name,
				      uint64_t *address_ret);
/* Like lookup, also giving the type character ('T', 'D', 'b', ...). */
struct hvo_error *hvo_kallsyms_lookup_type(const struct hvo_kallsyms *ks, const char *name,
					   uint64_t *address_ret, char *type_ret);

/*
 * Read every name and offset now (sorted mode reads them only for
 * completion); nothing to do when they are already in memory.
 */
struct hvo_error *hvo_kallsyms_read_all(struct hvo_kallsyms *ks);

size_t hvo_kallsyms_count(const struct hvo_kallsyms *ks);
/*
 * Names starting with prefix, one per call, in order: start with *cursor
 * 0; NULL when there are no more.
 */
const char *hvo_kallsyms_complete(const struct hvo_kallsyms *ks, const char *prefix,
				  size_t *cursor);
enum hvo_kallsyms_encoding hvo_kallsyms_encoding(const struct hvo_kallsyms *ks);
/*
 * How names are looked up: "kallsyms_seqs_of_names" (the kernel's sorted
 * table in the dump, binary-searched: nothing expanded up front) or
 * "hashed names" (every name hashed at open; tables built by a test, or a
 * dump whose sorted table is missing or does not hold together).
 */
const char *hvo_kallsyms_method(const struct hvo_kallsyms *ks);

#endif /* HVO_KALLSYMS_H */
