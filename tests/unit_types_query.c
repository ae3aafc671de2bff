/*
 * unit_types_query - ask the type providers about a dump (a test helper for
 * tests/t3*-types*.sh and for checks on real dumps; not a test by itself).
 *
 *   unit_types_query [--vmlinux F] [--force] [--no-dwarf] [--no-btf]
 *                    [--debug-root D] DUMP QUERY...
 *   QUERY: size:STRUCT  member:STRUCT.PATH  enum:NAME  sym:NAME  notes  allsyms
 * One line per query: "size zone 1856 BTF", "member zone.vmemmap_tails
 * offset=1680 size=128 len=16 elem=8 BTF", "enum X 4 BTF", "sym X 0x... kallsyms",
 * or "... not found"; allsyms: "# how names are looked up", then "NAME 0x..."
 * for every kallsyms name; exit 1 on an error, with the message on stderr.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"
#include "types.h"

static struct hvo_program *query_prog;
static const struct hvo_types_options *query_options;

/*
 * allsyms: every kallsyms name (listed by completion, which expands them
 * all), each looked up through a second, fresh hvo_types, so that lookups
 * take the path a report takes.  "# NOTE" first: how they were looked up.
 */
static struct hvo_error *all_symbols(struct hvo_types *types)
{
	size_t nr = 0, cap = 0, cursor = 0;
	char **names = NULL;
	const char *name;
	struct hvo_error *err = NULL;
	while ((name = hvo_types_complete_symbol(types, "", &cursor))) {
		if (nr == cap) {
			cap = cap ? 2 * cap : 1024;
			char **grown = realloc(names, cap * sizeof(*names));
			if (!grown)
				goto nomem;
			names = grown;
		}
		if (!(names[nr] = strdup(name)))
			goto nomem;
		nr++;
	}
	struct hvo_types *fresh;
	if ((err = hvo_types_open(query_prog, query_options, &fresh)))
		goto out;
	const struct hvo_diags *notes = hvo_types_diags(fresh);
	for (size_t i = 0; i < notes->size; i++) {
		if (strstr(notes->data[i].message, "looked up by"))
			printf("# %s\n", notes->data[i].message);
	}
	for (size_t i = 0; i < nr && !err; i++) {
		uint64_t address;
		err = hvo_types_symbol(fresh, names[i], &address, NULL);
		if (err == &hvo_error_not_found)
			err = hvo_error_create(HVO_ERROR_INTERNAL, "%s: listed but not found",
					       names[i]);
		else if (!err)
			printf("%s 0x%" PRIx64 "\n", names[i], address);
	}
	hvo_types_close(fresh);
	goto out;
nomem:
	err = &hvo_error_nomem;
out:
	for (size_t i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	return err;
}

static int query(struct hvo_types *types, const char *q)
{
	struct hvo_error *err = NULL;
	enum hvo_types_provider provider;
	if (strncmp(q, "size:", 5) == 0) {
		uint64_t size;
		err = hvo_types_struct_size(types, q + 5, &size, &provider);
		if (!err)
			printf("size %s %" PRIu64 " %s\n", q + 5, size,
			       hvo_types_provider_name(provider));
	} else if (strncmp(q, "member:", 7) == 0) {
		char buf[256];
		snprintf(buf, sizeof(buf), "%s", q + 7);
		char *dot = strchr(buf, '.');
		if (!dot) {
			fprintf(stderr, "member query needs STRUCT.PATH\n");
			return 2;
		}
		*dot = '\0';
		struct hvo_member m;
		err = hvo_types_member(types, buf, dot + 1, &m);
		if (!err)
			printf("member %s offset=%" PRIu64 " size=%" PRIu64 " len=%" PRIu64
			       " elem=%" PRIu64 " %s\n", q + 7, m.offset, m.size, m.array_len,
			       m.elem_size, hvo_types_provider_name(m.provider));
	} else if (strncmp(q, "enum:", 5) == 0) {
		/* enum:NAME in any enum, enum:ENUM.NAME in that one. */
		char buf[256];
		snprintf(buf, sizeof(buf), "%s", q + 5);
		char *dot = strchr(buf, '.');
		if (dot)
			*dot = '\0';
		int64_t value;
		err = hvo_types_enum_value(types, dot ? buf : NULL, dot ? dot + 1 : buf, &value,
					   &provider);
		if (!err)
			printf("enum %s %" PRId64 " %s\n", q + 5, value,
			       hvo_types_provider_name(provider));
	} else if (strncmp(q, "sym:", 4) == 0) {
		uint64_t address;
		err = hvo_types_symbol(types, q + 4, &address, &provider);
		if (!err)
			printf("sym %s 0x%" PRIx64 " %s\n", q + 4, address,
			       hvo_types_provider_name(provider));
	} else if (strcmp(q, "allsyms") == 0) {
		err = all_symbols(types);
	} else if (strcmp(q, "notes") == 0) {
		const struct hvo_diags *notes = hvo_types_diags(types);
		for (size_t i = 0; i < notes->size; i++)
			printf("note %s\n", notes->data[i].message);
		const struct hvo_diag *damaged = hvo_diags_find(notes, HVO_DIAG_MISSING);
		if (damaged)
			printf("damaged %s\n", damaged->message);
	} else {
		fprintf(stderr, "unknown query '%s'\n", q);
		return 2;
	}
	if (err == &hvo_error_not_found) {
		printf("%s not found\n", q);
	} else if (err) {
		fprintf(stderr, "error: %s: %s\n", q, err->message);
		hvo_error_destroy(err);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct hvo_types_options options = { 0 };
	int i = 1;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--vmlinux") == 0 && i + 1 < argc)
			options.vmlinux_path = argv[++i];
		else if (strcmp(argv[i], "--debug-root") == 0 && i + 1 < argc)
			options.debug_root = argv[++i];
		else if (strcmp(argv[i], "--force") == 0)
			options.force = true;
		else if (strcmp(argv[i], "--no-dwarf") == 0)
			options.no_dwarf = true;
		else if (strcmp(argv[i], "--no-btf") == 0)
			options.no_btf = true;
		else {
			fprintf(stderr, "unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usage: %s [options] DUMP QUERY...\n", argv[0]);
		return 2;
	}
	struct hvo_program *prog;
	struct hvo_error *err = hvo_program_open(argv[i], &prog);
	if (err) {
		fprintf(stderr, "error: %s\n", err->message);
		hvo_error_destroy(err);
		return 1;
	}
	struct hvo_types *types;
	query_prog = prog;
	query_options = &options;
	err = hvo_types_open(prog, &options, &types);
	if (err) {
		fprintf(stderr, "error: %s\n", err->message);
		hvo_error_destroy(err);
		hvo_program_close(prog);
		return 1;
	}
	int status = 0;
	for (i++; i < argc; i++) {
		int r = query(types, argv[i]);
		if (r > status)
			status = r;
	}
	hvo_types_close(types);
	hvo_program_close(prog);
	return status;
}
