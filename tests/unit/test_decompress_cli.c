/* SPDX-License-Identifier: MIT */
/* skiff-unxz: decompresses an xz, gzip or bzImage file with the toolstack loader's decompressors (by hand and for fuzzing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <decompress.h>
#include <loader_lib.h>

#define CLI_MIB		((size_t)1 << 20)
#define CLI_MAX_OUT	((size_t)4 << 30)

static void usage(void)
{
	fprintf(stderr,
		"usage: skiff-unxz [-q] [-m MAX_OUT_BYTES] IN [OUT]\n"
		"  IN is .xz, .gz, or an x86 bzImage (its payload is unwrapped first).\n"
		"  Writes the output to OUT if given. Exit 0 ok, 1 decode error, 2 usage or I/O.\n");
	exit(2);
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : CLI_MIB;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*len = n;
	return buf;
}

/* If this is a bzImage, narrow [in, in+len) to its payload (setup header fields, all bounds-checked). */
static void unwrap_bzimage(const uint8_t **in, size_t *len)
{
	const uint8_t *p = *in;
	size_t start, off, n;

	if (*len < 0x250 || memcmp(p + 0x202, "HdrS", 4) || (p[0x206] | p[0x207] << 8) < 0x208)
		return;
	start = ((size_t)(p[0x1f1] ? p[0x1f1] : 4) + 1) * 512;
	off = p[0x248] | (size_t)p[0x249] << 8 | (size_t)p[0x24a] << 16 | (size_t)p[0x24b] << 24;
	n = p[0x24c] | (size_t)p[0x24d] << 8 | (size_t)p[0x24e] << 16 | (size_t)p[0x24f] << 24;
	if (start > *len || off > *len - start || n > *len - start - off)
		return;
	fprintf(stderr, "bzImage: payload at 0x%zx, %zu bytes\n", start + off, n);
	*in = p + start + off;
	*len = n;
}

/* Output size from the xz index (with or without Linux's 4-byte size suffix) or the gzip ISIZE. */
static size_t guess_size(const uint8_t *in, size_t len)
{
	uint64_t size;

	if (unxz_uncompressed_size(in, len, &size) == 0 ||
	    (len > 4 && unxz_uncompressed_size(in, len - 4, &size) == 0))
		return size;
	if (len >= 18 && in[0] == 0x1f && in[1] == 0x8b)
		return MAX(CLI_MIB, (size_t)(in[len - 4] | in[len - 3] << 8 | in[len - 2] << 16 |
					    (uint32_t)in[len - 1] << 24));
	return MAX(CLI_MIB, len * 8);
}

static int decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len, size_t *used)
{
	static struct unxz_work xw;
	static struct gunzip_work gw;

	if (len >= 2 && in[0] == 0x1f && in[1] == 0x8b)
		return gunzip_buf(in, len, out, cap, out_len, used, &gw);
	return unxz_buf(in, len, out, cap, out_len, used, &xw);
}

int main(int argc, char **argv)
{
	const uint8_t *in;
	uint8_t *file, *out = NULL;
	size_t len, cap, max = CLI_MAX_OUT, out_len = 0, used = 0;
	int quiet = 0, r, opt = 1;
	struct timespec t0, t1;

	for (; opt < argc && argv[opt][0] == '-'; opt++) {
		if (!strcmp(argv[opt], "-q"))
			quiet = 1;
		else if (!strcmp(argv[opt], "-m") && opt + 1 < argc)
			max = strtoull(argv[++opt], NULL, 0);
		else
			usage();
	}
	if (opt >= argc || argc - opt > 2)
		usage();
	file = read_all(argv[opt], &len);
	if (!file) {
		perror(argv[opt]);
		return 2;
	}
	in = file;
	unwrap_bzimage(&in, &len);
	cap = MIN(max, guess_size(in, len));
	for (;;) {
		free(out);
		out = malloc(cap ? cap : 1);
		if (!out) {
			fprintf(stderr, "out of memory for %zu bytes\n", cap);
			return 2;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = decode(in, len, out, cap, &out_len, &used);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (r != DECOMP_ENOSPC || cap >= max)
			break;
		cap = cap > max / 2 ? max : cap * 2;
	}
	if (!quiet)
		fprintf(stderr, "%s: %s; %zu of %zu input bytes -> %zu bytes in %.1f ms\n", argv[opt],
			decompress_strerror(r), used, len, out_len,
			(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	if (r == 0 && argc - opt == 2) {
		FILE *f = fopen(argv[opt + 1], "wb");

		if (!f || fwrite(out, 1, out_len, f) != out_len || fclose(f)) {
			perror(argv[opt + 1]);
			return 2;
		}
	}
	free(out);
	free(file);
	return r ? 1 : 0;
}
