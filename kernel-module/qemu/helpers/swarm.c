// SPDX-License-Identifier: GPL-2.0
/*
 * corral-swarm N READYFILE - a container with many processes: forks N
 * children that sleep (each dies with its parent), creates READYFILE once
 * all of them exist, and waits. On SIGTERM it kills and reaps every child,
 * then exits 0, so no zombie is left for the guest's PID 1 to reap.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	sigset_t term, unblocked;
	pid_t parent = getpid();
	pid_t *children;
	long n, i, made = 0;
	int fd;

	if (argc != 3 || (n = strtol(argv[1], NULL, 10)) < 1) {
		fprintf(stderr, "usage: corral-swarm N READYFILE\n");
		return 2;
	}
	children = calloc(n, sizeof(*children));
	if (!children)
		return 1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	/* SIGTERM only inside sigsuspend(): none is lost before it waits */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &unblocked);

	for (i = 0; i < n && !stop; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			fprintf(stderr, "corral-swarm: fork %ld of %ld: %m\n", i + 1, n);
			break;
		}
		if (pid == 0) {
			signal(SIGTERM, SIG_DFL);
			sigprocmask(SIG_SETMASK, &unblocked, NULL);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(0);
			for (;;)
				pause();
		}
		children[made++] = pid;
	}
	if (made == n) {
		fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			close(fd);
	}
	while (!stop)
		sigsuspend(&unblocked);
	for (i = 0; i < made; i++)
		kill(children[i], SIGKILL);
	for (i = 0; i < made; i++)
		while (waitpid(children[i], NULL, 0) < 0 && errno == EINTR)
			;
	return made == n ? 0 : 1;
}
