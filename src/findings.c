/* findings.c - severities, and the table of findings. */
#include <string.h>

#include "findings.h"

const char *const hvo_severity_names[] = {
	[HVO_SEV_INFO] = "info",
	[HVO_SEV_WARNING] = "warning",
	[HVO_SEV_ERROR] = "error",
	[HVO_SEV_CRITICAL] = "critical",
	[HVO_SEV_CRITICAL + 1] = NULL,
};

const char *hvo_severity_name(enum hvo_severity severity)
{
	if ((unsigned int)severity > HVO_SEV_CRITICAL)
		return "unknown";
	return hvo_severity_names[severity];
}

bool hvo_severity_parse(const char *name, enum hvo_severity *ret)
{
	for (int s = HVO_SEV_INFO; s <= HVO_SEV_CRITICAL; s++) {
		if (!strcmp(name, hvo_severity_name(s))) {
			*ret = s;
			return true;
		}
	}
	return false;
}

const struct hvo_finding_kind hvo_finding_kinds[HVO_NR_FINDINGS] = {
	[HVO_FINDING_TAIL_WRITABLE] = {
		.id = "tail-writable",
		.severity = HVO_SEV_ERROR,
		.meaning = "tail vmemmap pages of an optimised folio are mapped writable.",
	},
	[HVO_FINDING_TAIL_WRONG_ORDER] = {
		.id = "tail-wrong-order",
		.severity = HVO_SEV_CRITICAL,
		.meaning = "a folio's tails map the shared tail page of another order.",
	},
	[HVO_FINDING_TAIL_CROSS_ZONE] = {
		.id = "tail-cross-zone",
		.severity = HVO_SEV_ERROR,
		.meaning = "a folio's tails map the shared tail page of another zone.",
	},
	[HVO_FINDING_TAIL_CROSS_NODE] = {
		.id = "tail-cross-node",
		.severity = HVO_SEV_ERROR,
		.meaning = "a folio's tails map the shared tail page of another node.",
	},
	[HVO_FINDING_SHARED_TAIL_CORRUPT] = {
		.id = "shared-tail-corrupt",
		.severity = HVO_SEV_CRITICAL,
		.meaning = "a shared tail page differs from what init_compound_tail() writes.",
	},
	[HVO_FINDING_HEAD_SHARED] = {
		.id = "head-shared",
		.severity = HVO_SEV_CRITICAL,
		.meaning = "two folios share one head vmemmap page.",
	},
	[HVO_FINDING_HEAD_READONLY] = {
		.id = "head-readonly",
		.severity = HVO_SEV_ERROR,
		.meaning = "the head vmemmap page of an optimised folio is read-only.",
	},
	[HVO_FINDING_HVO_FLAG_MISMATCH] = {
		.id = "hvo-flag-mismatch",
		.severity = HVO_SEV_ERROR,
		.meaning = "HPG_vmemmap_optimized and the actual mapping disagree.",
		.more = "The flag's bit is the kernel's own (enum hugetlb_page_flags, from "
			"--vmlinux or BTF); without type information it is taken as 4, as in "
			"6.12 and 7.2, and a note says so.",
	},
	[HVO_FINDING_FAKE_HEADS_ON_MASK_KERNEL] = {
		.id = "fake-heads-on-mask-kernel",
		.severity = HVO_SEV_CRITICAL,
		.meaning = "legacy fake heads on a v3 or merged kernel.",
	},
	[HVO_FINDING_SHARED_TAIL_ON_LEGACY_KERNEL] = {
		.id = "shared-tail-on-legacy-kernel",
		.severity = HVO_SEV_CRITICAL,
		.meaning = "tails remapped to a foreign page on a legacy kernel.",
	},
	[HVO_FINDING_VMEMMAP_TAILS_UNUSED] = {
		.id = "vmemmap-tails-unused",
		.severity = HVO_SEV_INFO,
		.meaning = "a vmemmap_tails[] slot names a page no folio maps: a page spent "
			"for nothing.",
		.more = "Needs type information.",
	},
	[HVO_FINDING_VMEMMAP_TAILS_MISPLACED] = {
		.id = "vmemmap-tails-misplaced",
		.severity = HVO_SEV_WARNING,
		.meaning = "a shared tail page lives on another node than the one it serves.",
	},
	/* A misaligned memmap misleads the tail mask only of the folios it cuts. */
	[HVO_FINDING_MEMMAP_MISALIGNED] = {
		.id = "memmap-misaligned",
		.severity = HVO_SEV_CRITICAL,
		.qualifier = "or warning when no folio is affected",
		.meaning = "the memmap is not aligned to MAX_FOLIO_ORDER struct pages, so tail "
			"masks can miss their heads.",
	},
	[HVO_FINDING_COMPOUND_BAD_MASK] = {
		.id = "compound-bad-mask",
		.severity = HVO_SEV_ERROR,
		.qualifier = "with \\fB\\-\\-deep\\fR",
		.meaning = "a tail of a non-hugetlb compound page holds a mask for another order.",
	},
	[HVO_FINDING_VMEMMAP_MIXED] = {
		.id = "vmemmap-mixed",
		.severity = HVO_SEV_ERROR,
		.meaning = "a folio's vmemmap is neither intact nor cleanly remapped.",
	},
	[HVO_FINDING_HSTATE_COUNT_MISMATCH] = {
		.id = "hstate-count-mismatch",
		.severity = HVO_SEV_WARNING,
		.meaning = "the kernel's hstate count of huge pages of an order on a node "
			"differs from the hugetlb folios found in the memmap by their page type.",
		.more = "Needs type information.",
	},
	[HVO_FINDING_HUGETLB_BAD_ORDER] = {
		.id = "hugetlb-bad-order",
		.severity = HVO_SEV_ERROR,
		.meaning = "a hugetlb head with an impossible folio order.",
	},
};
