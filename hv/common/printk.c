/* SPDX-License-Identifier: MIT */
/* Leveled, timestamped console log; one lock so lines from different CPUs never interleave. */
#include <hv/console.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/percpu.h>
#include <hv/spinlock.h>
#include <hv/time.h>

int log_threshold = LOG_INFO;

static const char level_tag[] = "EWID";

static spinlock_t console_spin = SPINLOCK_INIT;
static unsigned long console_flags;

void console_lock(void)
{
	unsigned long f = spin_lock_irqsave(&console_spin);

	console_flags = f;
}

void console_unlock(void)
{
	spin_unlock_irqrestore(&console_spin, console_flags);
}

void console_force_unlock(void)
{
	console_spin.owner = console_spin.next;
}

void console_write(const char *s, size_t n)
{
	console_hist_put(s, n);
	serial_write(s, n);
}

void console_init(const char *spec)
{
	/* "com1" (default) or "none"; a spec we do not know keeps COM1 so a typo never silences a crash. */
	if (spec && strcmp(spec, "none") == 0)
		return;
	serial_init(0x3f8);
}

void vprintk(int level, const char *fmt, va_list ap)
{
	char line[512];
	s_time_t now;
	int n, h;

	if (level > log_threshold)
		return;
	now = time_now_ns();
	h = snprintf(line, sizeof(line), "[%5u.%06u] cpu%u %c: ",
		     (unsigned int)(now / 1000000000), (unsigned int)(now % 1000000000 / 1000),
		     smp_processor_id(), level < 0 ? 'N' : level_tag[level & 3]);
	n = vsnprintf(line + h, sizeof(line) - (size_t)h - 1, fmt, ap);
	n = h + MIN(n, (int)(sizeof(line) - (size_t)h - 2));
	if (n == 0 || line[n - 1] != '\n')
		line[n++] = '\n';
	console_lock();
	console_write(line, (size_t)n);
	console_unlock();
}

void printk(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}
