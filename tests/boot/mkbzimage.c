/* SPDX-License-Identifier: MIT */
/* mkbzimage: wraps a compressed kernel in a minimal bzImage header, optionally corrupting it, for boot tests of bad kernels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Boot-sector and setup-header offsets (Linux Documentation/x86/boot.rst). */
#define SETUP_SECTS	0x1f1
#define BOOT_FLAG	0x1fe
#define HDR_MAGIC	0x202
#define HDR_VERSION	0x206
#define PAYLOAD_OFF	0x248
#define PAYLOAD_LEN	0x24c
#define PM_OFFSET	(5 * 512)	/* 4 setup sectors after the boot sector */

static void put(unsigned char *p, unsigned long v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

int main(int argc, char **argv)
{
	FILE *in, *out;
	unsigned char *buf;
	long len;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: mkbzimage PAYLOAD OUT [corrupt]\n");
		return 2;
	}
	in = fopen(argv[1], "rb");
	if (!in || fseek(in, 0, SEEK_END) || (len = ftell(in)) <= 0 || fseek(in, 0, SEEK_SET))
		return perror(argv[1]), 1;
	buf = calloc(1, PM_OFFSET + (size_t)len);
	if (!buf || fread(buf + PM_OFFSET, 1, (size_t)len, in) != (size_t)len)
		return perror(argv[1]), 1;
	fclose(in);
	buf[SETUP_SECTS] = 4;
	put(buf + BOOT_FLAG, 0xaa55, 2);
	memcpy(buf + HDR_MAGIC, "HdrS", 4);
	put(buf + HDR_VERSION, 0x020f, 2);
	put(buf + PAYLOAD_OFF, 0, 4);
	put(buf + PAYLOAD_LEN, (unsigned long)len, 4);
	/* Flip bits in the middle of the deflate data: the header and the trailer stay plausible. */
	if (argc == 4)
		for (long i = len / 2; i < len / 2 + 16 && i < len - 8; i++)
			buf[PM_OFFSET + i] ^= 0x5a;
	out = fopen(argv[2], "wb");
	if (!out || fwrite(buf, 1, PM_OFFSET + (size_t)len, out) != PM_OFFSET + (size_t)len || fclose(out))
		return perror(argv[2]), 1;
	free(buf);
	return 0;
}
