/* kstate.c - read memmap counters and vmemmap_tails[] with type information. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hvo.h"
#include "kstate.h"
#include "vector.h"

/* Bounds on counts read from the dump. */
#define MAX_NODES 1024
#define MAX_ZONES 8
#define MAX_TAIL_SLOTS 64

struct hvo_error *hvo_kstate_hpg_vmemmap_optimized(struct hvo_types *types, unsigned int *bit_ret,
						   enum hvo_types_provider *provider_ret)
{
	int64_t value;
	struct hvo_error *err = hvo_types_enum_value(types, "hugetlb_page_flags",
						     "HPG_vmemmap_optimized", &value, provider_ret);
	if (err)
		return err;
	if (value < 0 || value > 63)
		return hvo_error_create(HVO_ERROR_INVALID, "enum hugetlb_page_flags gives "
					"HPG_vmemmap_optimized = %" PRId64 ", not a bit of "
					"page->private", value);
	*bit_ret = (unsigned int)value;
	return NULL;
}

struct hvo_error *hvo_kstate_memmap_counters(const struct hvo_program *prog,
					     struct hvo_types *types,
					     struct hvo_memmap_counters *ret)
{
	static const char *const names[] = { "nr_memmap_pages", "nr_memmap_boot_pages" };
	int64_t values[2];
	for (int i = 0; i < 2; i++) {
		uint64_t address;
		struct hvo_error *err = hvo_types_symbol(types, names[i], &address, &ret->provider);
		if (err)
			return err;
		uint64_t value;
		err = hvo_dump_read_u64(prog->dump, HVO_VIRT, address, &value, names[i]);
		if (err)
			return err;
		values[i] = (int64_t)value;
	}
	ret->nr_memmap_pages = values[0];
	ret->nr_memmap_boot_pages = values[1];
	return NULL;
}

/*
 * node_data[] (struct pglist_data *[MAX_NUMNODES]), read whole: one read
 * instead of 1024 (a third of a report's reads went to its slots).
 */
static struct hvo_error *read_node_data(const struct hvo_program *prog,
					struct hvo_types *types, uint64_t **pgdats_ret,
					uint64_t *nr_ret)
{
	uint64_t address, nr;
	struct hvo_error *err = hvo_vmcoreinfo_u64(prog->vmcoreinfo, "SYMBOL(node_data)",
						   &address);
	if (err == &hvo_error_not_found)
		err = hvo_types_symbol(types, "node_data", &address, NULL);
	if (err)
		return err;
	err = hvo_vmcoreinfo_u64(prog->vmcoreinfo, "LENGTH(node_data)", &nr);
	if (err == &hvo_error_not_found) {
		nr = MAX_NODES;
		err = NULL;
	}
	if (err)
		return err;
	if (nr > MAX_NODES)
		nr = MAX_NODES;
	uint64_t *pgdats = calloc(nr ? nr : 1, sizeof(*pgdats));
	if (!pgdats)
		return &hvo_error_nomem;
	err = hvo_dump_read(prog->dump, HVO_VIRT, address, pgdats, nr * 8, "node_data[]");
	if (err) {
		free(pgdats);
		return err;
	}
	*pgdats_ret = pgdats;
	*nr_ret = nr;
	return NULL;
}

HVO_VECTOR(tail_entries, struct hvo_tail_entry)
HVO_VECTOR(hstate_counts, struct hvo_hstate_count)
HVO_VECTOR(zone_spans, struct hvo_zone_span)

struct hvo_error *hvo_kstate_vmemmap_tails(const struct hvo_program *prog,
					   struct hvo_types *types,
					   struct hvo_tail_entry **entries_ret, size_t *nr_ret,
					   enum hvo_types_provider *provider_ret)
{
	bool v3 = prog->generation == HVO_GEN_V3;
	struct hvo_member tails, zones;
	uint64_t zone_size, *pgdats = NULL, nr_node_slots;
	struct hvo_error *err;

	if (prog->generation == HVO_GEN_LEGACY) {
		*entries_ret = NULL;
		*nr_ret = 0;
		return NULL;
	}
	err = hvo_types_member(types, v3 ? "pglist_data" : "zone", "vmemmap_tails", &tails);
	if (err)
		return err;
	*provider_ret = tails.provider;
	if (!tails.array_len || tails.array_len > MAX_TAIL_SLOTS || tails.elem_size != 8)
		return hvo_error_create(HVO_ERROR_INVALID,
					"vmemmap_tails is not an array of up to %d 8-byte slots "
					"(%" PRIu64 " of %" PRIu64 " bytes)",
					MAX_TAIL_SLOTS, tails.array_len, tails.elem_size);
	if ((err = hvo_types_member(types, "pglist_data", "node_zones", &zones)) ||
	    (err = hvo_types_struct_size(types, "zone", &zone_size, NULL)))
		return err;
	uint64_t nr_zones = zones.array_len ? zones.array_len : 1;
	if (nr_zones > MAX_ZONES || zone_size == 0 || zone_size > (1 << 20) ||
	    tails.offset + tails.array_len * 8 > (v3 ? UINT64_MAX : zone_size))
		return hvo_error_create(HVO_ERROR_INVALID,
					"zone layout is not plausible (%" PRIu64 " zones of %" PRIu64
					" bytes)", nr_zones, zone_size);
	if ((err = read_node_data(prog, types, &pgdats, &nr_node_slots)))
		return err;

	struct tail_entries entries = { 0 };
	for (uint64_t node = 0; node < nr_node_slots; node++) {
		uint64_t pgdat = pgdats[node];
		if (!pgdat)
			continue;
		/* v3: one array per node; merged: one per zone. */
		uint64_t nr_arrays = v3 ? 1 : nr_zones;
		for (uint64_t z = 0; z < nr_arrays; z++) {
			uint64_t base = v3 ? pgdat + tails.offset :
				pgdat + zones.offset + z * zone_size + tails.offset;
			uint64_t slots[MAX_TAIL_SLOTS];
			err = hvo_dump_read(prog->dump, HVO_VIRT, base, slots, tails.array_len * 8,
					    "vmemmap_tails[]");
			if (err)
				goto err;
			for (uint64_t i = 0; i < tails.array_len; i++) {
				if (!slots[i])
					continue;
				uint64_t pfn;
				if (v3) {
					pfn = slots[i];
				} else {
					if (slots[i] < prog->vmemmap_base ||
					    (slots[i] - prog->vmemmap_base) % prog->page.size) {
						err = hvo_error_create(HVO_ERROR_INVALID,
								       "vmemmap_tails[%" PRIu64 "] of node %" PRIu64
								       " zone %" PRIu64 " is 0x%" PRIx64
								       ", not a struct page address",
								       i, node, z, slots[i]);
						goto err;
					}
					pfn = (slots[i] - prog->vmemmap_base) / prog->page.size;
				}
				struct hvo_tail_entry *entry = tail_entries_append(&entries);
				if (!entry) {
					err = &hvo_error_nomem;
					goto err;
				}
				*entry = (struct hvo_tail_entry){
					.node = node, .zone = z,
					.order = prog->vmemmap_tail_min_order + i,
					.frame = pfn << prog->arch->page_shift,
					.entry_vaddr = base + i * 8,
				};
			}
		}
	}
	free(pgdats);
	*entries_ret = entries.data;
	*nr_ret = entries.size;
	return NULL;
err:
	free(pgdats);
	tail_entries_deinit(&entries);
	return err;
}

/* HUGE_MAX_HSTATE is 2 on x86_64; bound what a corrupted dump can claim. */
#define MAX_HSTATES 16

struct hvo_error *hvo_kstate_hstates(const struct hvo_program *prog,
				     struct hvo_types *types,
				     struct hvo_hstate_count **counts_ret, size_t *nr_ret)
{
	uint64_t hstates, max_hstate_addr, hstate_size;
	struct hvo_member order, per_node;
	struct hvo_error *err;
	if ((err = hvo_types_symbol(types, "hstates", &hstates, NULL)) ||
	    (err = hvo_types_symbol(types, "hugetlb_max_hstate", &max_hstate_addr, NULL)) ||
	    (err = hvo_types_struct_size(types, "hstate", &hstate_size, NULL)) ||
	    (err = hvo_types_member(types, "hstate", "order", &order)) ||
	    (err = hvo_types_member(types, "hstate", "nr_huge_pages_node", &per_node)))
		return err;
	if (order.size != 4 || per_node.elem_size != 4 || !per_node.array_len ||
	    per_node.array_len > MAX_NODES || hstate_size > (1 << 20) ||
	    per_node.offset + per_node.array_len * 4 > hstate_size)
		return hvo_error_create(HVO_ERROR_INVALID, "struct hstate layout is not plausible");
	uint32_t max_hstate;
	if ((err = hvo_dump_read(prog->dump, HVO_VIRT, max_hstate_addr, &max_hstate,
				 sizeof(max_hstate), "hugetlb_max_hstate")))
		return err;
	if (max_hstate > MAX_HSTATES)
		return hvo_error_create(HVO_ERROR_INVALID, "hugetlb_max_hstate is %u", max_hstate);

	struct hstate_counts counts = { 0 };
	uint32_t *nodes = malloc(per_node.array_len * 4);
	if (!nodes)
		return &hvo_error_nomem;
	for (uint32_t h = 0; h < max_hstate; h++) {
		uint64_t base = hstates + h * hstate_size;
		uint32_t hstate_order;
		if ((err = hvo_dump_read(prog->dump, HVO_VIRT, base + order.offset, &hstate_order,
					 4, "hstate.order")) ||
		    (err = hvo_dump_read(prog->dump, HVO_VIRT, base + per_node.offset, nodes,
					 per_node.array_len * 4, "hstate.nr_huge_pages_node")))
			goto err;
		if (hstate_order > hvo_arch_max_folio_order(prog->arch)) {
			err = hvo_error_create(HVO_ERROR_INVALID, "hstates[%u].order is %u", h,
					       hstate_order);
			goto err;
		}
		for (uint64_t n = 0; n < per_node.array_len; n++) {
			if (!nodes[n])
				continue;
			struct hvo_hstate_count *count = hstate_counts_append(&counts);
			if (!count) {
				err = &hvo_error_nomem;
				goto err;
			}
			*count = (struct hvo_hstate_count){
				.node = n, .order = hstate_order, .nr_huge_pages = nodes[n],
			};
		}
	}
	free(nodes);
	*counts_ret = counts.data;
	*nr_ret = counts.size;
	return NULL;
err:
	free(nodes);
	hstate_counts_deinit(&counts);
	return err;
}

struct hvo_error *hvo_kstate_zone_spans(const struct hvo_program *prog,
					struct hvo_types *types,
					struct hvo_zone_span **spans_ret, size_t *nr_ret)
{
	struct hvo_member zones, start, spanned;
	uint64_t zone_size, *pgdats = NULL, nr_node_slots;
	struct hvo_error *err;
	if ((err = hvo_types_member(types, "pglist_data", "node_zones", &zones)) ||
	    (err = hvo_types_struct_size(types, "zone", &zone_size, NULL)) ||
	    (err = hvo_types_member(types, "zone", "zone_start_pfn", &start)) ||
	    (err = hvo_types_member(types, "zone", "spanned_pages", &spanned)))
		return err;
	uint64_t nr_zones = zones.array_len ? zones.array_len : 1;
	if (nr_zones > MAX_ZONES || start.size != 8 || spanned.size != 8 ||
	    start.offset + 8 > zone_size || spanned.offset + 8 > zone_size)
		return hvo_error_create(HVO_ERROR_INVALID, "struct zone layout is not plausible");
	if ((err = read_node_data(prog, types, &pgdats, &nr_node_slots)))
		return err;
	struct zone_spans spans = { 0 };
	for (uint64_t node = 0; node < nr_node_slots; node++) {
		uint64_t pgdat = pgdats[node];
		if (!pgdat)
			continue;
		for (uint64_t z = 0; z < nr_zones; z++) {
			uint64_t zone = pgdat + zones.offset + z * zone_size, first, count;
			if ((err = hvo_dump_read_u64(prog->dump, HVO_VIRT, zone + start.offset, &first,
						     "zone.zone_start_pfn")) ||
			    (err = hvo_dump_read_u64(prog->dump, HVO_VIRT, zone + spanned.offset, &count,
						     "zone.spanned_pages")))
				goto err;
			if (!count)
				continue;
			struct hvo_zone_span *span = zone_spans_append(&spans);
			if (!span) {
				err = &hvo_error_nomem;
				goto err;
			}
			*span = (struct hvo_zone_span){
				.node = node, .zone = z, .start_pfn = first, .spanned_pages = count,
			};
		}
	}
	free(pgdats);
	*spans_ret = spans.data;
	*nr_ret = spans.size;
	return NULL;
err:
	free(pgdats);
	zone_spans_deinit(&spans);
	return err;
}
