/*
 * start: build a box and run CMD in it.
 *
 * The helper joins the box's cgroups, unshares its namespaces and forks the
 * box's init (PID 1 of the new PID namespace). The parent reports to the
 * Swift side on stdout ("pid N", then "ready" or "error MESSAGE") and exits
 * without waiting: the box's init is the only process a box keeps on the
 * host. Init builds the file system, drops privileges, says "ok" on the
 * readiness pipe, then runs CMD and records how it ended in the status file.
 * When init exits, the kernel kills the rest of the box, its mount
 * namespace goes, and with it the disk's mount and loop device.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "box.h"

#define READY		"ok"

struct box_fds {
	int log;	/* CMD's stdout and stderr */
	int status;	/* init's record of how CMD ended */
	int ready;	/* write end of the readiness pipe */
};

static int setup_stdio(int logfd)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (null < 0)
		return fail("open", "/dev/null");
	/* dup2 clears FD_CLOEXEC, so CMD inherits 0, 1 and 2. */
	if (dup2(null, STDIN_FILENO) < 0 || dup2(logfd, STDOUT_FILENO) < 0 ||
	    dup2(logfd, STDERR_FILENO) < 0) {
		fail("redirect standard streams", NULL);
		if (null > STDERR_FILENO)
			close(null);
		return -1;
	}
	if (null > STDERR_FILENO)
		close(null);
	if (logfd > STDERR_FILENO)
		close(logfd);
	return 0;
}

/* Everything init does before it says "ok". */
static int setup_box(const struct start_opts *o, int logfd, sigset_t *sigs)
{
	/* First, so a signal sent during setup waits for CMD, not lost. */
	if (catch_signals(sigs) < 0)
		return -1;
	if (setsid() < 0)
		return fail("start a session", NULL);

	/*
	 * An OOM in the box should kill CMD, not init, so that init can
	 * record "signaled 9". Lowering the score needs CAP_SYS_RESOURCE,
	 * which some hosts withhold; then the score stays as inherited, and
	 * init, being tiny, is still the OOM killer's last choice.
	 */
	if (write_file("/proc/self/oom_score_adj", "-999") < 0 &&
	    errno != EACCES && errno != EPERM)
		return fail("set oom_score_adj", "/proc/self/oom_score_adj");

	if (build_rootfs(o) < 0)
		return -1;
	/* Fail now, not after "ok", if CMD's directory is missing. */
	if (chdir(o->workdir) < 0)
		return fail("enter workdir", o->workdir);
	if (chdir("/") < 0)
		return fail("enter", "/");
	if (sethostname(o->hostname, strlen(o->hostname)) < 0)
		return fail("set hostname", o->hostname);
	if (loopback_up() < 0)
		return -1;
	if (setup_stdio(logfd) < 0)
		return -1;
	return drop_privileges();
}

/* CMD's own process, forked by init. */
static noreturn void run_command(const struct start_opts *o, char **env)
{
	/* Undo init's -999: an OOM in the box should pick CMD. */
	if (write_file("/proc/self/oom_score_adj", "0") < 0)
		dprintf(STDERR_FILENO, PROG ": cannot reset oom_score_adj: %s\n",
			strerror(errno));
	if (setsid() < 0)
		dprintf(STDERR_FILENO, PROG ": cannot start a session: %s\n",
			strerror(errno));
	if (chdir(o->workdir) < 0) {
		dprintf(STDERR_FILENO, PROG ": cannot enter %s: %s\n",
			o->workdir, strerror(errno));
		_exit(EXIT_RUNTIME);
	}
	exec_command(o->cmd, env);
}

/* One pwrite at offset 0, so a reader sees one whole line. */
static void record_status(int fd, int status)
{
	char line[32];
	int len;

	if (WIFSIGNALED(status))
		len = snprintf(line, sizeof(line), "signaled %d\n",
			       WTERMSIG(status));
	else
		len = snprintf(line, sizeof(line), "exited %d\n",
			       exit_code(status));
	if (pwrite(fd, line, len, 0) != len)
		dprintf(STDERR_FILENO, PROG ": cannot record the status: %s\n",
			strerror(errno));
}

/* The box's PID 1. */
static noreturn void box_init(const struct start_opts *o, char **env,
			      struct box_fds fds)
{
	const char *msg;
	sigset_t sigs;
	pid_t cmd;
	int status;

	if (setup_box(o, fds.log, &sigs) < 0) {
		msg = failure_text();
		write_all(fds.ready, msg, strlen(msg));
		_exit(1);
	}
	if (write_all(fds.ready, READY, strlen(READY)) < 0)
		_exit(1);	/* nobody is waiting for this box */
	close(fds.ready);

	cmd = fork();
	if (cmd < 0) {
		dprintf(STDERR_FILENO, PROG ": cannot fork %s: %s\n",
			o->cmd[0], strerror(errno));
		record_status(fds.status, W_EXITCODE(EXIT_RUNTIME, 0));
		_exit(EXIT_RUNTIME);
	}
	if (cmd == 0)
		run_command(o, env);

	status = supervise(cmd, &sigs);
	record_status(fds.status, status);
	_exit(exit_code(status));
}

/* The parent's side of the readiness pipe. Returns the helper's exit code. */
static int await_ready(int fd, pid_t child)
{
	char buf[PIPE_BUF + 1];
	size_t len = 0;
	ssize_t n;
	int status = 0;

	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	buf[len] = 0;
	close(fd);

	if (!strcmp(buf, READY)) {
		printf("ready\n");
		return 0;
	}
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (len)
		printf("error %s\n", buf);
	else
		printf("error box init ended before it was ready "
		       "(wait status %d)\n", status);
	return 1;
}

static int unshare_box(void)
{
	int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
		    CLONE_NEWPID;

	if (access("/proc/self/ns/cgroup", F_OK) == 0)
		flags |= CLONE_NEWCGROUP;
	if (unshare(flags) < 0)
		return fail("unshare namespaces", NULL);
	return 0;
}

/*
 * With --net-link: find the link and open a netlink socket while still in
 * the host's network namespace; after unshare, the socket still speaks to
 * the host's, so it can move the link into the box's, where it is set up.
 */
static int find_link(const struct start_opts *o, int *nl, int *index)
{
	if (!o->net_link)
		return 0;
	*index = (int)if_nametoindex(o->net_link);
	if (!*index)
		return fail("find interface", o->net_link);
	*nl = netlink_open();
	return *nl < 0 ? -1 : 0;
}

static int attach_link(const struct start_opts *o, int nl, int index)
{
	int nsfd, ret;

	if (!o->net_link)
		return 0;
	nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return fail("open", "/proc/self/ns/net");
	ret = move_link(nl, o->net_link, index, nsfd);
	close(nsfd);
	if (ret < 0)
		return -1;
	return configure_eth0(o);
}

static int start_box(const struct start_opts *o, char **env)
{
	struct box_fds fds = { -1, -1, -1 };
	int nl = -1, index = 0;
	int pipefd[2] = { -1, -1 };
	pid_t child;

	fds.log = open(o->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fds.log < 0) {
		fail("open log", o->log);
		goto err;
	}
	fds.status = open(o->status, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
	if (fds.status < 0) {
		fail("open status file", o->status);
		goto err;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		fail("create the readiness pipe", NULL);
		goto err;
	}
	if (find_link(o, &nl, &index) < 0 || join_cgroups(o->cgroups) < 0 ||
	    unshare_box() < 0 || attach_link(o, nl, index) < 0)
		goto err;
	if (nl >= 0) {
		close(nl);
		nl = -1;
	}

	child = fork();
	if (child < 0) {
		fail("fork the box's init", NULL);
		goto err;
	}
	if (child == 0) {
		close(pipefd[0]);
		fds.ready = pipefd[1];
		box_init(o, env, fds);
	}

	close(pipefd[1]);
	close(fds.log);
	close(fds.status);
	printf("pid %d\n", (int)child);
	fflush(stdout);
	return await_ready(pipefd[0], child);

err:
	printf("error %s\n", failure_text());
	if (nl >= 0)
		close(nl);
	if (pipefd[0] >= 0) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
	if (fds.status >= 0)
		close(fds.status);
	if (fds.log >= 0)
		close(fds.log);
	return 1;
}

int start_main(int argc, char **argv)
{
	struct start_opts o;
	char **env = NULL;
	int ret;

	ret = parse_start(argc, argv, &o);
	if (ret != 0) {
		ret = ret > 0 ? 0 : EXIT_USAGE;
		goto out;
	}
	env = build_env(o.envs, o.hostname);
	if (!env) {
		printf("error %s\n", failure_text());
		ret = 1;
		goto out;
	}
	ret = start_box(&o, env);
out:
	free(env);
	free(o.envs);
	free(o.cgroups);
	return ret;
}
