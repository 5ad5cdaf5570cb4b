/* SPDX-License-Identifier: MIT */
/* XenBus device states, stored as decimal strings in each end's "state" node. */
#ifndef PVABI_IO_XENBUS_H
#define PVABI_IO_XENBUS_H

enum xenbus_state {
	XenbusStateUnknown = 0,		/* also what a missing node means */
	XenbusStateInitialising = 1,
	XenbusStateInitWait = 2,
	XenbusStateInitialised = 3,
	XenbusStateConnected = 4,
	XenbusStateClosing = 5,
	XenbusStateClosed = 6,
	XenbusStateReconfiguring = 7,
	XenbusStateReconfigured = 8,
};

#define XENBUS_STATE_MAX	XenbusStateReconfigured

#endif
