/* SPDX-License-Identifier: MIT */
/* PV guest runtime core: start of day, exception reporting and shutdown; the program on top is rt_app_main(). */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include "rt.h"

/* Filled by head.S at the first instruction (names are referenced from assembly). */
uint64_t rt_boot_rsp, rt_boot_si, rt_boot_rflags;
uint16_t rt_boot_cs, rt_boot_ss, rt_boot_ds, rt_boot_es, rt_boot_fs, rt_boot_gs;
struct rt_boot_state rt_boot;

extern const uint64_t rt_trap_stubs[32];

void (*rt_fatal_hook)(void);

/* ABI values for assembly, which cannot include the C headers of pv-abi. */
const uint32_t rt_abi_hypercall_iret = __HYPERVISOR_iret;
const uint64_t rt_abi_flat_user_cs = FLAT_USER_CS;
const uint64_t rt_abi_flat_user_ss = FLAT_USER_SS;
const uint64_t rt_abi_flat_kernel_cs = FLAT_KERNEL_CS;
const uint64_t rt_abi_flat_kernel_ss = FLAT_KERNEL_SS;

void rt_shutdown(unsigned int reason)
{
	struct sched_shutdown arg = { .reason = reason };

	for (;;) {
		hyp_sched_op(SCHEDOP_shutdown, RT_PTR(&arg));
		/* Shutdown must not return; keep yielding rather than run on. */
		hyp_sched_op(SCHEDOP_yield, 0);
	}
}

/*
 * Any exception is unexpected: report where it happened and crash the
 * domain. The frame layout is rcx, r11, [error code], rip, cs, rflags, rsp, ss.
 */
void (*rt_trap_hook)(unsigned int vector);

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
	if (rt_fatal_hook)
		rt_fatal_hook();
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
	rt_app_main();
	rt_shutdown(SHUTDOWN_poweroff);
}
