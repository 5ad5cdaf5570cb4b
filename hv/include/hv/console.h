/* SPDX-License-Identifier: MIT */
/* Console: the sinks hypervisor text goes to (serial today), with a lock the crash path may break. */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <hv/types.h>

void console_init(const char *spec);
void console_write(const char *s, size_t n);
void console_lock(void);
void console_unlock(void);
/* Crash path only: another CPU may have died holding the lock. */
void console_force_unlock(void);

/*
 * The console's history (common/console_hist.c), under the console lock:
 * console_write keeps every byte; read copies up to len bytes from stream
 * position *index on (one before the oldest kept starts at the oldest,
 * *skipped says how many were lost), advances *index, returns the count;
 * clear forgets everything written so far.
 */
#define CONSOLE_HIST_SIZE	(64u * 1024)
void console_hist_put(const char *s, size_t n);
size_t console_hist_read(uint64_t *index, char *out, size_t len, uint64_t *skipped);
void console_hist_clear_upto(uint64_t pos);
uint64_t console_hist_end(void);
/* SKIFF_DOMCTL_readconsole for dom0 (common/readconsole.c). */
struct skiff_domctl_console;
long console_readconsole(struct skiff_domctl_console *c);

/* Arch-provided serial port. */
void serial_init(uint16_t port);
void serial_write(const char *s, size_t n);
bool serial_enabled(void);
/* One received byte, or -1 if none is waiting. */
int serial_getc(void);

/* Serial input (common/console_input.c): polling starts once the boot domains are built. */
void console_input_start(void);
/* CONSOLEIO_read for dom0: bytes typed on the serial line, into buf (a guest address). */
long console_input_read(uint64_t buf, uint32_t count);

#endif
