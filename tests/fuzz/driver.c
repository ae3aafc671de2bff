/*
 * driver.c - run a fuzz target over files, without libFuzzer.
 *
 * `make check` builds every target with this driver and replays the seed
 * corpus (and any crash reproducers kept there), so the harnesses are
 * exercised on every machine; `make fuzz` builds the same targets with
 * clang -fsanitize=fuzzer for real fuzzing.  Prints TAP.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	printf("1..%d\n", argc - 1);
	for (int i = 1; i < argc; i++) {
		FILE *in = fopen(argv[i], "rb");
		if (!in) {
			printf("not ok %d - cannot open %s\n", i, argv[i]);
			return 1;
		}
		fseek(in, 0, SEEK_END);
		long size = ftell(in);
		rewind(in);
		uint8_t *data = malloc(size > 0 ? (size_t)size : 1);
		if (!data || fread(data, 1, (size_t)size, in) != (size_t)size) {
			printf("not ok %d - cannot read %s\n", i, argv[i]);
			return 1;
		}
		fclose(in);
		LLVMFuzzerTestOneInput(data, (size_t)size);
		free(data);
		printf("ok %d - %s\n", i, argv[i]);
	}
	return 0;
}
