/* SPDX-License-Identifier: MIT */
/* An HVM guest's port devices: COM1 and its I/O APIC interrupt, the RTC, ACPI sleep and reset, the exit port. */
#include <asm/hvm.h>
#include <asm/time.h>
#include <hv/domain.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/time.h>
#include <pvabi/sched.h>

#include "hvm_firmware.h"
#include "hvm_local.h"

/*
 * PIT channel 2's counter: Linux's quick TSC calibration polls it up to
 * 100,000 times while it reads all ones; reading 0 (a counter that never
 * runs) ends that at once. Linux takes the TSC frequency from the command
 * line instead (build.c).
 */
#define PIT_CH2_PORT		0x42
/* The sleep control register's fields (ACPI 6, hardware-reduced): SLP_TYP and SLP_EN. */
#define SLEEP_TYP_SHIFT		2
#define SLEEP_TYP_MASK		7u
#define SLEEP_EN		0x20u

/* Where the devices' lock is dropped: an edge the I/O APIC turned into an interrupt goes to the APICs. */
static void irq_send(struct domain *d, bool fire, const struct vioapic_irq *irq)
{
	if (fire)
		vlapic_deliver_irq(d, irq->dest, irq->logical, irq->lowest, irq->vector);
}

/* Caller holds dev_lock: COM1's line after a change, into its I/O APIC pin. */
static bool com1_line(struct hvm_domain *hd, struct vioapic_irq *irq)
{
	return vioapic_set_level(&hd->ioapic, UART_COM1_IRQ, uart_irq_line(&hd->com1), irq);
}

static uint8_t com1_in(struct domain *d, unsigned int reg)
{
	struct hvm_domain *hd = d->arch.hvm;
	struct vioapic_irq irq;
	unsigned long f = spin_lock_irqsave(&hd->dev_lock);
	uint8_t val = uart_read(&hd->com1, reg);
	bool fire = com1_line(hd, &irq);

	spin_unlock_irqrestore(&hd->dev_lock, f);
	irq_send(d, fire, &irq);
	return val;
}

static void com1_out(struct domain *d, unsigned int reg, uint8_t val)
{
	struct hvm_domain *hd = d->arch.hvm;
	struct vioapic_irq irq;
	unsigned long f = spin_lock_irqsave(&hd->dev_lock);
	uint8_t c;
	bool out = uart_write(&hd->com1, reg, val, &c), fire = com1_line(hd, &irq);

	spin_unlock_irqrestore(&hd->dev_lock, f);
	/* Outside dev_lock: the console takes its own lock and the printk lock. */
	if (out && !hvm_console_out(d, c))
		domain_console_write(d, (const char *)&c, 1);
	irq_send(d, fire, &irq);
}

/*
 * Typed input for the guest's COM1 (console_input.c, boot CPU, timer
 * context). Returns the bytes taken; what does not fit the FIFO is lost,
 * as on a serial line nobody reads.
 */
size_t hvm_console_input(struct domain *d, const char *buf, size_t len)
{
	struct hvm_domain *hd = d->arch.hvm;
	struct vioapic_irq irq;
	unsigned long f = spin_lock_irqsave(&hd->dev_lock);
	size_t n = uart_receive(&hd->com1, (const uint8_t *)buf, len);
	bool fire = com1_line(hd, &irq);

	spin_unlock_irqrestore(&hd->dev_lock, f);
	irq_send(d, fire, &irq);
	return n;
}

uint32_t hvm_ioapic_read(struct domain *d, uint32_t off)
{
	struct hvm_domain *hd = d->arch.hvm;
	unsigned long f = spin_lock_irqsave(&hd->dev_lock);
	uint32_t val = vioapic_read(&hd->ioapic, off);

	spin_unlock_irqrestore(&hd->dev_lock, f);
	return val;
}

void hvm_ioapic_write(struct domain *d, uint32_t off, uint32_t val)
{
	struct hvm_domain *hd = d->arch.hvm;
	struct vioapic_irq irq;
	unsigned long f = spin_lock_irqsave(&hd->dev_lock);
	bool fire = vioapic_write(&hd->ioapic, off, val, &irq);

	spin_unlock_irqrestore(&hd->dev_lock, f);
	irq_send(d, fire, &irq);
}

/* The guest ends itself: 0 poweroff, 1 reboot, anything else a crash with that code. */
static void exit_port_write(struct domain *d, uint32_t val)
{
	if (val > SHUTDOWN_reboot) {
		log_err("d%u: HVM guest wrote %#x to the exit port", d->domid, val);
		domain_crash(d, "the guest reported a failure on the exit port");
		return;
	}
	log_info("d%u: HVM guest asks for %s on the exit port", d->domid, shutdown_reason_name(val));
	domain_shutdown(d, (uint8_t)val);
}

/*
 * ACPI's sleep control register: SLP_EN with the S5 type the DSDT's \_S5
 * names is a poweroff, as on a PV guest's SCHEDOP_shutdown. No other sleep
 * state is offered, so any other type is ignored (the guest then waits on
 * the status register, which never shows a wake: its own doing).
 */
static void acpi_sleep_write(struct domain *d, uint32_t val)
{
	if (!(val & SLEEP_EN) || ((val >> SLEEP_TYP_SHIFT) & SLEEP_TYP_MASK) != HVM_ACPI_SLP_TYP_S5)
		return;
	log_info("d%u: HVM guest enters ACPI S5: poweroff", d->domid);
	domain_shutdown(d, SHUTDOWN_poweroff);
}

/* The reset control port: the reset bit (2) with a hard or soft reset asked is a reboot; the rest is ignored. */
static void reset_port_write(struct domain *d, uint32_t val)
{
	if ((val & HVM_ACPI_RESET_VALUE) != HVM_ACPI_RESET_VALUE)
		return;
	log_info("d%u: HVM guest resets through port %#x: reboot", d->domid, HVM_ACPI_RESET_PORT);
	domain_shutdown(d, SHUTDOWN_reboot);
}

uint32_t hvm_port_in(struct vcpu *v, uint16_t port, unsigned int size)
{
	struct hvm_domain *hd = v->domain->arch.hvm;
	uint32_t val;

	if (port >= UART_COM1_BASE && port < UART_COM1_BASE + UART_NR_PORTS)
		return com1_in(v->domain, port - UART_COM1_BASE);
	if (hvm_xen_port_in(v, port, size, &val))
		return val;
	if (port == RTC_PORT_DATA)
		return cmos_rtc_read(&hd->rtc, (time_wallclock_boot_ns() + (uint64_t)time_now_ns()) / 1000000000);
	if (port == PIT_CH2_PORT || port == HVM_ACPI_SLEEP_CTL || port == HVM_ACPI_SLEEP_STS ||
	    port == HVM_ACPI_RESET_PORT)
		return 0;
	if (!hd->io_logged) {
		hd->io_logged = true;
		log_warn("d%u: HVM guest reads port %#x: no device, all ones (further unhandled ports not logged)",
			 v->domain->domid, port);
	}
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

void hvm_port_out(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
	struct hvm_domain *hd = v->domain->arch.hvm;

	if (port >= UART_COM1_BASE && port < UART_COM1_BASE + UART_NR_PORTS) {
		com1_out(v->domain, port - UART_COM1_BASE, (uint8_t)val);
		return;
	}
	if (hvm_xen_port_out(v, port, size, val))
		return;
	switch (port) {
	case HVM_EXIT_PORT:
		exit_port_write(v->domain, val);
		return;
	case HVM_ACPI_SLEEP_CTL:
		acpi_sleep_write(v->domain, val & 0xff);
		return;
	case HVM_ACPI_SLEEP_STS:
		return;		/* write-1-to-clear of a wake status that never sets */
	case HVM_ACPI_RESET_PORT:
		reset_port_write(v->domain, val & 0xff);
		return;
	case RTC_PORT_INDEX:
		cmos_rtc_write_index(&hd->rtc, (uint8_t)val);
		return;
	case RTC_PORT_DATA:
		return;		/* the guest may not set the clock */
	default:
		break;
	}
	if (!hd->io_logged) {
		hd->io_logged = true;
		log_warn("d%u: HVM guest writes %#x to port %#x: no device, ignored (further unhandled ports not logged)",
			 v->domain->domid, val, port);
	}
}
