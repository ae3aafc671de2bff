/* fuzz_vmcoreinfo.c - the VMCOREINFO parser, typed getters and generation detection. */
#include <stdint.h>
#include <stdlib.h>

#include "vmcoreinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hvo_vmcoreinfo *vi;
	struct hvo_error *err = hvo_vmcoreinfo_parse((const char *)data, size, &vi);
	if (err) {
		hvo_error_destroy(err);
		return 0;
	}
	static const char *const keys[] = {
		"SIZE(page)", "OFFSET(page.compound_info)", "SYMBOL(vmemmap)", "KERNELOFFSET",
		"NUMBER(phys_base)", "OSRELEASE", "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)",
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		uint64_t u;
		int64_t s;
		const char *str;
		hvo_error_destroy(hvo_vmcoreinfo_u64(vi, keys[i], &u));
		hvo_error_destroy(hvo_vmcoreinfo_s64(vi, keys[i], &s));
		hvo_error_destroy(hvo_vmcoreinfo_string(vi, keys[i], &str));
	}
	enum hvo_generation gen;
	char *evidence = NULL;
	err = hvo_vmcoreinfo_generation(vi, &gen, &evidence);
	hvo_error_destroy(err);
	free(evidence);
	hvo_vmcoreinfo_free(vi);
	return 0;
}
