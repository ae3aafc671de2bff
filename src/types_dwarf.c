/* types_dwarf.c - placeholder until the libdwarf provider lands. */
#include <stddef.h>

#include "types_dwarf.h"

struct hvo_error *hvo_dwarf_open(const char *path, struct hvo_dwarf **ret)
{
	return hvo_error_create(HVO_ERROR_UNSUPPORTED, "DWARF is not supported yet");
}
void hvo_dwarf_close(struct hvo_dwarf *dwarf) {}
const char *hvo_dwarf_path(const struct hvo_dwarf *dwarf) { return NULL; }
const char *hvo_dwarf_build_id(const struct hvo_dwarf *dwarf) { return NULL; }
struct hvo_error *hvo_dwarf_struct_size(struct hvo_dwarf *dwarf, const char *name,
					uint64_t *size_ret) { return &hvo_error_not_found; }
struct hvo_error *hvo_dwarf_member(struct hvo_dwarf *dwarf, const char *name,
				   const char *member, struct hvo_member *ret) { return &hvo_error_not_found; }
struct hvo_error *hvo_dwarf_enum_value(struct hvo_dwarf *dwarf, const char *enumerator,
				       int64_t *value_ret) { return &hvo_error_not_found; }
struct hvo_error *hvo_dwarf_symbol(struct hvo_dwarf *dwarf, const char *name,
				   uint64_t *address_ret) { return &hvo_error_not_found; }
