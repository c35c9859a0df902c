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

/*
 * Exit at once, status 0, on SIGTERM, SIGINT or SIGHUP. With
 * STRESS_IGNORE_TERM=1 SIGTERM is ignored instead, as a stubborn service's
 * would be: only SIGKILL ends it (for testing a kill mode that escalates).
 */
static inline void stress_exit_on_term(void)
{
	const char *ignore = getenv("STRESS_IGNORE_TERM");
	struct sigaction sa, term;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stress_on_signal;
	sigemptyset(&sa.sa_mask);
	term = sa;
	if (ignore && strcmp(ignore, "1") == 0)
		term.sa_handler = SIG_IGN;
	if (sigaction(SIGTERM, &term, NULL) || sigaction(SIGINT, &sa, NULL) ||
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
