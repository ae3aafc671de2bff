/*
 * vmcoreinfo: the VMCOREINFO text exactly as each generation's kernel writes
 * it (kernel/vmcore_info.c crash_save_vmcoreinfo_init, printk's
 * log_buf_vmcoreinfo_setup, arch/x86/kernel/vmcore_info_64.c, CRASHTIME
 * appended at crash time).  Built by mkv_vmcoreinfo_build() in model.h.
 */
#ifndef MKV_VMCOREINFO_H
#define MKV_VMCOREINFO_H

#include <stddef.h>

/* Read a replacement VMCOREINFO text from a file; NULL with errno on failure. */
char *mkv_vmcoreinfo_read_file(const char *path, size_t *len_ret);

#endif
