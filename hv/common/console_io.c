/* SPDX-License-Identifier: MIT */
/* console_io hypercall: a guest's writes to the hypervisor console, and dom0's reads of serial input. */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/log.h>
#include <hv/types.h>
#include <pvabi/errno.h>
#include <pvabi/xen.h>

/* Bytes copied and printed per step: a small stack buffer, as Xen's 128-byte one. */
#define CONSOLE_IO_CHUNK	128
/*
 * Most one call prints. There are no hypercall continuations yet, so this
 * bounds how long one call keeps the CPU; the rest of a longer buffer is
 * dropped with a warning. Linux writes one printk record (< 1 KiB) or one
 * tty flush (< 4 KiB) per call, well below it.
 */
#define CONSOLE_IO_WRITE_MAX	(16u * 1024)

/*
 * Like Xen, output already handed on stays printed when a later page of the
 * buffer faults; the range itself is checked first so a pointer the guest
 * cannot own prints nothing at all.
 */
static long console_io_write(struct domain *d, uint64_t buf, uint32_t count)
{
	char chunk[CONSOLE_IO_CHUNK];
	uint32_t todo = MIN(count, CONSOLE_IO_WRITE_MAX);

	if (count == 0)
		return 0;
	if (!guest_range_ok(buf, count))
		return -XEN_EFAULT;
	for (uint32_t done = 0; done < todo;) {
		size_t n = MIN(todo - done, (uint32_t)sizeof(chunk));

		if (copy_from_guest(chunk, buf + done, n))
			return -XEN_EFAULT;
		domain_console_write(d, chunk, n);
		done += (uint32_t)n;
	}
	if (count > todo)
		printk(LOG_WARN, "d%u: console_io write of %u bytes cut to %u", (unsigned int)d->domid,
		       count, todo);
	return 0;
}

/*
 * cmd and count are 32-bit in the ABI (upper register halves ignored).
 * Every domain may write (Xen allows domUs only in debug builds; here each
 * line carries the domain's prefix). Reading, and any other sub-op, needs
 * the privileged domain: others get -EPERM before the sub-op is looked at,
 * as in Xen.
 */
long do_console_io(struct vcpu *v, uint64_t cmd, uint64_t count, uint64_t buf, uint64_t a4, uint64_t a5)
{
	struct domain *d = v->domain;
	uint32_t op = (uint32_t)cmd;
	uint32_t n = (uint32_t)count;

	(void)a4;
	(void)a5;

	if (op == CONSOLEIO_write)
		return console_io_write(d, buf, n);
	if (!d->is_privileged)
		return -XEN_EPERM;
	if (op != CONSOLEIO_read)
		return -XEN_ENOSYS;
	/* The result is a byte count, so a count that would look negative is refused. */
	if ((int32_t)n < 0)
		return -XEN_E2BIG;
	return console_input_read(buf, n);
}
