/*
 * mkvmcore: write a synthetic x86_64 vmcore (ELF or kdump-compressed) of a
 * modelled kernel, with ground truth as JSON.  See tests/mkvmcore/README.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "output.h"
#include "spec.h"
#include "truth.h"

static const char usage[] =
	"usage: mkvmcore [--spec FILE] [--KEY=VALUE | --KEY VALUE]... -o VMCORE [--truth JSON]\n"
	"\n"
	"Writes a synthetic x86_64 crash dump of a modelled kernel and its ground truth.\n"
	"Every spec-file key is also an option (dashes or underscores), e.g.\n"
	"  --generation legacy|v3|merged   --format elf|kdump   --levels 4|5   --seed N\n"
	"  --nodes N  --mem-per-node 4G  --hugepages-2m N  --hugepages-1g-boot N  --hvo on|off\n"
	"  --faults tail-writable,head-shared  --vmcoreinfo FILE  --no-vmcoreinfo\n"
	"  --e-machine N  --no-prstatus  --elf-vaddr kdump|zero  --stats\n"
	"  --print-lds: the linker script for vmlinux.c (a vmlinux matching the model)\n"
	"  --print-build-id: the generation's default BUILD-ID (vmlinux-<gen> has it)\n"
	"See tests/mkvmcore/README for all keys, fault ids and the truth schema.\n";

/* Flags that take no value. */
static int flag_option(const char *name, struct mkv_params *p, int *stats)
{
	if (!strcmp(name, "no_vmcoreinfo")) {
		p->no_vmcoreinfo = true;
	} else if (!strcmp(name, "no_prstatus")) {
		p->prstatus = false;
	} else if (!strcmp(name, "print_lds")) {
		*stats = 2;
	} else if (!strcmp(name, "print_build_id")) {
		*stats = 3;
	} else if (!strcmp(name, "stats")) {
		*stats = 1;
	} else {
		return 0;
	}
	return 1;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct mkv_params params;
	struct mkv_model model;
	char err[512];
	int stats = 0, ret = 1;

	mkv_params_init(&params);
	memset(&model, 0, sizeof(model));
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = NULL;
		char key[64];
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			fputs(usage, stdout);
			mkv_params_free(&params);
			return 0;
		}
		if (!strcmp(arg, "-o")) {
			snprintf(key, sizeof(key), "output");
		} else if (!strncmp(arg, "--", 2) && arg[2]) {
			const char *eq = strchr(arg, '=');
			size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
			if (len >= sizeof(key)) {
				fprintf(stderr, "mkvmcore: unknown option '%s'\n", arg);
				goto out;
			}
			memcpy(key, arg + 2, len);
			key[len] = '\0';
			for (char *c = key; *c; c++)
				if (*c == '-')
					*c = '_';
			if (eq)
				value = eq + 1;
		} else {
			fprintf(stderr, "mkvmcore: unexpected argument '%s'\n%s", arg, usage);
			goto out;
		}
		if (!value && flag_option(key, &params, &stats))
			continue;
		if (!value) {
			if (i + 1 >= argc) {
				fprintf(stderr, "mkvmcore: option '%s' needs a value\n", arg);
				goto out;
			}
			value = argv[++i];
		}
		if (!strcmp(key, "spec")) {
			if (mkv_params_load(&params, value, err, sizeof(err))) {
				fprintf(stderr, "mkvmcore: %s\n", err);
				goto out;
			}
		} else if (mkv_params_set(&params, key, value, err, sizeof(err))) {
			fprintf(stderr, "mkvmcore: %s\n", err);
			goto out;
		}
	}
	if (stats == 2) {
		ret = mkv_model_print_lds(stdout) ? 1 : 0;
		goto out;
	}
	if (stats == 3) {
		unsigned char id[20];
		mkv_model_default_build_id(params.gen, id);
		for (int i = 0; i < 20; i++)
			printf("%02x", id[i]);
		printf("\n");
		ret = 0;
		goto out;
	}
	if (!params.output) {
		fprintf(stderr, "mkvmcore: no output file (-o)\n%s", usage);
		goto out;
	}

	double t0 = now();
	if (mkv_model_build(&model, &params)) {
		fprintf(stderr, "mkvmcore: %s\n", model.errbuf);
		goto out;
	}
	double t1 = now();

	FILE *f = fopen(params.output, "wb");
	if (!f) {
		fprintf(stderr, "mkvmcore: cannot open '%s': %s\n", params.output, strerror(errno));
		goto out;
	}
	struct hvo_diskdump_stats dstats = { 0 };
	int werr = mkv_output_write(&model, f, &dstats, err, sizeof(err));
	if (fclose(f) && !werr) {
		snprintf(err, sizeof(err), "write error: %s", strerror(errno));
		werr = -1;
	}
	if (werr) {
		fprintf(stderr, "mkvmcore: '%s': %s\n", params.output, err);
		goto out;
	}
	if (params.truth && mkv_truth_write(&model, params.truth, err, sizeof(err))) {
		fprintf(stderr, "mkvmcore: '%s': %s\n", params.truth, err);
		goto out;
	}
	double t2 = now();
	if (stats && params.format == MKV_FMT_KDUMP)
		fprintf(stderr, "mkvmcore: kdump: %llu pages, %llu distinct, %llu bytes of page data, "
			"file %llu bytes\n", (unsigned long long)dstats.pages,
			(unsigned long long)dstats.distinct_pages, (unsigned long long)dstats.data_bytes,
			(unsigned long long)dstats.file_bytes);
	if (stats)
		fprintf(stderr,
			"mkvmcore: %zu present pages (%zu distinct), %zu folios, model %.2fs, write %.2fs\n",
			mkv_phys_nr_pages(model.mem), mkv_phys_nr_buffers(model.mem),
			model.nr_folios, t1 - t0, t2 - t1);
	ret = 0;
out:
	mkv_model_free(&model);
	mkv_params_free(&params);
	return ret;
}
