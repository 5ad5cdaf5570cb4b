/* SPDX-License-Identifier: MIT */
/* Helpers shared by the decompressor tests: test inputs, running the host's gzip/xz, guarded output buffers. */
#include "test_decompress_util.h"

#include <stddef.h>
#include <stdint.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define TD_MIB		(1024 * 1024)
#define TD_GUARD_BYTE	0xa5

static char td_dir[256];
static unsigned int td_seq;

void td_setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(td_dir, sizeof(td_dir), "%s/skiff-decomp-XXXXXX", base ? base : "/tmp");
	if (!mkdtemp(td_dir)) {
		perror("mkdtemp");
		exit(2);
	}
}

void td_teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", td_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", td_dir);
}

uint64_t td_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

uint8_t *td_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n > 0 ? (size_t)n : 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void td_write_file(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static uint8_t *td_repetitive(size_t len)
{
	static const char *phrases[] = {
		"the quick brown fox ", "jumps over ", "the lazy dog. ", "0123456789",
		"\x00\x00\x00\x00\x00\x00\x00\x00", "ABABABABABAB", "hypervisor ",
	};
	uint8_t *buf = malloc(len);
	uint64_t seed = 0x5eed1234;
	size_t pos = 0;

	ck_assert_ptr_nonnull(buf);
	while (pos < len) {
		uint64_t r = td_rand(&seed);
		size_t n;

		if (r % 5 == 0) {
			/* a run of one byte, sometimes long enough for maximum-length matches */
			n = MIN(len - pos, (size_t)(r >> 8) % 700 + 1);
			memset(buf + pos, (int)(r >> 40) & 0xff, n);
		} else {
			const char *p = phrases[(r >> 8) % ARRAY_SIZE(phrases)];

			n = MIN(len - pos, strlen(p) ? strlen(p) : 8);
			memcpy(buf + pos, p, n);
		}
		pos += n;
	}
	return buf;
}

static uint8_t *td_random(size_t len)
{
	uint8_t *buf = malloc(len);
	uint64_t seed = 0x0123456789abcdefull;

	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < len; i += 8) {
		uint64_t r = td_rand(&seed);

		memcpy(buf + i, &r, MIN((size_t)8, len - i));
	}
	return buf;
}

static uint8_t *td_text(size_t *len)
{
	static const char *words[] = {
		"grant", "table", "event", "channel", "page", "frame", "domain",
		"vcpu", "hypercall", "ring", "xenstore", "backend", "frontend",
	};
	size_t cap = 6000, pos = 0;
	char *buf = malloc(cap);
	uint64_t seed = 42;

	ck_assert_ptr_nonnull(buf);
	while (pos + 16 < cap) {
		const char *w = words[td_rand(&seed) % ARRAY_SIZE(words)];

		pos += (size_t)snprintf(buf + pos, cap - pos, "%s ", w);
	}
	*len = pos;
	return (uint8_t *)buf;
}

uint8_t *td_input(enum td_kind kind, size_t *len)
{
	uint8_t *buf;

	switch (kind) {
	case TD_EMPTY:
		*len = 0;
		return malloc(1);
	case TD_ONE_BYTE:
		buf = malloc(1);
		ck_assert_ptr_nonnull(buf);
		buf[0] = 'Z';
		*len = 1;
		return buf;
	case TD_REPETITIVE:
		*len = TD_MIB;
		return td_repetitive(*len);
	case TD_RANDOM:
		*len = TD_MIB;
		return td_random(*len);
	case TD_X86_BINARY:
		buf = td_read_file("/bin/ls", len);
		if (!buf)
			buf = td_read_file("/usr/bin/env", len);
		ck_assert_msg(buf != NULL, "no x86 binary to test with");
		return buf;
	case TD_TEXT_SMALL:
		return td_text(len);
	default:
		ck_abort_msg("bad input kind %d", kind);
		return NULL;
	}
}

const char *td_kind_name(enum td_kind kind)
{
	static const char *names[TD_KINDS] = {
		"empty", "one-byte", "repetitive", "random", "x86-binary", "text-small",
	};

	return (unsigned int)kind < TD_KINDS ? names[kind] : "?";
}

uint8_t *td_run_filter(const char *cmd, const uint8_t *in, size_t len, size_t *out_len)
{
	char ipath[320], opath[320], line[1024];
	unsigned int seq = td_seq++;
	uint8_t *out;
	int rc;

	snprintf(ipath, sizeof(ipath), "%s/in.%d.%u", td_dir, (int)getpid(), seq);
	snprintf(opath, sizeof(opath), "%s/out.%d.%u", td_dir, (int)getpid(), seq);
	td_write_file(ipath, in, len);
	snprintf(line, sizeof(line), "%s < '%s' > '%s'", cmd, ipath, opath);
	rc = system(line);
	ck_assert_msg(rc == 0, "'%s' failed (%d)", line, rc);
	out = td_read_file(opath, out_len);
	ck_assert_msg(out != NULL, "no output from '%s'", line);
	unlink(ipath);
	unlink(opath);
	return out;
}

int td_have(const char *cmd)
{
	char line[256];

	snprintf(line, sizeof(line), "%s >/dev/null 2>&1", cmd);
	return system(line) == 0;
}

void td_outbuf_init(struct td_outbuf *o, size_t cap)
{
	o->cap = cap;
	o->buf = malloc(cap + TD_GUARD);
	ck_assert_ptr_nonnull(o->buf);
	memset(o->buf, 0, cap);
	memset(o->buf + cap, TD_GUARD_BYTE, TD_GUARD);
}

int td_guard_ok(const struct td_outbuf *o)
{
	for (size_t i = 0; i < TD_GUARD; i++)
		if (o->buf[o->cap + i] != TD_GUARD_BYTE)
			return 0;
	return 1;
}

void td_outbuf_free(struct td_outbuf *o)
{
	free(o->buf);
	o->buf = NULL;
}

unsigned int td_flip_count(unsigned int dflt)
{
	const char *s = getenv("SKIFF_DECOMP_FLIPS");

	return s ? (unsigned int)strtoul(s, NULL, 0) : dflt;
}

unsigned int td_progress_calls;

void td_count_progress(void *ctx)
{
	ck_assert_ptr_eq(ctx, &td_progress_calls);
	td_progress_calls++;
}
