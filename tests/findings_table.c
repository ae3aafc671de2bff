/*
 * findings_table.c - print the man page's FINDINGS entries as the table of
 * findings (src/findings.c) has them; tests/t0002-docs.sh compares them
 * with man/hvoinspect.1, so neither can change without the other.
 *
 * Each entry is ".TP", ".B id" and "(severity[, qualifier]) meaning more",
 * filled to 76 columns with two spaces between sentences.  Exits 99 when
 * the table itself is broken (an empty slot, an id twice).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "findings.h"

#define FILL_COLUMNS 76

/* Print text filled to FILL_COLUMNS, two spaces after a sentence the line goes on from. */
static void fill(const char *text)
{
	size_t column = 0;
	bool after_sentence = false;
	text += strspn(text, " ");
	while (*text) {
		size_t len = strcspn(text, " ");
		size_t gap = !column ? 0 : after_sentence ? 2 : 1;
		if (column && column + gap + len > FILL_COLUMNS) {
			putchar('\n');
			column = gap = 0;
		}
		printf("%*s%.*s", (int)gap, "", (int)len, text);
		column += gap + len;
		after_sentence = text[len - 1] == '.';
		text += len;
		text += strspn(text, " ");
	}
	putchar('\n');
}

int main(void)
{
	for (int i = 0; i < HVO_NR_FINDINGS; i++) {
		const struct hvo_finding_kind *kind = &hvo_finding_kinds[i];
		if (!kind->id || !kind->meaning) {
			fprintf(stderr, "findings_table: slot %d of the table is empty\n", i);
			return 99;
		}
		for (int j = 0; j < i; j++) {
			if (!strcmp(hvo_finding_kinds[j].id, kind->id)) {
				fprintf(stderr, "findings_table: '%s' is in the table twice\n",
					kind->id);
				return 99;
			}
		}
		char text[1024];
		int n = snprintf(text, sizeof(text), "(%s%s%s) %s%s%s",
				 hvo_severity_name(kind->severity), kind->qualifier ? ", " : "",
				 kind->qualifier ? kind->qualifier : "", kind->meaning,
				 kind->more ? " " : "", kind->more ? kind->more : "");
		if (n < 0 || (size_t)n >= sizeof(text)) {
			fprintf(stderr, "findings_table: the text of '%s' is too long\n", kind->id);
			return 99;
		}
		printf(".TP\n.B %s\n", kind->id);
		fill(text);
	}
	return 0;
}
