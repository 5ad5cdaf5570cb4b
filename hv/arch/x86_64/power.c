/* SPDX-License-Identifier: MIT */
/* Machine exit: the status reaches the test runner through isa-debug-exit; ACPI S5 and halt are the fallbacks. */
#include <asm/acpi.h>
#include <asm/power.h>
#include <asm/time.h>
#include <asm/x86.h>
#include <hv/console.h>

void hv_exit(uint8_t code)
{
	static const char msg[] = "Skiff: machine stop\n";

	console_write(msg, sizeof(msg) - 1);
	/* Absent device: the write goes nowhere and we fall through. */
	outb(0xf4, code);
	if (acpi.pm1a_cnt && acpi.have_s5)
		outw(acpi.pm1a_cnt, (uint16_t)((acpi.slp_typ_s5 << 10) | (1u << 13)));
	for (;;) {
		local_irq_disable();
		halt();
	}
}

/* The orderly stop only: hv_exit is also the crash path, which must not depend on printk or the RTC. */
void hv_shutdown(bool success)
{
	time_check_rtc();
	hv_exit(success ? HV_EXIT_OK : HV_EXIT_FAIL);
}
