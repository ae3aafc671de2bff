/*
 * hvohelper: tiny static helper run inside the QEMU guest by vmcores/mkdump.
 * Built on the host with `gcc -static -O2`; depends only on libc.
 *
 *   hvohelper heads
 *       Scan /proc/kpageflags and print every page that has KPF_COMPOUND_HEAD
 *       (bit 15) and KPF_HUGE (bit 17), with its node (from /proc/zoneinfo
 *       start_pfn/spanned), the number of KPF_COMPOUND_TAIL pages that follow
 *       it before the next head or non-tail, and the raw flags.  Runs of heads
 *       with the same stride, node, tail count and flags are folded into one
 *       "run" line (legacy kernels with HVO report every fake head as a head,
 *       which would otherwise be thousands of lines).  Raw data: nothing is
 *       filtered out.
 *         run first=PFN stride=S count=N node=NID tails=T flags=0xF
 *       ends with "heads_total=N".
 *
 *   hvohelper map NODE:SIZE:COUNT... READYFILE
 *       For each spec, mmap COUNT hugetlb pages of SIZE (2M or 1G) bound to
 *       NODE (mbind MPOL_BIND), touch each page, and print its PFN from
 *       /proc/self/pagemap:  mapped node=NID size=2M index=I pfn=PFN
 *       Then create READYFILE and sleep forever, so the folios are in use
 *       (mapped) while the host dumps memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_HUGE 17

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#define MPOL_BIND 2

struct range {
	uint64_t start, end; /* [start, end) PFNs */
	int node;
};

static struct range ranges[256];
static int nranges;

static void load_zoneinfo(void)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	char line[512];
	int node = -1;
	uint64_t spanned = 0, start;

	if (!f) {
		perror("zoneinfo");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		int n;
		unsigned long long v;

		if (sscanf(line, "Node %d, zone", &n) == 1) {
			node = n;
			spanned = 0;
		} else if (sscanf(line, " spanned %llu", &v) == 1) {
			spanned = v;
		} else if (sscanf(line, " start_pfn: %llu", &v) == 1) {
			start = v;
			if (spanned && nranges < 256) {
				ranges[nranges].start = start;
				ranges[nranges].end = start + spanned;
				ranges[nranges].node = node;
				nranges++;
			}
		}
	}
	fclose(f);
}

static int pfn_node(uint64_t pfn)
{
	for (int i = 0; i < nranges; i++)
		if (pfn >= ranges[i].start && pfn < ranges[i].end)
			return ranges[i].node;
	return -1;
}

struct run {
	uint64_t first, stride, count, tails, flags;
	int node;
	int open;
};

static uint64_t heads_total;

static void run_flush(struct run *r)
{
	if (!r->open)
		return;
	printf("run first=%" PRIu64 " stride=%" PRIu64 " count=%" PRIu64
	       " node=%d tails=%" PRIu64 " flags=0x%" PRIx64 "\n",
	       r->first, r->count > 1 ? r->stride : 0, r->count, r->node,
	       r->tails, r->flags);
	r->open = 0;
}

static void run_add(struct run *r, uint64_t pfn, int node, uint64_t tails,
		    uint64_t flags)
{
	heads_total++;
	if (r->open && r->node == node && r->tails == tails &&
	    r->flags == flags) {
		uint64_t last = r->first + r->stride * (r->count - 1);

		if (r->count == 1) {
			r->stride = pfn - r->first;
			r->count = 2;
			return;
		}
		if (pfn - last == r->stride) {
			r->count++;
			return;
		}
	}
	run_flush(r);
	r->first = pfn;
	r->stride = 0;
	r->count = 1;
	r->node = node;
	r->tails = tails;
	r->flags = flags;
	r->open = 1;
}

static int cmd_heads(void)
{
	int fd = open("/proc/kpageflags", O_RDONLY);
	enum { CHUNK = 65536 };
	static uint64_t buf[CHUNK];
	uint64_t pfn = 0;
	struct run r = { 0 };
	/* pending head */
	int have = 0;
	uint64_t hpfn = 0, hflags = 0, htails = 0;

	if (fd < 0) {
		perror("/proc/kpageflags");
		return 1;
	}
	load_zoneinfo();
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0) {
			perror("read kpageflags");
			return 1;
		}
		if (n == 0)
			break;
		for (size_t i = 0; i < (size_t)n / 8; i++, pfn++) {
			uint64_t fl = buf[i];
			int head = (fl >> KPF_COMPOUND_HEAD) & 1;
			int tail = (fl >> KPF_COMPOUND_TAIL) & 1;

			if (have && tail && !head) {
				htails++;
				continue;
			}
			if (have) {
				run_add(&r, hpfn, pfn_node(hpfn), htails, hflags);
				have = 0;
			}
			if (head && ((fl >> KPF_HUGE) & 1)) {
				have = 1;
				hpfn = pfn;
				hflags = fl;
				htails = 0;
			}
		}
	}
	if (have)
		run_add(&r, hpfn, pfn_node(hpfn), htails, hflags);
	run_flush(&r);
	printf("pfns_scanned=%" PRIu64 "\n", pfn);
	printf("heads_total=%" PRIu64 "\n", heads_total);
	close(fd);
	return 0;
}

static sigjmp_buf fault_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(fault_jmp, 1);
}

static uint64_t virt_to_pfn(int pm, void *addr)
{
	uint64_t e;
	off_t off = (off_t)((uintptr_t)addr / 4096) * 8;

	if (pread(pm, &e, 8, off) != 8)
		return 0;
	if (!(e >> 63))
		return 0;
	return e & ((1ULL << 55) - 1);
}

static int cmd_map(int argc, char **argv)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	const char *ready = argv[argc - 1];

	if (pm < 0) {
		perror("/proc/self/pagemap");
		return 1;
	}
	signal(SIGBUS, on_sigbus);
	for (int a = 0; a < argc - 1; a++) {
		int node, count;
		char sz[8];
		volatile size_t psize;
		int shift;

		if (sscanf(argv[a], "%d:%7[^:]:%d", &node, sz, &count) != 3) {
			fprintf(stderr, "bad spec %s\n", argv[a]);
			return 2;
		}
		if (!strcmp(sz, "2M")) {
			psize = 2UL << 20;
			shift = 21;
		} else if (!strcmp(sz, "1G")) {
			psize = 1UL << 30;
			shift = 30;
		} else {
			fprintf(stderr, "bad size %s\n", sz);
			return 2;
		}
		size_t len = psize * (size_t)count;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
				       (shift << MAP_HUGE_SHIFT),
			       -1, 0);

		if (p == MAP_FAILED) {
			printf("map_failed spec=%s errno=%d (%s)\n", argv[a],
			       errno, strerror(errno));
			continue;
		}
		unsigned long mask = 1UL << node;

		if (syscall(SYS_mbind, p, len, MPOL_BIND, &mask,
			    sizeof(mask) * 8, 0) != 0)
			printf("mbind_failed spec=%s errno=%d (%s)\n", argv[a],
			       errno, strerror(errno));
		for (volatile int i = 0; i < count; i++) {
			char *q = p + psize * (size_t)i;

			if (sigsetjmp(fault_jmp, 1)) {
				/* no folio on that node: hugetlb faults raise SIGBUS */
				printf("touch_failed node=%d size=%s index=%d\n",
				       node, sz, i);
				break;
			}
			memset(q, 0x5a, 4096); /* fault the folio in */
			printf("mapped node=%d size=%s index=%d pfn=%" PRIu64
			       "\n",
			       node, sz, i, virt_to_pfn(pm, q));
		}
	}
	fflush(stdout);
	int fd = open(ready, O_CREAT | O_WRONLY, 0644);

	if (fd >= 0)
		close(fd);
	for (;;)
		pause();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "heads"))
		return cmd_heads();
	if (argc >= 3 && !strcmp(argv[1], "map"))
		return cmd_map(argc - 2, argv + 2);
	fprintf(stderr, "usage: hvohelper heads | map NODE:SIZE:COUNT... READYFILE\n");
	return 2;
}
