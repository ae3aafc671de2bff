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

#define MAX_NOTES 16

struct hvo_types {
	struct hvo_program *prog;
	struct hvo_dwarf *dwarf;
	struct hvo_btf *btf;
	struct hvo_kallsyms *kallsyms;
	char *notes[MAX_NOTES + 1];	/* NULL-terminated */
	size_t nr_notes;
	bool symtab_untrusted;	/* vmlinux symbols + KERNELOFFSET disagree with kallsyms */
	const char *damaged;	/* the note of a provider the dump has but could not give */
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

__attribute__((format(printf, 2, 3)))
static struct hvo_error *add_note(struct hvo_types *types, const char *fmt, ...)
{
	if (types->nr_notes == MAX_NOTES)
		return NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&types->notes[types->nr_notes], fmt, ap);
	va_end(ap);
	if (r < 0) {
		types->notes[types->nr_notes] = NULL;
		return &hvo_error_nomem;
	}
	types->nr_notes++;
	return NULL;
}

/* Note a provider that could not be used, consuming err. */
static struct hvo_error *note_error(struct hvo_types *types, const char *what,
				   struct hvo_error *err)
{
	if (err == &hvo_error_nomem)
		return err;
	struct hvo_error *ret = add_note(types, "%s: not used: %s", what, err->message);
	hvo_error_destroy(err);
	return ret;
}

/*
 * The same for a provider read from the dump (kallsyms, BTF): a page of it
 * missing or damaged is not a kernel without it, and is remembered.
 */
static struct hvo_error *note_dump_error(struct hvo_types *types, const char *what,
					 struct hvo_error *err)
{
	bool damage = err->code == HVO_ERROR_NODATA || err->code == HVO_ERROR_FORMAT;
	struct hvo_error *ret = note_error(types, what, err);
	if (!ret && damage && !types->damaged)
		types->damaged = types->notes[types->nr_notes - 1];
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
		err = add_note(types, "DWARF: build id of '%s' not checked: "
			       "the dump's VMCOREINFO has no BUILD-ID", path);
	} else if (!have || strcasecmp(have, want) != 0) {
		if (!force) {
			err = hvo_error_create(HVO_ERROR_MISMATCH,
					       "vmlinux '%s' has build id %s but the dump's "
					       "kernel has %s (use --force to use it anyway)",
					       path, have ? have : "(none)", want);
			goto err;
		}
		err = add_note(types, "DWARF: '%s' used although its build id %s differs "
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
		return note_error(types, "DWARF", err);
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
			return add_note(types, "DWARF: '%s' (found by %s; %zu units, %zu symbols)",
					paths[i], i == 0 ? "build id" : "release",
					hvo_dwarf_nr_units(types->dwarf),
					hvo_dwarf_nr_symbols(types->dwarf));
		if ((err = note_error(types, "DWARF", err)))
			return err;
	}
	return add_note(types, "DWARF: not used: no --vmlinux, and no debuginfo for %s%s%s "
			"under %s", release && release[0] ? release : "this kernel",
			build_id ? " build id " : "", build_id ? build_id : "", root);
}

static struct hvo_error *open_btf(struct hvo_types *types)
{
	if (!types->kallsyms)
		return add_note(types, "BTF: not used: no kallsyms to locate __start_BTF");
	struct hvo_error *err = hvo_btf_read(types->prog->dump, types->kallsyms, &types->btf);
	if (err == &hvo_error_not_found)
		return add_note(types, "BTF: not used: the kernel has no __start_BTF "
				"(CONFIG_DEBUG_INFO_BTF off)");
	if (err)
		return note_dump_error(types, "BTF", hvo_error_prefix(err, "reading the dump's BTF"));
	return add_note(types, "BTF: %zu bytes from the dump's __start_BTF, %" PRIu32 " types%s",
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
	return add_note(types, "vmlinux symtab: not used: _stext 0x%" PRIx64 " + KERNELOFFSET "
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
			err = add_note(types, "DWARF: '%s' (--vmlinux; %zu units, %zu symbols)",
				       options->vmlinux_path, hvo_dwarf_nr_units(types->dwarf),
				       hvo_dwarf_nr_symbols(types->dwarf));
	} else if (options->no_dwarf) {
		err = add_note(types, "DWARF: not used (disabled)");
	} else {
		err = discover_vmlinux(types, options);
	}
	if (err)
		goto err;

	err = hvo_kallsyms_read(prog->dump, prog->vmcoreinfo, &types->kallsyms);
	if (err == &hvo_error_not_found)
		err = add_note(types, "kallsyms: not used: VMCOREINFO has no SYMBOL(kallsyms_names)");
	else if (err)
		err = note_dump_error(types, "kallsyms", err);
	else
		err = add_note(types, "kallsyms: %zu symbols (%s offsets, looked up by %s)",
			       hvo_kallsyms_count(types->kallsyms),
			       hvo_kallsyms_encoding_name(hvo_kallsyms_encoding(types->kallsyms)),
			       hvo_kallsyms_method(types->kallsyms));
	if (err)
		goto err;

	if ((err = check_symtab(types)))
		goto err;

	if (options->no_btf)
		err = add_note(types, "BTF: not used (disabled)");
	else
		err = open_btf(types);
	if (err)
		goto err;
	if (!types->dwarf && !types->btf)
		err = add_note(types, "VMCOREINFO only: layouts it does not export "
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
	for (size_t i = 0; i < types->nr_notes; i++)
		free(types->notes[i]);
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

const char *hvo_types_damaged(const struct hvo_types *types)
{
	return types->damaged;
}

const char *const *hvo_types_notes(const struct hvo_types *types)
{
	return (const char *const *)types->notes;
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

struct hvo_error *hvo_types_struct_size(struct hvo_types *types, const char *name,
					uint64_t *size_ret,
					enum hvo_types_provider *provider_ret)
{
	struct hvo_error *err;
	enum hvo_types_provider provider = HVO_TYPES_DWARF;
	if (types->dwarf) {
		err = hvo_dwarf_struct_size(types->dwarf, name, size_ret);
		if (err != &hvo_error_not_found)
			goto out;
	}
	provider = HVO_TYPES_BTF;
	if (types->btf) {
		err = hvo_btf_struct_size(types->btf, name, size_ret);
		if (err != &hvo_error_not_found)
			goto out;
	}
	provider = HVO_TYPES_VMCOREINFO;
	err = vmcoreinfo_u64(types, "SIZE", name, NULL, size_ret);
out:
	if (err)
		return err == &hvo_error_not_found ? err :
			hvo_error_prefix(err, "sizeof(struct %s) from %s", name,
					 hvo_types_provider_name(provider));
	if (provider_ret)
		*provider_ret = provider;
	return NULL;
}

struct hvo_error *hvo_types_member(struct hvo_types *types, const char *name,
				   const char *member, struct hvo_member *ret)
{
	struct hvo_error *err;
	enum hvo_types_provider provider = HVO_TYPES_DWARF;
	if (types->dwarf) {
		err = hvo_dwarf_member(types->dwarf, name, member, ret);
		if (err != &hvo_error_not_found)
			goto out;
	}
	provider = HVO_TYPES_BTF;
	if (types->btf) {
		err = hvo_btf_member(types->btf, name, member, ret);
		if (err != &hvo_error_not_found)
			goto out;
	}
	provider = HVO_TYPES_VMCOREINFO;
	struct hvo_member m = { .provider = HVO_TYPES_VMCOREINFO };
	err = vmcoreinfo_u64(types, "OFFSET", name, member, &m.offset);
	if (err)
		goto out;
	err = vmcoreinfo_u64(types, "LENGTH", name, member, &m.array_len);
	if (err == &hvo_error_not_found)
		err = NULL;
	if (!err)
		*ret = m;
out:
	if (err)
		return err == &hvo_error_not_found ? err :
			hvo_error_prefix(err, "offsetof(struct %s, %s) from %s", name, member,
					 hvo_types_provider_name(provider));
	ret->provider = provider;
	return NULL;
}

struct hvo_error *hvo_types_enum_value(struct hvo_types *types, const char *enum_name,
				       const char *enumerator, int64_t *value_ret,
				       enum hvo_types_provider *provider_ret)
{
	struct hvo_error *err;
	enum hvo_types_provider provider = HVO_TYPES_DWARF;
	if (types->dwarf) {
		err = hvo_dwarf_enum_value(types->dwarf, enum_name, enumerator, value_ret);
		if (err != &hvo_error_not_found)
			goto out;
	}
	provider = HVO_TYPES_BTF;
	if (types->btf) {
		err = hvo_btf_enum_value(types->btf, enum_name, enumerator, value_ret);
		if (err != &hvo_error_not_found)
			goto out;
	}
	provider = HVO_TYPES_VMCOREINFO;
	char key[256];
	if ((err = vmcoreinfo_key(key, sizeof(key), "NUMBER", enumerator, NULL)))
		return err;
	err = hvo_vmcoreinfo_s64(types->prog->vmcoreinfo, key, value_ret);
out:
	if (err)
		return err == &hvo_error_not_found ? err :
			hvo_error_prefix(err, "enumerator %s from %s", enumerator,
					 hvo_types_provider_name(provider));
	if (provider_ret)
		*provider_ret = provider;
	return NULL;
}

struct hvo_error *hvo_types_symbol(struct hvo_types *types, const char *name,
				   uint64_t *address_ret,
				   enum hvo_types_provider *provider_ret)
{
	struct hvo_error *err;
	enum hvo_types_provider provider = HVO_TYPES_SYMTAB;
	if (types->dwarf && !types->symtab_untrusted) {
		uint64_t link_address;
		err = hvo_dwarf_symbol(types->dwarf, name, &link_address);
		if (!err)
			*address_ret = link_address + types->prog->kernel_offset;
		if (err != &hvo_error_not_found)
			goto out;
	}
	provider = HVO_TYPES_KALLSYMS;
	if (types->kallsyms) {
		err = hvo_kallsyms_lookup(types->kallsyms, name, address_ret);
		if (err != &hvo_error_not_found)
			goto out;
	}
	provider = HVO_TYPES_VMCOREINFO;
	err = vmcoreinfo_u64(types, "SYMBOL", name, NULL, address_ret);
out:
	if (err)
		return err == &hvo_error_not_found ? err :
			hvo_error_prefix(err, "symbol %s from %s", name,
					 hvo_types_provider_name(provider));
	if (provider_ret)
		*provider_ret = provider;
	return NULL;
}
