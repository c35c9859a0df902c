/* libcgroup (libcgroup-dev) for Swift: cgroup v1 reads in Probe's CgroupStats. */
#include <libcgroup.h>
