/*
 * The box's network namespace starts with a loopback device that is down.
 * Boxes get loopback only for now.
 */
#define _GNU_SOURCE
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "box.h"

int loopback_up(void)
{
	struct ifreq ifr;
	int fd, ret = -1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("open a socket to configure", "lo");

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", sizeof("lo"));
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		fail("read interface flags", "lo");
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
		fail("bring up interface", "lo");
		goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}
