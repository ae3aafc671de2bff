/* sigbus.c - name the file that ended under a mapped read. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "sigbus.h"

/*
 * Messages are prepared when a range is registered: the handler may only
 * compare, write(2) and _exit(2).  Front ends read one dump and one
 * vmlinux at a time; a few slots leave room for a reopened one.
 */
#define MAX_RANGES 4
#define MESSAGE_MAX 512

struct range {
	volatile sig_atomic_t used;
	uintptr_t start, end;
	char message[MESSAGE_MAX];
	size_t message_len;
};

static struct range ranges[MAX_RANGES];
static struct range fallback;

static void prepare(struct range *r, const char *path)
{
	int n = snprintf(r->message, sizeof(r->message),
			 "hvoinspect: '%s': the file ended under a read (truncated or "
			 "changed while open)\n", path);
	r->message_len = n < 0 ? 0 : (size_t)n < sizeof(r->message) ?
		(size_t)n : sizeof(r->message) - 1;
}

static void on_sigbus(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	(void)context;
	const struct range *r = &fallback;
	uintptr_t addr = (uintptr_t)info->si_addr;
	for (size_t i = 0; i < MAX_RANGES; i++) {
		if (ranges[i].used && addr >= ranges[i].start && addr < ranges[i].end) {
			r = &ranges[i];
			break;
		}
	}
	static const char unnamed[] = "hvoinspect: a mapped file ended under a read "
		"(truncated or changed while open)\n";
	if (r->message_len)
		(void)!write(STDERR_FILENO, r->message, r->message_len);
	else
		(void)!write(STDERR_FILENO, unnamed, sizeof(unnamed) - 1);
	_exit(HVO_EXIT_ERROR);
}

static void install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

void hvo_sigbus_guard(const char *path)
{
	prepare(&fallback, path);
	install();
}

bool hvo_sigbus_register(const void *base, size_t len, const char *path)
{
	for (size_t i = 0; i < MAX_RANGES; i++) {
		struct range *r = &ranges[i];
		if (r->used)
			continue;
		r->start = (uintptr_t)base;
		r->end = (uintptr_t)base + len;
		prepare(r, path);
		r->used = 1;
		install();
		return true;
	}
	return false;
}

void hvo_sigbus_unregister(const void *base)
{
	for (size_t i = 0; i < MAX_RANGES; i++)
		if (ranges[i].used && ranges[i].start == (uintptr_t)base)
			ranges[i].used = 0;
}
