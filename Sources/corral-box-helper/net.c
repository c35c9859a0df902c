/*
 * The box's network namespace starts with a loopback device that is down.
 * A box on a bridge also gets eth0: the Swift side makes a veth pair on the
 * host and enslaves one end to the bridge; the helper moves the other end
 * into the new namespace (netlink, from a socket opened in the host's
 * namespace before unshare), then names it eth0, gives it the box's
 * address and a default route through the bridge (ioctls, inside).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "box.h"

#define BOX_IFNAME	"eth0"

static int set_up(int fd, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return fail("read interface flags", name);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return fail("bring up interface", name);
	return 0;
}

int loopback_up(void)
{
	int fd, ret;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("open a socket to configure", "lo");
	ret = set_up(fd, "lo");
	close(fd);
	return ret;
}

int netlink_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return fail("open a netlink socket", NULL);
	return fd;
}

/*
 * RTM_NEWLINK { index, IFLA_NET_NS_FD }: sent on a socket of the link's
 * current namespace, it moves the link into the namespace nsfd names.
 */
int move_link(int nl, const char *link, int index, int nsfd)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		struct rtattr rta;
		int fd;
	} req;
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr err;
	} ack;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_NEWLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = index;
	req.rta.rta_type = IFLA_NET_NS_FD;
	req.rta.rta_len = RTA_LENGTH(sizeof(int));
	req.fd = nsfd;

	if (send(nl, &req, sizeof(req), 0) != (ssize_t)sizeof(req))
		return fail("send the move of", link);
	do {
		n = recv(nl, &ack, sizeof(ack), 0);
	} while (n < 0 && errno == EINTR);
	if (n < (ssize_t)sizeof(ack) || ack.nh.nlmsg_type != NLMSG_ERROR)
		return fail("read the answer to the move of", link);
	if (ack.err.error) {
		errno = -ack.err.error;
		return fail("move into the box's network namespace", link);
	}
	return 0;
}

static int set_addr(int fd, unsigned long req, const char *name,
		    struct in_addr addr, const char *step)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	sin->sin_family = AF_INET;
	sin->sin_addr = addr;
	if (ioctl(fd, req, &ifr) < 0)
		return fail(step, name);
	return 0;
}

/* Inside the box's namespace: LINK becomes eth0, up, with its address and route. */
int configure_eth0(const struct start_opts *o)
{
	struct ifreq ifr;
	struct rtentry rt;
	struct in_addr mask;
	int fd, ret = -1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("open a socket to configure", o->net_link);

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, o->net_link, IFNAMSIZ - 1);
	strncpy(ifr.ifr_newname, BOX_IFNAME, IFNAMSIZ - 1);
	if (ioctl(fd, SIOCSIFNAME, &ifr) < 0) {
		fail("rename to " BOX_IFNAME, o->net_link);
		goto out;
	}
	mask.s_addr = o->net_prefix ?
		htonl(~0U << (32 - o->net_prefix)) : 0;
	if (set_addr(fd, SIOCSIFADDR, BOX_IFNAME, o->net_address,
		     "set the address of") < 0 ||
	    set_addr(fd, SIOCSIFNETMASK, BOX_IFNAME, mask,
		     "set the netmask of") < 0 ||
	    set_up(fd, BOX_IFNAME) < 0)
		goto out;

	memset(&rt, 0, sizeof(rt));
	((struct sockaddr_in *)&rt.rt_dst)->sin_family = AF_INET;
	((struct sockaddr_in *)&rt.rt_genmask)->sin_family = AF_INET;
	((struct sockaddr_in *)&rt.rt_gateway)->sin_family = AF_INET;
	((struct sockaddr_in *)&rt.rt_gateway)->sin_addr = o->net_gateway;
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	rt.rt_dev = (char *)BOX_IFNAME;
	if (ioctl(fd, SIOCADDRT, &rt) < 0) {
		fail("add the default route through the bridge on",
		     BOX_IFNAME);
		goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}
