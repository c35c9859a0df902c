// SPDX-License-Identifier: GPL-2.0
/*
 * corral-openas MODE FILE - opens FILE as a reader the module must refuse
 * (or, for "root", must serve) and reads it to the end.
 *
 *   root    as it is: root with every capability, initial namespaces
 *   nobody  uid and gid 65534, no supplementary groups, no capabilities
 *   nocap   uid 0 (the file's owner, so its mode lets it through) without
 *           CAP_SYS_ADMIN
 *   userns  uid 0 in a new user namespace: every capability there, none in
 *           the initial one
 *   pidns   root in a new PID namespace with a mount namespace and a proc
 *           of its own mounted on /proc (as a container has), after
 *           checking that FILE shows in that proc
 *
 * Prints one line and exits 0 when the file was read (bytes > 0), 10 on
 * EPERM, 13 on EACCES, 2 when the set-up failed, 1 on any other outcome.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *mode;

static int setup_failed(const char *what)
{
	printf("corral-openas: %s: set-up failed: %s: %s\n", mode, what,
	       strerror(errno));
	return 2;
}

static int try_read(const char *path)
{
	char buf[65536];
	long total = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		int err = errno;

		printf("corral-openas: %s: open %s: %s\n", mode, path,
		       strerror(err));
		return err == EPERM ? 10 : err == EACCES ? 13 : 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	printf("corral-openas: %s: read %ld bytes of %s%s\n", mode, total, path,
	       n < 0 ? " then an error" : "");
	return n == 0 && total > 0 ? 0 : 1;
}

static int drop_sys_admin(void)
{
	struct __user_cap_header_struct head = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &head, data))
		return -1;
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].inheritable &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	return syscall(SYS_capset, &head, data);
}

static int in_new_pidns(const char *path)
{
	struct stat st;
	char self[32];
	ssize_t n;

	if (getpid() != 1)
		return setup_failed("not pid 1 of the new namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return setup_failed("making mounts private");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return setup_failed("mounting a new proc on /proc");
	n = readlink("/proc/self", self, sizeof(self) - 1);
	if (n <= 0)
		return setup_failed("readlink /proc/self");
	self[n] = '\0';
	if (strcmp(self, "1")) {
		errno = 0;
		return setup_failed("/proc is not the new namespace's");
	}
	if (stat(path, &st))
		return setup_failed("the file does not show in the new proc");
	printf("corral-openas: pidns: pid %d, /proc/self -> %s, %s mode %o\n",
	       getpid(), self, path, st.st_mode & 07777);
	return try_read(path);
}

int main(int argc, char **argv)
{
	const char *path;
	int status;
	pid_t child;

	if (argc != 3) {
		fprintf(stderr, "usage: corral-openas root|nobody|nocap|userns|pidns FILE\n");
		return 2;
	}
	mode = argv[1];
	path = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(mode, "root"))
		return try_read(path);
	if (!strcmp(mode, "nobody")) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			return setup_failed("becoming 65534");
		return try_read(path);
	}
	if (!strcmp(mode, "nocap")) {
		if (drop_sys_admin())
			return setup_failed("dropping CAP_SYS_ADMIN");
		return try_read(path);
	}
	if (!strcmp(mode, "userns")) {
		if (unshare(CLONE_NEWUSER))
			return setup_failed("unshare(CLONE_NEWUSER)");
		return try_read(path);
	}
	if (!strcmp(mode, "pidns")) {
		if (unshare(CLONE_NEWPID | CLONE_NEWNS))
			return setup_failed("unshare(CLONE_NEWPID|CLONE_NEWNS)");
		child = fork();
		if (child < 0)
			return setup_failed("fork");
		if (child == 0)
			_exit(in_new_pidns(path));
		if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
			return setup_failed("waiting for pid 1 of the new namespace");
		return WEXITSTATUS(status);
	}
	fprintf(stderr, "corral-openas: unknown mode '%s'\n", mode);
	return 2;
}
