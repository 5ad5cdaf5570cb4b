/* SPDX-License-Identifier: MIT */
/* Host side of the blk tests: makes the disk image the guest reads, and checks what the guest wrote to it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "blk_pattern.h"

static int make(const char *path)
{
	FILE *f = fopen(path, "wb");
	unsigned char sec[512];

	if (!f)
		return perror(path), 1;
	for (uint64_t s = 0; s < BLK_IMAGE_BYTES / 512; s++) {
		for (unsigned int j = 0; j < 512; j++)
			sec[j] = s < BLK_READ_SECTORS ? blk_host_byte(s, j) : 0;
		if (fwrite(sec, 1, sizeof(sec), f) != sizeof(sec))
			return perror(path), fclose(f), 1;
	}
	return fclose(f) ? (perror(path), 1) : 0;
}

/* Every sector the guest wrote holds its pattern, and the host's sectors are untouched. */
static int verify(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char sec[512];
	uint64_t bad = 0, first_bad = 0;

	if (!f)
		return perror(path), 1;
	for (uint64_t s = 0; s < BLK_IMAGE_BYTES / 512; s++) {
		int ok = fread(sec, 1, sizeof(sec), f) == sizeof(sec);

		for (unsigned int j = 0; ok && j < 512; j++) {
			unsigned char want = s < BLK_READ_SECTORS ? blk_host_byte(s, j)
					     : (s >= BLK_WRITE_FIRST && s < BLK_WRITE_FIRST + BLK_WRITE_SECTORS)
						     ? blk_guest_byte(s, j) : 0;
			ok = sec[j] == want;
		}
		if (!ok && !bad++)
			first_bad = s;
	}
	fclose(f);
	if (bad) {
		printf("blk_image: %llu sectors differ from what the guest was to write, the first %llu\n",
		       (unsigned long long)bad, (unsigned long long)first_bad);
		return 1;
	}
	printf("blk_image: all %u sectors as expected (%u written by the guest)\n", BLK_IMAGE_BYTES / 512,
	       BLK_WRITE_SECTORS);
	return 0;
}

/* After a guest copied the host's region to the write region: the two match, the rest is untouched. */
static int verify_copy(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char sec[512];
	uint64_t bad = 0;

	if (!f)
		return perror(path), 1;
	for (uint64_t s = 0; s < BLK_IMAGE_BYTES / 512; s++) {
		int ok = fread(sec, 1, sizeof(sec), f) == sizeof(sec);
		uint64_t src = s >= BLK_WRITE_FIRST && s < BLK_WRITE_FIRST + BLK_WRITE_SECTORS ? s - BLK_WRITE_FIRST : s;

		for (unsigned int j = 0; ok && j < 512; j++)
			ok = sec[j] == (src < BLK_READ_SECTORS ? blk_host_byte(src, j) : 0);
		bad += !ok;
	}
	fclose(f);
	printf("blk_image: %llu sectors differ from the copy the guest was to make\n", (unsigned long long)bad);
	return bad != 0;
}

/* After a read-only run: the image is exactly as made. */
static int verify_pristine(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char sec[512];
	uint64_t bad = 0;

	if (!f)
		return perror(path), 1;
	for (uint64_t s = 0; s < BLK_IMAGE_BYTES / 512; s++) {
		int ok = fread(sec, 1, sizeof(sec), f) == sizeof(sec);

		for (unsigned int j = 0; ok && j < 512; j++)
			ok = sec[j] == (s < BLK_READ_SECTORS ? blk_host_byte(s, j) : 0);
		bad += !ok;
	}
	fclose(f);
	printf("blk_image: %llu sectors changed on a read-only disk\n", (unsigned long long)bad);
	return bad != 0;
}

/* After a crash: records [0, n) (sectors from BLK_WRITE_FIRST) hold the guest's pattern; the host's region is intact. */
static int verify_records(const char *path, uint64_t n)
{
	FILE *f = fopen(path, "rb");
	unsigned char sec[512];
	uint64_t lost = 0, bad_host = 0;

	if (!f)
		return perror(path), 1;
	for (uint64_t s = 0; s < BLK_WRITE_FIRST + n; s++) {
		int ok = fread(sec, 1, sizeof(sec), f) == sizeof(sec);

		if (s >= BLK_READ_SECTORS && s < BLK_WRITE_FIRST)
			continue;
		for (unsigned int j = 0; ok && j < 512; j++)
			ok = sec[j] == (s < BLK_READ_SECTORS ? blk_host_byte(s, j) : blk_guest_byte(s, j));
		if (s < BLK_READ_SECTORS)
			bad_host += !ok;
		else
			lost += !ok;
	}
	fclose(f);
	printf("blk_image: %llu of %llu acknowledged records lost, %llu host sectors changed\n",
	       (unsigned long long)lost, (unsigned long long)n, (unsigned long long)bad_host);
	return lost || bad_host;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "make"))
		return make(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "verify"))
		return verify(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "verify-copy"))
		return verify_copy(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "verify-pristine"))
		return verify_pristine(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "verify-records"))
		return verify_records(argv[2], strtoull(argv[3], NULL, 10));
	fprintf(stderr, "usage: blk_image make|verify|verify-copy|verify-pristine FILE, or verify-records FILE N\n");
	return 64;
}
