/*
 * Command lines of both modes. Values are checked here, once, so that the
 * steps after fork only meet well-formed input.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <arpa/inet.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "box.h"

enum {
	OPT_LOWER = 256,
	OPT_DISK,
	OPT_DISK_MOUNT,
	OPT_ROOT,
	OPT_HOSTNAME,
	OPT_CGROUP,
	OPT_LOG,
	OPT_STATUS,
	OPT_ENV,
	OPT_WORKDIR,
	OPT_PID,
	OPT_NET_LINK,
	OPT_NET_ADDRESS,
	OPT_NET_GATEWAY,
};

static const struct option start_options[] = {
	{ "lower",	required_argument, NULL, OPT_LOWER },
	{ "disk",	required_argument, NULL, OPT_DISK },
	{ "disk-mount",	required_argument, NULL, OPT_DISK_MOUNT },
	{ "root",	required_argument, NULL, OPT_ROOT },
	{ "hostname",	required_argument, NULL, OPT_HOSTNAME },
	{ "cgroup",	required_argument, NULL, OPT_CGROUP },
	{ "log",	required_argument, NULL, OPT_LOG },
	{ "status",	required_argument, NULL, OPT_STATUS },
	{ "env",	required_argument, NULL, OPT_ENV },
	{ "workdir",	required_argument, NULL, OPT_WORKDIR },
	{ "net-link",	required_argument, NULL, OPT_NET_LINK },
	{ "net-address", required_argument, NULL, OPT_NET_ADDRESS },
	{ "net-gateway", required_argument, NULL, OPT_NET_GATEWAY },
	{ "help",	no_argument,	   NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct option exec_options[] = {
	{ "pid",	required_argument, NULL, OPT_PID },
	{ "cgroup",	required_argument, NULL, OPT_CGROUP },
	{ "env",	required_argument, NULL, OPT_ENV },
	{ "workdir",	required_argument, NULL, OPT_WORKDIR },
	{ "help",	no_argument,	   NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see " PROG " --help)\n");
	return -1;
}

/* getopt's '?' and ':' answers, turned into a message naming the option. */
static int bad_option(int c, char **argv)
{
	const char *arg = argv[optind - 1];
	char shortopt[3] = { '-', (char)optopt, 0 };

	if (optopt && optopt < 256 && strncmp(arg, "--", 2))
		arg = shortopt;
	if (c == ':')
		return usage_error("option %s needs a value", arg);
	return usage_error("unknown option %s", arg);
}

static char **new_list(int argc)
{
	char **list = calloc(argc + 1, sizeof(*list));

	if (!list)
		fprintf(stderr, PROG ": out of memory\n");
	return list;
}

static int check_env(const char *kv)
{
	const char *eq = strchr(kv, '=');

	if (!eq || eq == kv)
		return usage_error("--env needs KEY=VALUE, not '%s'", kv);
	return 0;
}

static int check_abs(const char *name, const char *path)
{
	if (!path) {
		fprintf(stderr, PROG ": %s is required (see " PROG " --help)\n",
			name);
		return -1;
	}
	if (path[0] != '/') {
		fprintf(stderr, PROG ": %s needs an absolute path, not '%s'\n",
			name, path);
		return -1;
	}
	return 0;
}

/* A.B.C.D/PREFIX into its address and prefix length. */
static int parse_cidr(const char *text, struct in_addr *addr, int *prefix)
{
	char buf[INET_ADDRSTRLEN + 4], *slash, *end;
	long n;

	if (strlen(text) >= sizeof(buf))
		goto bad;
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (!slash)
		goto bad;
	*slash = 0;
	errno = 0;
	n = strtol(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || n < 1 || n > 30 ||
	    inet_pton(AF_INET, buf, addr) != 1)
		goto bad;
	*prefix = (int)n;
	return 0;
bad:
	return usage_error("--net-address needs A.B.C.D/PREFIX (1 to 30), "
			   "not '%s'", text);
}

static int check_net(struct start_opts *o, const char *address,
		     const char *gateway)
{
	if (!o->net_link && !address && !gateway)
		return 0;
	if (!o->net_link || !address || !gateway)
		return usage_error("--net-link, --net-address and --net-gateway "
				   "go together");
	if (!o->net_link[0] || strlen(o->net_link) >= IFNAMSIZ)
		return usage_error("--net-link needs an interface name of 1 to "
				   "15 characters, not '%s'", o->net_link);
	if (parse_cidr(address, &o->net_address, &o->net_prefix) < 0)
		return -1;
	if (inet_pton(AF_INET, gateway, &o->net_gateway) != 1)
		return usage_error("--net-gateway needs A.B.C.D, not '%s'",
				   gateway);
	return 0;
}

static int check_cmd(int argc, char **argv, char ***cmd)
{
	if (optind >= argc)
		return usage_error("missing the command to run after --");
	*cmd = argv + optind;
	return 0;
}

int parse_start(int argc, char **argv, struct start_opts *o)
{
	const char *address = NULL, *gateway = NULL;
	size_t ncg = 0, nenv = 0;
	char **cg;
	int c;

	memset(o, 0, sizeof(*o));
	o->workdir = "/";
	o->cgroups = new_list(argc);
	o->envs = new_list(argc);
	if (!o->cgroups || !o->envs)
		return -1;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:h", start_options,
				NULL)) != -1) {
		switch (c) {
		case OPT_LOWER:
			o->lower = optarg;
			break;
		case OPT_DISK:
			o->disk = optarg;
			break;
		case OPT_DISK_MOUNT:
			o->disk_mount = optarg;
			break;
		case OPT_ROOT:
			o->root = optarg;
			break;
		case OPT_HOSTNAME:
			o->hostname = optarg;
			break;
		case OPT_CGROUP:
			o->cgroups[ncg++] = optarg;
			break;
		case OPT_LOG:
			o->log = optarg;
			break;
		case OPT_STATUS:
			o->status = optarg;
			break;
		case OPT_ENV:
			if (check_env(optarg) < 0)
				return -1;
			o->envs[nenv++] = optarg;
			break;
		case OPT_WORKDIR:
			o->workdir = optarg;
			break;
		case OPT_NET_LINK:
			o->net_link = optarg;
			break;
		case OPT_NET_ADDRESS:
			address = optarg;
			break;
		case OPT_NET_GATEWAY:
			gateway = optarg;
			break;
		case 'h':
			usage(STDOUT_FILENO);
			return 1;
		default:
			return bad_option(c, argv);
		}
	}

	if (check_net(o, address, gateway) < 0)
		return -1;
	if (check_abs("--lower", o->lower) < 0 ||
	    check_abs("--disk", o->disk) < 0 ||
	    check_abs("--disk-mount", o->disk_mount) < 0 ||
	    check_abs("--root", o->root) < 0 ||
	    check_abs("--log", o->log) < 0 ||
	    check_abs("--status", o->status) < 0)
		return -1;
	for (cg = o->cgroups; *cg; cg++)
		if (check_abs("--cgroup", *cg) < 0)
			return -1;
	if (!o->hostname)
		return usage_error("--hostname is required");
	if (!o->hostname[0] || strlen(o->hostname) > HOST_NAME_MAX)
		return usage_error("--hostname needs 1 to 64 characters, not '%s'",
				   o->hostname);
	/* Overlay options are split at ',' and lower layers at ':'. */
	if (strpbrk(o->lower, ",:") || strpbrk(o->disk_mount, ",:"))
		return usage_error("--lower and --disk-mount cannot contain "
				   "',' or ':'");
	return check_cmd(argc, argv, &o->cmd);
}

int parse_exec(int argc, char **argv, struct exec_opts *o)
{
	size_t ncg = 0, nenv = 0;
	const char *pid = NULL;
	char **cg, *end;
	long n;
	int c;

	memset(o, 0, sizeof(*o));
	o->workdir = "/";
	o->cgroups = new_list(argc);
	o->envs = new_list(argc);
	if (!o->cgroups || !o->envs)
		return -1;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:h", exec_options, NULL)) != -1) {
		switch (c) {
		case OPT_PID:
			pid = optarg;
			break;
		case OPT_CGROUP:
			o->cgroups[ncg++] = optarg;
			break;
		case OPT_ENV:
			if (check_env(optarg) < 0)
				return -1;
			o->envs[nenv++] = optarg;
			break;
		case OPT_WORKDIR:
			o->workdir = optarg;
			break;
		case 'h':
			usage(STDOUT_FILENO);
			return 1;
		default:
			return bad_option(c, argv);
		}
	}

	if (!pid)
		return usage_error("--pid is required");
	errno = 0;
	n = strtol(pid, &end, 10);
	if (errno || end == pid || *end || n <= 0 || n > INT_MAX)
		return usage_error("--pid needs a process id, not '%s'", pid);
	o->pid = (pid_t)n;
	for (cg = o->cgroups; *cg; cg++)
		if (check_abs("--cgroup", *cg) < 0)
			return -1;
	return check_cmd(argc, argv, &o->cmd);
}
