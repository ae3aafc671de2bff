/*
 * types_dwarf.h - the DWARF provider: layouts, enumerators and the ELF
 * symbol table of a vmlinux or separate debuginfo file, read with libdwarf
 * and libelf.  Both libdwarf APIs (bookworm's 20210528 and 0.x) are handled
 * inside types_dwarf.c only.  The file is untrusted: type chains and
 * anonymous-member nesting are followed to a fixed depth, sizes are checked.
 */
#ifndef HVO_TYPES_DWARF_H
#define HVO_TYPES_DWARF_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "types.h"

/* Typedef/qualifier chains and anonymous struct/union nesting we follow. */
#define HVO_DWARF_MAX_DEPTH 32
/* Longest build id we accept (hex digits). */
#define HVO_DWARF_BUILD_ID_MAX 64

struct hvo_dwarf;

/* Open an ELF file with DWARF (HVO_ERROR_FORMAT if it has none) and its symbols. */
struct hvo_error *hvo_dwarf_open(const char *path, struct hvo_dwarf **ret);
void hvo_dwarf_close(struct hvo_dwarf *dwarf);
/* The libdwarf run, as it reports its version ("20210528", "0.9.2"). */
const char *hvo_dwarf_library_version(void);

const char *hvo_dwarf_path(const struct hvo_dwarf *dwarf);
/* Compilation units and ELF symbols found, for info. */
size_t hvo_dwarf_nr_units(const struct hvo_dwarf *dwarf);
size_t hvo_dwarf_nr_symbols(const struct hvo_dwarf *dwarf);
/* The GNU build id in lowercase hex, or NULL when the file has none. */
const char *hvo_dwarf_build_id(const struct hvo_dwarf *dwarf);

/* As hvo_types_struct_size(), hvo_types_member(), hvo_types_enum_value(). */
struct hvo_error *hvo_dwarf_struct_size(struct hvo_dwarf *dwarf, const char *name,
					uint64_t *size_ret);
struct hvo_error *hvo_dwarf_member(struct hvo_dwarf *dwarf, const char *name,
				   const char *member, struct hvo_member *ret);
struct hvo_error *hvo_dwarf_enum_value(struct hvo_dwarf *dwarf, const char *enum_name,
				       const char *enumerator, int64_t *value_ret);
/* Link-time address from the ELF symbol table (no KASLR offset applied). */
struct hvo_error *hvo_dwarf_symbol(struct hvo_dwarf *dwarf, const char *name,
				   uint64_t *address_ret);

#endif /* HVO_TYPES_DWARF_H */
