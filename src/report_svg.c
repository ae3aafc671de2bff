/*
 * report_svg.c - the SVG rendering of an analysis: the hugetlb folios by
 * physical address, one row per node, coloured by HVO state, findings
 * marked.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "u64map.h"

#define MAP_WIDTH 1000
#define MAP_LEFT 90
#define ROW_HEIGHT 46
#define TOP 60
#define MAP_MAX_NODES 64

static const char *state_colour(enum hvo_folio_state state)
{
	switch (state) {
	case HVO_FOLIO_SHARED_TAIL: return "#2e9e44";
	case HVO_FOLIO_FAKE_HEADS: return "#2f6fd6";
	case HVO_FOLIO_NOT_OPTIMIZED: return "#9a9a9a";
	case HVO_FOLIO_BROKEN: return "#d62f2f";
	}
	return "#000000";
}

struct hvo_error *hvo_report_svg_map(FILE *out, const struct hvo_program *prog,
				     const struct hvo_analysis *an)
{
	/* Heads named by a finding get a marker. */
	struct hvo_u64map marked;
	hvo_u64map_init(&marked);
	for (size_t i = 0; i < an->findings.size; i++) {
		for (size_t a = 0; a < an->findings.data[i].nr_addresses; a++) {
			if (!strcmp(an->findings.data[i].addresses[a].name, "head_pfn") &&
			    !hvo_u64map_put(&marked, an->findings.data[i].addresses[a].value, i)) {
				hvo_u64map_deinit(&marked);
				return &hvo_error_nomem;
			}
		}
	}
	/* Each node's row spans its folios, rounded out to whole GiB. */
	uint64_t first_pfn[MAP_MAX_NODES], end_pfn[MAP_MAX_NODES];
	unsigned int max_node = 0;
	for (unsigned int n = 0; n < MAP_MAX_NODES; n++) {
		first_pfn[n] = UINT64_MAX;
		end_pfn[n] = 0;
	}
	for (size_t f = 0; f < an->nr_folios; f++) {
		unsigned int n = an->folios[f].node;
		if (n >= MAP_MAX_NODES)
			continue;
		uint64_t end = an->folios[f].head_pfn + (UINT64_C(1) << an->folios[f].order);
		if (an->folios[f].head_pfn < first_pfn[n])
			first_pfn[n] = an->folios[f].head_pfn;
		if (end > end_pfn[n])
			end_pfn[n] = end;
		if (n > max_node)
			max_node = n;
	}
	const unsigned int gib_shift = 30 - an->arch->page_shift;
	const uint64_t gib_pfns = UINT64_C(1) << gib_shift;
	for (unsigned int n = 0; n <= max_node; n++) {
		if (first_pfn[n] == UINT64_MAX) {
			first_pfn[n] = 0;
			end_pfn[n] = gib_pfns;
		}
		first_pfn[n] &= ~(gib_pfns - 1);
		end_pfn[n] = (end_pfn[n] + gib_pfns - 1) & ~(gib_pfns - 1);
	}

	unsigned int height = TOP + (max_node + 1) * ROW_HEIGHT + 70;
	if (max_node >= MAP_MAX_NODES)
		max_node = MAP_MAX_NODES - 1;
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%u\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n", MAP_LEFT + MAP_WIDTH + 20, height);
	fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	const char *path = hvo_dump_path(prog->dump);
	const char *base = strrchr(path, '/');
	fprintf(out, "<text x=\"10\" y=\"22\" font-size=\"15\">%s: %s kernel %s, %zu hugetlb folios, "
		"%" PRIu64 " vmemmap pages freed</text>\n", base ? base + 1 : path,
		hvo_generation_name(an->generation), prog->release, an->nr_folios,
		an->total.pages_saved);
	for (unsigned int node = 0; node <= max_node; node++) {
		unsigned int y = TOP + node * ROW_HEIGHT;
		fprintf(out, "<text x=\"10\" y=\"%u\">node %u</text>\n", y + 24, node);
		fprintf(out, "<rect x=\"%d\" y=\"%u\" width=\"%d\" height=\"30\" fill=\"#f4f4f4\" "
			"stroke=\"#ccc\"/>\n", MAP_LEFT, y + 6, MAP_WIDTH);
		fprintf(out, "<text x=\"%d\" y=\"%u\" font-size=\"10\">%" PRIu64 "G</text>"
			"<text x=\"%d\" y=\"%u\" font-size=\"10\" text-anchor=\"end\">%" PRIu64
			"G</text>\n", MAP_LEFT, y + 4, first_pfn[node] >> gib_shift, MAP_LEFT + MAP_WIDTH,
			y + 4, end_pfn[node] >> gib_shift);
	}
	unsigned int last_zone_label = UINT32_MAX;
	for (size_t f = 0; f < an->nr_folios; f++) {
		const struct hvo_folio *folio = &an->folios[f];
		if (folio->node > max_node)
			continue;
		double span = (double)(end_pfn[folio->node] - first_pfn[folio->node]);
		double x = MAP_LEFT + (double)(folio->head_pfn - first_pfn[folio->node]) / span * MAP_WIDTH;
		double w = (double)(UINT64_C(1) << folio->order) / span * MAP_WIDTH;
		if (w < 1)
			w = 1;
		unsigned int y = TOP + folio->node * ROW_HEIGHT;
		fprintf(out, "<rect x=\"%.2f\" y=\"%u\" width=\"%.2f\" height=\"30\" fill=\"%s\">"
			"<title>pfn 0x%" PRIx64 " order %u node %u %s: %s</title></rect>\n",
			x, y + 6, w, state_colour(folio->state), folio->head_pfn, folio->order,
			folio->node, hvo_arch_zone_name(an->arch, folio->zone),
			hvo_folio_state_name(folio->state));
		unsigned int zone_key = folio->node * 16 + folio->zone;
		if (zone_key != last_zone_label) {
			fprintf(out, "<text x=\"%.1f\" y=\"%u\" font-size=\"10\" fill=\"#555\">%s</text>\n",
				x, y + 46, hvo_arch_zone_name(an->arch, folio->zone));
			last_zone_label = zone_key;
		}
		size_t finding;
		if (hvo_u64map_get(&marked, folio->head_pfn, &finding))
			fprintf(out, "<path d=\"M %.1f %u l -6 -10 l 12 0 z\" fill=\"#d62f2f\">"
				"<title>%s: %s</title></path>\n", x + w / 2, y + 6,
				an->findings.data[finding].id, an->findings.data[finding].message);
	}
	static const enum hvo_folio_state legend[] = { HVO_FOLIO_SHARED_TAIL, HVO_FOLIO_FAKE_HEADS,
						      HVO_FOLIO_NOT_OPTIMIZED, HVO_FOLIO_BROKEN };
	unsigned int ly = TOP + (max_node + 1) * ROW_HEIGHT + 30;
	for (size_t i = 0; i < 4; i++) {
		fprintf(out, "<rect x=\"%zu\" y=\"%u\" width=\"14\" height=\"14\" fill=\"%s\"/>"
			"<text x=\"%zu\" y=\"%u\">%s</text>\n", MAP_LEFT + i * 200, ly,
			state_colour(legend[i]), MAP_LEFT + i * 200 + 20, ly + 12,
			hvo_folio_state_name(legend[i]));
	}
	fprintf(out, "<path d=\"M %d %u l -6 -10 l 12 0 z\" fill=\"#d62f2f\"/><text x=\"%d\" y=\"%u\">"
		"finding</text>\n", MAP_LEFT + 806, ly + 14, MAP_LEFT + 820, ly + 12);
	fprintf(out, "</svg>\n");
	hvo_u64map_deinit(&marked);
	return NULL;
}
