/*
 * types.h - one interface for kernel type and symbol information.
 *
 * VMCOREINFO does not carry everything the analysis needs (offsetof(zone,
 * vmemmap_tails), struct hstate, enum hugetlb_page_flags, node_stat_item).
 * Answers come from providers tried in this order unless the user says
 * otherwise:
 *   1. DWARF of a vmlinux or debuginfo file (libdwarf + libelf), --vmlinux or
 *      found by build id under /usr/lib/debug; its build id must match.
 *   2. BTF the kernel carries in its own memory (__start_BTF..__stop_BTF,
 *      located through kallsyms read from the dump), parsed with libbpf.
 *   3. VMCOREINFO alone: SIZE(), OFFSET(), LENGTH(), NUMBER(), SYMBOL().
 * Every answer says which provider gave it, so `info` can show it.
 * Symbols come from the vmlinux symbol table (KASLR offset applied), the
 * dump's kallsyms, or VMCOREINFO.
 */
#ifndef HVO_TYPES_H
#define HVO_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "error.h"

struct hvo_program;

enum hvo_types_provider {
	HVO_TYPES_DWARF,
	HVO_TYPES_BTF,
	HVO_TYPES_VMCOREINFO,
	HVO_TYPES_KALLSYMS,	/* symbols only */
	HVO_TYPES_SYMTAB,	/* symbols only: vmlinux ELF symbol table */
};

const char *hvo_types_provider_name(enum hvo_types_provider provider);

struct hvo_types_options {
	const char *vmlinux_path;	/* --vmlinux FILE, or NULL */
	bool force;			/* accept a vmlinux whose build id differs */
	bool no_dwarf;			/* skip provider 1 */
	bool no_btf;			/* skip provider 2 */
	const char *debug_root;		/* default "/usr/lib/debug" (tests override) */
};

/*
 * VMCOREINFO knows only OFFSET() and LENGTH(): its answers have size and
 * elem_size 0 (unknown).  A flexible array has array_len 0.
 */
struct hvo_member {
	uint64_t offset;	/* bytes from the start of the outermost struct */
	uint64_t size;		/* bytes */
	uint64_t array_len;	/* elements (first dimension) if an array, else 0 */
	uint64_t elem_size;	/* bytes per element if an array */
	enum hvo_types_provider provider;
};

struct hvo_types;

/*
 * Set up the providers for prog.  A vmlinux that was asked for but cannot
 * be used (unreadable, wrong build id without force) is an error; providers
 * that are merely unavailable (no BTF in the dump) are noted, not errors.
 */
struct hvo_error *hvo_types_open(struct hvo_program *prog,
				 const struct hvo_types_options *options,
				 struct hvo_types **ret);
void hvo_types_close(struct hvo_types *types);

/*
 * sizeof(struct name), or of a union, or of a typedef of an anonymous struct
 * (nodemask_t).  &hvo_error_not_found when no provider knows it; a provider
 * that fails (malformed DWARF or BTF) gives its error, not the next answer.
 */
struct hvo_error *hvo_types_struct_size(struct hvo_types *types, const char *name,
					uint64_t *size_ret,
					enum hvo_types_provider *provider_ret);
/*
 * A member of struct name; member may be a path through nested structs and
 * unions ("flags.f", "node_zones"); anonymous structs and unions are looked
 * into.  A member that exists in one generation only (zone.vmemmap_tails,
 * pglist_data.vmemmap_tails) is &hvo_error_not_found elsewhere.
 */
struct hvo_error *hvo_types_member(struct hvo_types *types, const char *name,
				   const char *member, struct hvo_member *ret);
/*
 * Value of an enumerator of enum enum_name ("hugetlb_page_flags",
 * "HPG_vmemmap_optimized"), or of any enum when enum_name is NULL (every
 * enum of the BTF is then read).  The VMCOREINFO fallback is
 * NUMBER(enumerator).
 */
struct hvo_error *hvo_types_enum_value(struct hvo_types *types, const char *enum_name,
				       const char *enumerator, int64_t *value_ret,
				       enum hvo_types_provider *provider_ret);
/*
 * Run-time address of a kernel symbol (KASLR applied).  The VMCOREINFO
 * fallback returns what SYMBOL() exports, which for mem_section (and the
 * vmemmap base) is the pointer's value, not the variable's address.
 */
struct hvo_error *hvo_types_symbol(struct hvo_types *types, const char *name,
				   uint64_t *address_ret,
				   enum hvo_types_provider *provider_ret);

/*
 * Read now all of what kallsyms and BTF read lazily (symbol names, BTF
 * strings), e.g. so that a slice keeps them whole.
 */
struct hvo_error *hvo_types_read_all(struct hvo_types *types);

/* Symbol names from the dump's kallsyms starting with prefix (for completion). */
const char *hvo_types_complete_symbol(const struct hvo_types *types, const char *prefix,
				      size_t *cursor);

/*
 * Providers in use and why others are not, for `info`; one of kind
 * HVO_DIAG_MISSING names a provider the dump carries but could not give (a
 * page of kallsyms or BTF missing or damaged): the analysis is then
 * incomplete, not merely without that provider.
 */
const struct hvo_diags *hvo_types_diags(const struct hvo_types *types);

#endif /* HVO_TYPES_H */
