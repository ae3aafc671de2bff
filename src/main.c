/* main.c - placeholder entry point while the foundation is built. */
#include <stdio.h>
int main(void)
{
	return 0;
}
