// SPDX-License-Identifier: GPL-2.0
/*
 * corral-burn [THREADS] - keeps THREADS threads (default 2) busy on the CPU
 * forever, so the module's cpu_time_ns must sum a whole thread group.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static volatile unsigned long sink;

static void *spin(void *arg)
{
	(void)arg;
	for (;;)
		sink++;
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 2;
	pthread_t t;
	int i;

	for (i = 1; i < threads; i++) {
		if (pthread_create(&t, NULL, spin, NULL) != 0) {
			perror("corral-burn: pthread_create");
			return 1;
		}
	}
	spin(NULL);
	return 0;
}
