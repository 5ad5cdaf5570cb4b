/* Conformance guest runtime: start of day, exception reporting, verdict bookkeeping and shutdown. */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include "test.h"

/* Filled by head.S at the first instruction (names are referenced from assembly). */
uint64_t rt_boot_rsp, rt_boot_si, rt_boot_rflags;
uint16_t rt_boot_cs, rt_boot_ss, rt_boot_ds, rt_boot_es, rt_boot_fs, rt_boot_gs;
struct rt_boot_state rt_boot;

extern const uint64_t rt_trap_stubs[32];

/* ABI values for assembly, which cannot include the C headers of pv-abi. */
const uint32_t rt_abi_hypercall_iret = __HYPERVISOR_iret;
const uint64_t rt_abi_flat_user_cs = FLAT_USER_CS;
const uint64_t rt_abi_flat_user_ss = FLAT_USER_SS;
const uint64_t rt_abi_flat_kernel_cs = FLAT_KERNEL_CS;
const uint64_t rt_abi_flat_kernel_ss = FLAT_KERNEL_SS;

void (*rt_trap_hook)(unsigned int vector);

static unsigned int rt_nr_pass, rt_nr_fail, rt_nr_error, rt_nr_skip;

static void rt_vreport(const char *tag, const char *fmt, va_list ap)
{
	char line[256];

	rt_vsnprintf(line, sizeof(line), fmt, ap);
	rt_printf("%s: %s\n", tag, line);
}

void tc_pass(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rt_vreport("pass", fmt, ap);
	va_end(ap);
	rt_nr_pass++;
}

void tc_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rt_vreport("FAIL", fmt, ap);
	va_end(ap);
	rt_nr_fail++;
}

void tc_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rt_vreport("ERROR", fmt, ap);
	va_end(ap);
	rt_nr_error++;
}

void tc_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rt_vreport("skip", fmt, ap);
	va_end(ap);
	rt_nr_skip++;
}

void tc_check_eq(long actual, long expected, const char *what)
{
	if (actual == expected)
		tc_pass("%s == %ld", what, expected);
	else
		tc_fail("%s: got %ld (%#lx), expected %ld", what, actual, (unsigned long)actual,
			expected);
}

void tc_check(bool cond, const char *what, ...)
{
	char line[200];
	va_list ap;

	va_start(ap, what);
	rt_vsnprintf(line, sizeof(line), what, ap);
	va_end(ap);
	if (cond)
		tc_pass("%s", line);
	else
		tc_fail("%s", line);
}

void rt_shutdown(unsigned int reason)
{
	struct sched_shutdown arg = { .reason = reason };

	for (;;) {
		hyp_sched_op(SCHEDOP_shutdown, RT_PTR(&arg));
		/* Shutdown must not return; keep yielding rather than run on. */
		hyp_sched_op(SCHEDOP_yield, 0);
	}
}

static const char *rt_verdict(void)
{
	/* Most severe wins, in the order success < skip < error < failure. */
	if (rt_nr_fail)
		return "FAILURE";
	if (rt_nr_error)
		return "ERROR";
	if (rt_nr_skip)
		return "SKIP";
	if (rt_nr_pass == 0) {
		rt_printf("ERROR: the test checked nothing\n");
		return "ERROR";
	}
	return "SUCCESS";
}

/*
 * Any exception is unexpected: report where it happened and crash the
 * domain. The frame layout is rcx, r11, [error code], rip, cs, rflags, rsp, ss.
 */
void rt_trap(unsigned int vector, const uint64_t *frame)
{
	static const uint32_t has_error_code = (1U << 8) | (1U << 10) | (1U << 11) | (1U << 12) |
					       (1U << 13) | (1U << 14) | (1U << 17) | (1U << 21) |
					       (1U << 29) | (1U << 30);
	unsigned int ec = (has_error_code >> vector) & 1;

	if (rt_trap_hook)
		rt_trap_hook(vector);
	rt_printf("unexpected exception %u at rip %#lx cs %#lx (error code %#lx, rsp %#lx)\n",
		  vector, (unsigned long)frame[2 + ec], (unsigned long)frame[3 + ec],
		  ec ? (unsigned long)frame[2] : 0UL, (unsigned long)frame[5 + ec]);
	rt_printf("Test result: FAILURE\n");
	rt_shutdown(SHUTDOWN_crash);
}

/* Without a trap table a fault would kill the domain silently; with one it is reported. */
static void rt_install_traps(void)
{
	static struct trap_info table[33];
	long rc;

	for (unsigned int v = 0; v < 32; v++) {
		table[v].vector = (uint8_t)v;
		/* int3 and into may be raised on purpose by software, as on hardware. */
		table[v].flags = (v == 3 || v == 4) ? 3 : 0;
		table[v].cs = FLAT_KERNEL_CS;
		table[v].address = rt_trap_stubs[v];
	}
	rc = hyp_set_trap_table(RT_PTR(table));
	if (rc != 0)
		rt_printf("note: set_trap_table failed (%ld); faults will not be reported\n", rc);
}

int rt_clean_so_far(void)
{
	return rt_nr_pass > 0 && !rt_nr_fail && !rt_nr_error;
}

void rt_finish(void)
{
	rt_printf("checks: %u passed, %u failed, %u errors, %u skipped\n", rt_nr_pass, rt_nr_fail,
		  rt_nr_error, rt_nr_skip);
	rt_printf("Test result: %s\n", rt_verdict());
	rt_shutdown(SHUTDOWN_poweroff);
}

void rt_main(const struct start_info *si)
{
	rt_boot.si = si;
	rt_boot.rsp = rt_boot_rsp;
	rt_boot.rflags = rt_boot_rflags;
	rt_boot.cs = rt_boot_cs;
	rt_boot.ss = rt_boot_ss;
	rt_boot.ds = rt_boot_ds;
	rt_boot.es = rt_boot_es;
	rt_boot.fs = rt_boot_fs;
	rt_boot.gs = rt_boot_gs;

	rt_install_traps();
	test_main();
	rt_finish();
}
