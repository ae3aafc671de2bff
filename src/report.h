/*
 * report.h - text, JSON and SVG renderings of one struct hvo_analysis.
 *
 * The JSON layout is the documented schema (man/hvoinspect.1, JSON OUTPUT);
 * the text is for people.  Both read the same result model.
 */
#ifndef HVO_REPORT_H
#define HVO_REPORT_H

#include <stdio.h>

#include <json-c/json.h>

#include "hvo.h"
#include "program.h"

/* Sections of the analysis, as JSON values (caller owns them). */
json_object *hvo_report_json_savings(const struct hvo_analysis *an);
json_object *hvo_report_json_findings(const struct hvo_analysis *an);
json_object *hvo_report_json_tails(const struct hvo_analysis *an);
json_object *hvo_report_json_notes(const struct hvo_analysis *an);
/* Folio INDEX of the analysis ARG as one JSON object (hvo_cmd_json_emit_array). */
int hvo_report_json_folio_write(FILE *out, size_t index, const void *arg);
/* The kernel's per-node hstate counts, or NULL when they were not read. */
json_object *hvo_report_json_hstates(const struct hvo_analysis *an);

void hvo_report_text_summary(FILE *out, const struct hvo_program *prog,
			     const struct hvo_analysis *an);
void hvo_report_text_savings(FILE *out, const struct hvo_analysis *an);
void hvo_report_text_findings(FILE *out, const struct hvo_analysis *an);
void hvo_report_text_tails(FILE *out, const struct hvo_analysis *an);
void hvo_report_text_folios(FILE *out, const struct hvo_analysis *an);
void hvo_report_text_notes(FILE *out, const struct hvo_analysis *an);

/* The folios by physical address, one row a node, coloured by state, as SVG. */
struct hvo_error *hvo_report_svg_map(FILE *out, const struct hvo_program *prog,
				     const struct hvo_analysis *an);

#endif /* HVO_REPORT_H */
