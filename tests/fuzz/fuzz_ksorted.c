/*
 * fuzz_ksorted.c - kallsyms opened from a hostile kernel image: finding
 * kallsyms_markers and kallsyms_seqs_of_names, the binary-search lookups,
 * the fall back to hashed names, and completion (which reads everything).
 *
 * The input is a header and an image mapped at IMAGE_BASE:
 *   u8 flags (bit 0: has kallsyms_relative_base), then u32 image offsets
 *   of kallsyms_num_syms, _names, _token_table, _token_index, _offsets and
 *   _relative_base (all little-endian); the rest is the image.
 * Reads outside the image fail like filtered pages (HVO_ERROR_NODATA).
 * tests/fuzz/mkksorted.py writes the seeds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kallsyms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADER_SIZE 25
#define IMAGE_BASE UINT64_C(0xffffffff82000000)

struct image {
	const uint8_t *bytes;
	size_t size;
};

static struct hvo_error *read_image(void *arg, uint64_t vaddr, void *buf, size_t len,
				    const char *what)
{
	const struct image *image = arg;
	if (vaddr < IMAGE_BASE || vaddr - IMAGE_BASE > image->size ||
	    len > image->size - (vaddr - IMAGE_BASE))
		return hvo_error_create(HVO_ERROR_NODATA, "%s: not in the image", what);
	memcpy(buf, image->bytes + (vaddr - IMAGE_BASE), len);
	return NULL;
}

static uint64_t get_le32(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER_SIZE)
		return 0;
	/* An exact-size copy: any read past the image is an ASan report. */
	struct image image = { .size = size - HEADER_SIZE };
	uint8_t *copy = malloc(image.size ? image.size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + HEADER_SIZE, image.size);
	image.bytes = copy;
	struct hvo_kallsyms_location loc = {
		.has_relative_base = data[0] & 1,
		.num_syms = IMAGE_BASE + get_le32(data + 1),
		.names = IMAGE_BASE + get_le32(data + 5),
		.token_table = IMAGE_BASE + get_le32(data + 9),
		.token_index = IMAGE_BASE + get_le32(data + 13),
		.offsets = IMAGE_BASE + get_le32(data + 17),
		.relative_base = IMAGE_BASE + get_le32(data + 21),
	};
	struct hvo_kallsyms *ks;
	struct hvo_error *err = hvo_kallsyms_open(&loc, read_image, &image, &ks);
	if (!err) {
		static const char *const lookups[] = {
			"_stext", "__start_BTF", "hstates", "node_data", "", "zzzz",
		};
		for (size_t i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
			uint64_t address;
			char type;
			hvo_error_destroy(hvo_kallsyms_lookup_type(ks, lookups[i], &address, &type));
		}
		(void)hvo_kallsyms_method(ks);
		(void)hvo_kallsyms_encoding_name(hvo_kallsyms_encoding(ks));
		/* Completion reads and hashes everything; then look up again. */
		size_t cursor = 0, n = 0;
		while (hvo_kallsyms_complete(ks, "", &cursor) && n < 64)
			n++;
		uint64_t address;
		hvo_error_destroy(hvo_kallsyms_lookup(ks, "hstates", &address));
		hvo_kallsyms_free(ks);
	} else {
		hvo_error_destroy(err);
	}
	free(copy);
	return 0;
}
