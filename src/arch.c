/* arch.c - the table of architecture descriptions and what they share. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"

static const struct hvo_arch *const hvo_arches[] = {
	&hvo_arch_x86_64,
};

#define NR_ARCHES (sizeof(hvo_arches) / sizeof(hvo_arches[0]))

const struct hvo_arch *hvo_arch_find(const char *name)
{
	for (size_t i = 0; name && i < NR_ARCHES; i++) {
		if (strcmp(hvo_arches[i]->name, name) == 0)
			return hvo_arches[i];
	}
	return NULL;
}

const struct hvo_arch *hvo_arch_from_vmcoreinfo(const struct hvo_vmcoreinfo *vi)
{
	for (size_t i = 0; i < NR_ARCHES; i++) {
		if (hvo_vmcoreinfo_find(vi, hvo_arches[i]->vmcoreinfo_mark))
			return hvo_arches[i];
	}
	return NULL;
}

bool hvo_arch_page_size_known(uint64_t page_size)
{
	for (size_t i = 0; i < NR_ARCHES; i++) {
		if (hvo_arch_page_size(hvo_arches[i]) == page_size)
			return true;
	}
	return false;
}

/* What the message lists of the i-th description (tmp: room to print it); NULL: nothing. */
typedef const char *item_fn(size_t i, char *tmp, size_t tmp_size);

/* Every description's item, joined by sep into buf (size bytes) on the first call. */
static const char *join(char *buf, size_t size, const char *sep, item_fn *item)
{
	if (buf[0])
		return buf;
	for (size_t i = 0; i < NR_ARCHES; i++) {
		char tmp[24];
		const char *text = item(i, tmp, sizeof(tmp));
		size_t len = strlen(buf);
		if (text)
			snprintf(buf + len, size - len, "%s%s", len ? sep : "", text);
	}
	return buf;
}

static const char *name_of(size_t i, char *tmp, size_t tmp_size)
{
	return hvo_arches[i]->name;
}

static const char *mark_of(size_t i, char *tmp, size_t tmp_size)
{
	return hvo_arches[i]->vmcoreinfo_mark;
}

static const char *page_size_of(size_t i, char *tmp, size_t tmp_size)
{
	for (size_t k = 0; k < i; k++) {
		if (hvo_arches[k]->page_shift == hvo_arches[i]->page_shift)
			return NULL;	/* listed already */
	}
	snprintf(tmp, tmp_size, "%" PRIu64, hvo_arch_page_size(hvo_arches[i]));
	return tmp;
}

const char *hvo_arch_names(void)
{
	static char names[64];
	return join(names, sizeof(names), ", ", name_of);
}

const char *hvo_arch_vmcoreinfo_marks(void)
{
	static char marks[128];
	return join(marks, sizeof(marks), " or ", mark_of);
}

const char *hvo_arch_page_sizes(void)
{
	static char sizes[64];
	return join(sizes, sizeof(sizes), " or ", page_size_of);
}

const char *hvo_arch_level_name(const struct hvo_arch *arch, unsigned int level,
				unsigned int levels)
{
	if (level == levels)
		return "pgd";
	for (unsigned int i = 0; level >= 1 && arch->level_names[i]; i++) {
		if (i == level - 1)
			return arch->level_names[i];
	}
	return "?";
}

const char *hvo_arch_zone_name(const struct hvo_arch *arch, unsigned int zone)
{
	return zone < arch->nr_zones ? arch->zone_names[zone] : "?";
}
