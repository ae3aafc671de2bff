/*
 * vmcoreinfo.h - bounded parse of the VMCOREINFO note into typed entries,
 * and the kernel generation it reveals.
 *
 * The note is untrusted text: every line is length-checked, every number is
 * range-checked when it is asked for, and a key written twice with different
 * values is reported rather than silently resolved.
 */
#ifndef HVO_VMCOREINFO_H
#define HVO_VMCOREINFO_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "error.h"
#include "vector.h"

/* Longest line and largest note we accept; real notes are a few KiB. */
#define HVO_VMCOREINFO_MAX_LINE 4096
#define HVO_VMCOREINFO_MAX_SIZE (1024 * 1024)
#define HVO_VMCOREINFO_MAX_ENTRIES 4096

enum hvo_vmcoreinfo_kind {
	HVO_VMCOREINFO_SYMBOL,	/* SYMBOL(name)=hex address */
	HVO_VMCOREINFO_OFFSET,	/* OFFSET(struct.member)=decimal */
	HVO_VMCOREINFO_SIZE,	/* SIZE(type)=decimal */
	HVO_VMCOREINFO_LENGTH,	/* LENGTH(array)=decimal */
	HVO_VMCOREINFO_NUMBER,	/* NUMBER(name)=signed decimal */
	HVO_VMCOREINFO_PLAIN,	/* OSRELEASE, PAGESIZE, KERNELOFFSET, BUILD-ID, ... */
};

struct hvo_vmcoreinfo_entry {
	enum hvo_vmcoreinfo_kind kind;
	char *key;		/* whole key, e.g. "OFFSET(page.flags)" */
	char *name;		/* inside the parentheses, or the key for PLAIN */
	char *value;		/* raw text after '=' */
	unsigned int line;	/* 1-based line number in the note */
	unsigned int nr_duplicates;	/* other lines with the same key */
	int conflicting;	/* a duplicate had a different value */
};

HVO_VECTOR(hvo_vmcoreinfo_entries, struct hvo_vmcoreinfo_entry)

struct hvo_vmcoreinfo {
	char *raw;		/* the note text, NUL-terminated */
	size_t raw_size;
	struct hvo_vmcoreinfo_entries entries;
	/* Lines that were not KEY=VALUE (warnings, "VMCOREINFO line N"), for `info`. */
	struct hvo_diags diags;
};

struct hvo_error *hvo_vmcoreinfo_parse(const char *text, size_t size,
				       struct hvo_vmcoreinfo **ret);
void hvo_vmcoreinfo_free(struct hvo_vmcoreinfo *vi);

/* Entry by whole key ("SYMBOL(vmemmap)"); NULL when absent. */
const struct hvo_vmcoreinfo_entry *
hvo_vmcoreinfo_find(const struct hvo_vmcoreinfo *vi, const char *key);

/*
 * Typed getters.  They return &hvo_error_not_found when the key is absent,
 * and HVO_ERROR_INVALID naming the key when the value is malformed, out of
 * range, or written twice with different values.  SYMBOL and KERNELOFFSET
 * are hex, the rest decimal.
 */
struct hvo_error *hvo_vmcoreinfo_u64(const struct hvo_vmcoreinfo *vi,
				     const char *key, uint64_t *ret);
struct hvo_error *hvo_vmcoreinfo_s64(const struct hvo_vmcoreinfo *vi,
				     const char *key, int64_t *ret);
struct hvo_error *hvo_vmcoreinfo_string(const struct hvo_vmcoreinfo *vi,
					const char *key, const char **ret);

enum hvo_generation {
	HVO_GEN_UNKNOWN,
	HVO_GEN_LEGACY,		/* compound_head = head | 1, fake heads */
	HVO_GEN_V3,		/* mask tails, per-node shared tails (posted v3) */
	HVO_GEN_MERGED,		/* mask tails, per-zone shared tails (Linux >= 7.1) */
};

const char *hvo_generation_name(enum hvo_generation gen);

/*
 * The kernel generation as far as VMCOREINFO tells it.  OFFSET(page.compound_info)
 * means mask-encoded tails; the release then separates the merged series (7.1
 * and later) from the v3 posting, until type information confirms it.
 * evidence_ret gets a malloc'd sentence saying what decided.
 */
struct hvo_error *hvo_vmcoreinfo_generation(const struct hvo_vmcoreinfo *vi,
					    enum hvo_generation *gen_ret,
					    char **evidence_ret);

/* Parse "7.2.13+deb14-amd64" into major and minor; NULL OSRELEASE -> error. */
struct hvo_error *hvo_parse_release(const char *release, unsigned int *major_ret,
				    unsigned int *minor_ret);

#endif /* HVO_VMCOREINFO_H */
