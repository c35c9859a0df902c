// SPDX-License-Identifier: GPL-2.0
/*
 * corral-argv MODE READYFILE - processes whose cmdline or shape is hard to
 * report. Each creates READYFILE once it is in its final state, then sleeps.
 *
 *   tricky  re-executes itself with arguments holding a quote, a backslash,
 *           a newline, control bytes, UTF-8 and bytes that are not UTF-8
 *   long    re-executes itself with a cmdline far over 256 bytes whose
 *           256th byte falls inside a two-byte UTF-8 character
 *   leader  its main thread exits while a second thread lives on: the
 *           group leader is a zombie without an mm, the process is alive
 *   decoy   names itself "docker" and carries a container-like argv, while
 *           living outside every container cgroup
 *   filemapped
 *           maps a file (a memfd) over the pages of its argument area, with
 *           the same bytes in it, and writes those bytes to READYFILE: a
 *           reader that honours FOLL_ANON (as /proc/<pid>/cmdline does)
 *           reads nothing there, one that does not reads the file
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define DECOY_ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char *ready_file;
static pid_t leader_pid;

static void ready(void)
{
	int fd = open(ready_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0) {
		perror("corral-argv: ready file");
		exit(1);
	}
	close(fd);
}

static void sleep_forever(void)
{
	for (;;)
		pause();
}

/* Runs this same binary again, under its own name so comm stays put. */
static void reexec(char **args)
{
	static char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0) {
		perror("corral-argv: readlink /proc/self/exe");
		exit(1);
	}
	self[n] = '\0';
	execv(self, args);
	perror("corral-argv: execv");
	exit(1);
}

/* Waits for the exited leader to become a zombie, then reports ready. */
static void *survivor(void *arg)
{
	char path[64], buf[256], *p;
	int fd;
	ssize_t n;

	(void)arg;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)leader_pid);
	for (;;) {
		fd = open(path, O_RDONLY);
		if (fd >= 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n > 0) {
				buf[n] = '\0';
				p = strrchr(buf, ')');
				if (p && p[1] == ' ' && p[2] == 'Z')
					break;
			}
		}
		usleep(20000);
	}
	ready();
	sleep_forever();
	return NULL;
}

static char *arg_start, *arg_end;

/*
 * Runs on its own stack while the main thread sleeps in pthread_join, so
 * nothing writes to the pages between their copy and the mapping.
 */
static void *map_over_args(void *unused)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long lo = (unsigned long)arg_start & ~(page - 1);
	unsigned long hi = ((unsigned long)arg_end + page - 1) & ~(page - 1);
	int fd = memfd_create("corral-argv", 0);
	int out;

	(void)unused;
	if (fd < 0 || write(fd, (void *)lo, hi - lo) != (ssize_t)(hi - lo) ||
	    mmap((void *)lo, hi - lo, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) {
		perror("corral-argv: mapping a memfd over the arguments");
		exit(1);
	}
	out = open(ready_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0 || write(out, arg_start, arg_end - arg_start) < 0) {
		perror("corral-argv: ready file");
		exit(1);
	}
	close(out);
	sleep_forever();
	return NULL;
}

int main(int argc, char **argv)
{
	static char long_arg[601];
	pthread_t t;

	if (argc < 3) {
		fprintf(stderr, "usage: corral-argv tricky|long|leader|decoy|filemapped READYFILE\n");
		return 2;
	}
	ready_file = argv[2];

	if (!strcmp(argv[1], "tricky")) {
		char *args[] = { "corral-argv", "tricky-2", argv[2],
				 "say \"hi\"", "back\\slash", "new\nline",
				 "tab\tctl\x01\x1f del\x7f",
				 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8e",
				 "bad \xff\xfe \xc3( \xed\xa0\x80 \xc0\xaf end",
				 NULL };
		reexec(args);
	} else if (!strcmp(argv[1], "long")) {
		/* "corral-argv long-2 READYFILE " then é...: byte 256 splits one */
		char *args[] = { "corral-argv", "long-2", argv[2], long_arg,
				 NULL };
		size_t used = strlen("corral-argv long-2 ") + strlen(argv[2]) + 1;
		size_t i = 0;

		if ((used & 1) == 0)
			long_arg[i++] = 'x';
		while (i + 2 < sizeof(long_arg)) {
			long_arg[i++] = (char)0xc3;
			long_arg[i++] = (char)0xa9;
		}
		reexec(args);
	} else if (!strcmp(argv[1], "leader")) {
		leader_pid = getpid();
		if (pthread_create(&t, NULL, survivor, NULL) != 0) {
			perror("corral-argv: pthread_create");
			return 1;
		}
		pthread_exit(NULL);
	} else if (!strcmp(argv[1], "filemapped")) {
		arg_start = argv[0];
		arg_end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
		if (pthread_create(&t, NULL, map_over_args, NULL) != 0) {
			perror("corral-argv: pthread_create");
			return 1;
		}
		pthread_join(t, NULL);
		return 1;
	} else if (!strcmp(argv[1], "decoy")) {
		char *args[] = { "/docker/" DECOY_ID, "decoy-2", argv[2],
				 "docker-" DECOY_ID ".scope", NULL };
		reexec(args);
	} else if (!strcmp(argv[1], "decoy-2")) {
		prctl(PR_SET_NAME, "docker", 0, 0, 0);
		ready();
		sleep_forever();
	} else if (!strcmp(argv[1], "tricky-2")) {
		/* a comm with a quote, a backslash and UTF-8 too */
		prctl(PR_SET_NAME, "tr\"ck\\\xc3\xa9", 0, 0, 0);
		ready();
		sleep_forever();
	} else if (strstr(argv[1], "-2")) {
		ready();
		sleep_forever();
	}
	fprintf(stderr, "corral-argv: unknown mode '%s'\n", argv[1]);
	return 2;
}
