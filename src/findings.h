/*
 * findings.h - what the analysis can find wrong in a dump: severities, and
 * one table of findings with the stable id, the severity and the meaning
 * of each.  The analysis reports by enum hvo_finding_id, the renderers
 * print the id, and the man page's FINDINGS must read as the table says
 * (tests/findings_table prints it for tests/t0002-docs.sh).
 */
#ifndef HVO_FINDINGS_H
#define HVO_FINDINGS_H

#include <stdbool.h>

enum hvo_severity {
	HVO_SEV_INFO,
	HVO_SEV_WARNING,
	HVO_SEV_ERROR,
	HVO_SEV_CRITICAL,
};

/* "info", "warning", "error", "critical", by enum hvo_severity; NULL-terminated. */
extern const char *const hvo_severity_names[];
const char *hvo_severity_name(enum hvo_severity severity);
/* Parse "info", "warning", "error", "critical"; false if unknown. */
bool hvo_severity_parse(const char *name, enum hvo_severity *ret);

/* In the man page's order. */
enum hvo_finding_id {
	HVO_FINDING_TAIL_WRITABLE,
	HVO_FINDING_TAIL_WRONG_ORDER,
	HVO_FINDING_TAIL_CROSS_ZONE,
	HVO_FINDING_TAIL_CROSS_NODE,
	HVO_FINDING_SHARED_TAIL_CORRUPT,
	HVO_FINDING_HEAD_SHARED,
	HVO_FINDING_HEAD_READONLY,
	HVO_FINDING_HVO_FLAG_MISMATCH,
	HVO_FINDING_FAKE_HEADS_ON_MASK_KERNEL,
	HVO_FINDING_SHARED_TAIL_ON_LEGACY_KERNEL,
	HVO_FINDING_VMEMMAP_TAILS_UNUSED,
	HVO_FINDING_VMEMMAP_TAILS_MISPLACED,
	HVO_FINDING_MEMMAP_MISALIGNED,
	HVO_FINDING_COMPOUND_BAD_MASK,
	HVO_FINDING_VMEMMAP_MIXED,
	HVO_FINDING_HSTATE_COUNT_MISMATCH,
	HVO_FINDING_HUGETLB_BAD_ORDER,
	HVO_NR_FINDINGS
};

struct hvo_finding_kind {
	const char *id;			/* stable: "tail-writable"; scripts key on it */
	enum hvo_severity severity;	/* what the analysis gives it */
	/*
	 * After the severity in the man page (roff), or NULL: when the
	 * analysis gives another, or when it looks at all.
	 */
	const char *qualifier;
	const char *meaning;		/* one line: what is wrong */
	const char *more;		/* the man page's further sentences (roff), or NULL */
};

extern const struct hvo_finding_kind hvo_finding_kinds[HVO_NR_FINDINGS];

#endif /* HVO_FINDINGS_H */
