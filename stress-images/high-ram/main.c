/*
 * high-ram: allocates STRESS_MEGABYTES MiB (default 256), writes to every
 * page so the memory is really resident, and holds it until SIGTERM.
 *
 * STRESS_DELAY_MS waits that long first (a watcher can be ready for the
 * burst). STRESS_THRASH_MS=N thrashes instead of holding, as memory hogs do:
 * allocate and touch the block, hold it N ms, free it, wait N ms, again.
 * STRESS_PROGRESS_FILE names a file whose first 8 bytes get CLOCK_MONOTONIC
 * in nanoseconds after every MiB touched: its last value says, to within a
 * MiB's work, when a SIGKILL stopped the allocation.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

#include "../common/stress.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static volatile uint64_t *progress;

static void stamp(void)
{
	struct timespec ts;

	if (!progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	*progress = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void open_progress(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT, 0644);
	void *map;

	if (fd < 0 || ftruncate(fd, 8) != 0) {
		perror(path);
		exit(1);
	}
	map = mmap(NULL, 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	close(fd);
	progress = map;
}

static unsigned char *fill(size_t size, long page)
{
	unsigned char *block = malloc(size);
	size_t offset, step = (size_t)(page > 0 ? page : 4096);

	if (!block)
		return NULL;
	/* Untouched pages cost nothing: write one byte in each. */
	for (offset = 0; offset < size; offset += step) {
		block[offset] = (unsigned char)offset | 1;
		if ((offset & ((1u << 20) - 1)) == 0)
			stamp();
	}
	stamp();
	return block;
}

int main(void)
{
	long megabytes, delay, thrash, page = sysconf(_SC_PAGESIZE);
	size_t size;
	unsigned char *block;

	stress_exit_on_term();
	megabytes = stress_env_long("STRESS_MEGABYTES", 256, 1L << 20);
	delay = getenv("STRESS_DELAY_MS") ? stress_env_long("STRESS_DELAY_MS", 1, 3600L * 1000) : 0;
	thrash = getenv("STRESS_THRASH_MS") ? stress_env_long("STRESS_THRASH_MS", 1, 3600L * 1000) : 0;
	if (getenv("STRESS_PROGRESS_FILE"))
		open_progress(getenv("STRESS_PROGRESS_FILE"));
	size = (size_t)megabytes << 20;
	if (delay)
		sleep_ms(delay);
	if (thrash) {
		printf("high-ram: thrashing %ld MiB every %ld ms\n", megabytes, 2 * thrash);
		fflush(stdout);
		for (;;) {
			block = fill(size, page);
			if (!block) {
				fprintf(stderr, "high-ram: could not allocate %ld MiB\n", megabytes);
				return 1;
			}
			sleep_ms(thrash);
			free(block);
			sleep_ms(thrash);
		}
	}
	block = fill(size, page);
	if (!block) {
		fprintf(stderr, "high-ram: could not allocate %ld MiB\n", megabytes);
		return 1;
	}
	printf("high-ram: holding %ld MiB\n", megabytes);
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}
