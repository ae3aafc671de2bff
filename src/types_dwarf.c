/*
 * types_dwarf.c - the DWARF provider: libdwarf for types, libelf for the
 * build id and the symbol table.
 *
 * libdwarf API differences (bookworm's 20210528 vs 0.x, HVO_LIBDWARF_NEW_API)
 * stay in this file: dwarf_init_b(), dwarf_finish(), dwarf_object_finish()
 * and the object access interface differ in what we use.
 *
 * Compilation units are listed as walks reach them; each query walks the
 * top-level DIEs of the units in order and stops at the first definition,
 * which for the kernel's core types is within the first units.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>
#include <dwarf.h>
#include <libdwarf.h>

#include "sigbus.h"
#include "types_dwarf.h"
#include "u64map.h"
#include "vector.h"

/* Bounds on untrusted DWARF and ELF. */
#define MAX_UNITS (1U << 20)
#define MAX_SIBLINGS (1U << 24)
/* DIE nesting we follow when checking DW_AT_sibling links (die_next_at). */
#define MAX_DIE_DEPTH 256U
#define MAX_SYMBOLS (1U << 24)
#define MAX_TYPE_SIZE (UINT64_C(1) << 40)

struct elf_symbol {
	const char *name;	/* into libelf's copy of the string table */
	uint64_t value;
	size_t next;		/* the next symbol whose name hashes alike, or SIZE_MAX */
};

/*
 * What libdwarf reads the sections through (the object access interface):
 * a read-only mapping of the file.  Its own reader copies every section it
 * touches to the heap, 251 MiB of .debug_info for a Debian kernel.
 */
struct mapped_object {
	/*
	 * libdwarf 20210528's dwarf_finish() picks a destructor by the first
	 * byte of the object ('E', 'F', 'M', 'P' are its own readers'); this
	 * one is closed with dwarf_object_finish(), and says so anyway.
	 */
	char ident;
	const unsigned char *base;	/* NULL: libdwarf reads the file itself */
	size_t size;
	Elf *elf;			/* section names */
	GElf_Shdr *shdrs;
	size_t nr_shdrs, shstrndx;
	bool big_endian;
};

/*
 * Answers already walked for.  Each lookup walks the units from the first
 * to the first definition, and the analysis and the shell's commands ask
 * the same names again: struct hstate is 50 ms into Debian 7.2's units,
 * enum hugetlb_page_flags 250 ms.  Errors other than not-found are not
 * remembered.
 */
#define MAX_REMEMBERED 512
#define MAX_WALK_KEY 256

struct walked {
	char *key;		/* "struct NAME", "enum ENUM.ENUMERATOR" ("enum .X": any enum) */
	bool found;
	int64_t value;		/* the struct's DIE offset, or the enumerator's value */
};

HVO_VECTOR(walked_list, struct walked)

struct hvo_dwarf {
	char *path;
	int fd;
	uint64_t file_size;
	Elf *elf;
	Dwarf_Debug dbg;
	char build_id[HVO_DWARF_BUILD_ID_MAX + 1];
	bool has_build_id;
	/*
	 * Offsets of the CU DIEs, listed as walks reach them: setting up a
	 * unit costs libdwarf its abbreviations, and the report's walks stop
	 * a quarter of the way into Debian 7.2's 2741 units.
	 */
	Dwarf_Off *units;
	size_t nr_units, cap_units;
	bool all_units_listed;
	size_t nr_units_in_file;	/* from the length fields, or all listed */
	/*
	 * Where each unit starts in .debug_info (nr_units_in_file + 1
	 * entries), when names can be looked for in its bytes first: see
	 * may_name().  NULL when they cannot.
	 */
	uint64_t *unit_starts;
	const unsigned char *info_bytes;
	const unsigned char *str_bytes, *line_str_bytes;
	uint64_t str_size, line_str_size;
	struct hvo_u64map shortcuts;	/* abbreviation offset -> die_has_shortcut() */
	/*
	 * In symbol table order, found by name through a hash map (name hash ->
	 * first symbol): sorting 230K names took 53 ms of opening a vmlinux.
	 */
	struct elf_symbol *symbols;
	size_t nr_symbols;
	struct hvo_u64map symbol_index;
	struct walked_list walked;
	/* libdwarf reads from a mapping of the file (mapped.base), else itself. */
	struct mapped_object mapped;
#ifdef HVO_LIBDWARF_NEW_API
	Dwarf_Obj_Access_Interface_a access;
#else
	Dwarf_Obj_Access_Interface access;
#endif
};

static struct hvo_error *dw_error(struct hvo_dwarf *d, Dwarf_Error e, const char *what)
{
	struct hvo_error *err = hvo_error_create(HVO_ERROR_FORMAT, "DWARF of '%s': %s: %s",
						 d->path, what,
						 e ? dwarf_errmsg(e) : "malformed");
	if (e)
		dwarf_dealloc(d->dbg, e, DW_DLA_ERROR);
	return err;
}

static void die_free(struct hvo_dwarf *d, Dwarf_Die die)
{
	if (die)
		dwarf_dealloc(d->dbg, die, DW_DLA_DIE);
}

static struct hvo_error *die_offset(struct hvo_dwarf *d, Dwarf_Die die, Dwarf_Off *ret)
{
	Dwarf_Error e = NULL;
	if (dwarf_dieoffset(die, ret, &e) != DW_DLV_OK)
		return dw_error(d, e, "DIE offset");
	return NULL;
}

static struct hvo_error *die_at(struct hvo_dwarf *d, Dwarf_Off off, Dwarf_Die *ret)
{
	Dwarf_Error e = NULL;
	int r = dwarf_offdie_b(d->dbg, off, true, ret, &e);
	if (r != DW_DLV_OK) {
		char what[64];
		snprintf(what, sizeof(what), "no DIE at offset 0x%" PRIx64, (uint64_t)off);
		return dw_error(d, r == DW_DLV_ERROR ? e : NULL, what);
	}
	return NULL;
}

static struct hvo_error *die_tag(struct hvo_dwarf *d, Dwarf_Die die, Dwarf_Half *ret)
{
	Dwarf_Error e = NULL;
	if (dwarf_tag(die, ret, &e) != DW_DLV_OK)
		return dw_error(d, e, "DIE tag");
	return NULL;
}

/* The DIE's name, or NULL when it has none. */
static struct hvo_error *die_name(struct hvo_dwarf *d, Dwarf_Die die, const char **ret)
{
	Dwarf_Error e = NULL;
	char *name = NULL;
	int r = dwarf_diename(die, &name, &e);
	if (r == DW_DLV_ERROR)
		return dw_error(d, e, "DIE name");
	*ret = r == DW_DLV_OK ? name : NULL;
	return NULL;
}

static struct hvo_error *die_has(struct hvo_dwarf *d, Dwarf_Die die, Dwarf_Half attr,
				 bool *ret)
{
	Dwarf_Error e = NULL;
	Dwarf_Bool b = 0;
	if (dwarf_hasattr(die, attr, &b, &e) != DW_DLV_OK)
		return dw_error(d, e, "DIE attribute");
	*ret = b;
	return NULL;
}

/*
 * An integer attribute; *has_ret false when absent.  A DW_OP_plus_uconst
 * location expression (old-style data_member_location) is decoded too.
 */
static struct hvo_error *die_int(struct hvo_dwarf *d, Dwarf_Die die, Dwarf_Half attrnum,
				 bool *has_ret, int64_t *ret, bool is_signed)
{
	Dwarf_Error e = NULL;
	Dwarf_Attribute attr;
	int r = dwarf_attr(die, attrnum, &attr, &e);
	*has_ret = false;
	if (r == DW_DLV_NO_ENTRY)
		return NULL;
	if (r != DW_DLV_OK)
		return dw_error(d, e, "DIE attribute");
	struct hvo_error *err = NULL;
	Dwarf_Half form = 0;
	if (dwarf_whatform(attr, &form, &e) != DW_DLV_OK) {
		err = dw_error(d, e, "attribute form");
		goto out;
	}
	if (form == DW_FORM_exprloc || form == DW_FORM_block1) {
		Dwarf_Unsigned len = 0;
		Dwarf_Ptr p = NULL;
		if (form != DW_FORM_exprloc ||
		    dwarf_formexprloc(attr, &len, &p, &e) != DW_DLV_OK) {
			err = dw_error(d, e, "unsupported location expression");
			goto out;
		}
		const uint8_t *b = p;
		uint64_t v = 0;
		unsigned int shift = 0;
		size_t i = 1;
		if (len < 2 || b[0] != DW_OP_plus_uconst) {
			err = dw_error(d, NULL, "member location is not DW_OP_plus_uconst");
			goto out;
		}
		for (; i < len && shift < 64; i++, shift += 7) {
			v |= (uint64_t)(b[i] & 0x7f) << shift;
			if (!(b[i] & 0x80))
				break;
		}
		if (i >= len) {
			err = dw_error(d, NULL, "truncated DW_OP_plus_uconst");
			goto out;
		}
		*ret = (int64_t)v;
	} else if (is_signed || form == DW_FORM_sdata || form == DW_FORM_implicit_const) {
		Dwarf_Signed s;
		if (dwarf_formsdata(attr, &s, &e) != DW_DLV_OK) {
			err = dw_error(d, e, "signed constant");
			goto out;
		}
		*ret = s;
	} else {
		Dwarf_Unsigned u;
		if (dwarf_formudata(attr, &u, &e) != DW_DLV_OK) {
			err = dw_error(d, e, "constant");
			goto out;
		}
		*ret = (int64_t)u;
	}
	*has_ret = true;
out:
	dwarf_dealloc(d->dbg, attr, DW_DLA_ATTR);
	return err;
}

/* DW_AT_type of die, as a DIE (NULL for void). */
static struct hvo_error *die_type(struct hvo_dwarf *d, Dwarf_Die die, Dwarf_Die *ret)
{
	Dwarf_Error e = NULL;
	Dwarf_Attribute attr;
	*ret = NULL;
	int r = dwarf_attr(die, DW_AT_type, &attr, &e);
	if (r == DW_DLV_NO_ENTRY)
		return NULL;
	if (r != DW_DLV_OK)
		return dw_error(d, e, "DW_AT_type");
	Dwarf_Off off;
	r = dwarf_global_formref(attr, &off, &e);
	dwarf_dealloc(d->dbg, attr, DW_DLA_ATTR);
	if (r != DW_DLV_OK)
		return dw_error(d, e, "DW_AT_type reference");
	return die_at(d, off, ret);
}

/* First child (NULL if none) and next sibling (NULL at the end). */
static struct hvo_error *die_child(struct hvo_dwarf *d, Dwarf_Die die, Dwarf_Die *ret)
{
	Dwarf_Error e = NULL;
	*ret = NULL;
	int r = dwarf_child(die, ret, &e);
	if (r == DW_DLV_ERROR)
		return dw_error(d, e, "DIE children");
	if (r == DW_DLV_NO_ENTRY)
		*ret = NULL;
	return NULL;
}

/*
 * Whether dwarf_siblingof_b() takes die's DW_AT_sibling as a shortcut
 * (libdwarf ignores a DW_FORM_ref_addr one) rather than step through the
 * children.  That is up to the abbreviation unless the form is
 * DW_FORM_indirect, so the answer is kept per abbreviation: one walk asks
 * for millions of DIEs.
 */
static struct hvo_error *die_has_shortcut(struct hvo_dwarf *d, Dwarf_Die die, bool *ret)
{
	Dwarf_Error e = NULL;
	Dwarf_Off abbrev;
	Dwarf_Unsigned nr_attrs;
	size_t known;
	if (dwarf_die_abbrev_global_offset(die, &abbrev, &nr_attrs, &e) != DW_DLV_OK)
		return dw_error(d, e, "DIE abbreviation");
	if (hvo_u64map_get(&d->shortcuts, abbrev, &known)) {
		*ret = known;
		return NULL;
	}
	*ret = false;
	Dwarf_Attribute attr;
	int r = dwarf_attr(die, DW_AT_sibling, &attr, &e);
	if (r == DW_DLV_ERROR)
		return dw_error(d, e, "DW_AT_sibling");
	if (r == DW_DLV_OK) {
		Dwarf_Half form = 0, direct = 0;
		r = dwarf_whatform(attr, &form, &e);
		if (r == DW_DLV_OK)
			r = dwarf_whatform_direct(attr, &direct, &e);
		dwarf_dealloc(d->dbg, attr, DW_DLA_ATTR);
		if (r != DW_DLV_OK)
			return dw_error(d, e, "DW_AT_sibling form");
		*ret = form != DW_FORM_ref_addr;
		if (direct == DW_FORM_indirect)
			return NULL;	/* the form is in the DIE */
	}
	if (!hvo_u64map_put(&d->shortcuts, abbrev, *ret))
		return &hvo_error_nomem;
	return NULL;
}

static struct hvo_error *die_next_at(struct hvo_dwarf *d, Dwarf_Die die, unsigned int depth,
				     Dwarf_Die *ret);

/* Walk the children of die as dwarf_siblingof_b() will step through them. */
static struct hvo_error *check_children(struct hvo_dwarf *d, Dwarf_Die die, unsigned int depth)
{
	Dwarf_Die c;
	struct hvo_error *err = die_child(d, die, &c);
	for (unsigned int i = 0; !err && c && i < MAX_SIBLINGS; i++) {
		Dwarf_Die next = NULL;
		err = die_next_at(d, c, depth + 1, &next);
		die_free(d, c);
		c = next;
	}
	die_free(d, c);
	return err;
}

/*
 * Next sibling (NULL at the end).  libdwarf 20210528 finds it in one step
 * through DW_AT_sibling or else steps through the subtree, taking every
 * DW_AT_sibling it meets there as a shortcut.  It refuses a shortcut that
 * points backwards but not one that points at its own DIE, and then never
 * leaves that DIE.  So before libdwarf steps through a subtree, walk it
 * here with the same calls, where such a shortcut is a step that does not
 * move forward, and refuse it.
 */
static struct hvo_error *die_next_at(struct hvo_dwarf *d, Dwarf_Die die, unsigned int depth,
				     Dwarf_Die *ret)
{
	*ret = NULL;
	if (depth >= MAX_DIE_DEPTH)
		return dw_error(d, NULL, "DIEs nested too deep");
	Dwarf_Half has_children = 0;
	bool has_shortcut = false;
	struct hvo_error *err;
	if (dwarf_die_abbrev_children_flag(die, &has_children) != DW_DLV_OK)
		return dw_error(d, NULL, "DIE abbreviation");
	if (has_children && ((err = die_has_shortcut(d, die, &has_shortcut)) ||
			     (!has_shortcut && (err = check_children(d, die, depth)))))
		return err;

	Dwarf_Error e = NULL;
	int r = dwarf_siblingof_b(d->dbg, die, true, ret, &e);
	if (r == DW_DLV_ERROR)
		return dw_error(d, e, "DIE sibling");
	if (r == DW_DLV_NO_ENTRY) {
		*ret = NULL;
		return NULL;
	}
	Dwarf_Off a, b;
	if ((err = die_offset(d, die, &a)) || (err = die_offset(d, *ret, &b))) {
		die_free(d, *ret);
		*ret = NULL;
		return err;
	}
	if (b <= a) {
		char what[80];
		snprintf(what, sizeof(what), "the sibling of the DIE at 0x%" PRIx64
			 " is at 0x%" PRIx64 ", not after it", (uint64_t)a, (uint64_t)b);
		die_free(d, *ret);
		*ret = NULL;
		return dw_error(d, NULL, what);
	}
	return NULL;
}

static struct hvo_error *die_next(struct hvo_dwarf *d, Dwarf_Die die, Dwarf_Die *ret)
{
	return die_next_at(d, die, 0, ret);
}

static bool is_modifier(Dwarf_Half tag)
{
	return tag == DW_TAG_typedef || tag == DW_TAG_const_type ||
	       tag == DW_TAG_volatile_type || tag == DW_TAG_restrict_type ||
	       tag == DW_TAG_atomic_type;
}

/* Follow typedefs and qualifiers (consumes die). */
static struct hvo_error *strip(struct hvo_dwarf *d, Dwarf_Die die, Dwarf_Die *ret,
			       Dwarf_Half *tag_ret)
{
	struct hvo_error *err;
	*tag_ret = 0;	/* on every path: make tidy does not always see that errors are non-NULL */
	for (int depth = 0; die && depth < HVO_DWARF_MAX_DEPTH; depth++) {
		Dwarf_Half tag;
		if ((err = die_tag(d, die, &tag)))
			goto fail;
		if (!is_modifier(tag)) {
			*ret = die;
			*tag_ret = tag;
			return NULL;
		}
		Dwarf_Die next;
		if ((err = die_type(d, die, &next)))
			goto fail;
		die_free(d, die);
		die = next;
	}
	if (!die)
		return dw_error(d, NULL, "a typedef or qualifier of void where a type is needed");
	err = dw_error(d, NULL, "typedef/qualifier chain too deep (cyclic?)");
fail:
	die_free(d, die);
	return err;
}

static struct hvo_error *type_size(struct hvo_dwarf *d, Dwarf_Die die, int depth,
				   uint64_t *size_ret, uint64_t *len_ret, uint64_t *elem_ret);

/* Elements of an array's first dimension and the product of the others. */
static struct hvo_error *array_dims(struct hvo_dwarf *d, Dwarf_Die array, uint64_t *first_ret,
				    uint64_t *rest_ret)
{
	Dwarf_Die sub;
	struct hvo_error *err = die_child(d, array, &sub);
	uint64_t first = 0, rest = 1;
	unsigned int n = 0;
	for (unsigned int i = 0; !err && sub && i < MAX_SIBLINGS; i++) {
		Dwarf_Half tag;
		if ((err = die_tag(d, sub, &tag)))
			break;
		if (tag == DW_TAG_subrange_type) {
			bool has;
			int64_t count = 0, upper;
			if ((err = die_int(d, sub, DW_AT_count, &has, &count, false)))
				break;
			if (!has) {
				if ((err = die_int(d, sub, DW_AT_upper_bound, &has, &upper, false)))
					break;
				/* No bound: a flexible array, 0 elements. */
				count = has ? upper + 1 : 0;
			}
			if (count < 0 || (uint64_t)count > MAX_TYPE_SIZE) {
				err = dw_error(d, NULL, "array dimension out of range");
				break;
			}
			if (n++ == 0)
				first = (uint64_t)count;
			else if (__builtin_mul_overflow(rest, (uint64_t)count, &rest) ||
				 rest > MAX_TYPE_SIZE)
				err = dw_error(d, NULL, "array size out of range");
		}
		Dwarf_Die next = NULL;
		if (!err)
			err = die_next(d, sub, &next);
		die_free(d, sub);
		sub = next;
	}
	die_free(d, sub);
	if (err)
		return err;
	*first_ret = first;
	*rest_ret = rest;
	return NULL;
}

/* Size of a type DIE (not consumed); arrays also give first dimension and element size. */
static struct hvo_error *type_size(struct hvo_dwarf *d, Dwarf_Die die, int depth,
				   uint64_t *size_ret, uint64_t *len_ret, uint64_t *elem_ret)
{
	struct hvo_error *err;
	*size_ret = *len_ret = *elem_ret = 0;	/* on every path, as in strip() */
	if (depth >= HVO_DWARF_MAX_DEPTH)
		return dw_error(d, NULL, "type nesting too deep (cyclic?)");
	Dwarf_Die t;
	Dwarf_Half tag;
	Dwarf_Off off;
	if ((err = die_offset(d, die, &off)) || (err = die_at(d, off, &t)) ||
	    (err = strip(d, t, &t, &tag)))
		return err;
	bool has;
	int64_t size;
	if (tag == DW_TAG_array_type) {
		uint64_t first, rest, elem, l, e;
		Dwarf_Die et = NULL;
		if ((err = array_dims(d, t, &first, &rest)) || (err = die_type(d, t, &et)))
			goto out;
		if (!et) {
			err = dw_error(d, NULL, "array of void");
			goto out;
		}
		err = type_size(d, et, depth + 1, &elem, &l, &e);
		die_free(d, et);
		if (err)
			goto out;
		if (__builtin_mul_overflow(elem, rest, &elem) || elem > MAX_TYPE_SIZE ||
		    __builtin_mul_overflow(elem, first, size_ret) || *size_ret > MAX_TYPE_SIZE) {
			err = dw_error(d, NULL, "array size out of range");
			goto out;
		}
		*len_ret = first;
		*elem_ret = elem;
		goto out;
	}
	if ((err = die_int(d, t, DW_AT_byte_size, &has, &size, false)))
		goto out;
	if (!has && tag == DW_TAG_pointer_type) {
		/* A pointer without a size is as wide as its unit's addresses. */
		Dwarf_Error e = NULL;
		Dwarf_Half address_size = 0;
		if (dwarf_get_die_address_size(t, &address_size, &e) != DW_DLV_OK) {
			err = dw_error(d, e, "address size");
			goto out;
		}
		size = address_size;
		has = true;
	}
	if (!has || size < 0 || (uint64_t)size > MAX_TYPE_SIZE) {
		err = dw_error(d, NULL, has ? "type size out of range" : "type without a size");
		goto out;
	}
	*size_ret = (uint64_t)size;
out:
	die_free(d, t);
	return err;
}

/* List the next CU DIE's offset; *end_ret when there is none. */
static struct hvo_error *list_next_unit(struct hvo_dwarf *d, bool *end_ret)
{
	*end_ret = d->all_units_listed;
	if (d->all_units_listed)
		return NULL;
	Dwarf_Unsigned header_length, type_offset, next_offset;
	Dwarf_Half version, address_size, length_size, extension_size, header_type;
	Dwarf_Off abbrev_offset;
	Dwarf_Sig8 signature;
	Dwarf_Error e = NULL;
	int r = dwarf_next_cu_header_d(d->dbg, true, &header_length, &version,
				       &abbrev_offset, &address_size, &length_size,
				       &extension_size, &signature, &type_offset,
				       &next_offset, &header_type, &e);
	if (r == DW_DLV_NO_ENTRY) {
		d->all_units_listed = *end_ret = true;
		return NULL;
	}
	if (r != DW_DLV_OK)
		return dw_error(d, e, "compilation unit header");
	Dwarf_Die cu;
	if (dwarf_siblingof_b(d->dbg, NULL, true, &cu, &e) != DW_DLV_OK)
		return dw_error(d, e, "compilation unit DIE");
	Dwarf_Off off;
	struct hvo_error *err = die_offset(d, cu, &off);
	die_free(d, cu);
	if (err)
		return err;
	if (d->nr_units == MAX_UNITS)
		return dw_error(d, NULL, "too many compilation units");
	if (d->nr_units == d->cap_units) {
		size_t cap = d->cap_units ? d->cap_units * 2 : 256;
		Dwarf_Off *u = realloc(d->units, cap * sizeof(*u));
		if (!u)
			return &hvo_error_nomem;
		d->units = u;
		d->cap_units = cap;
	}
	d->units[d->nr_units++] = off;
	return NULL;
}

/* The mapped section called name, or NULL (not mapped, absent, or SHT_NOBITS). */
static const GElf_Shdr *mapped_section(const struct hvo_dwarf *d, const char *name)
{
	const struct mapped_object *m = &d->mapped;
	for (size_t i = 0; m->base && i < m->nr_shdrs; i++) {
		const char *section = elf_strptr(d->elf, m->shstrndx, m->shdrs[i].sh_name);
		if (section && strcmp(section, name) == 0)
			return m->shdrs[i].sh_type == SHT_NOBITS ? NULL : &m->shdrs[i];
	}
	return NULL;
}

/*
 * Whether every name a DIE can have is in the unit's own bytes: inline
 * (DW_FORM_string) or as an offset into .debug_str or .debug_line_str
 * (DW_FORM_strp, DW_FORM_line_strp).  Not with string offset tables
 * (DW_FORM_strx), nor with a supplementary file (dwz).  Notes the string
 * sections for may_name().
 */
static bool names_in_bytes(struct hvo_dwarf *d)
{
	if (mapped_section(d, ".debug_str_offsets") || mapped_section(d, ".gnu_debugaltlink") ||
	    mapped_section(d, ".debug_sup"))
		return false;
	const GElf_Shdr *str = mapped_section(d, ".debug_str");
	const GElf_Shdr *line_str = mapped_section(d, ".debug_line_str");
	if (str) {
		d->str_bytes = d->mapped.base + str->sh_offset;
		d->str_size = str->sh_size;
	}
	if (line_str) {
		d->line_str_bytes = d->mapped.base + line_str->sh_offset;
		d->line_str_size = line_str->sh_size;
	}
	return true;
}

/* A name's strp offsets: where name\0 starts, or ends a longer string. */
#define MAX_NAME_OFFSETS 16

struct name_filter {
	const char *name;
	size_t len;		/* with its NUL */
	unsigned char offsets[MAX_NAME_OFFSETS][4];	/* as the unit holds them */
	size_t nr_offsets;
};

static bool find_offsets(struct name_filter *f, const unsigned char *section, uint64_t size,
			 bool big_endian)
{
	if (!section)
		return true;	/* no such section: no offsets into it */
	const unsigned char *p = section, *end = section + size;
	while (p < end) {
		p = memmem(p, (size_t)(end - p), f->name, f->len);
		if (!p)
			break;
		uint64_t off = (uint64_t)(p - section);
		if (off > UINT32_MAX || f->nr_offsets == MAX_NAME_OFFSETS)
			return false;	/* 64-bit DWARF, or too common a name */
		uint32_t v = big_endian ? htobe32((uint32_t)off) : htole32((uint32_t)off);
		memcpy(f->offsets[f->nr_offsets++], &v, 4);
		p++;
	}
	return true;
}

/*
 * Set up f to skip units that cannot define name; false when there is no
 * telling (then every unit is walked, as without it).
 */
static bool name_filter(const struct hvo_dwarf *d, const char *name, struct name_filter *f)
{
	if (!d->unit_starts || !name || !name[0])
		return false;
	f->name = name;
	f->len = strlen(name) + 1;
	f->nr_offsets = 0;
	return find_offsets(f, d->str_bytes, d->str_size, d->mapped.big_endian) &&
		find_offsets(f, d->line_str_bytes, d->line_str_size, d->mapped.big_endian);
}

/*
 * Whether unit u's bytes hold the name inline or one of its string
 * offsets: a unit without either has no DIE of that name.  A unit whose
 * listed DIE is not where the length fields put it is always walked.
 */
static bool may_name(const struct hvo_dwarf *d, size_t u, const struct name_filter *f)
{
	if (u >= d->nr_units_in_file || d->units[u] < d->unit_starts[u] ||
	    d->units[u] >= d->unit_starts[u + 1])
		return true;
	const unsigned char *unit = d->info_bytes + d->unit_starts[u];
	size_t len = (size_t)(d->unit_starts[u + 1] - d->unit_starts[u]);
	if (memmem(unit, len, f->name, f->len))
		return true;
	for (size_t i = 0; i < f->nr_offsets; i++)
		if (memmem(unit, len, f->offsets[i], 4))
			return true;
	return false;
}

/*
 * Visit the top-level DIEs of every unit until visit returns true (found)
 * or an error.  visit does not keep the DIE.  When visit only stops at a
 * DIE named name (not NULL), units whose bytes cannot hold that name are
 * passed over: the same first definition, without libdwarf stepping
 * through the DIEs of the units before it (enum hugetlb_page_flags is in
 * Debian 7.2's unit 687; libdwarf still sets up each unit it lists).
 */
typedef struct hvo_error *visit_fn(struct hvo_dwarf *d, Dwarf_Die die, Dwarf_Half tag,
				   void *arg, bool *done);

static struct hvo_error *walk_units(struct hvo_dwarf *d, visit_fn *visit, void *arg,
				    const char *name)
{
	struct hvo_error *err = NULL;
	bool done = false;
	struct name_filter filter;
	bool filtered = name_filter(d, name, &filter);
	for (size_t u = 0; !done; u++) {
		if (u == d->nr_units) {
			bool end;
			if ((err = list_next_unit(d, &end)))
				return err;
			if (end)
				break;
		}
		if (filtered && !may_name(d, u, &filter))
			continue;
		Dwarf_Die cu, die;
		if ((err = die_at(d, d->units[u], &cu)))
			return err;
		err = die_child(d, cu, &die);
		die_free(d, cu);
		for (unsigned int i = 0; !err && die && !done && i < MAX_SIBLINGS; i++) {
			Dwarf_Half tag;
			if (!(err = die_tag(d, die, &tag)))
				err = visit(d, die, tag, arg, &done);
			Dwarf_Die next = NULL;
			if (!err && !done)
				err = die_next(d, die, &next);
			die_free(d, die);
			die = next;
		}
		die_free(d, die);
		if (err)
			return err;
	}
	return done ? NULL : &hvo_error_not_found;
}

struct find_struct_arg {
	const char *name;
	Dwarf_Off off;
};

static struct hvo_error *visit_struct(struct hvo_dwarf *d, Dwarf_Die die, Dwarf_Half tag,
				      void *arg, bool *done)
{
	struct find_struct_arg *a = arg;
	/* Also a typedef of an anonymous struct: nodemask_t, atomic_long_t. */
	if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type && tag != DW_TAG_typedef)
		return NULL;
	const char *name = NULL;
	bool decl = false;
	struct hvo_error *err;
	if ((err = die_name(d, die, &name)) || !name || strcmp(name, a->name) != 0)
		return err;
	if ((err = die_has(d, die, DW_AT_declaration, &decl)) || decl)
		return err;
	*done = true;
	return die_offset(d, die, &a->off);
}

static const struct walked *recall(const struct hvo_dwarf *d, const char *key)
{
	for (size_t i = 0; i < d->walked.size; i++)
		if (strcmp(d->walked.data[i].key, key) == 0)
			return &d->walked.data[i];
	return NULL;
}

/* Remembering is only a shortcut: without memory, the next lookup walks again. */
static void remember(struct hvo_dwarf *d, const char *key, bool found, int64_t value)
{
	if (d->walked.size >= MAX_REMEMBERED)
		return;
	struct walked *w = walked_list_append(&d->walked);
	if (!w)
		return;
	w->found = found;
	w->value = value;
	if (!(w->key = strdup(key)))
		d->walked.size--;
}

static struct hvo_error *find_struct(struct hvo_dwarf *d, const char *name, Dwarf_Die *ret)
{
	char key[MAX_WALK_KEY];
	bool keyed = (size_t)snprintf(key, sizeof(key), "struct %s", name) < sizeof(key);
	const struct walked *walked = keyed ? recall(d, key) : NULL;
	Dwarf_Off off;
	if (walked) {
		if (!walked->found)
			return &hvo_error_not_found;
		off = (Dwarf_Off)walked->value;
	} else {
		struct find_struct_arg a = { .name = name };
		struct hvo_error *err = walk_units(d, visit_struct, &a, name);
		if (err && err != &hvo_error_not_found)
			return err;
		if (keyed)
			remember(d, key, !err, (int64_t)a.off);
		if (err)
			return err;
		off = a.off;
	}
	Dwarf_Die die;
	Dwarf_Half tag;
	struct hvo_error *err;
	if ((err = die_at(d, off, &die)) || (err = strip(d, die, &die, &tag)))
		return err;
	if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type) {
		die_free(d, die);
		return &hvo_error_not_found;
	}
	*ret = die;
	return NULL;
}

struct hvo_error *hvo_dwarf_struct_size(struct hvo_dwarf *d, const char *name,
					uint64_t *size_ret)
{
	Dwarf_Die die;
	struct hvo_error *err = find_struct(d, name, &die);
	if (err)
		return err;
	uint64_t len, elem;
	err = type_size(d, die, 0, size_ret, &len, &elem);
	die_free(d, die);
	return err;
}

/*
 * Find member name (len bytes) among the children of composite die, looking
 * into anonymous structs and unions.  Adds its offset to *offset_ret and
 * returns its DIE in *member_ret.
 */
static struct hvo_error *find_member(struct hvo_dwarf *d, Dwarf_Die parent, const char *name,
				     size_t len, int depth, uint64_t *offset_ret,
				     Dwarf_Die *member_ret)
{
	if (depth >= HVO_DWARF_MAX_DEPTH)
		return dw_error(d, NULL, "anonymous members nested too deep (cyclic?)");
	Dwarf_Die m;
	struct hvo_error *err = die_child(d, parent, &m);
	for (unsigned int i = 0; !err && m && i < MAX_SIBLINGS; i++) {
		Dwarf_Half tag;
		const char *mname = NULL;
		bool has_loc = false, has_bits = false;
		int64_t loc = 0, bits = 0;
		if ((err = die_tag(d, m, &tag)))
			break;
		if (tag == DW_TAG_member &&
		    !(err = die_name(d, m, &mname)) &&
		    !(err = die_int(d, m, DW_AT_data_member_location, &has_loc, &loc, false)) &&
		    !has_loc)
			err = die_int(d, m, DW_AT_data_bit_offset, &has_bits, &bits, false);
		if (err)
			break;
		uint64_t off = has_loc ? (uint64_t)loc : has_bits ? (uint64_t)bits / 8 : 0;
		if (tag == DW_TAG_member && mname && strlen(mname) == len &&
		    memcmp(mname, name, len) == 0) {
			*offset_ret += off;
			*member_ret = m;
			return NULL;
		}
		if (tag == DW_TAG_member && !mname) {
			Dwarf_Die t;
			Dwarf_Half ttag;
			if ((err = die_type(d, m, &t)))
				break;
			if (t && !(err = strip(d, t, &t, &ttag))) {
				if (ttag == DW_TAG_structure_type || ttag == DW_TAG_union_type) {
					uint64_t inner = 0;
					err = find_member(d, t, name, len, depth + 1, &inner,
							  member_ret);
					if (!err) {
						die_free(d, t);
						die_free(d, m);
						*offset_ret += off + inner;
						return NULL;
					}
					if (err == &hvo_error_not_found)
						err = NULL;
				}
				die_free(d, t);
			}
			if (err)
				break;
		}
		Dwarf_Die next = NULL;
		err = die_next(d, m, &next);
		die_free(d, m);
		m = next;
	}
	die_free(d, m);
	return err ? err : &hvo_error_not_found;
}

struct hvo_error *hvo_dwarf_member(struct hvo_dwarf *d, const char *name, const char *member,
				   struct hvo_member *ret)
{
	Dwarf_Die t;
	struct hvo_error *err = find_struct(d, name, &t);
	if (err)
		return err;
	uint64_t offset = 0;
	const char *p = member;
	Dwarf_Die m = NULL;
	for (;;) {
		size_t len = strcspn(p, ".");
		err = find_member(d, t, p, len, 0, &offset, &m);
		die_free(d, t);
		t = NULL;
		if (err)
			return err;
		if (!p[len])
			break;
		Dwarf_Half tag;
		err = die_type(d, m, &t);
		die_free(d, m);
		m = NULL;
		if (!err && t)
			err = strip(d, t, &t, &tag);
		if (err)
			return err;
		if (!t || (tag != DW_TAG_structure_type && tag != DW_TAG_union_type)) {
			die_free(d, t);
			return hvo_error_create(HVO_ERROR_NOT_FOUND,
						"'%.*s' in struct %s: not a struct or union",
						(int)(p + len - member), member, name);
		}
		p += len + 1;
	}
	struct hvo_member out = { .offset = offset, .provider = HVO_TYPES_DWARF };
	Dwarf_Die mt;
	err = die_type(d, m, &mt);
	die_free(d, m);
	if (err)
		return err;
	if (!mt)
		return dw_error(d, NULL, "member of type void");
	err = type_size(d, mt, 0, &out.size, &out.array_len, &out.elem_size);
	die_free(d, mt);
	if (err)
		return err;
	*ret = out;
	return NULL;
}

struct find_enum_arg {
	const char *enum_name;	/* NULL: any enum */
	const char *name;
	int64_t value;
};

static struct hvo_error *visit_enum(struct hvo_dwarf *d, Dwarf_Die die, Dwarf_Half tag,
				    void *arg, bool *done)
{
	struct find_enum_arg *a = arg;
	if (tag != DW_TAG_enumeration_type)
		return NULL;
	struct hvo_error *err;
	if (a->enum_name) {
		const char *enum_name = NULL;
		if ((err = die_name(d, die, &enum_name)) || !enum_name ||
		    strcmp(enum_name, a->enum_name) != 0)
			return err;
	}
	Dwarf_Die e;
	err = die_child(d, die, &e);
	for (unsigned int i = 0; !err && e && i < MAX_SIBLINGS; i++) {
		Dwarf_Half etag;
		const char *name = NULL;
		if (!(err = die_tag(d, e, &etag)) && etag == DW_TAG_enumerator &&
		    !(err = die_name(d, e, &name)) && name && strcmp(name, a->name) == 0) {
			bool has;
			err = die_int(d, e, DW_AT_const_value, &has, &a->value, false);
			if (!err && !has)
				err = dw_error(d, NULL, "enumerator without a value");
			if (!err)
				*done = true;
			break;
		}
		Dwarf_Die next = NULL;
		if (!err)
			err = die_next(d, e, &next);
		die_free(d, e);
		e = next;
	}
	die_free(d, e);
	return err;
}

struct hvo_error *hvo_dwarf_enum_value(struct hvo_dwarf *d, const char *enum_name,
				       const char *enumerator, int64_t *value_ret)
{
	char key[MAX_WALK_KEY];
	bool keyed = (size_t)snprintf(key, sizeof(key), "enum %s.%s", enum_name ? enum_name : "",
				      enumerator) < sizeof(key);
	const struct walked *walked = keyed ? recall(d, key) : NULL;
	if (walked) {
		if (!walked->found)
			return &hvo_error_not_found;
		*value_ret = walked->value;
		return NULL;
	}
	struct find_enum_arg a = { .enum_name = enum_name, .name = enumerator };
	struct hvo_error *err = walk_units(d, visit_enum, &a, enum_name);
	if (err && err != &hvo_error_not_found)
		return err;
	if (keyed)
		remember(d, key, !err, a.value);
	if (!err)
		*value_ret = a.value;
	return err;
}

/* FNV-1a: names are short, and the map only needs them spread. */
static uint64_t name_hash(const char *name)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * UINT64_C(0x100000001b3);
	return h;
}

/* Chains symbols by name hash; hvo_dwarf_symbol() follows a chain whole. */
static struct hvo_error *index_symbols(struct hvo_dwarf *d)
{
	/* Each new symbol goes in front: lookups take a chain whole. */
	for (size_t i = 0; i < d->nr_symbols; i++) {
		uint64_t h = name_hash(d->symbols[i].name);
		size_t first;
		d->symbols[i].next = hvo_u64map_get(&d->symbol_index, h, &first) ? first : SIZE_MAX;
		if (!hvo_u64map_put(&d->symbol_index, h, i))
			return &hvo_error_nomem;
	}
	return NULL;
}

struct hvo_error *hvo_dwarf_symbol(struct hvo_dwarf *d, const char *name,
				   uint64_t *address_ret)
{
	size_t i;
	if (!hvo_u64map_get(&d->symbol_index, name_hash(name), &i))
		return &hvo_error_not_found;
	/* A name defined more than once (a static in several units): the lowest address. */
	bool found = false;
	uint64_t lowest = 0;
	for (; i != SIZE_MAX; i = d->symbols[i].next) {
		if (strcmp(d->symbols[i].name, name) == 0 &&
		    (!found || d->symbols[i].value < lowest)) {
			lowest = d->symbols[i].value;
			found = true;
		}
	}
	if (!found)
		return &hvo_error_not_found;
	*address_ret = lowest;
	return NULL;
}

static struct hvo_error *elf_failure(struct hvo_dwarf *d, const char *what)
{
	return hvo_error_create(HVO_ERROR_FORMAT, "'%s': %s: %s", d->path, what,
				elf_errmsg(-1));
}

/*
 * Every section with file contents lies inside the file.  libdwarf
 * 20210528 allocates a section's sh_size before reading it, so a header
 * claiming 40 GiB would otherwise be believed.
 */
static struct hvo_error *check_sections(struct hvo_dwarf *d)
{
	struct stat st;
	if (fstat(d->fd, &st) < 0)
		return hvo_error_errno(errno, "cannot stat '%s'", d->path);
	uint64_t file_size = (uint64_t)st.st_size;
	d->file_size = file_size;
	size_t nr_sections;
	if (elf_getshdrnum(d->elf, &nr_sections) != 0)
		return elf_failure(d, "section count");
	/* From section 0, which libdwarf loads too (elf_nextscn() skips it). */
	for (size_t i = 0; i < nr_sections; i++) {
		Elf_Scn *scn = elf_getscn(d->elf, i);
		GElf_Shdr shdr;
		if (!scn || !gelf_getshdr(scn, &shdr))
			return elf_failure(d, "section header");
		/* Section 0's size may hold the section count (extended numbering). */
		if (shdr.sh_type == SHT_NOBITS || (i == 0 && shdr.sh_type == SHT_NULL))
			continue;
		if (shdr.sh_offset > file_size || shdr.sh_size > file_size - shdr.sh_offset)
			return hvo_error_create(HVO_ERROR_FORMAT,
						"'%s': ELF section %zu (%" PRIu64 " bytes at offset %"
						PRIu64 ") extends past the end of the file (%" PRIu64
						" bytes)", d->path, i, (uint64_t)shdr.sh_size,
						(uint64_t)shdr.sh_offset, file_size);
	}
	return NULL;
}

/* The object access interface over the mapping (see struct hvo_dwarf). */
#ifdef HVO_LIBDWARF_NEW_API
typedef Dwarf_Unsigned section_index_t;
typedef Dwarf_Obj_Access_Section_a access_section_t;
#else
typedef Dwarf_Half section_index_t;
typedef Dwarf_Obj_Access_Section access_section_t;
#endif

static int access_section_info(void *obj, section_index_t index, access_section_t *ret,
			       int *error)
{
	const struct mapped_object *m = obj;
	(void)error;
	if (index >= m->nr_shdrs)
		return DW_DLV_NO_ENTRY;
	const GElf_Shdr *shdr = &m->shdrs[index];
	const char *name = elf_strptr(m->elf, m->shstrndx, shdr->sh_name);
	memset(ret, 0, sizeof(*ret));
#ifdef HVO_LIBDWARF_NEW_API
	ret->as_name = name ? name : "";
	ret->as_type = shdr->sh_type;
	ret->as_flags = shdr->sh_flags;
	ret->as_addr = shdr->sh_addr;
	ret->as_offset = shdr->sh_offset;
	ret->as_size = shdr->sh_type == SHT_NOBITS ? 0 : shdr->sh_size;
	ret->as_link = shdr->sh_link;
	ret->as_info = shdr->sh_info;
	ret->as_addralign = shdr->sh_addralign;
	ret->as_entrysize = shdr->sh_entsize;
#else
	ret->name = name ? name : "";
	ret->type = shdr->sh_type;
	ret->addr = shdr->sh_addr;
	ret->size = shdr->sh_type == SHT_NOBITS ? 0 : shdr->sh_size;
	ret->link = shdr->sh_link;
	ret->info = shdr->sh_info;
	ret->entrysize = shdr->sh_entsize;
#endif
	return DW_DLV_OK;
}

#ifdef HVO_LIBDWARF_NEW_API
static Dwarf_Small access_byte_order(void *obj)
#else
static Dwarf_Endianness access_byte_order(void *obj)
#endif
{
	bool big = ((const struct mapped_object *)obj)->big_endian;
#ifdef HVO_LIBDWARF_NEW_API
	return big ? DW_END_big : DW_END_little;
#else
	return big ? DW_OBJECT_MSB : DW_OBJECT_LSB;
#endif
}

/* Only ELFCLASS64 objects are mapped (can_map()). */
static Dwarf_Small access_eight(void *obj)
{
	(void)obj;
	return 8;
}

static Dwarf_Unsigned access_section_count(void *obj)
{
	return ((const struct mapped_object *)obj)->nr_shdrs;
}

/* check_sections() found every section inside the file. */
static int access_load_section(void *obj, section_index_t index, Dwarf_Small **ret,
			       int *error)
{
	const struct mapped_object *m = obj;
	(void)error;
	if (index >= m->nr_shdrs || m->shdrs[index].sh_type == SHT_NOBITS)
		return DW_DLV_NO_ENTRY;
	/* libdwarf's type is not const; it only reads (the mapping is read-only). */
	*ret = (Dwarf_Small *)(uintptr_t)(m->base + m->shdrs[index].sh_offset);
	return DW_DLV_OK;
}

#ifdef HVO_LIBDWARF_NEW_API
static Dwarf_Unsigned access_file_size(void *obj)
{
	return ((const struct mapped_object *)obj)->size;
}

static const Dwarf_Obj_Access_Methods_a access_methods = {
	.om_get_section_info = access_section_info,
	.om_get_byte_order = access_byte_order,
	.om_get_length_size = access_eight,
	.om_get_pointer_size = access_eight,
	.om_get_filesize = access_file_size,
	.om_get_section_count = access_section_count,
	.om_load_section = access_load_section,
	.om_relocate_a_section = NULL,
};
#else
static const Dwarf_Obj_Access_Methods access_methods = {
	.get_section_info = access_section_info,
	.get_byte_order = access_byte_order,
	.get_length_size = access_eight,
	.get_pointer_size = access_eight,
	.get_section_count = access_section_count,
	.load_section = access_load_section,
	.relocate_a_section = NULL,
};
#endif

/* Bound on untrusted section counts; a vmlinux has about 60. */
#define MAX_SECTIONS (1U << 16)

/*
 * Whether libdwarf can read straight out of a mapping: a linked 64-bit
 * object (no relocations to apply) whose sections are not compressed.
 * Anything else goes through libdwarf's own reader, which relocates and
 * decompresses.  Fills m's section headers.
 */
static bool can_map(struct hvo_dwarf *d, struct mapped_object *m)
{
	GElf_Ehdr ehdr;
	if (!gelf_getehdr(d->elf, &ehdr) || ehdr.e_ident[EI_CLASS] != ELFCLASS64 ||
	    (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN) ||
	    (ehdr.e_ident[EI_DATA] != ELFDATA2LSB && ehdr.e_ident[EI_DATA] != ELFDATA2MSB) ||
	    elf_getshdrstrndx(d->elf, &m->shstrndx) != 0 ||
	    elf_getshdrnum(d->elf, &m->nr_shdrs) != 0 ||
	    m->nr_shdrs == 0 || m->nr_shdrs > MAX_SECTIONS)
		return false;
	m->big_endian = ehdr.e_ident[EI_DATA] == ELFDATA2MSB;
	m->elf = d->elf;
	m->shdrs = calloc(m->nr_shdrs, sizeof(*m->shdrs));
	if (!m->shdrs)
		return false;
	for (size_t i = 0; i < m->nr_shdrs; i++) {
		Elf_Scn *scn = elf_getscn(d->elf, i);
		const char *name;
		if (!scn || !gelf_getshdr(scn, &m->shdrs[i]) ||
		    (m->shdrs[i].sh_flags & SHF_COMPRESSED) ||
		    ((name = elf_strptr(d->elf, m->shstrndx, m->shdrs[i].sh_name)) &&
		     strncmp(name, ".zdebug", 7) == 0))
			return false;
	}
	return true;
}

/*
 * Map the file for libdwarf (d->mapped).  Where it cannot be, mapped.base
 * stays NULL and libdwarf reads the file itself: slower, not wrong.
 * check_sections() has found every section inside the file.
 */
static void map_for_libdwarf(struct hvo_dwarf *d)
{
	uint64_t file_size = d->file_size;
	struct mapped_object *m = &d->mapped;
	m->ident = 'H';
	if (file_size == 0 || file_size > SIZE_MAX || !can_map(d, m))
		goto no;
	void *base = mmap(NULL, (size_t)file_size, PROT_READ, MAP_PRIVATE, d->fd, 0);
	if (base == MAP_FAILED)
		goto no;
	/* A file truncated under the mapping is a SIGBUS: name this file. */
	if (!hvo_sigbus_register(base, (size_t)file_size, d->path)) {
		munmap(base, (size_t)file_size);
		goto no;
	}
	m->base = base;
	m->size = (size_t)file_size;
#ifdef HVO_LIBDWARF_NEW_API
	d->access.ai_object = m;
	d->access.ai_methods = &access_methods;
#else
	d->access.object = m;
	d->access.methods = &access_methods;
#endif
	return;
no:
	free(m->shdrs);
	m->shdrs = NULL;
}

#ifndef HVO_LIBDWARF_NEW_API
/*
 * libdwarf 20210528's own ELF reader sets this process-wide hook, and every
 * later dwarf_object_init_b() calls it on the caller's object as if it were
 * the reader's (dwarf_init_finish.c, get_basic_section_data()): a read past
 * our mapped_object, found by fuzz_dwarf after a relocatable file.  It only
 * supplies each section's flags (SHF_COMPRESSED) and alignment, and a mapped
 * object has no compressed sections (can_map()), so it is cleared before
 * each init on a mapping; only setup calls it.  Weak: libdwarf 0.x has none.
 */
typedef int elf_flags_hook_t(void *object, Dwarf_Half index, Dwarf_Unsigned *flags,
			     Dwarf_Unsigned *addralign, int *error);
/* libdwarf's name. NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
extern elf_flags_hook_t *_dwarf_get_elf_flags_func_ptr __attribute__((weak));

static void clear_elf_flags_hook(void)
{
	if (&_dwarf_get_elf_flags_func_ptr)
		_dwarf_get_elf_flags_func_ptr = NULL;
}
#else
/* libdwarf 0.x keeps no such hook. */
static void clear_elf_flags_hook(void)
{
}
#endif

/* The GNU build id from the SHT_NOTE sections. */
static struct hvo_error *read_build_id(struct hvo_dwarf *d)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(d->elf, scn))) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr))
			return elf_failure(d, "section header");
		if (shdr.sh_type != SHT_NOTE)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		size_t off = 0, name_off, desc_off;
		GElf_Nhdr nhdr;
		while (off < data->d_size &&
		       (off = gelf_getnote(data, off, &nhdr, &name_off, &desc_off)) > 0) {
			if (nhdr.n_type != NT_GNU_BUILD_ID || nhdr.n_namesz != 4 ||
			    memcmp((const char *)data->d_buf + name_off, "GNU", 4) != 0)
				continue;
			if (nhdr.n_descsz == 0 || nhdr.n_descsz * 2 > HVO_DWARF_BUILD_ID_MAX)
				return hvo_error_create(HVO_ERROR_FORMAT,
							"'%s': build id of %" PRIu32
							" bytes is not plausible", d->path,
							(uint32_t)nhdr.n_descsz);
			const uint8_t *id = (const uint8_t *)data->d_buf + desc_off;
			for (size_t i = 0; i < nhdr.n_descsz; i++)
				snprintf(d->build_id + 2 * i, 3, "%02x", id[i]);
			d->has_build_id = true;
			return NULL;
		}
	}
	return NULL;
}

static struct hvo_error *read_symbols(struct hvo_dwarf *d)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(d->elf, scn))) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr))
			return elf_failure(d, "section header");
		if (shdr.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data || !shdr.sh_entsize)
			return elf_failure(d, "symbol table");
		size_t n = shdr.sh_size / shdr.sh_entsize;
		if (n > MAX_SYMBOLS)
			return hvo_error_create(HVO_ERROR_FORMAT, "'%s': %zu symbols is not plausible",
						d->path, n);
		d->symbols = calloc(n ? n : 1, sizeof(*d->symbols));
		if (!d->symbols)
			return &hvo_error_nomem;
		size_t nr = 0;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(data, (int)i, &sym))
				break;
			int type = GELF_ST_TYPE(sym.st_info);
			if (type == STT_SECTION || type == STT_FILE || sym.st_shndx == SHN_UNDEF)
				continue;
			/* libelf keeps the string table until elf_end(): no copy. */
			const char *name = elf_strptr(d->elf, shdr.sh_link, sym.st_name);
			if (!name || !name[0])
				continue;
			d->symbols[nr++] = (struct elf_symbol){ .name = name, .value = sym.st_value };
		}
		d->nr_symbols = nr;
		return index_symbols(d);
	}
	return NULL;	/* stripped: symbols come from kallsyms */
}

/*
 * How many units .debug_info holds, for the notes: from the units' length
 * fields in the mapping (no unit set up), else by listing them all.
 */
static struct hvo_error *count_units(struct hvo_dwarf *d)
{
	const struct mapped_object *m = &d->mapped;
	const GElf_Shdr *info = mapped_section(d, ".debug_info");
	if (!info) {
		bool end = false;
		struct hvo_error *err = NULL;
		while (!err && !end)
			err = list_next_unit(d, &end);
		d->nr_units_in_file = d->nr_units;
		return err;
	}
	/* check_sections() found the section inside the file. */
	const unsigned char *p = m->base + info->sh_offset;
	uint64_t size = info->sh_size, off = 0;
	size_t n = 0, cap = 0;
	uint64_t *starts = NULL;
	while (size - off >= 4 && n < MAX_UNITS) {
		if (n + 1 >= cap) {
			size_t grown = cap ? cap * 2 : 1024;
			uint64_t *g = realloc(starts, grown * sizeof(*g));
			if (!g) {
				free(starts);
				return &hvo_error_nomem;
			}
			starts = g;
			cap = grown;
		}
		starts[n] = off;
		uint32_t len32;
		uint64_t len, header;
		memcpy(&len32, p + off, 4);
		len32 = m->big_endian ? be32toh(len32) : le32toh(len32);
		if (len32 == 0xffffffff) {
			if (size - off < 12)
				break;
			memcpy(&len, p + off + 4, 8);
			len = m->big_endian ? be64toh(len) : le64toh(len);
			header = 12;
		} else if (len32 >= 0xfffffff0) {
			break;	/* reserved: libdwarf says what is wrong when a walk gets here */
		} else {
			len = len32;
			header = 4;
		}
		if (len > size - off - header)
			break;
		off += header + len;
		n++;
	}
	d->nr_units_in_file = n;
	if (n && off == size && names_in_bytes(d)) {
		starts[n] = off;
		d->unit_starts = starts;
		d->info_bytes = p;
	} else {
		free(starts);
	}
	return NULL;
}

struct hvo_error *hvo_dwarf_open(const char *path, struct hvo_dwarf **ret)
{
	struct hvo_error *err;
	struct hvo_dwarf *d = calloc(1, sizeof(*d));
	if (!d)
		return &hvo_error_nomem;
	d->fd = -1;
	hvo_u64map_init(&d->shortcuts);
	hvo_u64map_init(&d->symbol_index);
	d->path = strdup(path);
	if (!d->path) {
		err = &hvo_error_nomem;
		goto err;
	}
	d->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0) {
		err = hvo_error_errno(errno, "cannot open '%s'", path);
		goto err;
	}
	elf_version(EV_CURRENT);
	d->elf = elf_begin(d->fd, ELF_C_READ, NULL);
	if (!d->elf || elf_kind(d->elf) != ELF_K_ELF) {
		err = hvo_error_create(HVO_ERROR_FORMAT, "'%s' is not an ELF file", path);
		goto err;
	}
	if ((err = check_sections(d)) || (err = read_build_id(d)) || (err = read_symbols(d)))
		goto err;

	map_for_libdwarf(d);
	Dwarf_Error e = NULL;
	int r;
	if (d->mapped.base) {
		clear_elf_flags_hook();
		r = dwarf_object_init_b(&d->access, NULL, NULL, DW_GROUPNUMBER_ANY, &d->dbg, &e);
	} else
#ifdef HVO_LIBDWARF_NEW_API
		r = dwarf_init_b(d->fd, DW_GROUPNUMBER_ANY, NULL, NULL, &d->dbg, &e);
#else
		r = dwarf_init_b(d->fd, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL, &d->dbg,
				 &e);
#endif
	if (r == DW_DLV_NO_ENTRY) {
		err = hvo_error_create(HVO_ERROR_FORMAT, "'%s' has no DWARF debugging information",
				       path);
		goto err;
	}
	if (r != DW_DLV_OK) {
		err = hvo_error_create(HVO_ERROR_FORMAT, "'%s': libdwarf: %s", path,
				       e ? dwarf_errmsg(e) : "cannot initialise");
		/* An error without a Dwarf_Debug is freed with a NULL one. */
		if (e)
			dwarf_dealloc(NULL, e, DW_DLA_ERROR);
		d->dbg = NULL;
		goto err;
	}
	/* The first unit now: a file without any is refused at open. */
	bool end;
	if ((err = list_next_unit(d, &end)))
		goto err;
	if (end) {
		err = hvo_error_create(HVO_ERROR_FORMAT, "'%s' has no DWARF compilation units",
				       path);
		goto err;
	}
	if ((err = count_units(d)))
		goto err;
	*ret = d;
	return NULL;
err:
	hvo_dwarf_close(d);
	return err;
}

const char *hvo_dwarf_library_version(void)
{
	return dwarf_package_version();
}

void hvo_dwarf_close(struct hvo_dwarf *d)
{
	if (!d)
		return;
	if (d->dbg) {
		/* Opened on our mapping: libdwarf must not free what it did not read. */
#ifdef HVO_LIBDWARF_NEW_API
		if (d->mapped.base)
			dwarf_object_finish(d->dbg);
		else
			dwarf_finish(d->dbg);
#else
		Dwarf_Error e = NULL;
		if (d->mapped.base)
			dwarf_object_finish(d->dbg, &e);
		else
			dwarf_finish(d->dbg, &e);
#endif
	}
	if (d->mapped.base) {
		hvo_sigbus_unregister(d->mapped.base);
		munmap((void *)(uintptr_t)d->mapped.base, d->mapped.size);
	}
	free(d->mapped.shdrs);
	for (size_t i = 0; i < d->walked.size; i++)
		free(d->walked.data[i].key);
	walked_list_deinit(&d->walked);
	if (d->elf)
		elf_end(d->elf);
	if (d->fd >= 0)
		close(d->fd);
	free(d->units);
	free(d->unit_starts);
	hvo_u64map_deinit(&d->shortcuts);
	hvo_u64map_deinit(&d->symbol_index);
	free(d->symbols);
	free(d->path);
	free(d);
}

const char *hvo_dwarf_path(const struct hvo_dwarf *d)
{
	return d->path;
}

const char *hvo_dwarf_build_id(const struct hvo_dwarf *d)
{
	return d->has_build_id ? d->build_id : NULL;
}

size_t hvo_dwarf_nr_units(const struct hvo_dwarf *d)
{
	return d->nr_units_in_file;
}

size_t hvo_dwarf_nr_symbols(const struct hvo_dwarf *d)
{
	return d->nr_symbols;
}
