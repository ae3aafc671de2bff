/*
 * interrupt.h - Ctrl-C stops the running command, not the shell.
 *
 * The shell installs a SIGINT handler that sets a flag; long loops in the
 * analysis poll it and unwind with HVO_ERROR_INTERRUPTED.
 */
#ifndef HVO_INTERRUPT_H
#define HVO_INTERRUPT_H

#include <stdbool.h>

#include "error.h"

void hvo_interrupt_install(void);
void hvo_interrupt_clear(void);
bool hvo_interrupt_pending(void);
/* NULL, or an HVO_ERROR_INTERRUPTED error when Ctrl-C was pressed. */
struct hvo_error *hvo_interrupt_check(void);

#endif /* HVO_INTERRUPT_H */
