/*
 * corral-box-helper: the part of Corral's box runtime that must run between
 * fork and exec. The Swift side prepares the state directory, the cgroups,
 * the disk image and the image root; this helper builds the box's
 * namespaces and file system (start) or enters a running box (exec).
 *
 * Every step that can fail records one line, "step: path: reason", with
 * fail(); the mode decides where that line goes (the readiness pipe, stdout
 * or stderr).
 */
#ifndef CORRAL_BOX_HELPER_H
#define CORRAL_BOX_HELPER_H

#include <netinet/in.h>
#include <signal.h>
#include <stdnoreturn.h>
#include <sys/types.h>

#define PROG		"corral-box-helper"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Exit codes, after runc and docker. */
#define EXIT_USAGE	2
#define EXIT_RUNTIME	125	/* the helper itself failed */
#define EXIT_NOEXEC	126	/* CMD exists but cannot be executed */
#define EXIT_NOTFOUND	127	/* CMD not found */

struct start_opts {
	const char *lower;	/* image root, never written */
	const char *disk;	/* ext4 image file: the writable layer */
	const char *disk_mount;	/* where the disk is mounted */
	const char *root;	/* where the overlay root is mounted */
	const char *hostname;
	const char *log;
	const char *status;
	const char *workdir;
	const char *net_link;	/* host veth end to become eth0, or NULL */
	struct in_addr net_address;
	struct in_addr net_gateway;
	int net_prefix;
	char **cgroups;		/* NULL-terminated */
	char **envs;		/* NULL-terminated --env values */
	char **cmd;		/* NULL-terminated, points into argv */
};

struct exec_opts {
	pid_t pid;		/* host pid of the box's init */
	const char *workdir;
	char **cgroups;
	char **envs;
	char **cmd;
};

/* main.c */
void usage(int to_fd);

/* options.c: 0 to run, 1 when help was printed, -1 on a usage error. */
int parse_start(int argc, char **argv, struct start_opts *o);
int parse_exec(int argc, char **argv, struct exec_opts *o);

/* util.c */
int fail(const char *step, const char *path);
int failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *failure_text(void);
int write_all(int fd, const void *buf, size_t len);
int write_file(const char *path, const char *text);
void fix_stdio(void);
void close_inherited_fds(void);

/* env.c */
char **build_env(char **given, const char *hostname);

/* cgroup.c */
int join_cgroups(char **dirs);

/* loop.c */
int attach_loop(const char *file, char *dev, size_t devlen);

/* rootfs.c */
int build_rootfs(const struct start_opts *o);

/* net.c */
int loopback_up(void);
int netlink_open(void);
int move_link(int nl, const char *link, int index, int nsfd);
int configure_eth0(const struct start_opts *o);

/* caps.c */
int drop_privileges(void);

/* command.c */
int catch_signals(sigset_t *set);
int supervise(pid_t cmd, const sigset_t *set);
int exit_code(int status);
noreturn void exec_command(char **argv, char **env);

/* start.c, exec.c */
int start_main(int argc, char **argv);
int exec_main(int argc, char **argv);

#endif /* CORRAL_BOX_HELPER_H */
