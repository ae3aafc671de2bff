/* report.c - render the analysis as text tables or JSON values. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "report.h"
#include "types.h"

/*
 * A folio row built by hand: with half a million folios, printf's parsing
 * of the format was most of the listing's time.  The widths follow the
 * printf conversions named at each use.  The longest row, JSON with every
 * number at 20 digits, is under 300 bytes: far below the buffer, whatever
 * a dump holds.
 */
struct row {
	char text[512];
	size_t len;
};

/* %-Ns (width > 0 pads on the right) or %s (width 0). */
static void put_str(struct row *row, const char *str, size_t width)
{
	size_t n = strlen(str);
	memcpy(row->text + row->len, str, n);
	row->len += n;
	for (; n < width; n++)
		row->text[row->len++] = ' ';
}

/* Two digits a step, written straight into the row from its last digit back. */
#define HVO_DEC_ROW(a) a "0" a "1" a "2" a "3" a "4" a "5" a "6" a "7" a "8" a "9"
static const char dec_pairs[] =
	HVO_DEC_ROW("0") HVO_DEC_ROW("1") HVO_DEC_ROW("2") HVO_DEC_ROW("3") HVO_DEC_ROW("4")
	HVO_DEC_ROW("5") HVO_DEC_ROW("6") HVO_DEC_ROW("7") HVO_DEC_ROW("8") HVO_DEC_ROW("9");
#define HVO_HEX_ROW(a) HVO_DEC_ROW(a) a "a" a "b" a "c" a "d" a "e" a "f"
static const char hex_pairs[] =
	HVO_HEX_ROW("0") HVO_HEX_ROW("1") HVO_HEX_ROW("2") HVO_HEX_ROW("3") HVO_HEX_ROW("4")
	HVO_HEX_ROW("5") HVO_HEX_ROW("6") HVO_HEX_ROW("7") HVO_HEX_ROW("8") HVO_HEX_ROW("9")
	HVO_HEX_ROW("a") HVO_HEX_ROW("b") HVO_HEX_ROW("c") HVO_HEX_ROW("d") HVO_HEX_ROW("e")
	HVO_HEX_ROW("f");

/* %Nu: right-aligned in width (0: as long as it is). */
static void put_dec(struct row *row, uint64_t value, size_t width)
{
	size_t n = 1;
	for (uint64_t bound = 10; n < 20 && value >= bound; bound *= 10)
		n++;
	for (size_t pad = n; pad < width; pad++)
		row->text[row->len++] = ' ';
	char *p = row->text + row->len + n;
	row->len += n;
	while (value >= 100) {
		p -= 2;
		memcpy(p, dec_pairs + 2 * (value % 100), 2);
		value /= 100;
	}
	if (value >= 10)
		memcpy(p - 2, dec_pairs + 2 * value, 2);
	else
		p[-1] = (char)('0' + value);
}

/* 0x%0Nx with zeros to min_digits, then %-Ns-style spaces to pad_to digits. */
static void put_hex(struct row *row, uint64_t value, size_t min_digits, size_t pad_to)
{
	/* Digits written last to first, straight into the row: rows of folios are 490K lines. */
	size_t n = value ? (size_t)(67 - __builtin_clzll(value)) / 4 : 1;
	size_t written = n > min_digits ? n : min_digits;
	char *p = row->text + row->len;
	p[0] = '0';
	p[1] = 'x';
	char *digit = p + 2 + written;
	size_t left = written;
	for (; left >= 2; left -= 2) {
		digit -= 2;
		memcpy(digit, hex_pairs + 2 * (value & 0xff), 2);
		value >>= 8;
	}
	if (left)
		digit[-1] = hex_pairs[2 * (value & 0xf) + 1];
	row->len += 2 + written;
	for (; written < pad_to; written++)
		row->text[row->len++] = ' ';
}

static int put_row(FILE *out, const struct row *row)
{
	return fwrite(row->text, 1, row->len, out) == row->len ? 0 : -1;
}

static int64_t net_bytes(const struct hvo_analysis *an, const struct hvo_savings_row *row)
{
	return ((int64_t)row->pages_saved - (int64_t)row->shared_tail_pages) *
		(int64_t)hvo_arch_page_size(an->arch);
}

/* "36.8 MiB": bytes for a person, in binary units, beside the exact count. */
static const char *human_bytes(int64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double value = (double)(bytes < 0 ? -bytes : bytes);
	size_t unit = 0;
	while (value >= 1024 && unit + 1 < sizeof(units) / sizeof(units[0])) {
		value /= 1024;
		unit++;
	}
	if (unit == 0)
		snprintf(buf, len, "%" PRId64 " B", bytes);
	else
		snprintf(buf, len, "%s%.1f %s", bytes < 0 ? "-" : "", value, units[unit]);
	return buf;
}

static const char *size_label(const struct hvo_analysis *an, unsigned int order, char *buf,
			      size_t len)
{
	uint64_t bytes = hvo_arch_page_size(an->arch) << order;
	if (bytes >= (UINT64_C(1) << 30))
		snprintf(buf, len, "%" PRIu64 "G", bytes >> 30);
	else if (bytes >= (UINT64_C(1) << 20))
		snprintf(buf, len, "%" PRIu64 "M", bytes >> 20);
	else
		snprintf(buf, len, "%" PRIu64 "K", bytes >> 10);
	return buf;
}

static json_object *row_json(const struct hvo_analysis *an, const struct hvo_savings_row *row,
			     bool with_position)
{
	json_object *obj = json_object_new_object();
	if (with_position) {
		json_object_object_add(obj, "node", json_object_new_int(row->node));
		json_object_object_add(obj, "zone",
				       json_object_new_string(hvo_arch_zone_name(an->arch, row->zone)));
		json_object_object_add(obj, "zone_index", json_object_new_int(row->zone));
		json_object_object_add(obj, "order", json_object_new_int(row->order));
		json_object_object_add(obj, "huge_page_bytes",
				       hvo_json_u64(hvo_arch_page_size(an->arch) << row->order));
		json_object_object_add(obj, "vmemmap_pages_per_folio",
				       hvo_json_u64(row->vmemmap_pages_per_folio));
	}
	json_object_object_add(obj, "folios", hvo_json_u64(row->folios));
	json_object_object_add(obj, "optimized", hvo_json_u64(row->optimized));
	json_object_object_add(obj, "pages_saved", hvo_json_u64(row->pages_saved));
	json_object_object_add(obj, "shared_tail_pages", hvo_json_u64(row->shared_tail_pages));
	json_object_object_add(obj, "bytes_saved", json_object_new_int64(net_bytes(an, row)));
	return obj;
}

static uint64_t hugetlb_memmap_pages(const struct hvo_analysis *an)
{
	uint64_t pages = 0;
	for (size_t r = 0; r < an->rows.size; r++)
		pages += an->rows.data[r].folios * an->rows.data[r].vmemmap_pages_per_folio;
	return pages;
}

json_object *hvo_report_json_savings(const struct hvo_analysis *an)
{
	json_object *savings = json_object_new_object();
	json_object *by = json_object_new_array();
	for (size_t r = 0; r < an->rows.size; r++)
		json_object_array_add(by, row_json(an, &an->rows.data[r], true));
	json_object *total = row_json(an, &an->total, false);
	uint64_t memmap = hugetlb_memmap_pages(an);
	json_object_object_add(total, "hugetlb_memmap_pages", hvo_json_u64(memmap));
	json_object_object_add(total, "saved_fraction",
			       json_object_new_double(memmap ? (double)an->total.pages_saved / memmap : 0));
	json_object_object_add(savings, "by", by);
	json_object_object_add(savings, "total", total);
	if (an->counters_known) {
		/* The kernel's own count, next to what the vmemmap mapping implies. */
		json_object *kc = json_object_new_object();
		int64_t counted = an->counters.nr_memmap_pages + an->counters.nr_memmap_boot_pages;
		int64_t implied = (int64_t)an->vmemmap->nr_mapped_pages - (int64_t)an->total.pages_saved;
		json_object_object_add(kc, "nr_memmap_pages",
				       json_object_new_int64(an->counters.nr_memmap_pages));
		json_object_object_add(kc, "nr_memmap_boot_pages",
				       json_object_new_int64(an->counters.nr_memmap_boot_pages));
		json_object_object_add(kc, "source", json_object_new_string(
					       hvo_types_provider_name(an->counters.provider)));
		json_object_object_add(kc, "vmemmap_mapped_pages",
				       hvo_json_u64(an->vmemmap->nr_mapped_pages));
		json_object_object_add(kc, "implied_memmap_pages", json_object_new_int64(implied));
		json_object_object_add(kc, "consistent", json_object_new_boolean(counted == implied));
		json_object_object_add(savings, "kernel_counters", kc);
	}
	return savings;
}

json_object *hvo_report_json_findings(const struct hvo_analysis *an)
{
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < an->findings.size; i++) {
		const struct hvo_finding *finding = &an->findings.data[i];
		json_object *obj = json_object_new_object();
		json_object *addresses = json_object_new_object();
		json_object_object_add(obj, "id", json_object_new_string(finding->id));
		json_object_object_add(obj, "severity",
				       json_object_new_string(hvo_severity_name(finding->severity)));
		for (size_t a = 0; a < finding->nr_addresses; a++)
			json_object_object_add(addresses, finding->addresses[a].name,
					       hvo_json_hex(finding->addresses[a].value));
		json_object_object_add(obj, "addresses", addresses);
		json_object_object_add(obj, "message", json_object_new_string(finding->message));
		json_object_array_add(list, obj);
	}
	return list;
}

json_object *hvo_report_json_tails(const struct hvo_analysis *an)
{
	json_object *list = json_object_new_array();
	for (size_t t = 0; t < an->tails.size; t++) {
		const struct hvo_shared_tail *tail = &an->tails.data[t];
		json_object *obj = json_object_new_object();
		json_object_object_add(obj, "frame", hvo_json_hex(tail->frame));
		json_object_object_add(obj, "pfn", hvo_json_u64(tail->frame >> an->arch->page_shift));
		json_object_object_add(obj, "order", json_object_new_int(tail->order));
		json_object_object_add(obj, "node", json_object_new_int(tail->node));
		json_object_object_add(obj, "zone",
				       json_object_new_string(hvo_arch_zone_name(an->arch, tail->zone)));
		json_object_object_add(obj, "folios", hvo_json_u64(tail->nr_folios));
		if (an->tail_entries_known)
			json_object_object_add(obj, "in_vmemmap_tails",
					       json_object_new_boolean(tail->in_vmemmap_tails));
		json_object_object_add(obj, "content_valid", json_object_new_boolean(tail->content_valid));
		if (tail->content_problem)
			json_object_object_add(obj, "content_problem",
					       json_object_new_string(tail->content_problem));
		if (tail->frame_node_known)
			json_object_object_add(obj, "frame_node", json_object_new_int(tail->frame_node));
		json_object_array_add(list, obj);
	}
	return list;
}

/*
 * Written straight out rather than as a json-c tree: a host of 2 MiB
 * folios has half a million, and their tree took 1 GiB and seconds.
 * Every string here is a fixed name or a number: nothing to escape.
 */
int hvo_report_json_folio_write(FILE *out, size_t index, const void *arg)
{
	const struct hvo_analysis *an = arg;
	const struct hvo_folio *folio = &an->folios[index];
	struct row row;
	row.len = 0;	/* not the text: zeroing 256 bytes a row shows */
	put_str(&row, "{\"head_pfn\":", 0);
	put_dec(&row, folio->head_pfn, 0);
	put_str(&row, ",\"order\":", 0);
	put_dec(&row, folio->order, 0);
	put_str(&row, ",\"node\":", 0);
	put_dec(&row, folio->node, 0);
	put_str(&row, ",\"zone\":\"", 0);
	put_str(&row, hvo_arch_zone_name(an->arch, folio->zone), 0);
	put_str(&row, "\",\"state\":\"", 0);
	put_str(&row, hvo_folio_state_name(folio->state), 0);
	put_str(&row, folio->flag_optimized ? "\",\"hvo_flag\":true" : "\",\"hvo_flag\":false", 0);
	put_str(&row, ",\"private\":\"", 0);
	put_hex(&row, folio->private, 0, 0);
	put_str(&row, "\",\"head_frame\":\"", 0);
	put_hex(&row, folio->head_frame, 0, 0);
	if (folio->state != HVO_FOLIO_NOT_OPTIMIZED) {
		put_str(&row, "\",\"tail_frame\":\"", 0);
		put_hex(&row, folio->tail_frame, 0, 0);
	}
	put_str(&row, "\",\"vmemmap_pages\":", 0);
	put_dec(&row, folio->nr_vmemmap_pages, 0);
	put_str(&row, "}", 0);
	return put_row(out, &row);
}

json_object *hvo_report_json_hstates(const struct hvo_analysis *an)
{
	if (!an->hstates_known)
		return NULL;
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < an->nr_hstates; i++) {
		json_object *obj = json_object_new_object();
		json_object_object_add(obj, "node", json_object_new_int(an->hstates[i].node));
		json_object_object_add(obj, "order", json_object_new_int(an->hstates[i].order));
		json_object_object_add(obj, "nr_huge_pages", hvo_json_u64(an->hstates[i].nr_huge_pages));
		json_object_array_add(list, obj);
	}
	return list;
}

json_object *hvo_report_json_notes(const struct hvo_analysis *an)
{
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < an->diags.size; i++) {
		char *text = hvo_diag_text(&an->diags.data[i]);
		json_object_array_add(list, json_object_new_string(text ? text : "?"));
		free(text);
	}
	return list;
}

void hvo_report_text_summary(FILE *out, const struct hvo_program *prog,
			     const struct hvo_analysis *an)
{
	/* Said first: a reader must not take a partial answer for a whole one. */
	if (an->incomplete)
		fprintf(out, "INCOMPLETE pages the analysis needs could not be read: what follows "
			"covers only what was (the notes at the end say what is missing)\n");
	fprintf(out, "kernel     %s\n", prog->release[0] ? prog->release : "unknown release");
	fprintf(out, "generation %s (%s)\n", hvo_generation_name(an->generation),
		prog->generation_evidence);
	uint64_t by_state[4] = { 0 };
	for (size_t f = 0; f < an->nr_folios; f++)
		by_state[an->folios[f].state]++;
	fprintf(out, "hugetlb    %zu folios: %" PRIu64 " not optimised, %" PRIu64
		" HVO with shared tails, %" PRIu64 " HVO with fake heads, %" PRIu64 " broken\n",
		an->nr_folios, by_state[HVO_FOLIO_NOT_OPTIMIZED], by_state[HVO_FOLIO_SHARED_TAIL],
		by_state[HVO_FOLIO_FAKE_HEADS], by_state[HVO_FOLIO_BROKEN]);
	/* Findings on folios of a known state would otherwise read as a contradiction. */
	if (an->findings.size)
		fprintf(out, "           (broken: a vmemmap mapped as no HVO generation maps it; "
			"findings can be about folios of any state)\n");
	if (an->hstates_known) {
		uint64_t counted = 0;
		for (size_t i = 0; i < an->nr_hstates; i++)
			counted += an->hstates[i].nr_huge_pages;
		fprintf(out, "hstates    %" PRIu64 " huge pages counted by the kernel (hstates)\n", counted);
	}
	fprintf(out, "vmemmap    %" PRIu64 " pages mapped, %" PRIu64 " page-table pages read, %"
		PRIu64 " PTE tables, %" PRIu64 " leaf mappings\n",
		an->vmemmap->nr_mapped_pages, an->vmemmap->nr_table_pages,
		an->vmemmap->nr_pte_tables, an->vmemmap->nr_pmd_leaves);
}

void hvo_report_text_savings(FILE *out, const struct hvo_analysis *an)
{
	char size[16], human[24];
	fprintf(out, "%-4s %-7s %-5s %8s %9s %8s %11s %7s %14s\n", "node", "zone", "size", "folios",
		"optimised", "vmemmap", "pages_saved", "shared", "net_saved");
	for (size_t r = 0; r < an->rows.size; r++) {
		const struct hvo_savings_row *row = &an->rows.data[r];
		fprintf(out, "%-4u %-7s %-5s %8" PRIu64 " %9" PRIu64 " %8" PRIu64 " %11" PRIu64
			" %7" PRIu64 " %12" PRId64 " B %10s\n",
			row->node, hvo_arch_zone_name(an->arch, row->zone),
			size_label(an, row->order, size, sizeof(size)),
			row->folios, row->optimized, row->vmemmap_pages_per_folio, row->pages_saved,
			row->shared_tail_pages, net_bytes(an, row),
			human_bytes(net_bytes(an, row), human, sizeof(human)));
	}
	uint64_t memmap = hugetlb_memmap_pages(an);
	fprintf(out, "%-4s %-7s %-5s %8" PRIu64 " %9" PRIu64 " %8s %11" PRIu64 " %7" PRIu64
		" %12" PRId64 " B %10s\n", "all", "", "", an->total.folios, an->total.optimized, "",
		an->total.pages_saved, an->total.shared_tail_pages, net_bytes(an, &an->total),
		human_bytes(net_bytes(an, &an->total), human, sizeof(human)));
	if (memmap)
		fprintf(out, "HVO freed %" PRIu64 " of %" PRIu64 " hugetlb vmemmap pages (%.1f%%, %s)\n",
			an->total.pages_saved, memmap, 100.0 * an->total.pages_saved / memmap,
			human_bytes((int64_t)(an->total.pages_saved << an->arch->page_shift), human,
				    sizeof(human)));
	if (an->counters_known) {
		int64_t counted = an->counters.nr_memmap_pages + an->counters.nr_memmap_boot_pages;
		int64_t implied = (int64_t)an->vmemmap->nr_mapped_pages - (int64_t)an->total.pages_saved;
		fprintf(out, "kernel counts %" PRId64 " memmap pages (nr_memmap_pages %" PRId64
			" + nr_memmap_boot_pages %" PRId64 ", via %s); vmemmap maps %" PRIu64
			" - %" PRIu64 " freed = %" PRId64 ": %s\n",
			counted, an->counters.nr_memmap_pages, an->counters.nr_memmap_boot_pages,
			hvo_types_provider_name(an->counters.provider), an->vmemmap->nr_mapped_pages,
			an->total.pages_saved, implied, counted == implied ? "consistent" : "DIFFERENT");
	}
}

void hvo_report_text_findings(FILE *out, const struct hvo_analysis *an)
{
	if (!an->findings.size) {
		fprintf(out, "no findings\n");
		return;
	}
	/* Most severe first; in the order they were found within a severity. */
	for (int severity = HVO_SEV_CRITICAL; severity >= HVO_SEV_INFO; severity--) {
		for (size_t i = 0; i < an->findings.size; i++) {
			const struct hvo_finding *finding = &an->findings.data[i];
			if ((int)finding->severity != severity)
				continue;
			fprintf(out, "%-8s %s: %s\n", hvo_severity_name(finding->severity),
				finding->id, finding->message);
			for (size_t a = 0; a < finding->nr_addresses; a++)
				fprintf(out, "         %s=0x%" PRIx64 "\n", finding->addresses[a].name,
					finding->addresses[a].value);
		}
	}
}

void hvo_report_text_tails(FILE *out, const struct hvo_analysis *an)
{
	if (!an->tails.size) {
		fprintf(out, "no shared tail pages mapped\n");
		return;
	}
	fprintf(out, "%-18s %5s %4s %-7s %7s %-8s %-10s %s\n", "frame", "order", "node", "zone",
		"folios", "content", "frame_node", "slot");
	for (size_t t = 0; t < an->tails.size; t++) {
		const struct hvo_shared_tail *tail = &an->tails.data[t];
		char frame_node[16] = "?";
		if (tail->frame_node_known)
			snprintf(frame_node, sizeof(frame_node), "%u", tail->frame_node);
		fprintf(out, "0x%016" PRIx64 " %5u %4u %-7s %7" PRIu64 " %-8s %-10s %s\n", tail->frame,
			tail->order, tail->node, hvo_arch_zone_name(an->arch, tail->zone), tail->nr_folios,
			tail->content_valid ? "ok" : "BAD", frame_node,
			!an->tail_entries_known ? "?" : tail->in_vmemmap_tails ? "yes" : "NONE");
	}
}

void hvo_report_text_folios(FILE *out, const struct hvo_analysis *an)
{
	fprintf(out, "%-12s %5s %4s %-7s %-16s %-4s %-18s %s\n", "head_pfn", "order", "node",
		"zone", "state", "flag", "head_frame", "tail_frame");
	for (size_t f = 0; f < an->nr_folios; f++) {
		const struct hvo_folio *folio = &an->folios[f];
		struct row row;
		row.len = 0;
		put_hex(&row, folio->head_pfn, 0, 10);			/* 0x%-10lx */
		put_str(&row, " ", 0);
		put_dec(&row, folio->order, 5);				/* %5u */
		put_str(&row, " ", 0);
		put_dec(&row, folio->node, 4);				/* %4u */
		put_str(&row, " ", 0);
		put_str(&row, hvo_arch_zone_name(an->arch, folio->zone), 7);		/* %-7s */
		put_str(&row, " ", 0);
		put_str(&row, hvo_folio_state_name(folio->state), 16);	/* %-16s */
		put_str(&row, " ", 0);
		put_str(&row, folio->flag_optimized ? "yes" : "no", 4);	/* %-4s */
		put_str(&row, " ", 0);
		put_hex(&row, folio->head_frame, 16, 0);		/* 0x%016lx */
		if (folio->state != HVO_FOLIO_NOT_OPTIMIZED) {
			put_str(&row, " ", 0);
			put_hex(&row, folio->tail_frame, 16, 0);
		}
		put_str(&row, "\n", 0);
		if (put_row(out, &row))
			return;	/* the caller sees the stream's error */
	}
}

void hvo_report_text_notes(FILE *out, const struct hvo_analysis *an)
{
	for (size_t i = 0; i < an->diags.size; i++) {
		char *text = hvo_diag_text(&an->diags.data[i]);
		fprintf(out, "note: %s\n", text ? text : "?");
		free(text);
	}
}
