/* arch.c - the table of architecture descriptions and what they share. */
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

const char *hvo_arch_names(void)
{
	static char names[64];
	if (!names[0]) {
		for (size_t i = 0; i < NR_ARCHES; i++) {
			if (i)
				strncat(names, ", ", sizeof(names) - strlen(names) - 1);
			strncat(names, hvo_arches[i]->name, sizeof(names) - strlen(names) - 1);
		}
	}
	return names;
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
