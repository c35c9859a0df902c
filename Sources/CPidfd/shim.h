/* glibc's pidfd calls (2.36+, Debian 12) for Swift: a signal to a process
 * pinned by a file descriptor reaches that process, never a reused pid. */
#include <sys/pidfd.h>
#include <signal.h>
