/* libsystemd (libsystemd-dev) for Swift: sd_journal_sendv (the variadic
 * sd_journal_send is a macro Swift cannot call) and sd_notify. */
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <systemd/sd-daemon.h>
