/* SPDX-License-Identifier: MIT */
/* Host test harness for memory code: an arena stands in for machine memory, stderr for the console. */
#ifndef TESTS_UNIT_HOST_MM_H
#define TESTS_UNIT_HOST_MM_H

#include <check.h>
#include <setjmp.h>
#include <string.h>
#include <hv/frame.h>

/*
 * Backs MFNs [base, base + frames) with a page-aligned arena filled with
 * 0xa5 (so tests can tell zeroed memory from old data). mfn_to_virt of any
 * other MFN panics; virt_to_mfn of a pointer outside returns MFN_INVALID.
 */
void host_mm_init(mfn_t base, mfn_t frames);
void host_mm_fini(void);
mfn_t host_mm_base(void);
mfn_t host_mm_frames(void);

/* A zeroed frame table for nr_frames MFNs (freed by host_mm_fini). */
struct page_info *host_mm_table(mfn_t nr_frames);

/*
 * host_mm_init + a table ending at the arena's end + frame_table_init +
 * the whole arena given to the allocator.
 */
void host_mm_boot(mfn_t base, mfn_t frames);

/* The allocator's books balance (free + owned == total) and its audit finds nothing. */
static inline void host_mm_expect_consistent(void)
{
	struct frame_stats st;

	frame_stats_get(&st);
	ck_assert_uint_eq(st.free + st.owners_sum, st.total);
	ck_assert_int_eq(frame_audit(), 0);
}

/*
 * panic() normally prints and calls abort(). EXPECT_PANIC runs stmt with
 * panic armed to copy its message to host_panic_msg and longjmp back, then
 * checks that the message contains needle. A caught panic may leave locks
 * held: the test must not use the allocator afterwards.
 */
#define EXPECT_PANIC(stmt, needle)							\
	do {										\
		host_panic_armed = 1;							\
		if (sigsetjmp(host_panic_jmp, 0) == 0) {				\
			stmt;								\
			host_panic_armed = 0;						\
			ck_abort_msg("no panic from %s", #stmt);			\
		}									\
		ck_assert_msg(strstr(host_panic_msg, (needle)) != NULL,		\
			      "panic said \"%s\", expected \"%s\"", host_panic_msg, (needle)); \
	} while (0)

extern sigjmp_buf host_panic_jmp;
extern volatile int host_panic_armed;
extern char host_panic_msg[512];

/* Everything printk printed (any level), truncated at the buffer's size. */
extern char host_log_buf[16384];
void host_log_clear(void);

/* Number of LOG_ERR messages printed so far (audit failures log one). */
extern unsigned long host_log_errors;

#endif
