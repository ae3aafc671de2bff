/* layout: structure layouts of each modelled kernel generation (from BTF). */
#include "layout.h"

#include <string.h>

static const struct mkv_layout layouts[] = {
	[MKV_GEN_LEGACY] = {
		.gen = MKV_GEN_LEGACY, .name = "legacy",
		.osrelease = "6.12.107+deb13-amd64",
		.compound_field = "compound_head", .compound_mask = 0,
		.migrate_types = 5,
		.size_pglist_data = 174464, .size_zone = 1536, .size_free_area = 88,
		.size_hstate = 32920,
		.pgdat_node_zones = 0, .pgdat_nr_zones = 171552, .pgdat_node_start_pfn = 171560,
		.pgdat_node_present_pages = 171568, .pgdat_node_spanned_pages = 171576,
		.pgdat_node_id = 171584, .pgdat_vm_stat = 174024, .pgdat_vmemmap_tails = 0,
		.zone_node = 96, .zone_pgdat = 104, .zone_start_pfn = 144,
		.zone_managed_pages = 152, .zone_spanned_pages = 160, .zone_present_pages = 168,
		.zone_name = 184, .zone_free_area = 256, .zone_vm_stat = 1344,
		.zone_vmemmap_tails = 0,
		.hstate_order = 40, .hstate_mask = 48, .hstate_max_huge_pages = 56,
		.hstate_nr_huge_pages = 64, .hstate_free_huge_pages = 72,
		.hstate_activelist = 104, .hstate_freelists = 120,
		.hstate_max_huge_pages_node = 16504, .hstate_nr_huge_pages_node = 20600,
		.hstate_free_huge_pages_node = 24696, .hstate_name = 32888,
		.folio_large_mapcount = 16, .folio_entire_mapcount = 20,
		.folio_nr_pages_mapped = 24, .folio_pincount = 28, .folio_nr_pages = 32,
		.first_tail_mapping = 3, .pg_hwpoison = 20, .has_kallsyms_relative_base = 1,
		.size_printk_info = 88, .printk_info_dev_info = 24,
	},
	[MKV_GEN_V3] = {
		.gen = MKV_GEN_V3, .name = "v3",
		.osrelease = "6.19.0-rc1-hvo-v3",
		.compound_field = "compound_info", .compound_mask = 1, .tails_per_node = 1,
		.migrate_types = 6,
		/* merged minus zone.vmemmap_tails (5 zones x 640 bytes), plus the node array */
		.size_pglist_data = 175744, .size_zone = 1728, .size_free_area = 104,
		.size_hstate = 32912,
		.pgdat_node_zones = 0, .pgdat_nr_zones = 173152 - 640,
		.pgdat_node_start_pfn = 173160 - 640, .pgdat_node_present_pages = 173168 - 640,
		.pgdat_node_spanned_pages = 173176 - 640, .pgdat_node_id = 173184 - 640,
		.pgdat_vm_stat = 175624 - 640, .pgdat_vmemmap_tails = 176208 - 640,
		.zone_node = 96, .zone_pgdat = 104, .zone_start_pfn = 144,
		.zone_managed_pages = 152, .zone_spanned_pages = 160, .zone_present_pages = 168,
		.zone_name = 192, .zone_free_area = 256, .zone_vm_stat = 1536,
		.zone_vmemmap_tails = 0,
		.hstate_order = 32, .hstate_mask = 40, .hstate_max_huge_pages = 48,
		.hstate_nr_huge_pages = 56, .hstate_free_huge_pages = 64,
		.hstate_activelist = 96, .hstate_freelists = 112,
		.hstate_max_huge_pages_node = 16496, .hstate_nr_huge_pages_node = 20592,
		.hstate_free_huge_pages_node = 24688, .hstate_name = 32880,
		.folio_large_mapcount = 16, .folio_entire_mapcount = 24,
		.folio_nr_pages_mapped = 20, .folio_pincount = 28, .folio_nr_pages = 56,
		.first_tail_mapping = 4, .pg_hwpoison = 21, .has_unaccepted_number = 1,
		.size_printk_info = 112, .printk_info_dev_info = 44,
	},
	[MKV_GEN_MERGED] = {
		.gen = MKV_GEN_MERGED, .name = "merged",
		.osrelease = "7.2.13+deb14-amd64",
		.compound_field = "compound_info", .compound_mask = 1, .tails_per_zone = 1,
		.migrate_types = 6,
		.size_pglist_data = 176256, .size_zone = 1856, .size_free_area = 104,
		.size_hstate = 32912,
		.pgdat_node_zones = 0, .pgdat_nr_zones = 173152, .pgdat_node_start_pfn = 173160,
		.pgdat_node_present_pages = 173168, .pgdat_node_spanned_pages = 173176,
		.pgdat_node_id = 173184, .pgdat_vm_stat = 175624, .pgdat_vmemmap_tails = 0,
		.zone_node = 96, .zone_pgdat = 104, .zone_start_pfn = 144,
		.zone_managed_pages = 152, .zone_spanned_pages = 160, .zone_present_pages = 168,
		.zone_name = 192, .zone_free_area = 256, .zone_vm_stat = 1536,
		.zone_vmemmap_tails = 1680,
		.hstate_order = 32, .hstate_mask = 40, .hstate_max_huge_pages = 48,
		.hstate_nr_huge_pages = 56, .hstate_free_huge_pages = 64,
		.hstate_activelist = 96, .hstate_freelists = 112,
		.hstate_max_huge_pages_node = 16496, .hstate_nr_huge_pages_node = 20592,
		.hstate_free_huge_pages_node = 24688, .hstate_name = 32880,
		.folio_large_mapcount = 16, .folio_entire_mapcount = 24,
		.folio_nr_pages_mapped = 20, .folio_pincount = 28, .folio_nr_pages = 56,
		.first_tail_mapping = 4, .pg_hwpoison = 21, .has_unaccepted_number = 1,
		.size_printk_info = 112, .printk_info_dev_info = 44,
	},
};

const struct mkv_layout *mkv_layout_get(enum mkv_gen gen)
{
	return &layouts[gen];
}

int mkv_layout_parse_gen(const char *name, enum mkv_gen *gen_ret)
{
	for (unsigned i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		if (!strcmp(name, layouts[i].name)) {
			*gen_ret = layouts[i].gen;
			return 0;
		}
	}
	return -1;
}
