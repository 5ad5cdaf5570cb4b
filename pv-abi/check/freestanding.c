/* SPDX-License-Identifier: MIT */
/* Compiled freestanding (no libc headers at all) in every build: proves the ABI headers need only the compiler's own. */
#include <pvabi/xen.h>
#include <pvabi/errno.h>
#include <pvabi/elfnote.h>
#include <pvabi/features.h>
#include <pvabi/version.h>
#include <pvabi/sched.h>
#include <pvabi/memory.h>
#include <pvabi/vcpu.h>
#include <pvabi/event_channel.h>
#include <pvabi/grant_table.h>
#include <pvabi/callback.h>
#include <pvabi/physdev.h>
#include <pvabi/io/ring.h>
#include <pvabi/io/blkif.h>
#include <pvabi/io/netif.h>
#include <pvabi/io/console.h>
#include <pvabi/io/xenbus.h>

/* Instantiates the inline ring code so it is compiled with guest/hypervisor flags, not only host ones. */
bool pvabi_check_ring(struct pvabi_ring *r, void *page, struct blkif_request *out)
{
	if (!pvabi_ring_attach(r, page, 4096, sizeof(union blkif_sring_entry)))
		return false;
	if (pvabi_back_final_check(r) > 0)
		pvabi_back_take_request(r, out, sizeof(*out));
	return pvabi_back_push_responses(r);
}
