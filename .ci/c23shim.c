/*
 * c23shim.c - the three glibc 2.38 functions sid's libkdumpfile calls, for
 * CI's stage 4 on bookworm (glibc 2.36).  GCC 13 and later compile
 * strtoul(), strtoull() and fscanf() to these C23 names; C23 adds only the
 * 0b prefix to them, which libkdumpfile's callers (attribute and /proc
 * parsing) never meet in the tests.  Not part of hvoinspect.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

unsigned long __isoc23_strtoul(const char *str, char **end, int base);
unsigned long long __isoc23_strtoull(const char *str, char **end, int base);
int __isoc23_fscanf(FILE *stream, const char *format, ...);

unsigned long __isoc23_strtoul(const char *str, char **end, int base)
{
	return strtoul(str, end, base);
}

unsigned long long __isoc23_strtoull(const char *str, char **end, int base)
{
	return strtoull(str, end, base);
}

int __isoc23_fscanf(FILE *stream, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	int n = vfscanf(stream, format, ap);
	va_end(ap);
	return n;
}
