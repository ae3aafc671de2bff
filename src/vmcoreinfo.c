/* vmcoreinfo.c - bounded VMCOREINFO parser and generation detection. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmcoreinfo.h"

static const struct {
	const char *prefix;
	enum hvo_vmcoreinfo_kind kind;
} key_prefixes[] = {
	{ "SYMBOL(", HVO_VMCOREINFO_SYMBOL },
	{ "OFFSET(", HVO_VMCOREINFO_OFFSET },
	{ "SIZE(", HVO_VMCOREINFO_SIZE },
	{ "LENGTH(", HVO_VMCOREINFO_LENGTH },
	{ "NUMBER(", HVO_VMCOREINFO_NUMBER },
};

static struct hvo_error *add_problem(struct hvo_vmcoreinfo *vi, unsigned int line,
				     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct hvo_error *add_problem(struct hvo_vmcoreinfo *vi, unsigned int line,
				     const char *fmt, ...)
{
	/* Bound the list too: a hostile note could be all problems. */
	if (vi->diags.size >= HVO_VMCOREINFO_MAX_ENTRIES)
		return NULL;
	char subject[32];
	snprintf(subject, sizeof(subject), "VMCOREINFO line %u", line);
	va_list ap;
	va_start(ap, fmt);
	struct hvo_error *err = hvo_diag_vadd(&vi->diags, HVO_DIAG_WARNING, subject, fmt, ap);
	va_end(ap);
	return err;
}

/* Printable excerpt of untrusted text for messages. */
static void excerpt(const char *s, size_t len, char *buf, size_t bufsize)
{
	size_t out = 0;
	for (size_t i = 0; i < len && out + 4 < bufsize; i++)
		buf[out++] = isprint((unsigned char)s[i]) ? s[i] : '?';
	if (len > out && out + 4 <= bufsize) {
		memcpy(buf + out, "...", 3);
		out += 3;
	}
	buf[out] = '\0';
}

static bool valid_key_char(char c)
{
	return isgraph((unsigned char)c) && c != '=';
}

static struct hvo_error *parse_line(struct hvo_vmcoreinfo *vi, const char *line,
				    size_t len, unsigned int lineno)
{
	char shown[64];
	const char *eq = memchr(line, '=', len);
	if (!eq) {
		excerpt(line, len, shown, sizeof(shown));
		return add_problem(vi, lineno, "no '=' in '%s'", shown);
	}
	size_t key_len = eq - line;
	if (key_len == 0)
		return add_problem(vi, lineno, "empty key");
	for (size_t i = 0; i < key_len; i++) {
		if (!valid_key_char(line[i])) {
			excerpt(line, key_len, shown, sizeof(shown));
			return add_problem(vi, lineno, "bad character in key '%s'", shown);
		}
	}
	if (vi->entries.size >= HVO_VMCOREINFO_MAX_ENTRIES)
		return add_problem(vi, lineno, "more than %d entries; line ignored",
				   HVO_VMCOREINFO_MAX_ENTRIES);

	enum hvo_vmcoreinfo_kind kind = HVO_VMCOREINFO_PLAIN;
	const char *name = line;
	size_t name_len = key_len;
	for (size_t i = 0; i < sizeof(key_prefixes) / sizeof(key_prefixes[0]); i++) {
		size_t plen = strlen(key_prefixes[i].prefix);
		if (key_len > plen && !memcmp(line, key_prefixes[i].prefix, plen)) {
			if (line[key_len - 1] != ')' || key_len == plen + 1) {
				excerpt(line, key_len, shown, sizeof(shown));
				return add_problem(vi, lineno, "malformed key '%s'", shown);
			}
			kind = key_prefixes[i].kind;
			name = line + plen;
			name_len = key_len - plen - 1;
			break;
		}
	}

	struct hvo_vmcoreinfo_entry *entry = hvo_vmcoreinfo_entries_append(&vi->entries);
	if (!entry)
		return &hvo_error_nomem;
	entry->kind = kind;
	entry->line = lineno;
	entry->key = strndup(line, key_len);
	entry->name = strndup(name, name_len);
	entry->value = strndup(eq + 1, len - key_len - 1);
	if (!entry->key || !entry->name || !entry->value) {
		free(entry->key);
		free(entry->name);
		free(entry->value);
		vi->entries.size--;
		return &hvo_error_nomem;
	}
	return NULL;
}

/* Mark keys written more than once; values that differ make the key unusable. */
static void mark_duplicates(struct hvo_vmcoreinfo *vi)
{
	for (size_t i = 0; i < vi->entries.size; i++) {
		struct hvo_vmcoreinfo_entry *a = &vi->entries.data[i];
		for (size_t j = i + 1; j < vi->entries.size; j++) {
			struct hvo_vmcoreinfo_entry *b = &vi->entries.data[j];
			if (strcmp(a->key, b->key) != 0)
				continue;
			a->nr_duplicates++;
			if (strcmp(a->value, b->value) != 0)
				a->conflicting = 1;
		}
	}
}

struct hvo_error *hvo_vmcoreinfo_parse(const char *text, size_t size,
				       struct hvo_vmcoreinfo **ret)
{
	struct hvo_error *err;
	/* The note may carry NUL padding; the text ends at the first NUL. */
	const char *nul = memchr(text, '\0', size);
	if (nul)
		size = nul - text;
	if (size > HVO_VMCOREINFO_MAX_SIZE)
		return hvo_error_create(HVO_ERROR_FORMAT,
					"VMCOREINFO is %zu bytes, over the %d-byte limit",
					size, HVO_VMCOREINFO_MAX_SIZE);

	struct hvo_vmcoreinfo *vi = calloc(1, sizeof(*vi));
	if (!vi)
		return &hvo_error_nomem;
	vi->raw = strndup(text, size);
	if (!vi->raw) {
		err = &hvo_error_nomem;
		goto err;
	}
	vi->raw_size = size;

	unsigned int lineno = 0;
	for (const char *p = text, *end = text + size; p < end;) {
		const char *nl = memchr(p, '\n', end - p);
		size_t len = (nl ? nl : end) - p;
		lineno++;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > HVO_VMCOREINFO_MAX_LINE)
			err = add_problem(vi, lineno, "line of %zu bytes is over the %d-byte limit; ignored",
					  len, HVO_VMCOREINFO_MAX_LINE);
		else if (len > 0)
			err = parse_line(vi, p, len, lineno);
		else
			err = NULL;
		if (err)
			goto err;
		p = nl ? nl + 1 : end;
	}
	if (vi->entries.size == 0) {
		err = hvo_error_create(HVO_ERROR_FORMAT,
				       "VMCOREINFO has no KEY=VALUE lines");
		goto err;
	}
	mark_duplicates(vi);
	*ret = vi;
	return NULL;

err:
	hvo_vmcoreinfo_free(vi);
	return err;
}

void hvo_vmcoreinfo_free(struct hvo_vmcoreinfo *vi)
{
	if (!vi)
		return;
	for (size_t i = 0; i < vi->entries.size; i++) {
		free(vi->entries.data[i].key);
		free(vi->entries.data[i].name);
		free(vi->entries.data[i].value);
	}
	hvo_diags_free(&vi->diags);
	hvo_vmcoreinfo_entries_deinit(&vi->entries);
	free(vi->raw);
	free(vi);
}

const struct hvo_vmcoreinfo_entry *
hvo_vmcoreinfo_find(const struct hvo_vmcoreinfo *vi, const char *key)
{
	for (size_t i = 0; i < vi->entries.size; i++) {
		if (!strcmp(vi->entries.data[i].key, key))
			return &vi->entries.data[i];
	}
	return NULL;
}

static struct hvo_error *find_usable(const struct hvo_vmcoreinfo *vi, const char *key,
				     const struct hvo_vmcoreinfo_entry **ret)
{
	const struct hvo_vmcoreinfo_entry *entry = hvo_vmcoreinfo_find(vi, key);
	if (!entry)
		return &hvo_error_not_found;
	if (entry->conflicting)
		return hvo_error_create(HVO_ERROR_INVALID,
					"VMCOREINFO %s is written %u times with different values",
					key, entry->nr_duplicates + 1);
	*ret = entry;
	return NULL;
}

static bool key_is_hex(const struct hvo_vmcoreinfo_entry *entry)
{
	return entry->kind == HVO_VMCOREINFO_SYMBOL || !strcmp(entry->key, "KERNELOFFSET");
}

static struct hvo_error *bad_number(const struct hvo_vmcoreinfo_entry *entry,
				    const char *why)
{
	char shown[64];
	excerpt(entry->value, strlen(entry->value), shown, sizeof(shown));
	return hvo_error_create(HVO_ERROR_INVALID, "VMCOREINFO %s value '%s' %s",
				entry->key, shown, why);
}

struct hvo_error *hvo_vmcoreinfo_u64(const struct hvo_vmcoreinfo *vi,
				     const char *key, uint64_t *ret)
{
	const struct hvo_vmcoreinfo_entry *entry;
	struct hvo_error *err = find_usable(vi, key, &entry);
	if (err)
		return err;
	const char *s = entry->value;
	int base = 10;
	if (key_is_hex(entry)) {
		base = 16;
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			s += 2;
	}
	if (!isxdigit((unsigned char)s[0]) || (base == 10 && !isdigit((unsigned char)s[0])))
		return bad_number(entry, base == 16 ? "is not a hex number" :
				  "is not an unsigned decimal number");
	char *end;
	errno = 0;
	unsigned long long value = strtoull(s, &end, base);
	if (errno == ERANGE)
		return bad_number(entry, "is out of range");
	if (*end)
		return bad_number(entry, base == 16 ? "is not a hex number" :
				  "is not an unsigned decimal number");
	*ret = value;
	return NULL;
}

struct hvo_error *hvo_vmcoreinfo_s64(const struct hvo_vmcoreinfo *vi,
				     const char *key, int64_t *ret)
{
	const struct hvo_vmcoreinfo_entry *entry;
	struct hvo_error *err = find_usable(vi, key, &entry);
	if (err)
		return err;
	const char *s = entry->value;
	if (!(isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1]))))
		return bad_number(entry, "is not a decimal number");
	char *end;
	errno = 0;
	long long value = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return bad_number(entry, "is out of range");
	if (*end)
		return bad_number(entry, "is not a decimal number");
	*ret = value;
	return NULL;
}

struct hvo_error *hvo_vmcoreinfo_string(const struct hvo_vmcoreinfo *vi,
					const char *key, const char **ret)
{
	const struct hvo_vmcoreinfo_entry *entry;
	struct hvo_error *err = find_usable(vi, key, &entry);
	if (err)
		return err;
	*ret = entry->value;
	return NULL;
}

const char *hvo_generation_name(enum hvo_generation gen)
{
	switch (gen) {
	case HVO_GEN_LEGACY: return "legacy";
	case HVO_GEN_V3: return "v3";
	case HVO_GEN_MERGED: return "merged";
	case HVO_GEN_UNKNOWN: break;
	}
	return "unknown";
}

struct hvo_error *hvo_parse_release(const char *release, unsigned int *major_ret,
				    unsigned int *minor_ret)
{
	/* One to three digits each; sscanf's %u would also take a sign or spaces. */
	unsigned int number[2] = { 0, 0 };
	const char *p = release;
	for (int i = 0; p && i < 2; i++) {
		int digits = 0;
		for (; digits < 3 && *p >= '0' && *p <= '9'; p++, digits++)
			number[i] = number[i] * 10 + (unsigned int)(*p - '0');
		if (digits == 0 || (i == 0 && *p != '.'))
			p = NULL;
		else if (i == 0)
			p++;
	}
	if (!p)
		return hvo_error_create(HVO_ERROR_INVALID,
					"kernel release '%s' does not start with MAJOR.MINOR",
					release ? release : "");
	*major_ret = number[0];
	*minor_ret = number[1];
	return NULL;
}

struct hvo_error *hvo_vmcoreinfo_generation(const struct hvo_vmcoreinfo *vi,
					    enum hvo_generation *gen_ret,
					    char **evidence_ret)
{
	uint64_t offset;
	struct hvo_error *err;
	enum hvo_generation gen;
	char *evidence = NULL;
	int n;

	err = hvo_vmcoreinfo_u64(vi, "OFFSET(page.compound_info)", &offset);
	if (!err) {
		const char *release = NULL;
		unsigned int major = 0, minor = 0;
		struct hvo_error *rerr = hvo_vmcoreinfo_string(vi, "OSRELEASE", &release);
		if (!rerr)
			rerr = hvo_parse_release(release, &major, &minor);
		if (rerr) {
			hvo_error_destroy(rerr);
			gen = HVO_GEN_MERGED;
			n = asprintf(&evidence,
				     "OFFSET(page.compound_info)=%" PRIu64 " (mask-encoded tails); "
				     "no usable OSRELEASE, assuming the merged series", offset);
		} else if (major > 7 || (major == 7 && minor >= 1)) {
			gen = HVO_GEN_MERGED;
			n = asprintf(&evidence,
				     "OFFSET(page.compound_info)=%" PRIu64 " (mask-encoded tails) "
				     "and OSRELEASE %s >= 7.1 (merged series)", offset, release);
		} else {
			gen = HVO_GEN_V3;
			n = asprintf(&evidence,
				     "OFFSET(page.compound_info)=%" PRIu64 " (mask-encoded tails) "
				     "and OSRELEASE %s < 7.1 (the v3 posting)", offset, release);
		}
	} else if (err == &hvo_error_not_found) {
		err = hvo_vmcoreinfo_u64(vi, "OFFSET(page.compound_head)", &offset);
		if (err == &hvo_error_not_found) {
			*gen_ret = HVO_GEN_UNKNOWN;
			*evidence_ret = strdup("VMCOREINFO has neither OFFSET(page.compound_info) "
					       "nor OFFSET(page.compound_head)");
			return *evidence_ret ? NULL : &hvo_error_nomem;
		}
		if (err)
			return err;
		gen = HVO_GEN_LEGACY;
		n = asprintf(&evidence, "OFFSET(page.compound_head)=%" PRIu64
			     " (pointer-encoded tails)", offset);
	} else {
		return err;
	}
	if (n < 0)
		return &hvo_error_nomem;
	*gen_ret = gen;
	*evidence_ret = evidence;
	return NULL;
}
