/*
 * low-tick: wakes every 100 ms and does a little work (a checksum over a
 * small buffer), like a light background service, until SIGTERM.
 */
#include <time.h>
#include "../common/stress.h"

int main(void)
{
	static unsigned char buffer[4096];
	struct timespec tick = { .tv_sec = 0, .tv_nsec = 100 * 1000 * 1000 };
	unsigned long sum = 0, round = 0;
	size_t i;

	stress_exit_on_term();
	printf("low-tick: ticking every 100 ms\n");
	fflush(stdout);
	for (;;) {
		for (i = 0; i < sizeof(buffer); i++) {
			buffer[i] = (unsigned char)(buffer[i] + i + round);
			sum = sum * 31 + buffer[i];
		}
		round++;
		if (nanosleep(&tick, NULL) && errno != EINTR)
			return 1;
	}
	return (int)(sum & 1);
}
