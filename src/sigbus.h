/*
 * sigbus.h - a file that shrinks under one of our mappings is a SIGBUS,
 * not a short read: say which file, then exit 2.
 *
 * The dump's mappings are made by libkdumpfile and flat.c, so their
 * addresses are not known here: a fault outside every registered range is
 * blamed on the dump named by hvo_sigbus_guard().  Mappings we make
 * ourselves (the vmlinux's sections) register their range.
 */
#ifndef HVO_SIGBUS_H
#define HVO_SIGBUS_H

#include <stdbool.h>
#include <stddef.h>

/* Install the handler; faults outside registered ranges name path. */
void hvo_sigbus_guard(const char *path);
/* Name path for faults in [base, base + len); false when the table is full. */
bool hvo_sigbus_register(const void *base, size_t len, const char *path);
void hvo_sigbus_unregister(const void *base);

#endif /* HVO_SIGBUS_H */
