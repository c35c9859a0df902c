/*
 * Entry point: picks the mode. See box.h for what the helper is for.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "box.h"

static const char usage_text[] =
"Usage: " PROG " start [OPTION...] -- CMD [ARG...]\n"
"       " PROG " exec --pid PID [OPTION...] -- CMD [ARG...]\n"
"\n"
"start: build a box (namespaces, disk, overlay root) whose init runs CMD.\n"
"  --lower DIR       image root, the overlay's read-only layer\n"
"  --disk FILE       ext4 image file holding the box's writable layer\n"
"  --disk-mount DIR  empty directory for the disk (box's namespace only)\n"
"  --root DIR        empty directory for the overlay root (idem)\n"
"  --hostname NAME   the box's host name\n"
"  --log FILE        CMD's stdout and stderr are appended here\n"
"  --status FILE     init writes \"exited CODE\" or \"signaled SIGNO\" here\n"
"  --cgroup DIR      join this cgroup before unsharing (repeatable)\n"
"  --env K=V         CMD's environment (repeatable)\n"
"  --workdir DIR     CMD's working directory in the box (default /)\n"
"  --net-link NAME   a host interface (a veth end) that becomes the box's\n"
"                    eth0; with --net-address A.B.C.D/PREFIX and\n"
"                    --net-gateway A.B.C.D (the default route)\n"
"  Prints \"pid PID\", then \"ready\" (exit 0) or \"error MESSAGE\" (exit 1).\n"
"\n"
"exec: run CMD inside the running box whose init is PID.\n"
"  --pid PID         host pid of the box's init\n"
"  --cgroup DIR, --env K=V, --workdir DIR   as for start\n"
"  Exits with CMD's status (128+N when killed by signal N), 125 when the\n"
"  helper failed, 126 when CMD cannot be executed, 127 when not found.\n"
"\n"
"Both modes exit 2 on a usage error.\n";

void usage(int to_fd)
{
	write_all(to_fd, usage_text, sizeof(usage_text) - 1);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(STDERR_FILENO);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(STDOUT_FILENO);
		return 0;
	}

	/*
	 * Nothing the caller leaked may reach the box: an open host directory
	 * is a way out of any chroot.
	 */
	fix_stdio();
	close_inherited_fds();

	if (!strcmp(argv[1], "start"))
		return start_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "exec"))
		return exec_main(argc - 1, argv + 1);

	fprintf(stderr, PROG ": unknown mode '%s' (expected start or exec; "
		"see --help)\n", argv[1]);
	return EXIT_USAGE;
}
