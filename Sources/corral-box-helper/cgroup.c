/*
 * Joining the box's cgroups. The Swift side made them and wrote the limits;
 * the helper only moves itself in, before it unshares, so every process of
 * the box starts inside them and the cgroup namespace is rooted there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "box.h"

int join_cgroups(char **dirs)
{
	char path[PATH_MAX], pid[24];

	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	for (; *dirs; dirs++) {
		if (snprintf(path, sizeof(path), "%s/cgroup.procs", *dirs) >=
		    (int)sizeof(path)) {
			errno = ENAMETOOLONG;
			return fail("join cgroup", *dirs);
		}
		if (write_file(path, pid) < 0)
			return fail("join cgroup", path);
	}
	return 0;
}
