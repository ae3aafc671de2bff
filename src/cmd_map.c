/* cmd_map.c - `map FILE.svg`: the analysis drawn as a picture (report_svg.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "report.h"

struct map_result {
	const struct hvo_analysis *an;	/* ctx's */
	const char *path;		/* the SVG file to write */
};

static struct hvo_error *map_exec(struct hvo_cmd_ctx *ctx, int argc, char **argv,
				  void **result_ret)
{
	if (argc != 2)
		return hvo_error_create(HVO_ERROR_USAGE, "map: usage: map FILE.svg");
	/* x.png holding SVG would fool every viewer: write only what the name says. */
	size_t len = strlen(argv[1]);
	if (len < 4 || strcasecmp(argv[1] + len - 4, ".svg") != 0)
		return hvo_error_create(HVO_ERROR_USAGE, "map: '%s': the picture is SVG; give a "
					"name ending in .svg", argv[1]);
	const struct hvo_analysis *an;
	struct hvo_error *err = hvo_cmd_analysis(ctx, &an);
	if (err)
		return err;
	hvo_cmd_note_outcome(ctx, an, false);
	struct map_result *map = malloc(sizeof(*map));
	if (!map)
		return &hvo_error_nomem;
	map->an = an;
	map->path = argv[1];
	*result_ret = map;
	return NULL;
}

/* The picture goes to its file; the result says where. */
static struct hvo_error *write_svg(struct hvo_cmd_ctx *ctx, const struct map_result *map)
{
	FILE *out = fopen(map->path, "w");
	if (!out)
		return hvo_error_errno(errno, "cannot create '%s'", map->path);
	struct hvo_error *err = hvo_report_svg_map(out, ctx->prog, map->an);
	if (fclose(out) && !err)
		err = hvo_error_errno(errno, "writing '%s'", map->path);
	if (err)
		remove(map->path);
	return err;
}

static struct hvo_error *map_render_json(struct hvo_cmd_ctx *ctx, const void *result)
{
	const struct map_result *map = result;
	struct hvo_error *err = write_svg(ctx, map);
	if (err)
		return err;
	json_object *obj = hvo_json_result_new("map");
	if (!obj)
		return &hvo_error_nomem;
	json_object_object_add(obj, "output", json_object_new_string(map->path));
	json_object_object_add(obj, "folios", hvo_json_u64(map->an->nr_folios));
	return hvo_cmd_json_emit(ctx, obj);
}

static struct hvo_error *map_render_text(struct hvo_cmd_ctx *ctx, const void *result)
{
	const struct map_result *map = result;
	struct hvo_error *err = write_svg(ctx, map);
	if (!err)
		fprintf(ctx->out, "wrote '%s'\n", map->path);
	return err;
}

static const struct hvo_cmd_option map_options[] = {
	HVO_CMD_OPTION_JSON,
	HVO_CMD_OPTION_END,
};

const struct hvo_cmd hvo_cmd_map = {
	.name = "map",
	.args = "FILE.svg",
	.summary = "draw the hugetlb folios by address, coloured by HVO state",
	.help = "Writes an SVG picture: one row per node along the physical address\n"
		"space, each hugetlb folio drawn where it is and coloured by its vmemmap\n"
		"state (shared tail, fake heads, not optimised, broken), zones labelled,\n"
		"folios named by a finding marked; hovering shows details.",
	.needs_dump = true,
	.options = map_options,
	.exec = map_exec,
	.render_text = map_render_text,
	.render_json = map_render_json,
	.free_result = free,
};
