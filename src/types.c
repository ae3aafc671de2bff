/*
 * types.c - provider order for kernel types and symbols: DWARF, then the
 * dump's BTF, then VMCOREINFO; symbols from the vmlinux symbol table, the
 * dump's kallsyms, then VMCOREINFO.  Also finds the vmlinux and checks its
 * build id against the dump.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kallsyms.h"
#include "program.h"
#include "types.h"
#include "types_btf.h"
#include "types_dwarf.h"

/* A corrupted dump cannot make the providers' diagnostics grow without end. */
#define MAX_NOTES 16

struct hvo_types {
	struct hvo_program *prog;
	struct hvo_dwarf *dwarf;
	struct hvo_btf *btf;
	struct hvo_kallsyms *kallsyms;
	/* Providers used and why others are not; missing: one the dump has but could not give. */
	struct hvo_diags diags;
	bool symtab_untrusted;	/* vmlinux symbols + KERNELOFFSET disagree with kallsyms */
};

const char *hvo_types_provider_name(enum hvo_types_provider provider)
{
	switch (provider) {
	case HVO_TYPES_DWARF:
		return "DWARF";
	case HVO_TYPES_BTF:
		return "BTF";
	case HVO_TYPES_VMCOREINFO:
		return "VMCOREINFO";
	case HVO_TYPES_KALLSYMS:
		return "kallsyms";
	case HVO_TYPES_SYMTAB:
		return "vmlinux symtab";
	}
	return "unknown";
}

__attribute__((format(printf, 3, 4)))
static struct hvo_error *add_diag(struct hvo_types *types, enum hvo_diag_kind kind,
				  const char *fmt, ...)
{
	/* A missing piece is kept whatever the count: the analysis must hear of it. */
	if (types->diags.size >= MAX_NOTES && kind != HVO_DIAG_MISSING)
		return NULL;
	va_list ap;
	va_start(ap, fmt);
	struct hvo_error *err = hvo_diag_vadd(&types->diags, kind, NULL, fmt, ap);
	va_end(ap);
	return err;
}

/*
 * Note a provider that could not be used, consuming err.  One read from
 * the dump (kallsyms, BTF) with a page of it missing or damaged is not a
 * kernel without it: that is a missing piece, and the analysis says so.
 */
static struct hvo_error *note_error(struct hvo_types *types, const char *what,
				   struct hvo_error *err, bool from_dump)
{
	if (err == &hvo_error_nomem)
		return err;
	bool damage = from_dump &&
		(err->code == HVO_ERROR_NODATA || err->code == HVO_ERROR_FORMAT);
	struct hvo_error *ret = add_diag(types, damage ? HVO_DIAG_MISSING : HVO_DIAG_NOTE,
					 "%s: not used: %s", what, err->message);
	hvo_error_destroy(err);
	return ret;
}

/*
 * Open path and compare its build id with the dump's.  A mismatch is an
 * HVO_ERROR_MISMATCH unless force.
 */
static struct hvo_error *open_vmlinux(struct hvo_types *types, const char *path, bool force,
				      struct hvo_dwarf **ret)
{
	struct hvo_dwarf *dwarf;
	struct hvo_error *err = hvo_dwarf_open(path, &dwarf);
	if (err)
		return hvo_error_prefix(err, "cannot use vmlinux '%s'", path);
	const char *want = NULL;
	err = hvo_vmcoreinfo_string(types->prog->vmcoreinfo, "BUILD-ID", &want);
	if (err && err != &hvo_error_not_found)
		goto err;
	err = NULL;
	const char *have = hvo_dwarf_build_id(dwarf);
	if (!want) {
		err = add_diag(types, HVO_DIAG_NOTE, "DWARF: build id of '%s' not checked: "
			       "the dump's VMCOREINFO has no BUILD-ID", path);
	} else if (!have || strcasecmp(have, want) != 0) {
		if (!force) {
			err = hvo_error_create(HVO_ERROR_MISMATCH,
					       "vmlinux '%s' has build id %s but the dump's "
					       "kernel has %s (use --force to use it anyway)",
					       path, have ? have : "(none)", want);
			goto err;
		}
		err = add_diag(types, HVO_DIAG_NOTE, "DWARF: '%s' used although its build id %s differs "
			       "from the dump's %s (forced)", path, have ? have : "(none)",
			       want);
	}
	if (err)
		goto err;
	*ret = dwarf;
	return NULL;
err:
	hvo_dwarf_close(dwarf);
	return err;
}

/* The places Debian's -dbg packages and debuginfod-style caches use. */
static struct hvo_error *discover_vmlinux(struct hvo_types *types,
					 const struct hvo_types_options *options)
{
	const char *root = options->debug_root ? options->debug_root : "/usr/lib/debug";
	const char *build_id = NULL, *release = types->prog->release;
	struct hvo_error *err = hvo_vmcoreinfo_string(types->prog->vmcoreinfo, "BUILD-ID",
						      &build_id);
	if (err && err != &hvo_error_not_found)
		return note_error(types, "DWARF", err, false);
	char paths[3][4096];
	size_t n = 0;
	/* Both come from the dump: only hex digits and no '/' make it into a path. */
	if (build_id && strlen(build_id) > 2 && strlen(build_id) <= HVO_DWARF_BUILD_ID_MAX &&
	    strspn(build_id, "0123456789abcdefABCDEF") == strlen(build_id))
		snprintf(paths[n++], sizeof(paths[0]), "%s/.build-id/%.2s/%s.debug", root,
			 build_id, build_id + 2);
	if (release && release[0] && !strchr(release, '/') && strcmp(release, "..") != 0) {
		snprintf(paths[n++], sizeof(paths[0]), "%s/boot/vmlinux-%s", root, release);
		snprintf(paths[n++], sizeof(paths[0]), "%s/lib/modules/%s/vmlinux", root,
			 release);
	}
	for (size_t i = 0; i < n; i++) {
		if (access(paths[i], R_OK) != 0)
			continue;
		err = open_vmlinux(types, paths[i], false, &types->dwarf);
		if (!err)
			return add_diag(types, HVO_DIAG_NOTE, "DWARF: '%s' (found by %s; %zu units, %zu symbols)",
					paths[i], i == 0 ? "build id" : "release",
					hvo_dwarf_nr_units(types->dwarf),
					hvo_dwarf_nr_symbols(types->dwarf));
		if ((err = note_error(types, "DWARF", err, false)))
			return err;
	}
	return add_diag(types, HVO_DIAG_NOTE, "DWARF: not used: no --vmlinux, and no debuginfo for %s%s%s "
			"under %s", release && release[0] ? release : "this kernel",
			build_id ? " build id " : "", build_id ? build_id : "", root);
}

static struct hvo_error *open_btf(struct hvo_types *types)
{
	if (!types->kallsyms)
		return add_diag(types, HVO_DIAG_NOTE, "BTF: not used: no kallsyms to locate __start_BTF");
	struct hvo_error *err = hvo_btf_read(types->prog->dump, types->kallsyms, &types->btf);
	if (err == &hvo_error_not_found)
		return add_diag(types, HVO_DIAG_NOTE, "BTF: not used: the kernel has no __start_BTF "
				"(CONFIG_DEBUG_INFO_BTF off)");
	if (err)
		return note_error(types, "BTF", hvo_error_prefix(err, "reading the dump's BTF"), true);
	return add_diag(types, HVO_DIAG_NOTE, "BTF: %zu bytes from the dump's __start_BTF, %" PRIu32 " types%s",
			hvo_btf_size(types->btf), hvo_btf_nr_types(types->btf),
			hvo_btf_sorted(types->btf) ? ", sorted by name (binary search)" : "");
}

/*
 * A forced or stale vmlinux, or a wrong KERNELOFFSET, shows as _stext in the
 * symbol table plus KERNELOFFSET differing from kallsyms: then trust kallsyms.
 */
static struct hvo_error *check_symtab(struct hvo_types *types)
{
	uint64_t link, run;
	if (!types->dwarf || !types->kallsyms ||
	    hvo_dwarf_symbol(types->dwarf, "_stext", &link) ||
	    hvo_kallsyms_lookup(types->kallsyms, "_stext", &run))
		return NULL;	/* misses are static errors: nothing to free */
	if (link + types->prog->kernel_offset == run)
		return NULL;
	types->symtab_untrusted = true;
	return add_diag(types, HVO_DIAG_NOTE, "vmlinux symtab: not used: _stext 0x%" PRIx64 " + KERNELOFFSET "
			"0x%" PRIx64 " differs from kallsyms' 0x%" PRIx64, link,
			types->prog->kernel_offset, run);
}

struct hvo_error *hvo_types_open(struct hvo_program *prog,
				 const struct hvo_types_options *options,
				 struct hvo_types **ret)
{
	static const struct hvo_types_options defaults;
	if (!options)
		options = &defaults;
	struct hvo_types *types = calloc(1, sizeof(*types));
	if (!types)
		return &hvo_error_nomem;
	types->prog = prog;
	struct hvo_error *err = NULL;

	if (options->vmlinux_path) {
		err = open_vmlinux(types, options->vmlinux_path, options->force, &types->dwarf);
		if (!err)
			err = add_diag(types, HVO_DIAG_NOTE, "DWARF: '%s' (--vmlinux; %zu units, %zu symbols)",
				       options->vmlinux_path, hvo_dwarf_nr_units(types->dwarf),
				       hvo_dwarf_nr_symbols(types->dwarf));
	} else if (options->no_dwarf) {
		err = add_diag(types, HVO_DIAG_NOTE, "DWARF: not used (disabled)");
	} else {
		err = discover_vmlinux(types, options);
	}
	if (err)
		goto err;

	err = hvo_kallsyms_read(prog->dump, prog->vmcoreinfo, &types->kallsyms);
	if (err == &hvo_error_not_found)
		err = add_diag(types, HVO_DIAG_NOTE, "kallsyms: not used: VMCOREINFO has no SYMBOL(kallsyms_names)");
	else if (err)
		err = note_error(types, "kallsyms", err, true);
	else
		err = add_diag(types, HVO_DIAG_NOTE, "kallsyms: %zu symbols (%s offsets, looked up by %s)",
			       hvo_kallsyms_count(types->kallsyms),
			       hvo_kallsyms_encoding_name(hvo_kallsyms_encoding(types->kallsyms)),
			       hvo_kallsyms_method(types->kallsyms));
	if (err)
		goto err;

	if ((err = check_symtab(types)))
		goto err;

	if (options->no_btf)
		err = add_diag(types, HVO_DIAG_NOTE, "BTF: not used (disabled)");
	else
		err = open_btf(types);
	if (err)
		goto err;
	if (!types->dwarf && !types->btf)
		err = add_diag(types, HVO_DIAG_NOTE, "VMCOREINFO only: layouts it does not export "
			       "(zone.vmemmap_tails, struct hstate, hugetlb page flags) are unknown");
	if (err)
		goto err;
	*ret = types;
	return NULL;
err:
	hvo_types_close(types);
	return err;
}

void hvo_types_close(struct hvo_types *types)
{
	if (!types)
		return;
	hvo_dwarf_close(types->dwarf);
	hvo_btf_free(types->btf);
	hvo_kallsyms_free(types->kallsyms);
	hvo_diags_free(&types->diags);
	free(types);
}

struct hvo_error *hvo_types_read_all(struct hvo_types *types)
{
	struct hvo_error *err = types->kallsyms ? hvo_kallsyms_read_all(types->kallsyms) : NULL;
	if (!err && types->btf && (err = hvo_btf_read_all(types->btf)))
		err = hvo_error_prefix(err, "reading the dump's BTF");
	return err;
}

const char *hvo_types_complete_symbol(const struct hvo_types *types, const char *prefix,
				      size_t *cursor)
{
	if (!types->kallsyms)
		return NULL;
	return hvo_kallsyms_complete(types->kallsyms, prefix, cursor);
}

const struct hvo_diags *hvo_types_diags(const struct hvo_types *types)
{
	return &types->diags;
}

/* VMCOREINFO key "KIND(name)" or "KIND(name.member)"; not_found if too long. */
static struct hvo_error *vmcoreinfo_key(char *key, size_t size, const char *kind,
					const char *name, const char *member)
{
	int n = snprintf(key, size, "%s(%s%s%s)", kind, name, member ? "." : "",
			 member ? member : "");
	return n < 0 || (size_t)n >= size ? &hvo_error_not_found : NULL;
}

static struct hvo_error *vmcoreinfo_u64(struct hvo_types *types, const char *kind,
					const char *name, const char *member, uint64_t *ret)
{
	char key[256];
	struct hvo_error *err = vmcoreinfo_key(key, sizeof(key), kind, name, member);
	return err ? err : hvo_vmcoreinfo_u64(types->prog->vmcoreinfo, key, ret);
}

/*
 * The providers, as libdrgn registers its type finders: one table walked in
 * order, each entry answering the kinds of query it can.  A finder returns
 * NULL for an answer, &hvo_error_not_found for a miss (ask the next), or
 * any other error for a failure, which stops the walk: an allocated
 * HVO_ERROR_NOT_FOUND ("not a struct or union") is such a failure too.
 */
enum hvo_types_query_kind {
	HVO_TYPES_QUERY_STRUCT_SIZE,
	HVO_TYPES_QUERY_MEMBER,
	HVO_TYPES_QUERY_ENUM_VALUE,
	HVO_TYPES_QUERY_SYMBOL,
};
#define HVO_TYPES_NR_QUERY_KINDS (HVO_TYPES_QUERY_SYMBOL + 1)

/* One lookup, and where the provider that answers it writes the answer. */
struct hvo_types_query {
	enum hvo_types_query_kind kind;
	const char *name;	/* struct, enum (NULL: any enum) or symbol */
	const char *member;	/* path in struct name */
	const char *enumerator;
	union {
		uint64_t *size;
		struct hvo_member *member;
		int64_t *value;
		uint64_t *address;
	} ret;
};

struct hvo_types_finder {
	enum hvo_types_provider provider;
	/* NULL where the provider does not answer that kind of query. */
	struct hvo_error *(*find[HVO_TYPES_NR_QUERY_KINDS])(struct hvo_types *types,
							    const struct hvo_types_query *q);
};

static struct hvo_error *struct_size_from_dwarf(struct hvo_types *types,
						const struct hvo_types_query *q)
{
	return hvo_dwarf_struct_size(types->dwarf, q->name, q->ret.size);
}

static struct hvo_error *member_from_dwarf(struct hvo_types *types,
					   const struct hvo_types_query *q)
{
	return hvo_dwarf_member(types->dwarf, q->name, q->member, q->ret.member);
}

static struct hvo_error *enum_value_from_dwarf(struct hvo_types *types,
					       const struct hvo_types_query *q)
{
	return hvo_dwarf_enum_value(types->dwarf, q->name, q->enumerator, q->ret.value);
}

/* The symbol table has link-time addresses: add the KASLR offset. */
static struct hvo_error *symbol_from_symtab(struct hvo_types *types,
					    const struct hvo_types_query *q)
{
	uint64_t link_address;
	struct hvo_error *err = hvo_dwarf_symbol(types->dwarf, q->name, &link_address);
	if (!err)
		*q->ret.address = link_address + types->prog->kernel_offset;
	return err;
}

static struct hvo_error *struct_size_from_btf(struct hvo_types *types,
					      const struct hvo_types_query *q)
{
	return hvo_btf_struct_size(types->btf, q->name, q->ret.size);
}

static struct hvo_error *member_from_btf(struct hvo_types *types,
					 const struct hvo_types_query *q)
{
	return hvo_btf_member(types->btf, q->name, q->member, q->ret.member);
}

static struct hvo_error *enum_value_from_btf(struct hvo_types *types,
					     const struct hvo_types_query *q)
{
	return hvo_btf_enum_value(types->btf, q->name, q->enumerator, q->ret.value);
}

static struct hvo_error *symbol_from_kallsyms(struct hvo_types *types,
					      const struct hvo_types_query *q)
{
	return hvo_kallsyms_lookup(types->kallsyms, q->name, q->ret.address);
}

static struct hvo_error *struct_size_from_vmcoreinfo(struct hvo_types *types,
						     const struct hvo_types_query *q)
{
	return vmcoreinfo_u64(types, "SIZE", q->name, NULL, q->ret.size);
}

/*
 * VMCOREINFO has OFFSET() and, for an array, LENGTH(); nothing else.  The
 * answer is written whole or not at all.
 */
static struct hvo_error *member_from_vmcoreinfo(struct hvo_types *types,
						const struct hvo_types_query *q)
{
	struct hvo_member m = { .provider = HVO_TYPES_VMCOREINFO };
	struct hvo_error *err = vmcoreinfo_u64(types, "OFFSET", q->name, q->member, &m.offset);
	if (err)
		return err;
	err = vmcoreinfo_u64(types, "LENGTH", q->name, q->member, &m.array_len);
	if (err == &hvo_error_not_found)
		err = NULL;	/* not an array */
	if (!err)
		*q->ret.member = m;
	return err;
}

/* NUMBER(enumerator), whatever enum it belongs to. */
static struct hvo_error *enum_value_from_vmcoreinfo(struct hvo_types *types,
						    const struct hvo_types_query *q)
{
	char key[256];
	struct hvo_error *err = vmcoreinfo_key(key, sizeof(key), "NUMBER", q->enumerator, NULL);
	return err ? err : hvo_vmcoreinfo_s64(types->prog->vmcoreinfo, key, q->ret.value);
}

/* SYMBOL(name): for mem_section the pointer's value, not its address. */
static struct hvo_error *symbol_from_vmcoreinfo(struct hvo_types *types,
						const struct hvo_types_query *q)
{
	return vmcoreinfo_u64(types, "SYMBOL", q->name, NULL, q->ret.address);
}

/*
 * Types are asked of DWARF, BTF, VMCOREINFO; symbols of the vmlinux symbol
 * table, kallsyms, VMCOREINFO.  Interleaved here, each keeps its order.
 */
static const struct hvo_types_finder finders[] = {
	{ HVO_TYPES_DWARF, {
		[HVO_TYPES_QUERY_STRUCT_SIZE] = struct_size_from_dwarf,
		[HVO_TYPES_QUERY_MEMBER] = member_from_dwarf,
		[HVO_TYPES_QUERY_ENUM_VALUE] = enum_value_from_dwarf,
	} },
	{ HVO_TYPES_SYMTAB, {
		[HVO_TYPES_QUERY_SYMBOL] = symbol_from_symtab,
	} },
	{ HVO_TYPES_BTF, {
		[HVO_TYPES_QUERY_STRUCT_SIZE] = struct_size_from_btf,
		[HVO_TYPES_QUERY_MEMBER] = member_from_btf,
		[HVO_TYPES_QUERY_ENUM_VALUE] = enum_value_from_btf,
	} },
	{ HVO_TYPES_KALLSYMS, {
		[HVO_TYPES_QUERY_SYMBOL] = symbol_from_kallsyms,
	} },
	{ HVO_TYPES_VMCOREINFO, {
		[HVO_TYPES_QUERY_STRUCT_SIZE] = struct_size_from_vmcoreinfo,
		[HVO_TYPES_QUERY_MEMBER] = member_from_vmcoreinfo,
		[HVO_TYPES_QUERY_ENUM_VALUE] = enum_value_from_vmcoreinfo,
		[HVO_TYPES_QUERY_SYMBOL] = symbol_from_vmcoreinfo,
	} },
};

/* Whether this dump has provider; VMCOREINFO it always has. */
static bool provider_usable(const struct hvo_types *types, enum hvo_types_provider provider)
{
	switch (provider) {
	case HVO_TYPES_DWARF:
		return types->dwarf != NULL;
	case HVO_TYPES_SYMTAB:
		/* Not when its _stext disagrees with kallsyms' (check_symtab). */
		return types->dwarf != NULL && !types->symtab_untrusted;
	case HVO_TYPES_BTF:
		return types->btf != NULL;
	case HVO_TYPES_KALLSYMS:
		return types->kallsyms != NULL;
	case HVO_TYPES_VMCOREINFO:
		return true;
	}
	return false;
}

/* A provider's failure, saying what was asked of whom. */
static struct hvo_error *query_error(const struct hvo_types_query *q,
				     enum hvo_types_provider provider, struct hvo_error *err)
{
	const char *from = hvo_types_provider_name(provider);
	switch (q->kind) {
	case HVO_TYPES_QUERY_STRUCT_SIZE:
		return hvo_error_prefix(err, "sizeof(struct %s) from %s", q->name, from);
	case HVO_TYPES_QUERY_MEMBER:
		return hvo_error_prefix(err, "offsetof(struct %s, %s) from %s", q->name,
					q->member, from);
	case HVO_TYPES_QUERY_ENUM_VALUE:
		return hvo_error_prefix(err, "enumerator %s from %s", q->enumerator, from);
	case HVO_TYPES_QUERY_SYMBOL:
		break;
	}
	return hvo_error_prefix(err, "symbol %s from %s", q->name, from);
}

/*
 * Ask the providers this dump has, in order, until one answers or fails;
 * the one that answered goes to *provider_ret (if not NULL), which is left
 * alone otherwise.  &hvo_error_not_found when every one misses.
 */
static struct hvo_error *query_providers(struct hvo_types *types,
					 const struct hvo_types_query *q,
					 enum hvo_types_provider *provider_ret)
{
	for (size_t i = 0; i < sizeof(finders) / sizeof(finders[0]); i++) {
		const struct hvo_types_finder *f = &finders[i];
		if (!f->find[q->kind] || !provider_usable(types, f->provider))
			continue;
		struct hvo_error *err = f->find[q->kind](types, q);
		if (err == &hvo_error_not_found)
			continue;
		if (err)
			return query_error(q, f->provider, err);
		if (provider_ret)
			*provider_ret = f->provider;
		return NULL;
	}
	return &hvo_error_not_found;
}

struct hvo_error *hvo_types_struct_size(struct hvo_types *types, const char *name,
					uint64_t *size_ret,
					enum hvo_types_provider *provider_ret)
{
	const struct hvo_types_query q = {
		HVO_TYPES_QUERY_STRUCT_SIZE, .name = name, .ret.size = size_ret,
	};
	return query_providers(types, &q, provider_ret);
}

struct hvo_error *hvo_types_member(struct hvo_types *types, const char *name,
				   const char *member, struct hvo_member *ret)
{
	const struct hvo_types_query q = {
		HVO_TYPES_QUERY_MEMBER, .name = name, .member = member, .ret.member = ret,
	};
	/* ret->provider: the one that answered, as *provider_ret elsewhere. */
	return query_providers(types, &q, &ret->provider);
}

struct hvo_error *hvo_types_enum_value(struct hvo_types *types, const char *enum_name,
				       const char *enumerator, int64_t *value_ret,
				       enum hvo_types_provider *provider_ret)
{
	const struct hvo_types_query q = {
		HVO_TYPES_QUERY_ENUM_VALUE, .name = enum_name, .enumerator = enumerator,
		.ret.value = value_ret,
	};
	return query_providers(types, &q, provider_ret);
}

struct hvo_error *hvo_types_symbol(struct hvo_types *types, const char *name,
				   uint64_t *address_ret,
				   enum hvo_types_provider *provider_ret)
{
	const struct hvo_types_query q = {
		HVO_TYPES_QUERY_SYMBOL, .name = name, .ret.address = address_ret,
	};
	return query_providers(types, &q, provider_ret);
}
