/*
 * Shared by the four stress workloads. Each runs as PID 1 of a FROM scratch
 * container, where the kernel ignores signals that have no handler: without
 * an explicit SIGTERM handler `docker stop` would wait out its whole grace.
 */
#ifndef CORRAL_STRESS_H
#define CORRAL_STRESS_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void stress_on_signal(int sig)
{
	(void)sig;
	_exit(0);
}

/* Exit at once, status 0, on SIGTERM, SIGINT or SIGHUP. */
static inline void stress_exit_on_term(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stress_on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL) ||
	    sigaction(SIGHUP, &sa, NULL)) {
		perror("sigaction");
		exit(1);
	}
}

/*
 * A positive integer from the environment, or fallback when unset. A value
 * that is set but not a number in [1, max] is an error worth dying for: the
 * operator asked for something this workload cannot do.
 */
static inline long stress_env_long(const char *name, long fallback, long max)
{
	const char *text = getenv(name);
	char *end;
	long value;

	if (!text || !*text)
		return fallback;
	errno = 0;
	value = strtol(text, &end, 10);
	if (errno || *end || value < 1 || value > max) {
		fprintf(stderr, "%s=%s is not a number from 1 to %ld\n", name, text, max);
		exit(2);
	}
	return value;
}

#endif
