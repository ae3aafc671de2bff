/* cmd_report.c - report, check, savings, tails and folios: views of one analysis. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "report.h"

enum section {
	SECTION_SUMMARY = 1 << 0,
	SECTION_SAVINGS = 1 << 1,
	SECTION_FINDINGS = 1 << 2,
	SECTION_TAILS = 1 << 3,
	SECTION_FOLIOS = 1 << 4,
};

/* Every view can be JSON and can ask for a deep analysis. */
static const struct hvo_cmd_option view_options[] = {
	HVO_CMD_OPTION_JSON,
	HVO_CMD_OPTION_DEEP,
	HVO_CMD_OPTION_END,
};

/* Those that count findings in the exit status also take --fail-on. */
static const struct hvo_cmd_option findings_options[] = {
	HVO_CMD_OPTION_JSON,
	HVO_CMD_OPTION_DEEP,
	HVO_CMD_OPTION_FAIL_ON,
	HVO_CMD_OPTION_END,
};

/* Which sections of the analysis a view shows, and whether its findings set the exit. */
struct view {
	const char *name;
	unsigned int sections;
	bool findings_count;
};

static const struct view report_view = {
	"report", SECTION_SUMMARY | SECTION_SAVINGS | SECTION_FINDINGS, true,
};
static const struct view check_view = { "check", SECTION_FINDINGS, true };
static const struct view savings_view = { "savings", SECTION_SAVINGS, false };
static const struct view tails_view = { "tails", SECTION_TAILS, false };
static const struct view folios_view = { "folios", SECTION_FOLIOS, false };

/* The result: the analysis (ctx's, shared by later commands) seen through a view. */
struct view_result {
	const struct view *view;
	const struct hvo_analysis *an;
};

static struct hvo_error *analyse(struct hvo_cmd_ctx *ctx, const struct view *view, int argc,
				 void **result_ret)
{
	if (argc > 1)
		return hvo_error_create(HVO_ERROR_USAGE, "%s: takes no arguments", view->name);
	const struct hvo_analysis *an;
	struct hvo_error *err = hvo_cmd_analysis(ctx, &an);
	if (err)
		return err;
	hvo_cmd_note_outcome(ctx, an, view->findings_count);
	struct view_result *result = malloc(sizeof(*result));
	if (!result)
		return &hvo_error_nomem;
	result->view = view;
	result->an = an;
	*result_ret = result;
	return NULL;
}

static struct hvo_error *view_render_json(struct hvo_cmd_ctx *ctx, const void *arg)
{
	const struct view_result *vr = arg;
	const struct hvo_analysis *an = vr->an;
	const struct hvo_program *prog = ctx->prog;
	unsigned int sections = vr->view->sections;
	json_object *result = hvo_json_result_new(vr->view->name);
	if (!result)
		return &hvo_error_nomem;
	json_object_object_add(result, "generation",
			       json_object_new_string(hvo_generation_name(an->generation)));
	json_object_object_add(result, "generation_evidence",
			       json_object_new_string(prog->generation_evidence));
	json_object_object_add(result, "release", json_object_new_string(prog->release));
	if (sections & SECTION_SAVINGS)
		json_object_object_add(result, "savings", hvo_report_json_savings(an));
	if (sections & SECTION_FINDINGS)
		json_object_object_add(result, "findings", hvo_report_json_findings(an));
	if (sections & SECTION_TAILS)
		json_object_object_add(result, "shared_tails", hvo_report_json_tails(an));
	if (sections & SECTION_FOLIOS) {
		json_object *hstates = hvo_report_json_hstates(an);
		if (hstates)
			json_object_object_add(result, "hstates", hstates);
	}
	json_object_object_add(result, "deep", json_object_new_boolean(an->deep));
	json_object_object_add(result, "incomplete", json_object_new_boolean(an->incomplete));
	json_object_object_add(result, "notes", hvo_report_json_notes(an));
	if (sections & SECTION_FOLIOS)
		return hvo_cmd_json_emit_array(ctx, result, "folios", an->nr_folios,
					       hvo_report_json_folio_write, an);
	return hvo_cmd_json_emit(ctx, result);
}

static struct hvo_error *view_render_text(struct hvo_cmd_ctx *ctx, const void *arg)
{
	const struct view_result *vr = arg;
	const struct hvo_analysis *an = vr->an;
	unsigned int sections = vr->view->sections;
	if (sections & SECTION_SUMMARY) {
		hvo_report_text_summary(ctx->out, ctx->prog, an);
		fputc('\n', ctx->out);
	}
	if (sections & SECTION_SAVINGS) {
		hvo_report_text_savings(ctx->out, an);
		if (sections & ~SECTION_SAVINGS)
			fputc('\n', ctx->out);
	}
	if (sections & SECTION_TAILS)
		hvo_report_text_tails(ctx->out, an);
	if (sections & SECTION_FOLIOS)
		hvo_report_text_folios(ctx->out, an);
	if (sections & SECTION_FINDINGS)
		hvo_report_text_findings(ctx->out, an);
	hvo_report_text_notes(ctx->out, an);
	return NULL;
}

static struct hvo_error *report_exec(struct hvo_cmd_ctx *ctx, int argc, char **argv,
				     void **result_ret)
{
	return analyse(ctx, &report_view, argc, result_ret);
}

const struct hvo_cmd hvo_cmd_report = {
	.name = "report",
	.args = "",
	.summary = "summary, HVO savings and findings (the default)",
	.help = "Finds every hugetlb folio, classifies how its vmemmap is mapped, checks\n"
		"the shared tail pages and prints the savings per node, zone and huge page\n"
		"size, then every finding.  Exits 1 when a finding is at or above --fail-on.\n"
		"Without --deep, one struct page in 512 is read: every hugetlb folio is\n"
		"found, but the tails of other compound pages (THP, slab) are not checked.",
	.needs_dump = true,
	.options = findings_options,
	.exec = report_exec,
	.render_text = view_render_text,
	.render_json = view_render_json,
	.free_result = free,
};

static struct hvo_error *check_exec(struct hvo_cmd_ctx *ctx, int argc, char **argv,
				    void **result_ret)
{
	return analyse(ctx, &check_view, argc, result_ret);
}

const struct hvo_cmd hvo_cmd_check = {
	.name = "check",
	.args = "",
	.summary = "findings only; exit 1 at or above --fail-on",
	.help = "Runs every check and prints only the findings, each with a stable id,\n"
		"a severity, the addresses involved and its consequence.  --deep also\n"
		"checks the tails of compound pages other than hugetlb folios (THP, slab).",
	.needs_dump = true,
	.options = findings_options,
	.exec = check_exec,
	.render_text = view_render_text,
	.render_json = view_render_json,
	.free_result = free,
};

static struct hvo_error *savings_exec(struct hvo_cmd_ctx *ctx, int argc, char **argv,
				      void **result_ret)
{
	return analyse(ctx, &savings_view, argc, result_ret);
}

const struct hvo_cmd hvo_cmd_savings = {
	.name = "savings",
	.args = "",
	.summary = "vmemmap pages HVO freed, per node, zone and size",
	.help = "Per node, zone and huge page size: folios, optimised folios, vmemmap\n"
		"pages per folio, pages freed, pages spent on shared tails and net bytes\n"
		"saved, then totals.",
	.needs_dump = true,
	.options = view_options,
	.exec = savings_exec,
	.render_text = view_render_text,
	.render_json = view_render_json,
	.free_result = free,
};

static struct hvo_error *tails_exec(struct hvo_cmd_ctx *ctx, int argc, char **argv,
				    void **result_ret)
{
	return analyse(ctx, &tails_view, argc, result_ret);
}

const struct hvo_cmd hvo_cmd_tails = {
	.name = "tails",
	.args = "",
	.summary = "the shared tail pages and the folios mapping them",
	.help = "Lists every page that hugetlb tails are remapped to (found from the\n"
		"vmemmap page tables), the order, node and zone its content encodes,\n"
		"whether that content is what init_compound_tail() writes, and how many\n"
		"folios map it.\n"
		"Columns: frame, the shared page's physical address; order, node, zone,\n"
		"what its struct pages say; folios, how many folios' tails map it;\n"
		"content, ok or BAD; frame_node, the node the page itself sits on;\n"
		"slot, whether a vmemmap_tails[] slot names it (yes, NONE; ? unread).",
	.needs_dump = true,
	.options = view_options,
	.exec = tails_exec,
	.render_text = view_render_text,
	.render_json = view_render_json,
	.free_result = free,
};

static struct hvo_error *folios_exec(struct hvo_cmd_ctx *ctx, int argc, char **argv,
				     void **result_ret)
{
	return analyse(ctx, &folios_view, argc, result_ret);
}

const struct hvo_cmd hvo_cmd_folios = {
	.name = "folios",
	.args = "",
	.summary = "every hugetlb folio and its vmemmap state",
	.help = "Lists every hugetlb folio found by its page type: head pfn, order,\n"
		"node, zone, vmemmap state, HPG_vmemmap_optimized flag and the frames\n"
		"its head and tails map.\n"
		"Columns: head_pfn, the head's page frame number; order, node, zone;\n"
		"state, not-optimized, hvo-shared-tail, hvo-fake-heads or\n"
		"broken (mapped as no HVO generation maps it); flag, whether the head's\n"
		"private has HPG_vmemmap_optimized; head_frame, the physical page that\n"
		"holds the head's struct page; tail_frame, the one its tails map.",
	.needs_dump = true,
	.options = view_options,
	.exec = folios_exec,
	.render_text = view_render_text,
	.render_json = view_render_json,
	.free_result = free,
};
