/*
 * cmd_memory.c - `rd` (dump memory), `vtop` (walk one address through the
 * page tables) and `pte` (decode one entry), with addresses given as
 * numbers, symbols or sym+off.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pgtable.h"

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

/* What rd read. */
struct rd_result {
	uint64_t address, count;
	bool physical;
	unsigned char bytes[];
};

static struct hvo_error *rd_exec(struct hvo_cmd_ctx *ctx, int argc, char **argv,
				 void **result_ret)
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
	struct rd_result *rd = malloc(sizeof(*rd) + count);
	if (!rd)
		return &hvo_error_nomem;
	err = hvo_dump_read(ctx->prog->dump, physical ? HVO_PHYS : HVO_VIRT, address, rd->bytes,
			    count, "memory");
	if (err) {
		free(rd);
		return err;
	}
	rd->address = address;
	rd->count = count;
	rd->physical = physical;
	*result_ret = rd;
	return NULL;
}

static struct hvo_error *rd_render_json(struct hvo_cmd_ctx *ctx, const void *arg)
{
	const struct rd_result *rd = arg;
	json_object *result = hvo_json_result_new("rd");
	char *hex = malloc(rd->count * 2 + 1);
	if (!result || !hex) {
		json_object_put(result);
		free(hex);
		return &hvo_error_nomem;
	}
	for (uint64_t i = 0; i < rd->count; i++)
		sprintf(hex + 2 * i, "%02x", rd->bytes[i]);
	json_object_object_add(result, "address", hvo_json_hex(rd->address));
	json_object_object_add(result, "physical", json_object_new_boolean(rd->physical));
	json_object_object_add(result, "hex", json_object_new_string(hex));
	free(hex);
	return hvo_cmd_json_emit(ctx, result);
}

static struct hvo_error *rd_render_text(struct hvo_cmd_ctx *ctx, const void *arg)
{
	const struct rd_result *rd = arg;
	const unsigned char *buf = rd->bytes;
	uint64_t address = rd->address, count = rd->count;
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
	.render_text = rd_render_text,
	.render_json = rd_render_json,
	.free_result = free,
};

static const struct hvo_cmd_option json_option[] = {
	HVO_CMD_OPTION_JSON,
	HVO_CMD_OPTION_END,
};

/* One address's walk: each level's entry, then where it leads. */
struct pte_walk {
	uint64_t vaddr;
	unsigned int nr_steps;
	struct {
		unsigned int level;
		uint64_t entry_paddr, value;
		struct hvo_pte pte;
	} steps[HVO_PGTABLE_MAX_LEVELS];
	bool mapped;
	uint64_t paddr;
};

static struct hvo_error *vtop_entry(void *arg, unsigned int level, uint64_t entry_paddr,
				   uint64_t value, struct hvo_pte pte)
{
	struct pte_walk *walk = arg;
	if (walk->nr_steps == HVO_PGTABLE_MAX_LEVELS)
		return hvo_error_create(HVO_ERROR_INTERNAL, "more than %d page-table levels",
					HVO_PGTABLE_MAX_LEVELS);
	walk->steps[walk->nr_steps].level = level;
	walk->steps[walk->nr_steps].entry_paddr = entry_paddr;
	walk->steps[walk->nr_steps].value = value;
	walk->steps[walk->nr_steps].pte = pte;
	walk->nr_steps++;
	return NULL;
}

static struct hvo_error *vtop_leaves(void *arg, unsigned int level, uint64_t vaddr,
				    uint64_t paddr, uint64_t nr, uint64_t step, bool writable)
{
	struct pte_walk *walk = arg;
	walk->mapped = true;
	walk->paddr = paddr + (walk->vaddr - vaddr);	/* one byte asked: one leaf found */
	return NULL;
}

/* On one address's path a table that cannot be read ends the walk. */
static struct hvo_error *vtop_bad_table(void *arg, uint64_t vaddr, uint64_t table_paddr,
				       struct hvo_error *err)
{
	return err;
}

static const struct hvo_pgtable_ops vtop_ops = {
	.entry = vtop_entry,
	.leaves = vtop_leaves,
	.bad_table = vtop_bad_table,
};

/* "P RW U PS NX", crash-like: what the entry allows. */
static void pte_flags_text(const struct hvo_pte *pte, unsigned int level, char *buf,
			   size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s", pte->flags & HVO_PTE_PRESENT ? "P" : "-",
		 pte->flags & HVO_PTE_WRITABLE ? " RW" : " RO",
		 pte->flags & HVO_PTE_USER ? " U" : "",
		 (pte->flags & HVO_PTE_LEAF) && level > 1 ? " PS" : "",
		 pte->flags & HVO_PTE_NOEXEC ? " NX" : "");
}

static struct hvo_error *vtop_render_json(struct hvo_cmd_ctx *ctx, const void *arg)
{
	const struct pte_walk *walk = arg;
	const struct hvo_arch *arch = ctx->prog->arch;
	unsigned int levels = ctx->prog->pgtable_levels;
	json_object *result = hvo_json_result_new("vtop");
	json_object *steps = json_object_new_array();
	if (!result || !steps) {
		json_object_put(result);
		json_object_put(steps);
		return &hvo_error_nomem;
	}
	for (unsigned int i = 0; i < walk->nr_steps; i++) {
		char flags[64];
		pte_flags_text(&walk->steps[i].pte, walk->steps[i].level, flags, sizeof(flags));
		json_object *step = json_object_new_object();
		json_object_object_add(step, "level", json_object_new_string(
			hvo_arch_level_name(arch, walk->steps[i].level, levels)));
		json_object_object_add(step, "entry_paddr", hvo_json_hex(walk->steps[i].entry_paddr));
		json_object_object_add(step, "value", hvo_json_hex(walk->steps[i].value));
		json_object_object_add(step, "flags", json_object_new_string(flags));
		json_object_array_add(steps, step);
	}
	json_object_object_add(result, "vaddr", hvo_json_hex(walk->vaddr));
	json_object_object_add(result, "steps", steps);
	json_object_object_add(result, "mapped", json_object_new_boolean(walk->mapped));
	if (walk->mapped)
		json_object_object_add(result, "paddr", hvo_json_hex(walk->paddr));
	return hvo_cmd_json_emit(ctx, result);
}

static struct hvo_error *vtop_render_text(struct hvo_cmd_ctx *ctx, const void *arg)
{
	const struct pte_walk *walk = arg;
	const struct hvo_arch *arch = ctx->prog->arch;
	unsigned int levels = ctx->prog->pgtable_levels;
	fprintf(ctx->out, "%-4s %-18s %-18s %s\n", "", "entry at", "value", "flags");
	for (unsigned int i = 0; i < walk->nr_steps; i++) {
		char flags[64];
		pte_flags_text(&walk->steps[i].pte, walk->steps[i].level, flags, sizeof(flags));
		fprintf(ctx->out, "%-4s 0x%016" PRIx64 " 0x%016" PRIx64 " %s\n",
			hvo_arch_level_name(arch, walk->steps[i].level, levels),
			walk->steps[i].entry_paddr, walk->steps[i].value, flags);
	}
	if (walk->mapped)
		fprintf(ctx->out, "0x%016" PRIx64 " -> physical 0x%" PRIx64 "\n", walk->vaddr,
			walk->paddr);
	else
		fprintf(ctx->out, "0x%016" PRIx64 " is not mapped\n", walk->vaddr);
	return NULL;
}

static struct hvo_error *vtop_exec(struct hvo_cmd_ctx *ctx, int argc, char **argv,
				   void **result_ret)
{
	if (argc != 2)
		return hvo_error_create(HVO_ERROR_USAGE, "vtop: usage: vtop ADDR");
	struct pte_walk *walk = calloc(1, sizeof(*walk));
	if (!walk)
		return &hvo_error_nomem;
	struct hvo_error *err = hvo_cmd_parse_address(ctx, argv[1], &walk->vaddr);
	if (err || (err = hvo_pgtable_walk(ctx->prog, walk->vaddr, walk->vaddr + 1, &vtop_ops,
					   walk, NULL))) {
		free(walk);
		return err;
	}
	*result_ret = walk;
	return NULL;
}

const struct hvo_cmd hvo_cmd_vtop = {
	.name = "vtop",
	.args = "ADDR",
	.summary = "walk one kernel address through the page tables",
	.help = "Shows each level's entry (where it is, its value, present/RW/PS/NX)\n"
		"and the physical address ADDR maps to, read from the dump's own page\n"
		"tables starting at the kernel's top-level table.  ADDR is a number, a\n"
		"symbol or symbol+offset.  (crash's vtop; pte decodes one entry.)",
	.needs_dump = true,
	.options = json_option,
	.exec = vtop_exec,
	.render_text = vtop_render_text,
	.render_json = vtop_render_json,
	.free_result = free,
};

/* One entry, decoded without reading anything: crash's `pte VALUE`. */
struct pte_result {
	uint64_t value;
	struct hvo_pte pte;
	const struct hvo_pte_bit *bits;
};

static struct hvo_error *pte_exec(struct hvo_cmd_ctx *ctx, int argc, char **argv,
				  void **result_ret)
{
	if (argc != 2)
		return hvo_error_create(HVO_ERROR_USAGE, "pte: usage: pte VALUE");
	char *end;
	errno = 0;
	unsigned long long value = strtoull(argv[1], &end, 16);
	if (errno || *end || end == argv[1] || argv[1][0] == '-')
		return hvo_error_create(HVO_ERROR_USAGE, "pte: '%s' is not an entry value: pte "
					"decodes a page-table entry, as crash's does; vtop walks an "
					"address", argv[1]);
	struct pte_result *pte = malloc(sizeof(*pte));
	if (!pte)
		return &hvo_error_nomem;
	pte->value = value;
	ctx->prog->arch->decode_pte(value, 1, &pte->pte);
	pte->bits = ctx->prog->arch->pte_bits;
	*result_ret = pte;
	return NULL;
}

static struct hvo_error *pte_render_json(struct hvo_cmd_ctx *ctx, const void *arg)
{
	const struct pte_result *pte = arg;
	json_object *result = hvo_json_result_new("pte");
	json_object *flags = json_object_new_array();
	if (!result || !flags) {
		json_object_put(result);
		json_object_put(flags);
		return &hvo_error_nomem;
	}
	for (const struct hvo_pte_bit *bit = pte->bits; bit->mask; bit++) {
		if (pte->value & bit->mask)
			json_object_array_add(flags, json_object_new_string(bit->name));
	}
	json_object_object_add(result, "value", hvo_json_hex(pte->value));
	json_object_object_add(result, "paddr", hvo_json_hex(pte->pte.paddr));
	json_object_object_add(result, "flags", flags);
	return hvo_cmd_json_emit(ctx, result);
}

static struct hvo_error *pte_render_text(struct hvo_cmd_ctx *ctx, const void *arg)
{
	const struct pte_result *pte = arg;
	fprintf(ctx->out, "%16s  %16s  %s\n", "PTE", "PHYSICAL", "FLAGS");
	fprintf(ctx->out, "%16" PRIx64 "  %16" PRIx64 "  (", pte->value, pte->pte.paddr);
	bool first = true;
	for (const struct hvo_pte_bit *bit = pte->bits; bit->mask; bit++) {
		if (pte->value & bit->mask) {
			fprintf(ctx->out, "%s%s", first ? "" : "|", bit->name);
			first = false;
		}
	}
	fputs(")\n", ctx->out);
	return NULL;
}

const struct hvo_cmd hvo_cmd_pte = {
	.name = "pte",
	.args = "VALUE",
	.summary = "decode a page-table entry value: physical address and flags",
	.help = "Decodes VALUE (hex, as crash's pte takes it) as a last-level page-table\n"
		"entry of the dump's architecture: the physical address it maps and its\n"
		"flags by name.  Nothing is read from the dump; vtop walks an address.",
	.needs_dump = true,
	.options = json_option,
	.exec = pte_exec,
	.render_text = pte_render_text,
	.render_json = pte_render_json,
	.free_result = free,
};
