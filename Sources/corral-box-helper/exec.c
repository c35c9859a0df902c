/*
 * exec: run CMD inside a running box, the way `docker exec` does.
 *
 * The helper joins the box's cgroups and namespaces, takes the root of the
 * box's init, drops to the box's privileges and forks CMD (the PID
 * namespace applies to children only). It stays outside the box's PID
 * namespace, forwarding signals, and exits with CMD's status. CMD inherits
 * the caller's stdin, stdout and stderr, so piping works.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "box.h"

/* In the order they are entered: mnt last, it changes what paths mean. */
static const char *const namespaces[] = {
	"cgroup", "ipc", "uts", "net", "pid", "mnt",
};

#define NR_NS		ARRAY_SIZE(namespaces)
#define PROC_PATH	48

static int enter_box(const struct exec_opts *o)
{
	char ns_path[NR_NS][PROC_PATH], root_path[PROC_PATH];
	int ns_fd[NR_NS], root_fd, ret = -1;
	size_t i;

	for (i = 0; i < NR_NS; i++)
		ns_fd[i] = -1;

	/* Open everything first: after setns(mnt) the host's /proc is gone. */
	snprintf(root_path, sizeof(root_path), "/proc/%d/root", (int)o->pid);
	root_fd = open(root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return fail("open the box's root", root_path);
	for (i = 0; i < NR_NS; i++) {
		snprintf(ns_path[i], PROC_PATH, "/proc/%d/ns/%s", (int)o->pid,
			 namespaces[i]);
		ns_fd[i] = open(ns_path[i], O_RDONLY | O_CLOEXEC);
		if (ns_fd[i] >= 0)
			continue;
		/* Kernels before 4.6 have no cgroup namespace. */
		if (i == 0 && errno == ENOENT)
			continue;
		fail("open namespace", ns_path[i]);
		goto out;
	}

	for (i = 0; i < NR_NS; i++) {
		if (ns_fd[i] >= 0 && setns(ns_fd[i], 0) < 0) {
			fail("enter namespace", ns_path[i]);
			goto out;
		}
	}
	if (fchdir(root_fd) < 0 || chroot(".") < 0) {
		fail("enter the box's root", root_path);
		goto out;
	}
	if (chdir(o->workdir) < 0) {
		fail("enter workdir", o->workdir);
		goto out;
	}
	ret = 0;
out:
	for (i = 0; i < NR_NS; i++)
		if (ns_fd[i] >= 0)
			close(ns_fd[i]);
	close(root_fd);
	return ret;
}

static int run_exec(const struct exec_opts *o)
{
	char hostname[HOST_NAME_MAX + 1];
	sigset_t sigs;
	char **env;
	pid_t child;
	int status;

	if (join_cgroups(o->cgroups) < 0 || enter_box(o) < 0)
		goto err;
	/* The box's name, now that we are in its UTS namespace. */
	if (gethostname(hostname, sizeof(hostname)) < 0) {
		fail("read the box's hostname", NULL);
		goto err;
	}
	hostname[HOST_NAME_MAX] = 0;
	env = build_env(o->envs, hostname);
	if (!env)
		goto err;
	if (drop_privileges() < 0 || catch_signals(&sigs) < 0)
		goto err_env;

	child = fork();
	if (child < 0) {
		fail("fork", o->cmd[0]);
		goto err_env;
	}
	if (child == 0)
		exec_command(o->cmd, env);

	status = supervise(child, &sigs);
	free(env);
	return exit_code(status);

err_env:
	free(env);
err:
	fprintf(stderr, PROG ": %s\n", failure_text());
	return EXIT_RUNTIME;
}

int exec_main(int argc, char **argv)
{
	struct exec_opts o;
	int ret;

	ret = parse_exec(argc, argv, &o);
	if (ret == 0)
		ret = run_exec(&o);
	else
		ret = ret > 0 ? 0 : EXIT_USAGE;
	free(o.envs);
	free(o.cgroups);
	return ret;
}
