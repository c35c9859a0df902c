/*
 * The box's disk: its ext4 image file behind a loop device marked
 * LO_FLAGS_AUTOCLEAR. Such a device detaches itself when its last user goes;
 * once the caller has mounted it and closed its fd, that user is the mount in
 * the box's namespace, so a box killed outright leaves no device behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "box.h"

/* Another process may take the free device first: try a few. */
#define LOOP_TRIES	8

static int configure(int loopfd, int filefd, const char *file)
{
	struct loop_config cfg;
	int err;

	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = filefd;
	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
	strncpy((char *)cfg.info.lo_file_name, file, LO_NAME_SIZE - 1);
	if (ioctl(loopfd, LOOP_CONFIGURE, &cfg) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOTTY)
		return -1;

	/* Before Linux 5.8 there is no LOOP_CONFIGURE: attach, then flag. */
	if (ioctl(loopfd, LOOP_SET_FD, filefd) < 0)
		return -1;
	if (ioctl(loopfd, LOOP_SET_STATUS64, &cfg.info) == 0)
		return 0;
	err = errno;
	ioctl(loopfd, LOOP_CLR_FD, 0);
	errno = err;
	return -1;
}

/*
 * Attaches file to a free loop device, names it in dev and returns its open
 * fd: the caller mounts it, then closes the fd. Returns -1 with fail().
 */
int attach_loop(const char *file, char *dev, size_t devlen)
{
	static const char control[] = "/dev/loop-control";
	int filefd, ctl, loopfd = -1, n, tries, err;

	filefd = open(file, O_RDWR | O_CLOEXEC);
	if (filefd < 0)
		return fail("open disk", file);
	ctl = open(control, O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		fail("open", control);
		goto out;
	}

	for (tries = 0; tries < LOOP_TRIES; tries++) {
		n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0) {
			fail("find a free loop device", control);
			break;
		}
		snprintf(dev, devlen, "/dev/loop%d", n);
		loopfd = open(dev, O_RDWR | O_CLOEXEC);
		if (loopfd < 0) {
			fail("open loop device", dev);
			break;
		}
		if (configure(loopfd, filefd, file) == 0)
			break;
		err = errno;
		failf("attach disk %s: %s: %s", file, dev, strerror(err));
		close(loopfd);
		loopfd = -1;
		if (err != EBUSY)
			break;
	}
	close(ctl);
out:
	/* The loop device holds its own reference to the file. */
	close(filefd);
	return loopfd;
}
