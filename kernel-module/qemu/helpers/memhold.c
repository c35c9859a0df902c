// SPDX-License-Identifier: GPL-2.0
/*
 * corral-memhold MIB READYFILE - touches MIB MiB of anonymous memory, then
 * creates READYFILE and sleeps forever, so its VmRSS stays put while the
 * proof compares it with the module's rss_kb.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t bytes;
	char *mem;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: corral-memhold MIB READYFILE\n");
		return 2;
	}
	bytes = (size_t)atoi(argv[1]) << 20;
	mem = malloc(bytes);
	if (!mem) {
		perror("corral-memhold: malloc");
		return 1;
	}
	memset(mem, 0x5a, bytes);
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror("corral-memhold: ready file");
		return 1;
	}
	close(fd);
	for (;;)
		pause();
}
