/*
 * fuzz_kallsyms.c - the kallsyms decoder on hostile tables, then lookups.
 *
 * The input carries the tables hvo_kallsyms_read() would have read from a
 * dump, each copied into a buffer of exactly its size so that any read past
 * a table is an ASan report:
 *   u8 flags (bit 0: has kallsyms_relative_base), u64 relative_base,
 *   u16 num_syms, u16 token_table_size, 512 bytes kallsyms_token_index,
 *   token_table_size bytes kallsyms_token_table, 4 * num_syms bytes
 *   kallsyms_offsets, and the rest is kallsyms_names (all little-endian).
 * The decoder's contract is that token_index and offsets are as long as
 * those sizes say (the reader allocates them so); everything else is
 * untrusted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kallsyms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADER_SIZE 13
#define TOKEN_INDEX_SIZE 512

static uint64_t get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;
	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* An exact-size heap copy (at least one byte, so malloc(0) is never asked for). */
static uint8_t *copy(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	if (c && n)
		memcpy(c, p, n);
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER_SIZE + TOKEN_INDEX_SIZE)
		return 0;
	struct hvo_kallsyms_tables t = {
		.has_relative_base = data[0] & 1,
		.relative_base = get_le(data + 1, 8),
		.num_syms = (uint32_t)get_le(data + 9, 2),
		.token_table_size = (size_t)get_le(data + 11, 2),
		.offsets_vaddr = UINT64_C(0xffffffff82000000),
	};
	size_t pos = HEADER_SIZE;
	size_t offsets_size = 4 * (size_t)t.num_syms;
	if (size - pos - TOKEN_INDEX_SIZE < t.token_table_size + offsets_size)
		return 0;
	uint8_t *token_index = copy(data + pos, TOKEN_INDEX_SIZE);
	pos += TOKEN_INDEX_SIZE;
	uint8_t *token_table = copy(data + pos, t.token_table_size);
	pos += t.token_table_size;
	uint8_t *offsets = copy(data + pos, offsets_size);
	pos += offsets_size;
	t.names_size = size - pos;
	uint8_t *names = copy(data + pos, t.names_size);
	if (token_index && token_table && offsets && names) {
		t.token_index = token_index;
		t.token_table = token_table;
		t.offsets = offsets;
		t.names = names;
		struct hvo_kallsyms *ks;
		struct hvo_error *err = hvo_kallsyms_decode(&t, &ks);
		if (!err) {
			static const char *const lookups[] = {
				"_stext", "__start_BTF", "__stop_BTF", "hstates", "", "x",
			};
			for (size_t i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
				uint64_t address;
				char type;
				hvo_error_destroy(hvo_kallsyms_lookup_type(ks, lookups[i],
									   &address, &type));
			}
			(void)hvo_kallsyms_encoding_name(hvo_kallsyms_encoding(ks));
			(void)hvo_kallsyms_count(ks);
			hvo_kallsyms_free(ks);
		} else {
			hvo_error_destroy(err);
		}
	}
	free(names);
	free(offsets);
	free(token_table);
	free(token_index);
	return 0;
}
