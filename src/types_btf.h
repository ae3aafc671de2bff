/*
 * types_btf.h - the BTF provider: layouts and enumerators from the BTF the
 * kernel carries in its own memory (__start_BTF..__stop_BTF), indexed in
 * place.  The blob is untrusted: its size is bounded, its sections and every
 * type record are checked against it, every type id and name offset is
 * checked, and type chains are followed to a fixed depth.
 */
#ifndef HVO_TYPES_BTF_H
#define HVO_TYPES_BTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dump.h"
#include "error.h"
#include "types.h"

struct hvo_kallsyms;

/* vmlinux BTF is ~5 MiB in Debian's 7.2; anything past this is not BTF. */
#define HVO_BTF_MAX_SIZE (64U * 1024 * 1024)
/* Typedef/modifier chains and anonymous struct/union nesting we follow. */
#define HVO_BTF_MAX_DEPTH 32

struct hvo_btf;

/* Parse a raw BTF blob (copied; little-endian, as every architecture in arch.c writes it). */
struct hvo_error *hvo_btf_parse(const void *data, size_t size, struct hvo_btf **ret);
/*
 * Open the blob of size bytes at kernel virtual address, read through
 * read(arg, ...) in the dump's pages of page_size bytes, each once: its
 * header now, and its types streamed once to index them; the records and
 * names lookups need are read when they need them (errors in those reads
 * come back from the lookups).  read and arg must stay usable until
 * hvo_btf_free().
 */
struct hvo_error *hvo_btf_open(uint64_t address, size_t size, uint64_t page_size,
			       hvo_vread_fn *read, void *arg, struct hvo_btf **ret);
/*
 * Open __start_BTF..__stop_BTF in the dump, located through kallsyms.
 * &hvo_error_not_found when the kernel has no BTF symbols.
 */
struct hvo_error *hvo_btf_read(struct hvo_dump *dump, const struct hvo_kallsyms *ks,
			       struct hvo_btf **ret);
/*
 * Read now what the open left to lookups, so that the reads so far cover
 * every byte of the blob (a slice keeps all of BTF): the index walk has read
 * the types, this reads the strings.
 */
struct hvo_error *hvo_btf_read_all(const struct hvo_btf *btf);
void hvo_btf_free(struct hvo_btf *btf);
size_t hvo_btf_size(const struct hvo_btf *btf);
uint32_t hvo_btf_nr_types(const struct hvo_btf *btf);
/* Whether the blob is laid out sorted by name, so lookups binary-search it. */
bool hvo_btf_sorted(const struct hvo_btf *btf);

/* As hvo_types_struct_size(), hvo_types_member(), hvo_types_enum_value(). */
struct hvo_error *hvo_btf_struct_size(const struct hvo_btf *btf, const char *name,
				      uint64_t *size_ret);
struct hvo_error *hvo_btf_member(const struct hvo_btf *btf, const char *name,
				 const char *member, struct hvo_member *ret);
struct hvo_error *hvo_btf_enum_value(const struct hvo_btf *btf, const char *enum_name,
				     const char *enumerator, int64_t *value_ret);

#endif /* HVO_TYPES_BTF_H */
