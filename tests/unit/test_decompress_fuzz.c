/* SPDX-License-Identifier: MIT */
/* libFuzzer entry for the decompressors (build: target decompress-fuzz, needs clang); not part of ctest. */
#include <decompress.h>
#include <string.h>

/*
 * The first input byte picks the decoder (bits 7 and 6: lz4's legacy
 * container, bit 7 alone: gzip, bit 6 alone: raw LZMA2, else xz) and the output capacity (low six bits, in 16 KiB steps, so
 * small buffers get fuzzed too). A guard zone after the capacity must
 * stay untouched; ASan catches anything else.
 */
#define FUZZ_OUT_MAX	(64u << 14)
#define FUZZ_GUARD	64

static struct unxz_work fuzz_xz_work;
static struct gunzip_work fuzz_gz_work;
static uint8_t fuzz_out[FUZZ_OUT_MAX + FUZZ_GUARD];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	size_t cap, out_len = 0, used = 0;
	int r;

	if (len < 1)
		return 0;
	cap = (size_t)(data[0] & 0x3f) << 14;
	memset(fuzz_out + cap, 0xa5, FUZZ_GUARD);
	if ((data[0] & 0xc0) == 0xc0)
		r = unlz4_legacy_buf(data + 1, len - 1, fuzz_out, cap, &out_len, &used, NULL, NULL);
	else if (data[0] & 0x80)
		r = gunzip_buf(data + 1, len - 1, fuzz_out, cap, &out_len, &used, &fuzz_gz_work);
	else if (data[0] & 0x40)
		r = lzma2_decode(data + 1, len - 1, fuzz_out, cap, &out_len, &used, &fuzz_xz_work);
	else
		r = unxz_buf(data + 1, len - 1, fuzz_out, cap, &out_len, &used, &fuzz_xz_work);
	if (out_len > cap || used > len - 1 || r > 0)
		__builtin_trap();
	for (size_t i = 0; i < FUZZ_GUARD; i++)
		if (fuzz_out[cap + i] != 0xa5)
			__builtin_trap();
	return 0;
}
