/* cmd_info.c - `info` (what the dump is, and where each fact came from) and `vmcoreinfo`. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "kstate.h"

static const struct hvo_cmd_option json_option[] = {
	HVO_CMD_OPTION_JSON,
	HVO_CMD_OPTION_END,
};

struct fact {
	const char *key;	/* JSON key */
	const char *label;	/* text label */
	json_object *value;
	char *text;		/* value as text */
	const char *source;
};

#define MAX_FACTS 32

struct facts {
	struct fact items[MAX_FACTS];
	size_t nr;
	bool nomem;
};

static void add_fact(struct facts *facts, const char *key, const char *label,
		     json_object *value, const char *source)
{
	if (facts->nr >= MAX_FACTS || !value) {
		json_object_put(value);
		facts->nomem = true;
		return;
	}
	struct fact *fact = &facts->items[facts->nr++];
	fact->key = key;
	fact->label = label;
	fact->value = value;
	fact->source = source;
	fact->text = NULL;
	if (json_object_is_type(value, json_type_string))
		fact->text = strdup(json_object_get_string(value));
	else
		fact->text = strdup(json_object_to_json_string(value));
	if (!fact->text)
		facts->nomem = true;
}

static void free_facts(struct facts *facts)
{
	for (size_t i = 0; i < facts->nr; i++) {
		json_object_put(facts->items[i].value);
		free(facts->items[i].text);
	}
}

static void collect_facts(struct hvo_program *prog, struct facts *facts)
{
	struct hvo_dump *dump = prog->dump;
	const struct hvo_vmcoreinfo *vi = prog->vmcoreinfo;

	add_fact(facts, "file", "file", json_object_new_string(hvo_dump_path(dump)),
		 "command line");
	const char *rebuilt_in = hvo_dump_rebuilt_in(dump);
	char *format = NULL;
	if (rebuilt_in && asprintf(&format, "%s (flattened, reassembled in %s)",
				   hvo_dump_format(dump), rebuilt_in) < 0)
		format = NULL;
	add_fact(facts, "format", "dump format",
		 json_object_new_string(format ? format : hvo_dump_format(dump)),
		 "libkdumpfile file.format");
	free(format);
	add_fact(facts, "file_size", "file size", hvo_json_u64(hvo_dump_file_size(dump)),
		 "fstat");
	add_fact(facts, "arch", "architecture", json_object_new_string(hvo_dump_arch(dump)),
		 hvo_dump_arch_source(dump));
	add_fact(facts, "page_size", "page size", hvo_json_u64(hvo_dump_page_size(dump)),
		 "libkdumpfile arch.page_size");
	add_fact(facts, "release", "kernel release",
		 json_object_new_string(prog->release[0] ? prog->release : "unknown"),
		 prog->release[0] ? "VMCOREINFO OSRELEASE" : "VMCOREINFO has no OSRELEASE");
	add_fact(facts, "generation", "generation",
		 json_object_new_string(hvo_generation_name(prog->generation)),
		 prog->generation_evidence);
	add_fact(facts, "struct_page_size", "sizeof(struct page)", hvo_json_u64(prog->page.size),
		 "VMCOREINFO SIZE(page)");
	if (prog->generation != HVO_GEN_UNKNOWN)
		add_fact(facts, "compound_offset",
			 prog->generation == HVO_GEN_LEGACY ? "page.compound_head offset" :
			 "page.compound_info offset",
			 hvo_json_u64(prog->page.compound_offset),
			 prog->generation == HVO_GEN_LEGACY ? "VMCOREINFO OFFSET(page.compound_head)" :
			 "VMCOREINFO OFFSET(page.compound_info)");
	add_fact(facts, "pgtable_levels", "page-table levels", hvo_json_u64(prog->pgtable_levels),
		 prog->pgtable_levels_source);
	add_fact(facts, "vmemmap_base", "vmemmap base", hvo_json_hex(prog->vmemmap_base),
		 prog->vmemmap_base_source);
	add_fact(facts, "kernel_offset", "KASLR offset", hvo_json_hex(prog->kernel_offset),
		 hvo_vmcoreinfo_find(vi, "KERNELOFFSET") ? "VMCOREINFO KERNELOFFSET" :
		 "default (no KERNELOFFSET)");
	if (hvo_vmcoreinfo_find(vi, "NUMBER(phys_base)"))
		add_fact(facts, "phys_base", "phys_base", hvo_json_hex((uint64_t)prog->phys_base),
			 "VMCOREINFO NUMBER(phys_base)");
	/* Absent, or written twice with different values (warned about): no fact. */
	const char *text;
	struct hvo_error *err = hvo_vmcoreinfo_string(vi, "BUILD-ID", &text);
	if (!err)
		add_fact(facts, "build_id", "build id", json_object_new_string(text),
			 "VMCOREINFO BUILD-ID");
	hvo_error_destroy(err);
	err = hvo_vmcoreinfo_string(vi, "CRASHTIME", &text);
	if (!err)
		add_fact(facts, "crash_time", "crash time", json_object_new_string(text),
			 "VMCOREINFO CRASHTIME");
	hvo_error_destroy(err);
	/* The dump layer's corrections, as one fact. */
	const struct hvo_diags *diags = hvo_dump_diags(dump);
	char *corrections = NULL;
	for (size_t i = 0; i < diags->size; i++) {
		char *joined;
		if (asprintf(&joined, "%s%s%s", corrections ? corrections : "",
			     corrections ? "; " : "", diags->data[i].message) < 0)
			joined = NULL;
		free(corrections);
		corrections = joined;
	}
	if (corrections)
		add_fact(facts, "correction", "correction", json_object_new_string(corrections),
			 "dump layer");
	free(corrections);
}

/* What the type providers say, each with the provider that answered. */
static struct hvo_error *collect_type_facts(struct hvo_cmd_ctx *ctx, struct facts *facts)
{
	struct hvo_types *types;
	struct hvo_error *err = hvo_cmd_types(ctx, &types);
	if (err)
		return err;
	const struct hvo_program *prog = ctx->prog;
	char buf[160];
	/* Which array exists tells the merged series from the v3 posting. */
	static const char *const holders[] = { "zone", "pglist_data" };
	for (int i = 0; i < 2; i++) {
		struct hvo_member member;
		struct hvo_error *merr = hvo_types_member(types, holders[i], "vmemmap_tails", &member);
		if (merr) {
			hvo_error_destroy(merr);
			continue;
		}
		snprintf(buf, sizeof(buf), "offset %" PRIu64 ", %" PRIu64 " x %" PRIu64 " bytes",
			 member.offset, member.array_len, member.elem_size);
		add_fact(facts, i == 0 ? "zone_vmemmap_tails" : "pglist_data_vmemmap_tails",
			 i == 0 ? "zone.vmemmap_tails" : "pglist_data.vmemmap_tails",
			 json_object_new_string(buf), hvo_types_provider_name(member.provider));
		enum hvo_generation says = i == 0 ? HVO_GEN_MERGED : HVO_GEN_V3;
		snprintf(buf, sizeof(buf), "%s", says == prog->generation ? "confirmed" :
			 "CONTRADICTS the release: the types say");
		if (says != prog->generation)
			snprintf(buf, sizeof(buf), "types say %s, VMCOREINFO says %s",
				 hvo_generation_name(says), hvo_generation_name(prog->generation));
		add_fact(facts, "generation_check", "generation check", json_object_new_string(buf),
			 i == 0 ? "zone.vmemmap_tails exists (per-zone shared tails)" :
			 "pglist_data.vmemmap_tails exists (per-node shared tails)");
	}
	uint64_t address;
	unsigned int bit;
	enum hvo_types_provider provider;
	/* The bit the analysis reads a hugetlb head's private with. */
	struct hvo_error *herr = hvo_kstate_hpg_vmemmap_optimized(types, &bit, &provider);
	add_fact(facts, "hpg_vmemmap_optimized", "HPG_vmemmap_optimized bit",
		 hvo_json_u64(herr ? HVO_HPG_VMEMMAP_OPTIMIZED_DEFAULT : bit),
		 !herr ? hvo_types_provider_name(provider) :
		 herr == &hvo_error_not_found ? "default (6.12 and 7.2): no type information names it" :
		 "default (6.12 and 7.2): the type information's value is unusable");
	hvo_error_destroy(herr);
	struct hvo_error *serr = hvo_types_symbol(types, "nr_memmap_pages", &address, &provider);
	if (!serr)
		add_fact(facts, "nr_memmap_pages_symbol", "nr_memmap_pages at",
			 hvo_json_hex(address), hvo_types_provider_name(provider));
	hvo_error_destroy(serr);
	const struct hvo_diags *notes = hvo_types_diags(types);
	for (size_t i = 0; i < notes->size && facts->nr < MAX_FACTS; i++)
		add_fact(facts, "type_provider", "type information",
			 json_object_new_string(notes->data[i].message),
			 "providers, in order: DWARF, BTF, VMCOREINFO");
	return NULL;
}

/* info's result: the facts, and the warnings VMCOREINFO's parser left. */
struct info_result {
	struct facts facts;
	const struct hvo_vmcoreinfo *vmcoreinfo;
	const struct hvo_diags *type_notes;	/* the type providers', or NULL */
};

static void info_free(void *arg)
{
	struct info_result *info = arg;
	if (!info)
		return;
	free_facts(&info->facts);
	free(info);
}

static struct hvo_error *info_exec(struct hvo_cmd_ctx *ctx, int argc, char **argv,
				   void **result_ret)
{
	if (argc > 1)
		return hvo_error_create(HVO_ERROR_USAGE, "info: takes no arguments");
	struct info_result *info = calloc(1, sizeof(*info));
	if (!info)
		return &hvo_error_nomem;
	collect_facts(ctx->prog, &info->facts);
	struct hvo_error *err = collect_type_facts(ctx, &info->facts);
	if (!err && info->facts.nomem)
		err = &hvo_error_nomem;
	if (err) {
		info_free(info);
		return err;
	}
	info->vmcoreinfo = ctx->prog->vmcoreinfo;
	info->type_notes = ctx->types ? hvo_types_diags(ctx->types) : NULL;
	*result_ret = info;
	return NULL;
}

static struct hvo_error *info_render_json(struct hvo_cmd_ctx *ctx, const void *arg)
{
	const struct info_result *info = arg;
	const struct facts *facts = &info->facts;
	const struct hvo_vmcoreinfo *vi = info->vmcoreinfo;
	json_object *result = hvo_json_result_new("info");
	json_object *obj = json_object_new_object();
	json_object *warnings = json_object_new_array();
	if (!result || !obj || !warnings) {
		json_object_put(result);
		json_object_put(obj);
		json_object_put(warnings);
		return &hvo_error_nomem;
	}
	for (size_t i = 0; i < facts->nr; i++) {
		if (!strcmp(facts->items[i].key, "type_provider"))
			continue;	/* listed whole in "type_notes" below */
		json_object *fact = json_object_new_object();
		json_object_object_add(fact, "value", json_object_get(facts->items[i].value));
		json_object_object_add(fact, "source",
				       json_object_new_string(facts->items[i].source));
		json_object_object_add(obj, facts->items[i].key, fact);
	}
	for (size_t i = 0; i < vi->diags.size; i++) {
		char *line = hvo_diag_text(&vi->diags.data[i]);
		if (line)
			json_object_array_add(warnings, json_object_new_string(line));
		free(line);
	}
	json_object *type_notes = json_object_new_array();
	for (size_t i = 0; info->type_notes && i < info->type_notes->size; i++) {
		char *text = hvo_diag_text(&info->type_notes->data[i]);
		json_object_array_add(type_notes, json_object_new_string(text ? text : "?"));
		free(text);
	}
	json_object_object_add(result, "type_notes", type_notes);
	json_object_object_add(result, "facts", obj);
	json_object_object_add(result, "warnings", warnings);
	return hvo_cmd_json_emit(ctx, result);
}

static struct hvo_error *info_render_text(struct hvo_cmd_ctx *ctx, const void *arg)
{
	const struct info_result *info = arg;
	const struct facts *facts = &info->facts;
	const struct hvo_vmcoreinfo *vi = info->vmcoreinfo;
	for (size_t i = 0; i < facts->nr; i++)
		fprintf(ctx->out, "%-26s %s  [%s]\n", facts->items[i].label, facts->items[i].text,
			facts->items[i].source);
	for (size_t i = 0; i < vi->diags.size; i++) {
		char *line = hvo_diag_text(&vi->diags.data[i]);
		fprintf(ctx->out, "warning: %s\n", line ? line : "?");
		free(line);
	}
	return NULL;
}

const struct hvo_cmd hvo_cmd_info = {
	.name = "info",
	.args = "",
	.summary = "what the dump is: format, architecture, kernel, generation",
	.help = "Prints the dump format, architecture, page size, kernel release, kernel\n"
		"generation (legacy, v3 or merged), sizeof(struct page) and the vmemmap\n"
		"layout, each with the source it came from.",
	.needs_dump = true,
	.options = json_option,
	.exec = info_exec,
	.render_text = info_render_text,
	.render_json = info_render_json,
	.free_result = info_free,
};

/* The result is the program's own parsed note. */
static struct hvo_error *vmcoreinfo_exec(struct hvo_cmd_ctx *ctx, int argc, char **argv,
					 void **result_ret)
{
	if (argc > 1)
		return hvo_error_create(HVO_ERROR_USAGE, "vmcoreinfo: takes no arguments");
	*result_ret = (void *)ctx->prog->vmcoreinfo;
	return NULL;
}

static struct hvo_error *vmcoreinfo_render_json(struct hvo_cmd_ctx *ctx, const void *arg)
{
	const struct hvo_vmcoreinfo *vi = arg;
	json_object *result = hvo_json_result_new("vmcoreinfo");
	json_object *entries = json_object_new_array();
	if (!result || !entries) {
		json_object_put(result);
		json_object_put(entries);
		return &hvo_error_nomem;
	}
	for (size_t i = 0; i < vi->entries.size; i++) {
		json_object *entry = json_object_new_object();
		json_object_object_add(entry, "key", json_object_new_string(vi->entries.data[i].key));
		json_object_object_add(entry, "value", json_object_new_string(vi->entries.data[i].value));
		json_object_array_add(entries, entry);
	}
	json_object_object_add(result, "raw", json_object_new_string(vi->raw));
	json_object_object_add(result, "entries", entries);
	return hvo_cmd_json_emit(ctx, result);
}

static struct hvo_error *vmcoreinfo_render_text(struct hvo_cmd_ctx *ctx, const void *arg)
{
	const struct hvo_vmcoreinfo *vi = arg;
	fputs(vi->raw, ctx->out);
	if (vi->raw_size && vi->raw[vi->raw_size - 1] != '\n')
		fputc('\n', ctx->out);
	return NULL;
}

const struct hvo_cmd hvo_cmd_vmcoreinfo = {
	.name = "vmcoreinfo",
	.args = "",
	.summary = "print the raw VMCOREINFO note",
	.help = "Prints the VMCOREINFO note exactly as the kernel wrote it; with --json,\n"
		"also as a list of key/value entries.",
	.needs_dump = true,
	.options = json_option,
	.exec = vmcoreinfo_exec,
	.render_text = vmcoreinfo_render_text,
	.render_json = vmcoreinfo_render_json,
};
