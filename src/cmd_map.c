/* cmd_map.c - `map FILE.svg`: the analysis drawn as a picture (report_svg.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

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

/* The picture goes to its file; with --json nothing is said of it. */
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
	return write_svg(ctx, result);
}

static struct hvo_error *map_render_text(struct hvo_cmd_ctx *ctx, const void *result)
{
	const struct map_result *map = result;
	struct hvo_error *err = write_svg(ctx, map);
	if (!err)
		fprintf(ctx->out, "wrote '%s'\n", map->path);
	return err;
}

const struct hvo_cmd hvo_cmd_map = {
	.name = "map",
	.args = "FILE.svg",
	.summary = "draw the hugetlb folios by address, coloured by HVO state",
	.help = "Writes an SVG picture: one row per node along the physical address\n"
		"space, each hugetlb folio drawn where it is and coloured by its vmemmap\n"
		"state (shared tail, fake heads, not optimised, broken), zones labelled,\n"
		"folios named by a finding marked; hovering shows details.",
	.needs_dump = true,
	.exec = map_exec,
	.render_text = map_render_text,
	.render_json = map_render_json,
	.free_result = free,
};
