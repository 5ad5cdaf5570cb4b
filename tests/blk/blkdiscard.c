/* SPDX-License-Identifier: MIT */
/* blkdiscard DEV OFFSET LENGTH (bytes): one BLKDISCARD ioctl, static for the guests' busybox initramfs (no blkdiscard there). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	uint64_t range[2];
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: blkdiscard DEV OFFSET LENGTH\n");
		return 2;
	}
	range[0] = strtoull(argv[2], NULL, 0);
	range[1] = strtoull(argv[3], NULL, 0);
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		printf("@@ DISCARD %s: cannot open: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (ioctl(fd, BLKDISCARD, range)) {
		printf("@@ DISCARD %s %llu+%llu refused: %s\n", argv[1], (unsigned long long)range[0],
		       (unsigned long long)range[1], strerror(errno));
		close(fd);
		return 1;
	}
	printf("@@ DISCARD %s %llu+%llu ok\n", argv[1], (unsigned long long)range[0], (unsigned long long)range[1]);
	close(fd);
	return 0;
}
