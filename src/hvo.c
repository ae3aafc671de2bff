/* hvo.c - the analysis result: its names, its worst severity, freeing it. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvo_analyzer.h"
#include "interrupt.h"

const char *hvo_folio_state_name(enum hvo_folio_state state)
{
	switch (state) {
	case HVO_FOLIO_NOT_OPTIMIZED: return "not-optimized";
	case HVO_FOLIO_SHARED_TAIL: return "hvo-shared-tail";
	case HVO_FOLIO_FAKE_HEADS: return "hvo-fake-heads";
	case HVO_FOLIO_BROKEN: return "broken";
	}
	return "unknown";
}

void hvo_analysis_free(struct hvo_analysis *an)
{
	if (!an)
		return;
	for (size_t i = 0; i < an->findings.size; i++)
		free(an->findings.data[i].message);
	hvo_diags_free(&an->diags);
	hvo_findings_deinit(&an->findings);
	free(an->folios);
	hvo_shared_tails_deinit(&an->tails);
	hvo_savings_rows_deinit(&an->rows);
	free(an->tail_entries);
	free(an->hstates);
	hvo_vmemmap_free(an->vmemmap);
	free(an);
}

int hvo_analysis_worst_severity(const struct hvo_analysis *an)
{
	int worst = -1;
	for (size_t i = 0; i < an->findings.size; i++) {
		if ((int)an->findings.data[i].severity > worst)
			worst = an->findings.data[i].severity;
	}
	return worst;
}
