/*
 * Unit tests for the folio rows report.c writes by hand (text and JSON):
 * every row against snprintf() with the printf conversions the writer
 * names, over edge values of every width and seeded random ones.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "hvo.h"
#include "report.h"

/* 0, and each power of 2 and of 10 with its neighbours, up to UINT64_MAX. */
static size_t edge_values(uint64_t *values, size_t cap)
{
	size_t n = 0;
	values[n++] = 0;
	values[n++] = UINT64_MAX;
	for (unsigned int bit = 0; bit < 64 && n + 3 <= cap; bit++) {
		uint64_t v = UINT64_C(1) << bit;
		values[n++] = v - 1;
		values[n++] = v;
		values[n++] = v + 1;
	}
	for (uint64_t v = 10; n + 3 <= cap; v *= 10) {
		values[n++] = v - 1;
		values[n++] = v;
		values[n++] = v + 1;
		if (v > UINT64_MAX / 10)
			break;
	}
	return n;
}

/* xorshift64*: the same rows on every run. */
static uint64_t next_random(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * UINT64_C(2685821657736338717);
}

/* Folios whose fields take every edge value, then random ones of random widths. */
static struct hvo_analysis *make_analysis(size_t *nr_ret)
{
	uint64_t edges[256];
	size_t nr_edges = edge_values(edges, sizeof(edges) / sizeof(edges[0]));
	size_t nr = nr_edges + 4000;
	struct hvo_analysis *an = calloc(1, sizeof(*an));
	assert_non_null(an);
	an->arch = &hvo_arch_x86_64;
	an->folios = calloc(nr, sizeof(*an->folios));
	assert_non_null(an->folios);
	uint64_t state = UINT64_C(0x9e3779b97f4a7c15);
	for (size_t i = 0; i < nr; i++) {
		struct hvo_folio *f = &an->folios[i];
		uint64_t r[5];
		for (size_t k = 0; k < 5; k++) {
			uint64_t v = next_random(&state);
			/* Random widths: shorter numbers are the common case. */
			r[k] = v >> (next_random(&state) % 64);
		}
		uint64_t e = i < nr_edges ? edges[i] : r[0];
		f->head_pfn = e;
		f->order = (unsigned int)(i < nr_edges ? e : r[1]);
		f->node = (unsigned int)(i < nr_edges ? edges[nr_edges - 1 - i] : r[2]);
		f->zone = (unsigned int)(r[3] % 7);	/* 5 and 6 name no zone: "?" */
		f->state = (enum hvo_folio_state)(r[4] % 4);
		f->flag_optimized = r[4] & 4;
		f->private = i < nr_edges ? edges[(i + 7) % nr_edges] : r[1];
		f->head_frame = i < nr_edges ? edges[(i + 13) % nr_edges] : r[2];
		f->tail_frame = i < nr_edges ? edges[(i + 29) % nr_edges] : r[3];
		f->nr_vmemmap_pages = i < nr_edges ? edges[(i + 31) % nr_edges] : r[4];
	}
	an->nr_folios = nr;
	*nr_ret = nr;
	return an;
}

static char *text_of(void (*write)(FILE *, const struct hvo_analysis *),
		     const struct hvo_analysis *an)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	assert_non_null(out);
	write(out, an);
	assert_int_equal(fclose(out), 0);
	return text;
}

/* hvo_report_text_folios(): the header, then each row as printf would write it. */
static void test_text_rows(void **state)
{
	size_t nr;
	struct hvo_analysis *an = make_analysis(&nr);
	char *text = text_of(hvo_report_text_folios, an);
	char want[512];
	size_t at = strcspn(text, "\n") + 1;	/* the header is fprintf()'s own */
	assert_true(at <= strlen(text));
	for (size_t i = 0; i < nr; i++) {
		const struct hvo_folio *f = &an->folios[i];
		int len = snprintf(want, sizeof(want), "0x%-10" PRIx64 " %5u %4u %-7s %-16s %-4s 0x%016"
				   PRIx64, f->head_pfn, f->order, f->node, hvo_arch_zone_name(an->arch, f->zone),
				   hvo_folio_state_name(f->state), f->flag_optimized ? "yes" : "no",
				   f->head_frame);
		if (f->state != HVO_FOLIO_NOT_OPTIMIZED)
			len += snprintf(want + len, sizeof(want) - (size_t)len, " 0x%016" PRIx64,
					f->tail_frame);
		snprintf(want + len, sizeof(want) - (size_t)len, "\n");
		size_t row_len = strcspn(text + at, "\n") + 1;
		if (row_len != strlen(want) || strncmp(text + at, want, row_len) != 0)
			fail_msg("row %zu:\n got  %.*s\n want %s", i, (int)row_len, text + at, want);
		at += row_len;
	}
	assert_int_equal(at, strlen(text));
	free(text);
	free(an->folios);
	free(an);
}

/* hvo_report_json_folio_write(): each row as printf would write it, and valid JSON. */
static void test_json_rows(void **state)
{
	size_t nr;
	struct hvo_analysis *an = make_analysis(&nr);
	for (size_t i = 0; i < nr; i++) {
		const struct hvo_folio *f = &an->folios[i];
		char *got = NULL, want[512];
		size_t size = 0;
		FILE *out = open_memstream(&got, &size);
		assert_non_null(out);
		assert_int_equal(hvo_report_json_folio_write(out, i, an), 0);
		assert_int_equal(fclose(out), 0);
		int len = snprintf(want, sizeof(want), "{\"head_pfn\":%" PRIu64 ",\"order\":%u,"
				   "\"node\":%u,\"zone\":\"%s\",\"state\":\"%s\",\"hvo_flag\":%s,"
				   "\"private\":\"0x%" PRIx64 "\",\"head_frame\":\"0x%" PRIx64 "\"",
				   f->head_pfn, f->order, f->node, hvo_arch_zone_name(an->arch, f->zone),
				   hvo_folio_state_name(f->state), f->flag_optimized ? "true" : "false",
				   f->private, f->head_frame);
		if (f->state != HVO_FOLIO_NOT_OPTIMIZED)
			len += snprintf(want + len, sizeof(want) - (size_t)len,
					",\"tail_frame\":\"0x%" PRIx64 "\"", f->tail_frame);
		snprintf(want + len, sizeof(want) - (size_t)len, ",\"vmemmap_pages\":%" PRIu64 "}",
			 f->nr_vmemmap_pages);
		if (strcmp(got, want) != 0)
			fail_msg("row %zu:\n got  %s\n want %s", i, got, want);
		json_object *parsed = json_tokener_parse(got);
		if (!parsed || !json_object_is_type(parsed, json_type_object))
			fail_msg("row %zu is not a JSON object: %s", i, got);
		json_object *pfn;
		assert_true(json_object_object_get_ex(parsed, "head_pfn", &pfn));
		/* json-c reads numbers past INT64_MAX as uint64 from 0.14 on. */
		if (f->head_pfn <= INT64_MAX)
			assert_int_equal((uint64_t)json_object_get_int64(pfn), f->head_pfn);
		json_object_put(parsed);
		free(got);
	}
	free(an->folios);
	free(an);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_rows),
		cmocka_unit_test(test_json_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
