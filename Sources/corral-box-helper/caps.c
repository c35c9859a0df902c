/*
 * What a box's root may do: Docker's default capability set, nothing more,
 * for good (bounding set), and no way back up (no_new_privs). The process
 * also becomes non-dumpable, so a box's root, lacking CAP_SYS_PTRACE,
 * cannot open /proc/PID/{fd,root,mem} of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "box.h"

static const int kept[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD,
	CAP_NET_RAW, CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP,
	CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE,
};

static uint64_t kept_mask(void)
{
	uint64_t mask = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kept); i++)
		mask |= 1ULL << kept[i];
	return mask;
}

/* PR_CAPBSET_DROP needs CAP_SETPCAP, so the bounding set goes first. */
static int drop_bounding(uint64_t keep)
{
	int cap;

	/* PR_CAPBSET_READ answers EINVAL past the kernel's last capability. */
	for (cap = 0; cap < 64; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				return 0;
			return failf("read capability %d of the bounding set: %s",
				     cap, strerror(errno));
		}
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return failf("drop capability %d from the bounding set: %s",
				     cap, strerror(errno));
	}
	return 0;
}

int drop_privileges(void)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	uint64_t keep = kept_mask();
	int i;

	if (drop_bounding(keep) < 0)
		return -1;

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		data[i].effective = (uint32_t)(keep >> (32 * i));
		data[i].permitted = data[i].effective;
		data[i].inheritable = data[i].effective;
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return fail("set capabilities", NULL);

	/* Kernels before 4.3 have no ambient set: nothing to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return fail("clear ambient capabilities", NULL);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail("set no_new_privs", NULL);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return fail("clear the dumpable flag", NULL);
	return 0;
}
