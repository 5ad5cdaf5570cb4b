/* SPDX-License-Identifier: MIT */
/* SKIFF_DOMCTL_readconsole: dom0 reads the console's history (xl dmesg), in bounded copies. */
#include <hv/console.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/spinlock.h>
#include <pvabi/errno.h>
#include <pvabi/skiff_domctl.h>

/* One reader's copy at a time: the history is copied here under the console lock, to the guest after it. */
static spinlock_t readconsole_lock = SPINLOCK_INIT;
static char readconsole_bounce[SKIFF_CONSOLE_READ_MAX];

/*
 * SKIFF_DOMCTL_readconsole (dom0 only, checked by the domctl). The copy
 * to the guest happens outside the console lock (a fault there may print),
 * and a clear only once it succeeded, so -EFAULT forgets nothing. The
 * clear stops at the position this call read to: lines printed after the
 * reader's last read (another CPU logs at any time) survive dmesg -c.
 */
long console_readconsole(struct skiff_domctl_console *c)
{
	uint32_t len = MIN(c->buffer_len, SKIFF_CONSOLE_READ_MAX);
	uint64_t index = c->index, skipped;
	size_t n;

	if (c->pad || (c->flags & ~SKIFF_CONSOLE_clear))
		return -XEN_EINVAL;
	if (len && !guest_range_ok(c->buffer, len))
		return -XEN_EFAULT;
	spin_lock(&readconsole_lock);
	console_lock();
	n = console_hist_read(&index, readconsole_bounce, len, &skipped);
	console_unlock();
	if (n && copy_to_guest(c->buffer, readconsole_bounce, n)) {
		spin_unlock(&readconsole_lock);
		return -XEN_EFAULT;
	}
	if (c->flags & SKIFF_CONSOLE_clear) {
		console_lock();
		console_hist_clear_upto(index);
		console_unlock();
	}
	spin_unlock(&readconsole_lock);
	c->index = index;
	c->copied = (uint32_t)n;
	c->skipped = skipped;
	return 0;
}
