/* SPDX-License-Identifier: MIT */
/* Helpers shared by the decompressor tests: test inputs, running the host's gzip/xz, guarded output buffers. */
#ifndef TEST_DECOMPRESS_UTIL_H
#define TEST_DECOMPRESS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <loader_lib.h>	/* MIN, ARRAY_SIZE */

/* Kinds of test input; td_input() makes each one deterministically. */
enum td_kind {
	TD_EMPTY,
	TD_ONE_BYTE,
	TD_REPETITIVE,		/* 1 MiB of short repeated phrases and long runs */
	TD_RANDOM,		/* 1 MiB from a fixed-seed generator: incompressible */
	TD_X86_BINARY,		/* /bin/ls (or another ELF from /usr/bin) */
	TD_TEXT_SMALL,		/* a few KiB of text: fixed and short dynamic blocks */
	TD_KINDS,
};

/* Returns a malloc'd buffer; *len is its size. Aborts the test on failure. */
uint8_t *td_input(enum td_kind kind, size_t *len);
const char *td_kind_name(enum td_kind kind);

/* Runs "cmd < input > output" in a scratch directory and returns the output (malloc'd). */
uint8_t *td_run_filter(const char *cmd, const uint8_t *in, size_t len, size_t *out_len);
/* True when the command exits 0 (used to probe for gzip/xz). */
int td_have(const char *cmd);

uint8_t *td_read_file(const char *path, size_t *len);

/* Deterministic 64-bit generator (xorshift64*). */
uint64_t td_rand(uint64_t *state);

/*
 * An output buffer with cap usable bytes followed by a guard zone filled
 * with a pattern; td_guard_ok() says whether anything wrote past cap.
 */
struct td_outbuf {
	uint8_t *buf;
	size_t cap;
};
#define TD_GUARD 256
void td_outbuf_init(struct td_outbuf *o, size_t cap);
int td_guard_ok(const struct td_outbuf *o);
void td_outbuf_free(struct td_outbuf *o);

/* Number of single-byte corruptions per fuzz test; SKIFF_DECOMP_FLIPS overrides. */
unsigned int td_flip_count(unsigned int dflt);

/* A decoder's progress hook that counts its calls (ctx must be &td_progress_calls). */
extern unsigned int td_progress_calls;
void td_count_progress(void *ctx);

/* Creates / removes the per-process scratch directory (call from main). */
void td_setup(void);
void td_teardown(void);

#endif
