/* SPDX-License-Identifier: MIT */
/* The runtime's xenstore client: libxenstore's xs_* API over the domain's store ring and event channel. */
#ifndef RT_XS_H
#define RT_XS_H

#include "xs_client.h"

/*
 * Opens the store named by start_info (store_mfn, store_evtchn): maps the
 * ring through the window and handles the port. Needs rt_event_init and
 * rt_timer_init first (waits with a timeout sleep on both). NULL with
 * *rc set when the domain has no store or the mapping fails.
 */
struct xs_handle *rt_xs_open(long *rc);

#endif
