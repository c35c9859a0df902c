/*
 * The box's file system, built in its own mount namespace:
 *
 *   disk (ext4 on a loop device) -> overlay root -> /proc, /dev, /sys
 *   -> masks over /proc -> pivot_root
 *
 * The namespace is made private before the first mount and the host's root
 * is detached at the end, so nothing here is visible on the host and the
 * host is not reachable from the box. Everything the box can write is
 * nodev except the few device nodes bound from the host's /dev, so a box's
 * root that mknods a disk node cannot open it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "box.h"

#define PROC_FLAGS	(MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* The device nodes a box gets, each bound from the host's /dev. */
static const char *const dev_nodes[] = {
	"null", "zero", "full", "random", "urandom", "tty",
};

static const struct {
	const char *name;
	const char *target;
} dev_links[] = {
	{ "ptmx",	"pts/ptmx" },
	{ "fd",		"/proc/self/fd" },
	{ "stdin",	"/proc/self/fd/0" },
	{ "stdout",	"/proc/self/fd/1" },
	{ "stderr",	"/proc/self/fd/2" },
};

/* As runc does: files that leak the host's state get /dev/null over them... */
static const char *const proc_masked[] = {
	"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
	"/proc/latency_stats",
};

/* ...and knobs that change the host's kernel become read-only. */
static const char *const proc_read_only[] = {
	"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus",
	"/proc/fs",
};

/* buf = base + rel; rel starts with '/'. */
static int path_in(char *buf, const char *base, const char *rel)
{
	if (snprintf(buf, PATH_MAX, "%s%s", base, rel) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return fail("build path", base);
	}
	return 0;
}

/*
 * A mount point the image may lack. One that exists must be a real
 * directory: a symlink would be followed into the host's tree.
 */
static int ensure_dir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return fail("create directory", path);
	if (lstat(path, &st) < 0)
		return fail("inspect", path);
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return fail("mount point is not a directory", path);
	}
	return 0;
}

static int mount_disk(const struct start_opts *o)
{
	char dev[32];
	int loopfd, ret = 0;

	loopfd = attach_loop(o->disk, dev, sizeof(dev));
	if (loopfd < 0)
		return -1;
	if (mount(dev, o->disk_mount, "ext4", MS_NOSUID | MS_NODEV, NULL) < 0)
		ret = failf("mount disk %s (%s): %s: %s", o->disk, dev,
			    o->disk_mount, strerror(errno));
	/* From here the mount alone keeps the device; see loop.c. */
	close(loopfd);
	return ret;
}

static int mount_overlay(const struct start_opts *o)
{
	char upper[PATH_MAX], work[PATH_MAX], opts[4096];

	if (path_in(upper, o->disk_mount, "/upper") < 0 ||
	    path_in(work, o->disk_mount, "/work") < 0 ||
	    ensure_dir(upper) < 0 || ensure_dir(work) < 0)
		return -1;
	/* Mount options are limited to a page. */
	if (snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s",
		     o->lower, upper, work) >= (int)sizeof(opts)) {
		errno = ENAMETOOLONG;
		return fail("overlay options", o->lower);
	}
	if (mount("overlay", o->root, "overlay", MS_NODEV, opts) < 0)
		return failf("mount overlay (%s): %s: %s", opts, o->root,
			     strerror(errno));
	return 0;
}

static int mount_proc(const char *root)
{
	char proc[PATH_MAX];

	if (path_in(proc, root, "/proc") < 0 || ensure_dir(proc) < 0)
		return -1;
	if (mount("proc", proc, "proc", PROC_FLAGS, NULL) < 0)
		return fail("mount proc", proc);
	return 0;
}

static int bind_dev_node(const char *dev, const char *name)
{
	char host[64], path[PATH_MAX];
	int fd;

	snprintf(host, sizeof(host), "/dev/%s", name);
	if (snprintf(path, sizeof(path), "%s/%s", dev, name) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return fail("build path", dev);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return fail("create", path);
	close(fd);
	/* A bind mount carries the host /dev's flags, which lack nodev. */
	if (mount(host, path, NULL, MS_BIND, NULL) < 0)
		return failf("bind %s: %s: %s", host, path, strerror(errno));
	return 0;
}

static int mount_dev(const char *root)
{
	char dev[PATH_MAX], path[PATH_MAX];
	size_t i;

	if (path_in(dev, root, "/dev") < 0 || ensure_dir(dev) < 0)
		return -1;
	if (mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV,
		  "mode=755,size=65536k") < 0)
		return fail("mount tmpfs", dev);

	for (i = 0; i < ARRAY_SIZE(dev_nodes); i++)
		if (bind_dev_node(dev, dev_nodes[i]) < 0)
			return -1;

	/* Terminals need working nodes here: no nodev. */
	if (path_in(path, dev, "/pts") < 0 || ensure_dir(path) < 0)
		return -1;
	if (mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0)
		return fail("mount devpts", path);

	if (path_in(path, dev, "/shm") < 0 || ensure_dir(path) < 0)
		return -1;
	if (mount("shm", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=1777,size=65536k") < 0)
		return fail("mount tmpfs", path);

	for (i = 0; i < ARRAY_SIZE(dev_links); i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dev,
			     dev_links[i].name) >= (int)sizeof(path)) {
			errno = ENAMETOOLONG;
			return fail("build path", dev);
		}
		if (symlink(dev_links[i].target, path) < 0)
			return fail("create symlink", path);
	}
	return 0;
}

static int mount_sys(const char *root)
{
	char sys[PATH_MAX];

	if (path_in(sys, root, "/sys") < 0 || ensure_dir(sys) < 0)
		return -1;
	if (mount("sysfs", sys, "sysfs", MS_RDONLY | PROC_FLAGS, NULL) < 0)
		return fail("mount sysfs", sys);
	return 0;
}

/* A path missing from this kernel's /proc needs no mask. */
static int mask_proc(const char *root)
{
	char null[PATH_MAX], path[PATH_MAX];
	size_t i;

	if (path_in(null, root, "/dev/null") < 0)
		return -1;

	for (i = 0; i < ARRAY_SIZE(proc_masked); i++) {
		if (path_in(path, root, proc_masked[i]) < 0)
			return -1;
		if (mount(null, path, NULL, MS_BIND, NULL) < 0 &&
		    errno != ENOENT)
			return fail("mask", path);
	}

	for (i = 0; i < ARRAY_SIZE(proc_read_only); i++) {
		if (path_in(path, root, proc_read_only[i]) < 0)
			return -1;
		if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
			if (errno == ENOENT)
				continue;
			return fail("bind onto itself", path);
		}
		/* A remount replaces all flags: restate proc's. */
		if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY |
			  PROC_FLAGS, NULL) < 0)
			return fail("remount read-only", path);
	}
	return 0;
}

/*
 * runc's way in: with new and old root the same directory, the old root
 * ends up stacked on "." and a lazy unmount of "." takes it, and every
 * mount below it (the disk's included), out of the namespace.
 */
static int enter_root(const char *root)
{
	if (chdir(root) < 0)
		return fail("enter", root);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return fail("pivot_root", root);
	if (umount2(".", MNT_DETACH) < 0)
		return fail("detach the host's root", root);
	if (chdir("/") < 0)
		return fail("enter", "/");
	return 0;
}

int build_rootfs(const struct start_opts *o)
{
	/* Before any mount, so none propagates to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail("make mounts private", "/");

	if (mount_disk(o) < 0 ||
	    mount_overlay(o) < 0 ||
	    mount_proc(o->root) < 0 ||
	    mount_dev(o->root) < 0 ||
	    mount_sys(o->root) < 0 ||
	    mask_proc(o->root) < 0)
		return -1;
	return enter_root(o->root);
}
