/*
 * kallsyms: the kernel's compressed symbol table in the image's rodata, as
 * scripts/kallsyms.c lays it out (num_syms, names, markers, token_table,
 * token_index, offsets, [relative_base], seqs_of_names), so that readers
 * find symbols such as hstates or __start_BTF without a vmlinux.
 * Offsets: merged/v3 (7.x) are PC-relative (&offsets[i] + offsets[i]);
 * legacy (6.12, CONFIG_KALLSYMS_ABSOLUTE_PERCPU) stores relative_base - 1 -
 * addr for every (non-per-cpu) symbol and exports kallsyms_relative_base.
 * Names are compressed with bigram tokens in the byte values no name uses.
 */
#include "model.h"

#include <stdlib.h>
#include <string.h>

#define KALLSYMS_AREA 0x10000	/* rodata offset of the tables */

struct ksym {
	const char *name;
	char type;
	uint64_t vaddr;
	uint32_t seq;
};

struct bytes {
	uint8_t *v;
	size_t n, cap;
};

static int put(struct bytes *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->n + n)
			cap *= 2;
		uint8_t *v = realloc(b->v, cap);
		if (!v)
			return -1;
		b->v = v;
		b->cap = cap;
	}
	memcpy(b->v + b->n, p, n);
	b->n += n;
	return 0;
}

static int align(struct bytes *b, size_t a)
{
	static const uint8_t zero[8];
	return b->n % a ? put(b, zero, a - b->n % a) : 0;
}

static char sym_type(const char *name)
{
	static const struct { const char *name; char type; } types[] = {
		{ "_text", 'T' }, { "_stext", 'T' }, { "start_kernel", 'T' }, { "_end", 'B' },
		{ "nr_memmap_pages", 'b' }, { "nr_memmap_boot_pages", 'b' }, { "clear_seq", 'b' },
		{ "printk_rb_static", 'd' }, { "mem_section", 'B' }, { "hstates", 'B' },
		{ "hugetlb_max_hstate", 'B' }, { "__start_BTF", 'R' }, { "__stop_BTF", 'R' },
		{ "vmemmap_optimize_enabled", 'd' },
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(types[i].name, name))
			return types[i].type;
	return 'D';
}

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_name(const void *a, const void *b)
{
	const struct ksym *x = *(const struct ksym *const *)a, *y = *(const struct ksym *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

struct bigram {
	uint8_t a, b;
	uint32_t count;
};

static int cmp_bigram(const void *x, const void *y)
{
	const struct bigram *p = x, *q = y;
	if (p->count != q->count)
		return p->count > q->count ? -1 : 1;
	return p->a != q->a ? p->a - q->a : p->b - q->b;
}

/* token[i]: the byte itself where names use it, else a frequent bigram. */
static void make_tokens(const struct ksym *syms, size_t n, char tokens[256][3])
{
	bool used[256] = { false };
	static struct bigram counts[128 * 128];
	memset(counts, 0, sizeof(counts));
	for (size_t i = 0; i < n; i++) {
		char full[128];
		snprintf(full, sizeof(full), "%c%s", syms[i].type, syms[i].name);
		for (size_t k = 0; full[k]; k++) {
			used[(uint8_t)full[k]] = true;
			if (full[k + 1]) {
				struct bigram *g = &counts[((uint8_t)full[k] & 127) * 128 +
							   ((uint8_t)full[k + 1] & 127)];
				g->a = (uint8_t)full[k];
				g->b = (uint8_t)full[k + 1];
				g->count++;
			}
		}
	}
	qsort(counts, 128 * 128, sizeof(counts[0]), cmp_bigram);
	size_t next = 0;
	for (int i = 0; i < 256; i++) {
		if (used[i] && i) {
			tokens[i][0] = (char)i;
			tokens[i][1] = '\0';
		} else if (counts[next].count) {
			tokens[i][0] = (char)counts[next].a;
			tokens[i][1] = (char)counts[next].b;
			tokens[i][2] = '\0';
			next++;
		} else {
			strcpy(tokens[i], "_");
		}
	}
}

int mkv_kallsyms_build(struct mkv_model *m)
{
	bool legacy = m->lay->gen == MKV_GEN_LEGACY;
	uint64_t base = m->text_vaddr + (UINT64_C(16) << 20) + KALLSYMS_AREA;
	struct ksym *syms = calloc(m->nr_syms, sizeof(*syms));
	struct ksym **by_name = calloc(m->nr_syms, sizeof(*by_name));
	struct bytes b = { 0 };
	char tokens[256][3];
	int ret = -1;

	memset(tokens, 0, sizeof(tokens));
	size_t n = 0;

	if (!syms || !by_name)
		goto out;
	for (size_t i = 0; i < m->nr_syms; i++) {
		/* swapper_pg_dir is a #define of init_top_pgt, not a symbol */
		if (!strcmp(m->syms[i].name, "swapper_pg_dir") ||
		    !strncmp(m->syms[i].name, "kallsyms_", 9))
			continue;
		syms[n].name = m->syms[i].name;
		syms[n].type = sym_type(m->syms[i].name);
		syms[n].vaddr = m->syms[i].vaddr;
		n++;
	}
	qsort(syms, n, sizeof(*syms), cmp_addr);
	make_tokens(syms, n, tokens);

	/* kallsyms_num_syms */
	uint32_t nr = (uint32_t)n;
	uint64_t a_num = base + b.n;
	if (put(&b, &nr, 4) || align(&b, 8))
		goto out;
	/* kallsyms_names: ULEB128 length, then token indices (greedy bigrams) */
	uint64_t a_names = base + b.n;
	uint32_t *markers = calloc((n + 255) / 256 + 1, sizeof(*markers));
	if (!markers)
		goto out;
	size_t names_start = b.n;
	for (size_t i = 0; i < n; i++) {
		char full[128];
		uint8_t enc[128];
		size_t len = 0;
		if (!(i & 255))
			markers[i >> 8] = (uint32_t)(b.n - names_start);
		syms[i].seq = (uint32_t)i;
		snprintf(full, sizeof(full), "%c%s", syms[i].type, syms[i].name);
		for (size_t k = 0; full[k];) {
			int tok = (uint8_t)full[k];
			for (int t = 0; t < 256 && full[k + 1]; t++) {
				if (tokens[t][1] && tokens[t][0] == full[k] && tokens[t][1] == full[k + 1] &&
				    !tokens[t][2]) {
					tok = t;
					break;
				}
			}
			enc[len++] = (uint8_t)tok;
			k += tokens[tok][1] && tok != (uint8_t)full[k] ? 2 : 1;
		}
		uint8_t l = (uint8_t)len;	/* names are short: one length byte */
		if (put(&b, &l, 1) || put(&b, enc, len)) {
			free(markers);
			goto out;
		}
	}
	if (align(&b, 8)) {
		free(markers);
		goto out;
	}
	uint64_t a_markers = base + b.n;
	int merr = put(&b, markers, ((n + 255) / 256) * 4) || align(&b, 8);
	free(markers);
	if (merr)
		goto out;
	/* kallsyms_token_table, kallsyms_token_index */
	uint64_t a_tokens = base + b.n;
	uint16_t index[256];
	size_t tstart = b.n;
	for (int i = 0; i < 256; i++) {
		index[i] = (uint16_t)(b.n - tstart);
		if (put(&b, tokens[i], strlen(tokens[i]) + 1))
			goto out;
	}
	if (align(&b, 8))
		goto out;
	uint64_t a_index = base + b.n;
	if (put(&b, index, sizeof(index)) || align(&b, 8))
		goto out;
	/* kallsyms_offsets */
	uint64_t a_offsets = base + b.n;
	for (size_t i = 0; i < n; i++) {
		int64_t off = legacy ? (int64_t)(m->text_vaddr - syms[i].vaddr) - 1
				     : (int64_t)(syms[i].vaddr - (a_offsets + 4 * i));
		int32_t v = (int32_t)off;
		if (put(&b, &v, 4))
			goto out;
	}
	if (align(&b, 8))
		goto out;
	uint64_t a_relbase = 0;
	if (legacy) {
		a_relbase = base + b.n;
		if (put(&b, &m->text_vaddr, 8))
			goto out;
	}
	/* kallsyms_seqs_of_names */
	uint64_t a_seqs = base + b.n;
	for (size_t i = 0; i < n; i++)
		by_name[i] = &syms[i];
	qsort(by_name, n, sizeof(*by_name), cmp_name);
	for (size_t i = 0; i < n; i++) {
		uint8_t s[3] = { (uint8_t)(by_name[i]->seq >> 16), (uint8_t)(by_name[i]->seq >> 8),
				 (uint8_t)by_name[i]->seq };
		if (put(&b, s, 3))
			goto out;
	}
	if (mkv_phys_write(m->mem, mkv_model_image_to_paddr(m, base), b.v, b.n))
		goto out;
	if (mkv_model_add_symbol(m, "kallsyms_num_syms", a_num) ||
	    mkv_model_add_symbol(m, "kallsyms_names", a_names) ||
	    mkv_model_add_symbol(m, "kallsyms_markers", a_markers) ||
	    mkv_model_add_symbol(m, "kallsyms_token_table", a_tokens) ||
	    mkv_model_add_symbol(m, "kallsyms_token_index", a_index) ||
	    mkv_model_add_symbol(m, "kallsyms_offsets", a_offsets) ||
	    (legacy && mkv_model_add_symbol(m, "kallsyms_relative_base", a_relbase)) ||
	    mkv_model_add_symbol(m, "kallsyms_seqs_of_names", a_seqs))
		goto out;
	ret = 0;
out:
	if (ret && !m->errbuf[0])
		snprintf(m->errbuf, sizeof(m->errbuf), "out of memory building kallsyms");
	free(b.v);
	free(by_name);
	free(syms);
	return ret;
}
