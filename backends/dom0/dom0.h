/* SPDX-License-Identifier: MIT */
/* dom0, the service domain: the domains it serves and the components it runs for them. */
#ifndef DOM0_H
#define DOM0_H

#include <stdbool.h>
#include <stdint.h>
#include <pvabi/skiff_domctl.h>
#include "console_back.h"
#include "xsd_ring.h"
#include "rt_grant.h"

/* One domain dom0 knows of; the list grows as VIRQ_DOM_EXC reports new ones. */
struct dom0_domain {
	struct skiff_dominfo info;
	bool console_up;		/* ring mapped and port bound */
	bool gone;			/* shut down and let go of */
	bool seen;			/* in the last listing (a destroyed domain is not) */
	struct rt_grant_map console_map;
	evtchn_port_t console_port;	/* our end */
	struct cons_back cons;
	bool store_up, store_broken;	/* introduced to xenstored; ring found broken */
	struct rt_grant_map store_map;
	evtchn_port_t store_port;	/* our end */
	struct xsd_ring ring;
	uint64_t seen_ns;		/* when the scan first listed it (right after dom0 built it) */
	struct dom0_domain *next;
};

extern struct dom0_domain *dom0_domains;

/* Lists the hypervisor's domains and attaches to new ones, lets go of shut-down ones; returns domUs still up. */
unsigned int dom0_domains_scan(void);
/* The domain dom0 serves as domid (gone ones too: check ->gone); NULL if none. */
struct dom0_domain *dom0_domain_of(domid_t domid);
/* Polls every console (the timer's fallback for a guest that wrote without notifying). */
void dom0_consoles_poll_all(void);
long dom0_domctl(struct skiff_domctl *op);
/* One domain's entry (struct skiff_dominfo) from the hypervisor. */
long dom0_getdomaininfo(domid_t domid, struct skiff_dominfo *info);
/* How long a domain dom0 serves has been up (xl uptime); 0 if dom0 does not know it. */
uint64_t dom0_domain_uptime_ns(domid_t domid);

/*
 * toolstack.c: builds every domU from the boot modules (SKIFF_DOMCTL_boot_module) unless the hypervisor
 * built them; returns how many started, and in *domains how many the modules asked for.
 */
unsigned int dom0_toolstack_boot(unsigned int *domains);
/*
 * Builds a domain from a domain file's text and the kernel (and ramdisk)
 * bytes (the control channel's create), with the run-time disk slots the
 * host filled for it (disks: "SLOT:DEVID,..." or NULL) and the file's
 * vifs; *domid and name on success, else
 * a negative Xen errno and a message for a person in err. *ktake and
 * *rtake (the control channel's buffers holding kernel and ramdisk, freed
 * as kc_free frees) are set NULL when a domain that may restart keeps them
 * instead of a copy; NULL for a buffer that is not the caller's to give.
 */
/* Buffers up to this many bytes come from the heap, bigger ones from vmem (kept uploads move from ctl.c to kernels.c). */
#define DOM0_SMALL_ALLOC	(64 * 1024)

long dom0_toolstack_create(const char *cfg_text, size_t cfg_len, const uint8_t *kernel, uint8_t **ktake,
			   uint64_t klen, const uint8_t *kdigest, const uint8_t *ramdisk, uint8_t **rtake, uint64_t rlen,
			   const uint8_t *rdigest,
			   const char *disks, bool paused, domid_t *domid, char *name, size_t name_len, char *err,
			   size_t err_len);

/*
 * kernels.c: the kernel a build uses, by the SHA-256 of the image given
 * (digest, or NULL: computed). A bzImage decompressed once is kept (within
 * the bound said there) and the next build of the same image takes it.
 */
struct dom0_kernel {
	const uint8_t *elf;		/* what pvb_build is given: an ELF */
	uint64_t len;
	uint8_t digest[32];
	bool cached, hit;		/* held in the cache; found there */
	bool prepared;			/* the form skiff-xl prepares on the host (lz4 of the ELF's segments) */
	uint8_t *own;			/* decompressed but not kept: freed by put */
	size_t cap;
	uint64_t decompress_ns;		/* 0 when nothing was decompressed */
};
long dom0_kernel_get(const uint8_t *image, uint64_t len, const uint8_t *digest, struct dom0_kernel *k, char *why,
		     size_t why_len);
void dom0_kernel_put(struct dom0_kernel *k);
/*
 * One copy of an image per digest, shared by every restartable domain
 * holding it (*shared: it was held already); NULL without memory. take
 * (may be NULL): where the caller holds data in a buffer of len bytes
 * from dom0's heap or vmem (as kc_free frees it); a first holder keeps
 * that buffer itself and sets *take NULL, rather than copy it.
 */
const uint8_t *dom0_image_get(const uint8_t *data, uint64_t len, const uint8_t *digest, bool *shared, uint8_t **take);
/* The image kept under digest if it is exactly len bytes, with a reference (dom0_image_put), or NULL. */
const uint8_t *dom0_image_find(const uint8_t *digest, uint64_t len);
void dom0_image_put(const uint8_t *p);
void dom0_kernels_stats(uint64_t *hits, uint64_t *misses, uint64_t *bytes);
/* main.c: a round of service for the other guests during a long build (the builder's yield), and how many so far. */
void dom0_build_yield(void *ctx);
uint64_t dom0_build_yields(void);
/* A domain the toolstack failed to build and could not destroy (it stays created until the machine stops). */
bool dom0_toolstack_abandoned(domid_t domid);
/* What a restart builds again (toolstack.c): a domain file's recipe and, when an action may restart, its image. */
struct dom0_recipe;
/* Builds r again, running, under name (on domid want, 0: any); 0 or a negative Xen errno. */
long dom0_toolstack_rebuild(struct dom0_recipe *r, const char *name, domid_t want, domid_t *domid);
void dom0_toolstack_recipe_free(struct dom0_recipe *r);

/*
 * on_shutdown.c: xl's on_poweroff/on_reboot/on_crash/on_watchdog for the
 * domains built from a domain file (at boot or by xl create). adopt
 * takes r; shut_down (from the scan) notes the end and says whether the
 * domain is the life-cycle code's; run (from the event loop, outside the
 * scan) carries the actions out and returns how many it restarted.
 */
struct lc_actions;
void dom0_lifecycle_adopt(domid_t domid, const struct lc_actions *a, struct dom0_recipe *r);
bool dom0_lifecycle_shut_down(const struct skiff_dominfo *info);
unsigned int dom0_lifecycle_run(void);
/* A domain destroyed (xl destroy, or gone): nothing is carried out for it any more. */
void dom0_lifecycle_forget(domid_t domid);
/* The name a followed domain's devices are bound under (its name at its first build); NULL if not followed. */
const char *dom0_lifecycle_owner(domid_t domid);
/* xl rename of a followed domain: its devices and restarts go by the new name. */
void dom0_lifecycle_renamed(domid_t domid, const char *name);
/* The wallclock now, in nanoseconds since 1970 (shared_info's wallclock plus system time); 0 if unknown. */
uint64_t dom0_unix_now_ns(void);

/*
 * balloon.c, a test hook until the control channel's mem-set: writes each
 * of the n sizes (bytes) to d's memory/target in turn, each once the guest
 * has reported the last in data/skiff-balloon, and reports how long its
 * pages (getdomaininfo's tot_pages) take to follow. Polled by the tick.
 */
void dom0_balloon_plan(domid_t domid, const uint64_t *sizes, unsigned int n);
void dom0_balloon_poll(void);
/* results.c: how the domains dom0 built ended; the count that did not end as their module expected. */
void dom0_result_expect(domid_t domid, const char *name, uint32_t expect, bool refused);
void dom0_result_ended(domid_t domid, unsigned int reason);
void dom0_result_gone(domid_t domid);
/* The domain dom0 follows as old was restarted as new: its end is the new one's (a restart count in the line). */
void dom0_result_restarted(domid_t old, domid_t new_domid);
/* The restart its end called for was refused (a restart loop) or failed: said in its result line. */
void dom0_result_note(domid_t domid, const char *note);
unsigned int dom0_results_report(void);

/* console_input.c: serial input to the chosen domain's console (VIRQ_CONSOLE, and polled by the tick). */
long dom0_console_input_init(void);
void dom0_console_input_poll(void);

/* ctl.c: the control channel (docs/CONTROL.md) on the virtio-console port, when QEMU gives dom0 one. */
void dom0_ctl_init(void);
void dom0_ctl_poll(void);
/* Whether the host manages this machine: then dom0 stays up when the last guest goes. */
bool dom0_ctl_active(void);
/* A piece of a domain's console output as the guest wrote it: an event for the host's xl console while attached. */
void dom0_ctl_console_output(uint32_t domid, const char *bytes, size_t len);
/* A domU shut down: an xl console following it ends. */
void dom0_ctl_domain_ended(domid_t domid);
/* A domU without a domain file shut down: on a managed machine the toolstack destroys it (on_poweroff=destroy). */
void dom0_ctl_domain_shut_down(const struct skiff_dominfo *info);

/* store.c: xenstored for the domUs (core from backends/xenstored). */
long dom0_store_init(void);
void dom0_store_attach(struct dom0_domain *dd);
void dom0_store_detach(struct dom0_domain *dd);
uint64_t dom0_store_requests(void);
/*
 * Delivers watch events dom0's own writes queued for the domUs: without it
 * they wait for the next request some domU makes, and a frontend waiting
 * for our state change would wait for good.
 */
void dom0_store_flush(void);
/* dom0's own client handle on its store (for the block backend's nodes). */
struct xs_handle *dom0_store_xs(void);

#endif
