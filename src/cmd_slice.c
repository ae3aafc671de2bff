/*
 * cmd_slice.c - `slice OUT`: a small kdump-compressed dump holding only the
 * pages the analysis reads, so a dump can be shared in a bug report or kept
 * as a regression sample without the rest of memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "diskdump_write.h"
#include "interrupt.h"
#include "pgtable.h"

static const struct hvo_cmd_option json_option[] = {
	HVO_CMD_OPTION_JSON,
	HVO_CMD_OPTION_END,
};

struct slice_source {
	struct hvo_dump *dump;
	unsigned char *page;	/* the dump's page size */
	size_t page_size;
};

static struct hvo_error *slice_get_page(void *arg, uint64_t pfn, const void **data_ret,
					uint64_t *content_id_ret)
{
	struct slice_source *src = arg;
	/* Compressing a big slice takes seconds; Ctrl-C unlinks the partial file. */
	struct hvo_error *err = hvo_interrupt_check();
	if (err)
		return err;
	err = hvo_dump_read(src->dump, HVO_PHYS, pfn * src->page_size, src->page, src->page_size,
			    "page to slice");
	if (err)
		return err;
	/* All zeros: the first byte is 0 and every byte equals the next. */
	bool zero = !src->page[0] && !memcmp(src->page, src->page + 1, src->page_size - 1);
	*content_id_ret = zero ? 0 : HVO_DISKDUMP_UNIQUE;
	*data_ret = src->page;
	return NULL;
}

/* The walk only reads the tables (and so records them); what they map is not wanted. */
static struct hvo_error *ignore_leaves(void *arg, unsigned int level, uint64_t vaddr,
				       uint64_t paddr, uint64_t nr, uint64_t step, bool writable)
{
	return NULL;
}

/* A table the dump lacks cannot go into the slice either. */
static struct hvo_error *skip_bad_table(void *arg, uint64_t vaddr, uint64_t table_paddr,
					struct hvo_error *err)
{
	hvo_error_destroy(err);
	return NULL;
}

static const struct hvo_pgtable_ops read_tables_ops = {
	.leaves = ignore_leaves,
	.bad_table = skip_bad_table,
};

/* Read everything any command needs, with the dump layer recording frames. */
static struct hvo_error *collect_pages(struct hvo_cmd_ctx *ctx)
{
	struct hvo_program *prog = ctx->prog;
	struct hvo_error *err = hvo_dump_track_reads(prog->dump, true);
	if (err)
		return err;
	/* Types afresh, so kallsyms and BTF pages are read (and kept) too. */
	struct hvo_types *types = NULL;
	err = hvo_types_open(prog, &ctx->types_options, &types);
	if (err) {
		err = hvo_error_prefix(err, "reading type information before slicing");
		goto out;
	}
	/* Deep, so the slice holds what every check of every command reads. */
	struct hvo_analysis *an = NULL;
	struct hvo_analyze_options options = { .deep = true, .types = types };
	/* Settled afresh too, so the slice holds what settling reads. */
	err = hvo_program_settle_layout(prog, types);
	if (!err)
		err = hvo_analyze(prog, &options, &an);
	hvo_analysis_free(an);
	/*
	 * All of kallsyms and of BTF's strings too, so the shell completes symbol
	 * names and looks up any type on the slice.
	 */
	if (!err && (err = hvo_types_read_all(types)))
		err = hvo_error_prefix(err, "reading all of kallsyms and BTF");
	hvo_types_close(types);
	if (err) {
		err = hvo_error_prefix(err, "analysing before slicing");
		goto out;
	}
	/* Every kernel page table, so any kernel virtual address still translates. */
	err = hvo_pgtable_walk(prog, hvo_pgtable_kernel_start(prog), 0, &read_tables_ops, NULL,
			       NULL);
	if (err)
		err = hvo_error_prefix(err, "walking the kernel page tables");
out:
	/* Stop recording also on failure (Ctrl-C): later commands run in this shell. */
	if (err) {
		hvo_error_destroy(hvo_dump_track_reads(prog->dump, false));
		return err;
	}
	return hvo_dump_track_reads(prog->dump, false);
}

/*
 * The VMCOREINFO text as an ELF note (name "VMCOREINFO", type 0), the form
 * libkdumpfile takes it from in a kdump-compressed file's notes.
 */
static unsigned char *vmcoreinfo_note(const char *text, size_t len, size_t *size_ret)
{
	static const char name[] = "VMCOREINFO";
	size_t name_size = (sizeof(name) + 3) & ~(size_t)3;
	size_t desc_size = (len + 3) & ~(size_t)3;
	size_t size = 12 + name_size + desc_size;
	unsigned char *note = calloc(1, size);
	if (!note)
		return NULL;
	uint32_t header[3] = { sizeof(name), (uint32_t)len, 0 };
	memcpy(note, header, sizeof(header));
	memcpy(note + 12, name, sizeof(name));
	memcpy(note + 12 + name_size, text, len);
	*size_ret = size;
	return note;
}

/* What slice wrote. */
struct slice_result {
	const char *path;
	struct hvo_diskdump_stats stats;
};

static struct hvo_error *slice_exec(struct hvo_cmd_ctx *ctx, int argc, char **argv,
				    void **result_ret)
{
	if (argc != 2)
		return hvo_error_create(HVO_ERROR_USAGE, "slice: expects one OUTPUT file");
	const char *path = argv[1];
	struct hvo_program *prog = ctx->prog;
	struct stat in_st, out_st;
	if (stat(hvo_dump_path(prog->dump), &in_st) == 0 && stat(path, &out_st) == 0 &&
	    in_st.st_dev == out_st.st_dev && in_st.st_ino == out_st.st_ino)
		return hvo_error_create(HVO_ERROR_USAGE,
					"slice: '%s' is the input dump; refusing to overwrite it", path);

	struct hvo_error *err = collect_pages(ctx);
	if (err)
		return err;
	const uint64_t *tracked;
	size_t nr_tracked;
	hvo_dump_tracked_pfns(prog->dump, &tracked, &nr_tracked);
	/* Keep what the input really stores: a filtered page stays filtered. */
	uint64_t *pfns = malloc((nr_tracked ? nr_tracked : 1) * sizeof(*pfns));
	if (!pfns)
		return &hvo_error_nomem;
	size_t nr_pfns = 0;
	uint64_t max_pfn = hvo_dump_max_pfn(prog->dump);
	for (size_t i = 0; i < nr_tracked; i++) {
		if (hvo_dump_has_page(prog->dump, tracked[i] * hvo_dump_page_size(prog->dump)) &&
		    (!max_pfn || tracked[i] < max_pfn))
			pfns[nr_pfns++] = tracked[i];
	}
	if (!max_pfn && nr_pfns)
		max_pfn = pfns[nr_pfns - 1] + 1;

	/*
	 * Written under a temporary name and renamed when whole: an interrupted
	 * or failed slice leaves nothing that opens as a valid dump.
	 */
	FILE *out = NULL;
	char *tmp_path = NULL;
	int fd = -1;
	if (asprintf(&tmp_path, "%s.XXXXXX", path) < 0) {
		tmp_path = NULL;
		err = &hvo_error_nomem;
		goto out;
	}
	mode_t mask = umask(0);
	umask(mask);
	fd = mkostemp(tmp_path, O_CLOEXEC);
	if (fd < 0 || fchmod(fd, 0666 & ~mask) || !(out = fdopen(fd, "w"))) {
		err = hvo_error_errno(errno, "cannot create '%s'", tmp_path);
		if (fd >= 0) {
			close(fd);
			unlink(tmp_path);
		}
		goto out;
	}
	const struct hvo_vmcoreinfo *vi = prog->vmcoreinfo;
	size_t note_size;
	unsigned char *note = vmcoreinfo_note(vi->raw, vi->raw_size, &note_size);
	if (!note) {
		fclose(out);
		unlink(tmp_path);
		err = &hvo_error_nomem;
		goto out;
	}
	struct hvo_diskdump_options options = {
		.page_size = (uint32_t)hvo_dump_page_size(prog->dump),
		.utsname_release = prog->release,
		.utsname_machine = hvo_dump_arch(prog->dump),
		.vmcoreinfo = vi->raw,
		.vmcoreinfo_len = vi->raw_size,
		.notes = note,
		.notes_len = note_size,
		.phys_base = (uint64_t)prog->phys_base,
		.max_pfn = max_pfn,
		.zlib_level = 9,
		.nr_cpus = 1,
		.dump_level = 31,
	};
	struct slice_source source_state = {
		.dump = prog->dump,
		.page = malloc(options.page_size),
		.page_size = options.page_size,
	};
	struct hvo_page_source source = {
		.pfns = pfns, .nr_pfns = nr_pfns, .get_page = slice_get_page, .arg = &source_state,
	};
	struct hvo_diskdump_stats stats;
	err = source_state.page ? hvo_diskdump_write(out, path, &source, &options, &stats) :
		&hvo_error_nomem;
	free(source_state.page);
	free(note);
	/* Pages copied from a kdump file that shrank may be zeros: not a slice. */
	if (!err)
		err = hvo_dump_check_unchanged(prog->dump);
	if (fclose(out) && !err)
		err = hvo_error_errno(errno, "writing '%s'", tmp_path);
	if (!err && rename(tmp_path, path))
		err = hvo_error_errno(errno, "cannot rename '%s' to '%s'", tmp_path, path);
	if (err) {
		unlink(tmp_path);
		if (err->code == HVO_ERROR_INTERRUPTED) {
			hvo_error_destroy(err);
			err = hvo_error_create(HVO_ERROR_INTERRUPTED, "slice: interrupted, '%s' not "
					       "written", path);
		}
		goto out;
	}
	struct slice_result *slice = malloc(sizeof(*slice));
	if (!slice) {
		err = &hvo_error_nomem;
		goto out;
	}
	slice->path = path;
	slice->stats = stats;
	*result_ret = slice;
out:
	free(tmp_path);
	free(pfns);
	return err;
}

static struct hvo_error *slice_render_json(struct hvo_cmd_ctx *ctx, const void *arg)
{
	const struct slice_result *slice = arg;
	json_object *result = hvo_json_result_new("slice");
	if (!result)
		return &hvo_error_nomem;
	json_object_object_add(result, "output", json_object_new_string(slice->path));
	json_object_object_add(result, "pages", hvo_json_u64(slice->stats.pages));
	json_object_object_add(result, "distinct_pages", hvo_json_u64(slice->stats.distinct_pages));
	json_object_object_add(result, "file_bytes", hvo_json_u64(slice->stats.file_bytes));
	return hvo_cmd_json_emit(ctx, result);
}

static struct hvo_error *slice_render_text(struct hvo_cmd_ctx *ctx, const void *arg)
{
	const struct slice_result *slice = arg;
	fprintf(ctx->out, "wrote '%s': %" PRIu64 " pages (%" PRIu64 " distinct), %" PRIu64
		" bytes\n", slice->path, slice->stats.pages, slice->stats.distinct_pages,
		slice->stats.file_bytes);
	return NULL;
}

const struct hvo_cmd hvo_cmd_slice = {
	.name = "slice",
	.args = "OUTPUT",
	.summary = "write a small dump with only the pages the analysis reads",
	.help = "Runs the analysis with the dump layer recording every page it reads,\n"
		"adds every kernel page-table page so kernel addresses still translate,\n"
		"and writes those pages, with the VMCOREINFO note, as a kdump-compressed\n"
		"dump.  Every other page is left out.  The analysis of the slice equals\n"
		"the analysis of the full dump; the slice carries no user memory, so it\n"
		"can go into a bug report.",
	.needs_dump = true,
	.options = json_option,
	.exec = slice_exec,
	.render_text = slice_render_text,
	.render_json = slice_render_json,
	.free_result = free,
};
