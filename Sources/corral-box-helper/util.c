/*
 * The failure line every step records, and small I/O helpers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "box.h"

/* The last failure, kept to one line: it travels as one line of a pipe. */
static char failure[PATH_MAX + 256];

static void one_line(void)
{
	char *p;

	for (p = failure; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

/* Records "step: path: strerror(errno)" and returns -1, errno intact. */
int fail(const char *step, const char *path)
{
	int err = errno;

	if (path)
		snprintf(failure, sizeof(failure), "%s: %s: %s",
			 step, path, strerror(err));
	else
		snprintf(failure, sizeof(failure), "%s: %s",
			 step, strerror(err));
	one_line();
	errno = err;
	return -1;
}

int failf(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(failure, sizeof(failure), fmt, ap);
	va_end(ap);
	one_line();
	errno = err;
	return -1;
}

const char *failure_text(void)
{
	return failure;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* Writes text to an existing file (cgroup.procs, oom_score_adj). */
int write_file(const char *path, const char *text)
{
	int fd, ret, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = write_all(fd, text, strlen(text));
	err = errno;
	if (close(fd) < 0 && ret == 0)
		return -1;
	errno = err;
	return ret;
}

/*
 * Opens /dev/null on any of 0, 1, 2 the caller left closed, so that files
 * opened later never land there and get clobbered by dup2.
 */
void fix_stdio(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", fd ? O_WRONLY : O_RDONLY) < 0)
			return;
	}
}

void close_inherited_fds(void)
{
	struct rlimit rl;
	unsigned int fd;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return;
#endif
	/* Kernels before 5.9: close them one by one. */
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = 65536;
	for (fd = 3; fd < rl.rlim_cur; fd++)
		close(fd);
}
