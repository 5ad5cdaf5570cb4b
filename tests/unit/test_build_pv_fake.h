/* SPDX-License-Identifier: MIT */
/* A fake build platform for the dom0 builder's host tests: frames in host memory, every call recorded, a page walker. */
#ifndef TEST_BUILD_PV_FAKE_H
#define TEST_BUILD_PV_FAKE_H

#include <stdbool.h>
#include <stdint.h>
#include <build_pv.h>

#define FAKE_MFN_BASE	0x40000ULL	/* D's frames are MFNs FAKE_MFN_BASE.. in reverse PFN order */
#define FAKE_MAX_PAGES	(64 * 1024)

/* The order of the build sequence's calls, each stamped with a sequence number (0: never called). */
struct fake_platform {
	uint8_t **frames;		/* by mfn - FAKE_MFN_BASE */
	uint64_t nr_frames;
	int open_maps, max_open_maps;
	unsigned int seq;
	unsigned int seq_populate, seq_m2p, seq_hcall, seq_seed, seq_pin, seq_ctx;
	unsigned int nr_maps, nr_ports;
	uint64_t *m2p;			/* by mfn - FAKE_MFN_BASE: the PFN set_m2p gave it, ~0 if none */
	uint64_t hcall_mfn, seed_console, seed_store, pin_mfn;
	uint32_t seed_console_port, seed_store_port;
	int open_maps_at_pin;
	struct vcpu_guest_context ctx;
	size_t scratch_live;		/* bytes allocated and not freed */
	size_t scratch_max;
	int fail_pin, fail_populate;	/* errors to return instead */
	struct pvb_platform ops;
};

void fake_init(struct fake_platform *f);
void fake_destroy(struct fake_platform *f);
/* A frame of D, or NULL for an MFN that is not D's. */
uint8_t *fake_frame(const struct fake_platform *f, uint64_t mfn);
/*
 * Walks D's page tables from the pinned L4 for va: the L1 entry, 0 if not
 * mapped. Every upper entry on the way must be present, user and writable
 * (as the builder makes them) and name one of D's frames.
 */
uint64_t fake_walk(const struct fake_platform *f, uint64_t l4_mfn, uint64_t va);

#endif
