/* SPDX-License-Identifier: MIT */
/* hvm-exit CODE: writes CODE to Skiff's HVM exit port 0x501 (0 poweroff, 1 reboot), from a Linux guest's userspace. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>

int main(int argc, char **argv)
{
	unsigned int code = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 0) : 0;

	if (ioperm(0x501, 1, 1) != 0) {
		perror("hvm-exit: ioperm");
		return 1;
	}
	outb((unsigned char)code, 0x501);
	fprintf(stderr, "hvm-exit: the exit port did not end the domain\n");
	return 1;
}
