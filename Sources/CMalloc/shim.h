/* glibc's malloc_trim for Swift: the enforcer hands the heap it freed back
 * to the kernel after each cycle. */
#include <malloc.h>
