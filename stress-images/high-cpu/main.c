/*
 * high-cpu: keeps STRESS_THREADS cores busy (default: one thread per online
 * CPU) until SIGTERM.
 */
#include <pthread.h>
#include "../common/stress.h"

static void *burn(void *arg)
{
	volatile unsigned long counter = 0;

	(void)arg;
	for (;;)
		counter++;
	return NULL;
}

int main(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long threads, i;
	pthread_t tid;

	stress_exit_on_term();
	threads = stress_env_long("STRESS_THREADS", cpus > 0 ? cpus : 1, 1024);
	printf("high-cpu: burning %ld thread(s)\n", threads);
	fflush(stdout);
	for (i = 1; i < threads; i++) {
		if (pthread_create(&tid, NULL, burn, NULL)) {
			fprintf(stderr, "high-cpu: could not start thread %ld\n", i);
			return 1;
		}
	}
	burn(NULL);
	return 0;
}
