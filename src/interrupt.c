/* interrupt.c - a SIGINT flag polled by long-running loops. */
#include <signal.h>
#include <string.h>

#include "interrupt.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

void hvo_interrupt_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	/* No SA_RESTART: a write blocked on a full pager pipe returns EINTR. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
}

void hvo_interrupt_clear(void)
{
	interrupted = 0;
}

bool hvo_interrupt_pending(void)
{
	return interrupted;
}

struct hvo_error *hvo_interrupt_check(void)
{
	if (!interrupted)
		return NULL;
	return hvo_error_create(HVO_ERROR_INTERRUPTED, "interrupted");
}
