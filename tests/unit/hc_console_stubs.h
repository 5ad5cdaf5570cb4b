/* SPDX-License-Identifier: MIT */
/* Stand-ins for what hv/common/console_input.c calls (UART, timer, domains, events), driven by the tests. */
#ifndef HC_CONSOLE_STUBS_H
#define HC_CONSOLE_STUBS_H

#include <hv/domain.h>

/* Bytes the fake UART hands to serial_getc, in order. */
void stub_serial_feed(const char *s, size_t n);
/* Runs the poll the hypervisor armed with timer_init (false if none was armed). */
bool stub_run_poll(void);
/* What domctl_console_in_dom0() answers. */
void stub_set_console_in_dom0(bool yes);
/* VIRQ_CONSOLE sent to dom0, and event-channel notifications of domUs, since the last reset. */
unsigned int stub_virq_console(void);
unsigned int stub_set_pending(void);
/* Makes d a domU whose console ring is ring (a host page), with a console port. */
void stub_give_ring(struct domain *d, void *ring);
void stub_reset(void);

#endif
