/* SPDX-License-Identifier: MIT */
/* Leveled, timestamped logging to the hypervisor console (a host test harness supplies its own printk). */
#ifndef HV_LOG_H
#define HV_LOG_H

#include <hv/types.h>
#include <stdarg.h>

/* LOG_NOTICE lines (the banner, the ready line) are printed whatever the threshold. */
enum log_level { LOG_NOTICE = -1, LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Messages above this level are dropped; set from loglvl= on the command line. */
extern int log_threshold;

void printk(int level, const char *fmt, ...) __printf(2, 3);
void vprintk(int level, const char *fmt, va_list ap);

#define log_notice(...)	printk(LOG_NOTICE, __VA_ARGS__)
#define log_err(...)	printk(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	printk(LOG_WARN, __VA_ARGS__)
#define log_info(...)	printk(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	printk(LOG_DEBUG, __VA_ARGS__)

/* Hypervisor's own broken invariant: never call this on guest input. */
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;

#define BUG_ON(c) do { if (unlikely(c)) panic("BUG_ON(%s) at %s:%d", #c, __FILE__, __LINE__); } while (0)

#endif
