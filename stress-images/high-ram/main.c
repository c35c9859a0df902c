/*
 * high-ram: allocates STRESS_MEGABYTES MiB (default 256), writes to every
 * page so the memory is really resident, and holds it until SIGTERM.
 */
#include "../common/stress.h"

int main(void)
{
	long megabytes, page = sysconf(_SC_PAGESIZE);
	size_t size, offset;
	unsigned char *block;

	stress_exit_on_term();
	megabytes = stress_env_long("STRESS_MEGABYTES", 256, 1L << 20);
	size = (size_t)megabytes << 20;
	block = malloc(size);
	if (!block) {
		fprintf(stderr, "high-ram: could not allocate %ld MiB\n", megabytes);
		return 1;
	}
	/* Untouched pages cost nothing: write one byte in each. */
	for (offset = 0; offset < size; offset += (size_t)(page > 0 ? page : 4096))
		block[offset] = (unsigned char)offset | 1;
	printf("high-ram: holding %ld MiB\n", megabytes);
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}
