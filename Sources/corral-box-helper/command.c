/*
 * Running CMD and watching it, shared by the box's init (start) and the
 * exec helper: which signals are passed on, the exec with runc's exit
 * codes, and the loop that forwards signals and reaps children.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "box.h"

/* What the host may say to a box's command through init. */
static const int forwarded[] = {
	SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
};

static void ignore(int sig)
{
	(void)sig;
}

/*
 * Blocks the forwarded signals and SIGCHLD, to be taken with sigwaitinfo,
 * and gives each a real handler: a namespace's PID 1 drops any signal left
 * at SIG_DFL, even one from the host.
 */
int catch_signals(sigset_t *set)
{
	struct sigaction sa;
	size_t i;
	int sig;

	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	for (i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(set, forwarded[i]);
	if (sigprocmask(SIG_BLOCK, set, NULL) < 0)
		return fail("block signals", NULL);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ignore;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++) {
		if (!sigismember(set, sig))
			continue;
		sa.sa_flags = sig == SIGCHLD ? SA_NOCLDSTOP : 0;
		if (sigaction(sig, &sa, NULL) < 0)
			return failf("install a handler for %s: %s",
				     strsignal(sig), strerror(errno));
	}
	return 0;
}

/* CMD starts clean: nothing blocked, nothing ignored, nothing caught. */
static void reset_signals(void)
{
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);	/* fails harmlessly for KILL, STOP */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

noreturn void exec_command(char **argv, char **env)
{
	int err;

	reset_signals();
	/* execvpe searches the PATH of environ, not of env. */
	environ = env;
	execvpe(argv[0], argv, env);
	err = errno;
	dprintf(STDERR_FILENO, PROG ": cannot run %s: %s\n", argv[0],
		strerror(err));
	_exit(err == ENOENT || err == ENOTDIR ? EXIT_NOTFOUND : EXIT_NOEXEC);
}

/*
 * Forwards signals to cmd and reaps every child (init inherits the box's
 * orphans) until cmd itself ends. Returns cmd's wait status.
 */
int supervise(pid_t cmd, const sigset_t *set)
{
	siginfo_t si;
	pid_t pid;
	int sig, status;

	for (;;) {
		sig = sigwaitinfo(set, &si);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			/* Cannot forward any more; still learn how cmd ends. */
			while ((pid = waitpid(-1, &status, 0)) != cmd)
				if (pid < 0 && errno != EINTR)
					return W_EXITCODE(EXIT_RUNTIME, 0);
			return status;
		}
		if (sig != SIGCHLD) {
			kill(cmd, sig);
			continue;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			if (pid == cmd)
				return status;
	}
}

/* The shell's convention: the code, or 128 + the signal that killed it. */
int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_RUNTIME;
}
