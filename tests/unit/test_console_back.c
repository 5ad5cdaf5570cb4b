/* SPDX-License-Identifier: MIT */
/* dom0's console backend on the host: whole lines with the domain's prefix, ring wrap, cut long lines, a lying producer. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "console_back.h"

static char got[400][300];
static unsigned int nr_got;

static void emit(void *ctx, const char *line, size_t len)
{
	ck_assert_ptr_eq(ctx, &nr_got);
	ck_assert_uint_eq(strlen(line), len);
	ck_assert_uint_lt(nr_got, 400);
	snprintf(got[nr_got++], sizeof(got[0]), "%s", line);
}

static struct xencons_interface ring;
static struct cons_back cb;

static void produce(const char *s)
{
	for (; *s; s++) {
		ring.out[xencons_out_pos(ring.out_prod)] = *s;
		ring.out_prod++;
	}
}

static void setup(void)
{
	memset(&ring, 0, sizeof(ring));
	nr_got = 0;
	cons_back_init(&cb, 7, "guest-seven", &ring, emit, &nr_got);
}

START_TEST(lines_with_prefix)
{
	setup();
	produce("hello\r\nworld\npartial");
	ck_assert(cons_back_poll(&cb));
	ck_assert_uint_eq(nr_got, 2);
	ck_assert_str_eq(got[0], "(d7 guest-seven) hello");
	ck_assert_str_eq(got[1], "(d7 guest-seven) world");
	ck_assert_uint_eq(ring.out_cons, ring.out_prod);
	/* Nothing new: no movement, nothing emitted. */
	ck_assert(!cons_back_poll(&cb));
	produce(" line\n");
	cons_back_poll(&cb);
	ck_assert_uint_eq(nr_got, 3);
	ck_assert_str_eq(got[2], "(d7 guest-seven) partial line");
	produce("no newline at the end");
	cons_back_poll(&cb);
	cons_back_flush(&cb);
	ck_assert_uint_eq(nr_got, 4);
	ck_assert_str_eq(got[3], "(d7 guest-seven) no newline at the end");
	cons_back_flush(&cb);
	ck_assert_uint_eq(nr_got, 4);
}
END_TEST

START_TEST(wraps_around_the_ring)
{
	char line[100];

	setup();
	/* Indices near the 32-bit wrap, so both the ring and the index wrap. */
	ring.out_cons = ring.out_prod = 0xffffff00u;
	for (unsigned int i = 0; i < 40; i++) {
		snprintf(line, sizeof(line), "line %02u of forty, with some padding to fill the ring\n", i);
		produce(line);
		if (i % 10 == 9)
			cons_back_poll(&cb);
	}
	ck_assert_uint_eq(nr_got, 40);
	ck_assert_str_eq(got[39], "(d7 guest-seven) line 39 of forty, with some padding to fill the ring");
	ck_assert_uint_eq(cb.lines, 40);
}
END_TEST

START_TEST(long_lines_are_cut)
{
	char line[CONS_BACK_LINE * 2 + 20];

	setup();
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\0';
	produce(line);
	cons_back_poll(&cb);
	ck_assert_uint_eq(nr_got, 3);
	ck_assert_uint_eq(strlen(got[0]), strlen("(d7 guest-seven) ") + CONS_BACK_LINE);
	ck_assert_uint_eq(strlen(got[2]), strlen("(d7 guest-seven) ") + 18);
}
END_TEST

START_TEST(lying_producer_is_skipped)
{
	setup();
	produce("good\n");
	cons_back_poll(&cb);
	ring.out_prod += 100000;	/* claims far more than the ring holds */
	ck_assert(cons_back_poll(&cb));
	ck_assert_uint_eq(ring.out_cons, ring.out_prod);
	ck_assert_uint_eq(cb.resyncs, 1);
	ck_assert_uint_eq(nr_got, 1);
	/* Exactly a full ring is honest. */
	for (unsigned int i = 0; i < XENCONS_OUT_SIZE / 8; i++)
		produce("1234567\n");
	ck_assert(cons_back_poll(&cb));
	ck_assert_uint_eq(cb.resyncs, 1);
	ck_assert_uint_eq(nr_got, 1 + XENCONS_OUT_SIZE / 8);
	/* A producer behind the consumer looks like a huge count: skipped as well. */
	ring.out_prod = ring.out_cons - 1;
	cons_back_poll(&cb);
	ck_assert_uint_eq(cb.resyncs, 2);
	ck_assert_uint_eq(ring.out_cons, ring.out_prod);
}
END_TEST

START_TEST(name_is_bounded)
{
	memset(&ring, 0, sizeof(ring));
	nr_got = 0;
	cons_back_init(&cb, 65535, "a-name-that-is-much-longer-than-thirty-two-bytes", &ring, emit, &nr_got);
	produce("x\n");
	cons_back_poll(&cb);
	ck_assert_str_eq(got[0], "(d65535 a-name-that-is-much-longer-than) x");
}
END_TEST

/* Input into the guest's in ring: in order, across the wrap, only what fits, nothing into a lying ring. */
START_TEST(input_into_the_ring)
{
	setup();
	ck_assert_uint_eq(cons_back_input(&cb, "ls\n", 3), 3);
	ck_assert_uint_eq(ring.in_prod, 3);
	ck_assert(memcmp((const char *)ring.in, "ls\n", 3) == 0);
	ring.in_cons = ring.in_prod = 0xfffffffeu;
	ck_assert_uint_eq(cons_back_input(&cb, "wrap", 4), 4);
	ck_assert_uint_eq(ring.in_prod, 2);
	ck_assert_int_eq(ring.in[xencons_in_pos(0xffffffffu)], 'r');
	/* Room for one byte only. */
	ring.in_cons = 10;
	ring.in_prod = 10 + XENCONS_IN_SIZE - 1;
	ck_assert_uint_eq(cons_back_input(&cb, "xyz", 3), 1);
	ck_assert_uint_eq(ring.in_prod, 10 + XENCONS_IN_SIZE);
	ck_assert_uint_eq(cb.in_dropped, 2);
	/* A guest that rewrote in_prod far ahead gets nothing, and in_prod is left as it is. */
	ring.in_cons = 0;
	ring.in_prod = 5000;
	ck_assert_uint_eq(cons_back_input(&cb, "abc", 3), 0);
	ck_assert_uint_eq(ring.in_prod, 5000);
	ck_assert_uint_eq(cb.in_bytes, 8);
}
END_TEST

/* Ctrl-A three times switches; fewer, then another key, gives the Ctrl-As back before it. */
START_TEST(switch_sequence)
{
	struct cons_switch sw = { 0 };
	char out[CONS_SWITCH_COUNT];

	ck_assert_int_eq(cons_switch_byte(&sw, 'a', out), 1);
	ck_assert_int_eq(out[0], 'a');
	ck_assert_int_eq(cons_switch_byte(&sw, 0x01, out), 0);
	ck_assert_int_eq(cons_switch_byte(&sw, 0x01, out), 0);
	ck_assert_int_eq(cons_switch_byte(&sw, 0x01, out), -1);
	ck_assert_int_eq(cons_switch_byte(&sw, 'b', out), 1);
	ck_assert_int_eq(cons_switch_byte(&sw, 0x01, out), 0);
	ck_assert_int_eq(cons_switch_byte(&sw, 0x01, out), 0);
	ck_assert_int_eq(cons_switch_byte(&sw, 'c', out), 3);
	ck_assert(memcmp(out, "\x01\x01" "c", 3) == 0);
	/* Six in a row: two switches. */
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(cons_switch_byte(&sw, 0x01, out), i % 3 == 2 ? -1 : 0);
}
END_TEST

/* A partial line (a prompt) comes out once the guest has been quiet for a few ticks, not before. */
START_TEST(idle_partial_line)
{
	setup();
	produce("skiff# ");
	cons_back_poll(&cb);
	cons_back_tick(&cb);
	for (int i = 0; i < CONS_BACK_IDLE_TICKS - 1; i++) {
		cons_back_tick(&cb);
		ck_assert_uint_eq(nr_got, 0);
	}
	produce("x");
	cons_back_poll(&cb);
	cons_back_tick(&cb);
	ck_assert_uint_eq(nr_got, 0);
	for (int i = 0; i < CONS_BACK_IDLE_TICKS; i++)
		cons_back_tick(&cb);
	ck_assert_uint_eq(nr_got, 1);
	ck_assert_str_eq(got[0], "(d7 guest-seven) skiff# x");
	/* Nothing pending: ticks emit nothing. */
	for (int i = 0; i < 10; i++)
		cons_back_tick(&cb);
	ck_assert_uint_eq(nr_got, 1);
}
END_TEST

static char raw_got[4096];
static size_t raw_len, raw_calls;

static void raw(void *ctx, const char *bytes, size_t len)
{
	ck_assert_ptr_eq(ctx, &nr_got);
	ck_assert_uint_ge(len, 1);
	ck_assert_uint_le(len, CONS_BACK_RAW);
	ck_assert_uint_le(raw_len + len, sizeof(raw_got));
	memcpy(raw_got + raw_len, bytes, len);
	raw_len += len;
	raw_calls++;
}

/* xl console's view: the bytes as written (long lines whole, \r kept, a prompt at once), across the ring's wrap. */
START_TEST(raw_output_as_written)
{
	static char want[3000];
	size_t n = 0;

	setup();
	raw_len = raw_calls = 0;
	cons_back_set_raw(&cb, raw);
	ring.out_prod = ring.out_cons = XENCONS_OUT_SIZE - 100;	/* wraps in the middle */
	for (int i = 0; i < 500; i++)
		want[n++] = (char)('a' + i % 26);
	memcpy(want + n, "\r\nroot@guest:~# ", 16);
	n += 16;
	want[n] = '\0';
	produce(want);
	ck_assert(cons_back_poll(&cb));
	ck_assert_uint_eq(raw_len, n);
	ck_assert(memcmp(raw_got, want, n) == 0);
	ck_assert_uint_eq(raw_calls, (n + CONS_BACK_RAW - 1) / CONS_BACK_RAW);
	/* The log still gets lines cut at CONS_BACK_LINE; the prompt waits for its newline or the idle tick. */
	ck_assert_uint_eq(nr_got, (500 + CONS_BACK_LINE - 1) / CONS_BACK_LINE);
	/* Nothing new: raw is not called. */
	ck_assert(!cons_back_poll(&cb));
	ck_assert_uint_eq(raw_len, n);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("console_back");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, lines_with_prefix);
	tcase_add_test(tc, wraps_around_the_ring);
	tcase_add_test(tc, long_lines_are_cut);
	tcase_add_test(tc, lying_producer_is_skipped);
	tcase_add_test(tc, name_is_bounded);
	tcase_add_test(tc, input_into_the_ring);
	tcase_add_test(tc, switch_sequence);
	tcase_add_test(tc, idle_partial_line);
	tcase_add_test(tc, raw_output_as_written);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
