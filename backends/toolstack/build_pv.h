/* SPDX-License-Identifier: MIT */
/* The PV domain builder of dom0's toolstack: lays out a domU's start of day and writes it through a platform interface. */
#ifndef TOOLSTACK_BUILD_PV_H
#define TOOLSTACK_BUILD_PV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pvabi/arch_x86_64.h>

/*
 * The builder knows the x86_64 PV start-of-day layout (the Xen ABI's, the
 * one hv/arch/x86_64/pv/build.c makes for dom0) and nothing about how the
 * frames of the new domain D are reached: that is the platform's. In dom0
 * each operation is a hypercall of pv-abi/include/pvabi/skiff_domctl.h's
 * build sequence; in host tests a fake that records frames.
 *
 * Every operation returns 0 or a negative Xen errno (XEN_E*).
 */
struct pvb_platform {
	void *ctx;
	/*
	 * XENMEM_populate_physmap for D: nr frames, mfns[i] the frame of PFN i.
	 * The frames must come zeroed (the hypervisor never hands a domain
	 * another's data): the builder writes only what is not zero.
	 */
	int (*populate)(void *ctx, uint64_t nr, uint64_t *mfns);
	/* A writable mapping of one of D's frames in the caller; every map is unmapped before pin_l4. */
	void *(*map)(void *ctx, uint64_t mfn);
	void (*unmap)(void *ctx, void *va);
	/* MMU_MACHPHYS_UPDATE: mfns[i] is PFN first + i of D. */
	int (*set_m2p)(void *ctx, const uint64_t *mfns, uint64_t first, uint64_t nr);
	/* SKIFF_DOMCTL_hypercall_init on frame mfn of D. */
	int (*hypercall_init)(void *ctx, uint64_t mfn);
	/* EVTCHNOP_alloc_unbound in D for the backend domain. */
	int (*alloc_unbound)(void *ctx, uint32_t *port);
	/* SKIFF_DOMCTL_gnttab_seed: D's grant refs 0 and 1 permit the backend to map these frames; the ports are theirs. */
	int (*gnttab_seed)(void *ctx, uint64_t console_mfn, uint64_t store_mfn, uint32_t console_port,
			   uint32_t store_port);
	/* MMUEXT_PIN_L4_TABLE of D's frame mfn (validates the whole tree). */
	int (*pin_l4)(void *ctx, uint64_t mfn);
	/* SKIFF_DOMCTL_setvcpucontext for vCPU 0. */
	int (*set_vcpu_context)(void *ctx, const struct vcpu_guest_context *c);
	/* Scratch memory of the builder's own (decompressed kernel, P2M array); NULL when out of memory. */
	void *(*alloc)(void *ctx, size_t len);
	void (*free)(void *ctx, void *p, size_t len);
	/*
	 * Optional: called often during the long steps (between LZMA2 chunks,
	 * every PVB_YIELD_PAGES pages copied) so the caller can serve others;
	 * it must not touch the domain being built.
	 */
	void (*yield)(void *ctx);
};

#define PVB_YIELD_PAGES	256

struct pvb_args {
	const uint8_t *image;		/* ELF, or a bzImage wrapping a gzip or xz ELF */
	size_t image_len;
	const uint8_t *initrd;		/* optional, passed to the guest unchanged */
	size_t initrd_len;
	const char *cmdline;		/* may be NULL */
	uint64_t nr_pages;		/* guest RAM */
	uint64_t shared_info_mfn;	/* skiff_dominfo.shared_info_mfn */
};

/*
 * Guest virtual layout of the initial region, in the ABI's order (PFN n at
 * vbase + n pages). Two things may live outside it, in PFNs after it, when
 * the kernel asks (as Linux does) and Xen's builder would honour it:
 *   XEN_ELFNOTE_INIT_P2M: the P2M list at the note's address, with page
 *     tables of its own: [p2m_pfn, +p2m_pages) holds the list, then its L3,
 *     its L2s and its L1s. It keeps the kernel's 1 GiB window small however
 *     large the guest.
 *   XEN_ELFNOTE_MOD_START_PFN: the initrd unmapped, after everything else,
 *     passed as a PFN with SIF_MOD_START_PFN.
 */
struct pvb_layout {
	uint64_t vbase;				/* PFN 0 */
	uint64_t kstart, kend;			/* kernel image, page-rounded */
	uint64_t entry;
	uint64_t initrd, initrd_end;		/* 0 when unmapped or none */
	uint64_t p2m, p2m_end;			/* VA, in the region or at the INIT_P2M address */
	uint64_t start_info;
	uint64_t store, console;
	uint64_t pt, nr_pt;			/* L4, L3, L2, then the L1s */
	uint64_t stack;
	uint64_t end;				/* 4 MiB aligned, >= 512 KiB past the stack */
	uint64_t nr_l1;
	bool init_p2m;
	uint64_t p2m_pfn, p2m_pages;		/* with init_p2m: the list's PFNs */
	uint64_t p2m_nr_l2, p2m_nr_l1;		/* its tables follow: one L3, the L2s, the L1s */
	uint64_t initrd_pfn;			/* unmapped initrd, 0: mapped or none */
	uint64_t hypercall_page;		/* VA, 0: the image asks for none */
	uint64_t pfn_end;			/* first PFN past everything the builder placed */
};

/* What the builder made, for the toolstack's xenstore nodes and the console backend. */
struct pvb_result {
	struct pvb_layout lay;
	uint64_t console_mfn, store_mfn;
	uint32_t console_port, store_port;
	uint64_t l4_mfn;
	size_t kernel_len;			/* the ELF's size after unwrapping */
	char why[160];				/* on failure: what was wrong, for the log */
};

/*
 * Builds D from a->image and a->initrd through p, up to and including
 * vCPU 0's context: D is then ready to unpause. Returns 0, or a negative
 * Xen errno with r->why saying what was wrong (a truncated ELF, a corrupt
 * gzip payload, too little memory for the layout, a refused hypercall).
 * On failure D holds whatever it was given and must be destroyed; the
 * builder's own scratch memory is freed either way, and every mapping it
 * made is unmapped.
 */
int pvb_build(const struct pvb_platform *p, const struct pvb_args *a, struct pvb_result *r);

/*
 * A bzImage's kernel decompressed on its own (dom0 keeps it to build the
 * same kernel again without decompressing it): *elf is a buffer of *cap
 * bytes from p->alloc holding *elf_len bytes of ELF, or NULL when image is
 * not a bzImage (pvb_build takes it as it is). 0, or a negative Xen errno
 * with r->why saying what was wrong. pvb_build given the ELF builds the
 * same domain as given the bzImage.
 */
int pvb_unwrap(const struct pvb_platform *p, const uint8_t *image, size_t len, uint8_t **elf, size_t *elf_len,
	       size_t *cap, struct pvb_result *r);

/* The hypervisor features a kernel's FEATURES note may require (submap 0). */
uint32_t pvb_hv_features(void);

#endif
