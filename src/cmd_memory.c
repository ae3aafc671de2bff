/*
 * cmd_memory.c - `rd` (dump memory) and `pte` (walk one address through the
 * page tables), with addresses given as numbers, symbols or sym+off.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

#define RD_MAX_BYTES (1 << 20)

struct hvo_error *hvo_cmd_parse_address(struct hvo_cmd_ctx *ctx, const char *text,
					uint64_t *address_ret)
{
	char *end;
	errno = 0;
	if (isdigit((unsigned char)text[0])) {
		unsigned long long value = strtoull(text, &end, 0);
		if (errno || *end)
			return hvo_error_create(HVO_ERROR_USAGE, "'%s' is not a number", text);
		*address_ret = value;
		return NULL;
	}
	/* symbol, or symbol+offset */
	char name[256];
	const char *plus = strchr(text, '+');
	size_t len = plus ? (size_t)(plus - text) : strlen(text);
	if (len == 0 || len >= sizeof(name))
		return hvo_error_create(HVO_ERROR_USAGE, "'%s' is not an address", text);
	memcpy(name, text, len);
	name[len] = '\0';
	uint64_t offset = 0;
	if (plus) {
		offset = strtoull(plus + 1, &end, 0);
		if (errno || *end || end == plus + 1)
			return hvo_error_create(HVO_ERROR_USAGE, "'%s': bad offset", text);
	}
	struct hvo_types *types;
	struct hvo_error *err = hvo_cmd_types(ctx, &types);
	if (err)
		return err;
	uint64_t address;
	err = hvo_types_symbol(types, name, &address, NULL);
	if (err == &hvo_error_not_found)
		return hvo_error_create(HVO_ERROR_USAGE, "no symbol '%s'", name);
	if (err)
		return err;
	*address_ret = address + offset;
	return NULL;
}

static const struct hvo_cmd_option rd_options[] = {
	{ "-p", HVO_CMD_OPT_PHYSICAL, NULL, NULL, "ADDR is a physical address" },
	HVO_CMD_OPTION_JSON,
	HVO_CMD_OPTION_END,
};

static struct hvo_error *rd_exec(struct hvo_cmd_ctx *ctx, int argc, char **argv)
{
	bool physical = hvo_cmd_given(ctx, HVO_CMD_OPT_PHYSICAL);
	int arg = 1;
	if (argc - arg < 1 || argc - arg > 2) {
		char synopsis[96];
		hvo_cmd_synopsis(&hvo_cmd_rd, false, synopsis, sizeof(synopsis));
		return hvo_error_create(HVO_ERROR_USAGE, "rd: usage: %s", synopsis);
	}
	uint64_t address, count = 64;
	struct hvo_error *err = hvo_cmd_parse_address(ctx, argv[arg], &address);
	if (err)
		return err;
	if (argc - arg == 2) {
		char *end;
		errno = 0;
		count = strtoull(argv[arg + 1], &end, 0);
		if (errno || *end || count == 0 || count > RD_MAX_BYTES)
			return hvo_error_create(HVO_ERROR_USAGE, "rd: BYTES must be 1..%d", RD_MAX_BYTES);
	}
	unsigned char *buf = malloc(count);
	if (!buf)
		return &hvo_error_nomem;
	err = hvo_dump_read(ctx->prog->dump, physical ? HVO_PHYS : HVO_VIRT, address, buf, count,
			    "memory");
	if (!err)
		err = hvo_dump_check_unchanged(ctx->prog->dump);
	if (err) {
		free(buf);
		return err;
	}
	if (ctx->json) {
		json_object *result = hvo_json_result_new("rd");
		char *hex = malloc(count * 2 + 1);
		if (!result || !hex) {
			json_object_put(result);
			free(hex);
			free(buf);
			return &hvo_error_nomem;
		}
		for (uint64_t i = 0; i < count; i++)
			sprintf(hex + 2 * i, "%02x", buf[i]);
		json_object_object_add(result, "address", hvo_json_hex(address));
		json_object_object_add(result, "physical", json_object_new_boolean(physical));
		json_object_object_add(result, "hex", json_object_new_string(hex));
		free(hex);
		free(buf);
		return hvo_cmd_json_emit(ctx, result);
	}
	for (uint64_t off = 0; off < count; off += 16) {
		fprintf(ctx->out, "%016" PRIx64 ": ", address + off);
		for (uint64_t i = off; i < off + 16; i += 8) {
			if (i + 8 <= count) {
				uint64_t word;
				memcpy(&word, buf + i, 8);
				fprintf(ctx->out, "%016" PRIx64 " ", word);
			} else if (i < count) {
				for (uint64_t j = i; j < count; j++)
					fprintf(ctx->out, "%02x", buf[j]);
			}
		}
		fputs("  ", ctx->out);
		for (uint64_t i = off; i < off + 16 && i < count; i++)
			fputc(isprint(buf[i]) ? buf[i] : '.', ctx->out);
		fputc('\n', ctx->out);
	}
	free(buf);
	return NULL;
}

const struct hvo_cmd hvo_cmd_rd = {
	.name = "rd",
	.args = "ADDR [BYTES]",
	.summary = "dump memory at a kernel virtual (or -p physical) address",
	.help = "Prints BYTES (default 64, at most 1 MiB) from ADDR as 64-bit words and\n"
		"characters.  ADDR is a number (0x for hex), a symbol or symbol+offset;\n"
		"-p reads physical memory.  Pages left out of the dump are an error.",
	.needs_dump = true,
	.options = rd_options,
	.exec = rd_exec,
};

#define PTE_PRESENT UINT64_C(0x1)
#define PTE_RW UINT64_C(0x2)
#define PTE_USER UINT64_C(0x4)
#define PTE_PSE UINT64_C(0x80)
#define PTE_NX (UINT64_C(1) << 63)
#define PTE_ADDR UINT64_C(0x000ffffffffff000)

static const struct hvo_cmd_option json_option[] = {
	HVO_CMD_OPTION_JSON,
	HVO_CMD_OPTION_END,
};

static struct hvo_error *pte_exec(struct hvo_cmd_ctx *ctx, int argc, char **argv)
{
	if (argc != 2)
		return hvo_error_create(HVO_ERROR_USAGE, "pte: usage: pte ADDR");
	uint64_t vaddr, table;
	struct hvo_error *err = hvo_cmd_parse_address(ctx, argv[1], &vaddr);
	if (err || (err = hvo_dump_pgt_root(ctx->prog->dump, &table)))
		return err;
	static const char *const level_names[] = { "pte", "pmd", "pud", "p4d" };
	unsigned int levels = ctx->prog->pgtable_levels;
	/* The top level is the pgd whether paging has 4 or 5 levels. */
#define LEVEL_NAME(l) ((l) == levels ? "pgd" : level_names[(l) - 1])
	json_object *result = ctx->json ? hvo_json_result_new("pte") : NULL;
	json_object *steps = ctx->json ? json_object_new_array() : NULL;
	if (ctx->json && (!result || !steps)) {
		json_object_put(result);
		json_object_put(steps);
		return &hvo_error_nomem;
	}
	if (!ctx->json)
		fprintf(ctx->out, "%-4s %-18s %-18s %s\n", "", "entry at", "value", "flags");
	uint64_t paddr = 0;
	bool mapped = false;
	table &= PTE_ADDR;
	for (unsigned int level = levels; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		uint64_t entry_paddr = table + ((vaddr >> shift) & 511) * 8;
		uint64_t entry;
		char what[16];
		snprintf(what, sizeof(what), "%s entry", LEVEL_NAME(level));
		if ((err = hvo_dump_read_u64(ctx->prog->dump, HVO_PHYS, entry_paddr, &entry, what)))
			goto err;
		bool leaf = level == 1 || ((level == 2 || level == 3) && (entry & PTE_PSE));
		char flags[64];
		snprintf(flags, sizeof(flags), "%s%s%s%s%s", entry & PTE_PRESENT ? "P" : "-",
			 entry & PTE_RW ? " RW" : " RO", entry & PTE_USER ? " U" : "",
			 leaf && level > 1 ? " PS" : "", entry & PTE_NX ? " NX" : "");
		if (ctx->json) {
			json_object *step = json_object_new_object();
			json_object_object_add(step, "level", json_object_new_string(LEVEL_NAME(level)));
			json_object_object_add(step, "entry_paddr", hvo_json_hex(entry_paddr));
			json_object_object_add(step, "value", hvo_json_hex(entry));
			json_object_object_add(step, "flags", json_object_new_string(flags));
			json_object_array_add(steps, step);
		} else {
			fprintf(ctx->out, "%-4s 0x%016" PRIx64 " 0x%016" PRIx64 " %s\n", LEVEL_NAME(level),
				entry_paddr, entry, flags);
		}
		if (!(entry & PTE_PRESENT))
			break;
		if (leaf) {
			uint64_t span = UINT64_C(1) << shift;
			paddr = ((entry & PTE_ADDR) & ~(span - 1)) | (vaddr & (span - 1));
			mapped = true;
			break;
		}
		table = entry & PTE_ADDR;
	}
	/* kdump files are read(2), which gives zeros past a shrunken end. */
	if ((err = hvo_dump_check_unchanged(ctx->prog->dump)))
		goto err;
	if (ctx->json) {
		json_object_object_add(result, "vaddr", hvo_json_hex(vaddr));
		json_object_object_add(result, "steps", steps);
		json_object_object_add(result, "mapped", json_object_new_boolean(mapped));
		if (mapped)
			json_object_object_add(result, "paddr", hvo_json_hex(paddr));
		return hvo_cmd_json_emit(ctx, result);
	}
	if (mapped)
		fprintf(ctx->out, "0x%016" PRIx64 " -> physical 0x%" PRIx64 "\n", vaddr, paddr);
	else
		fprintf(ctx->out, "0x%016" PRIx64 " is not mapped\n", vaddr);
	return NULL;
err:
	json_object_put(result);
	json_object_put(steps);
	return err;
}

const struct hvo_cmd hvo_cmd_pte = {
	.name = "pte",
	.args = "ADDR",
	.summary = "walk one kernel address through the page tables",
	.help = "Shows each level's entry (where it is, its value, present/RW/PS/NX)\n"
		"and the physical address ADDR maps to, read from the dump's own page\n"
		"tables starting at the kernel's top-level table.",
	.needs_dump = true,
	.options = json_option,
	.exec = pte_exec,
};
