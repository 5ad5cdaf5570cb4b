/* SPDX-License-Identifier: MIT */
/* dom0's toolstack at boot: builds every domU from the boot modules through the privileged interface. */
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/memory.h>
#include <pvabi/sched.h>
#include "rt.h"
#include "rt_page.h"
#include "bootmod.h"
#include "build_pv.h"
#include "decompress.h"
#include "dom0.h"
#include "dom0_blk.h"
#include "dom0_net.h"
#include "lifecycle.h"
#include "xlcfg.h"

#define TS_MAX_DOMAINS		16
#define TS_MAX_MODULES		64
#define TS_SMALL		DOM0_SMALL_ALLOC	/* heap up to this size, vmem above: the kernel cache frees kept module buffers by the same rule */
#define TS_POPULATE_BATCH	512
#define TS_POPULATE_YIELD	32			/* 2 MiB extents per call between rounds of service */
#define TS_EXTENT_ORDER		9			/* 2 MiB, what a domU may ask for itself */
#define TS_EXTENT_PAGES		(1ULL << TS_EXTENT_ORDER)
#define TS_M2P_BATCH		128
#define TS_BUSY_TRIES		100000

/* Domains whose build failed and that could not be destroyed: never served, never waited for. */
static domid_t ts_abandoned[TS_MAX_DOMAINS];
static unsigned int ts_nr_abandoned;

bool dom0_toolstack_abandoned(domid_t domid)
{
	for (unsigned int i = 0; i < ts_nr_abandoned; i++)
		if (ts_abandoned[i] == domid)
			return true;
	return false;
}

/* One domain to build: its kernel module, an optional initrd module and the options. */
struct ts_domain {
	uint32_t kernel, initrd;		/* module indexes; initrd valid if has_initrd */
	bool has_initrd;
	bool initrd_sha256_set;			/* the initrd module's @sha256= */
	uint8_t initrd_sha256[32];
	bool bad_domfile;			/* its domain file has errors: not built */
	uint32_t vcpus;				/* from a domain file; 0: one */
	bool has_cfg;				/* from a domain file: its on_* actions are carried out */
	struct lc_actions act;
	struct bootmod_spec spec;
	char cmdline[1024];
};

/* The platform of build_pv.c for one domain D: each operation one call of the build sequence. */
struct ts_platform {
	domid_t domid;
	struct pvb_platform ops;
};

static long ts_domctl(struct skiff_domctl *op)
{
	return dom0_domctl(op);
}

/* One populate_physmap call: n extents of 2^order frames from PFN first on; returns the extents done. */
static long ts_populate_call(domid_t domid, uint64_t *extents, uint64_t n, unsigned int order, uint64_t first)
{
	struct xen_memory_reservation r = {
		.extent_start = RT_PTR(extents), .nr_extents = n, .extent_order = order, .domid = domid,
	};

	/* PV's input is each extent's first PFN (the hypervisor's M2P entries); the output its first MFN. */
	for (uint64_t i = 0; i < n; i++)
		extents[i] = first + (i << order);
	return hyp_memory_op(XENMEM_populate_physmap, RT_PTR(&r));
}

/*
 * D's memory in 2 MiB extents while they last (a 256 MiB guest in 128
 * allocations rather than 65,536), then single frames; mfns[] gets every
 * frame, in PFN order.
 */
static int ts_populate(void *ctx, uint64_t nr, uint64_t *mfns)
{
	struct ts_platform *t = ctx;
	static uint64_t big[TS_POPULATE_BATCH];
	uint64_t done = 0;
	long rc;

	while (nr - done >= TS_EXTENT_PAGES) {
		uint64_t n = (nr - done) / TS_EXTENT_PAGES;

		/* A call zeroes what it gives: TS_POPULATE_YIELD extents (64 MiB) at a time, the others served between. */
		n = n < TS_POPULATE_YIELD ? n : TS_POPULATE_YIELD;
		rc = ts_populate_call(t->domid, big, n, TS_EXTENT_ORDER, done);
		if (rc < 0)
			return (int)rc;
		dom0_build_yield(NULL);
		for (long e = 0; e < rc; e++)
			for (uint64_t i = 0; i < TS_EXTENT_PAGES; i++)
				mfns[done + (uint64_t)e * TS_EXTENT_PAGES + i] = big[e] + i;
		done += (uint64_t)rc * TS_EXTENT_PAGES;
		if ((uint64_t)rc < n)
			break;		/* no 2 MiB block left: single frames from here */
	}
	while (done < nr) {
		uint64_t n = nr - done < TS_POPULATE_BATCH ? nr - done : TS_POPULATE_BATCH;

		rc = ts_populate_call(t->domid, mfns + done, n, 0, done);
		if (rc < 0)
			return (int)rc;
		dom0_build_yield(NULL);
		if ((uint64_t)rc != n)
			return -XEN_ENOMEM;
		done += n;
	}
	return 0;
}

static void *ts_map(void *ctx, uint64_t mfn)
{
	struct ts_platform *t = ctx;
	void *va = rt_window_get();

	if (va && rt_window_map_foreign(va, mfn, t->domid, true) != 0) {
		rt_window_put(va);
		va = NULL;
	}
	return va;
}

static void ts_unmap(void *ctx, void *va)
{
	(void)ctx;
	rt_window_unmap(va);
	rt_window_put(va);
}

static int ts_set_m2p(void *ctx, const uint64_t *mfns, uint64_t first, uint64_t nr)
{
	struct ts_platform *t = ctx;
	struct mmu_update req[TS_M2P_BATCH];

	for (uint64_t i = 0; i < nr;) {
		unsigned int n = 0;
		long rc;

		for (; n < TS_M2P_BATCH && i < nr; n++, i++) {
			req[n].ptr = (mfns[i] << 12) | MMU_MACHPHYS_UPDATE;
			req[n].val = first + i;
		}
		rc = hyp_mmu_update(RT_PTR(req), n, 0, t->domid);
		if (rc < 0)
			return (int)rc;
		dom0_build_yield(NULL);		/* 65,536 entries for 256 MiB: the others are served meanwhile */
	}
	return 0;
}

static int ts_mem_op(struct ts_platform *t, uint32_t cmd, uint64_t value)
{
	struct skiff_domctl op = { .cmd = cmd };

	op.u.mem.domid = t->domid;
	op.u.mem.value = value;
	return (int)ts_domctl(&op);
}

static int ts_hypercall_init(void *ctx, uint64_t mfn)
{
	return ts_mem_op(ctx, SKIFF_DOMCTL_hypercall_init, mfn);
}

static int ts_alloc_unbound(void *ctx, uint32_t *port)
{
	struct ts_platform *t = ctx;
	struct evtchn_alloc_unbound a = { .dom = t->domid, .remote_dom = 0 };
	long rc = hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&a));

	*port = a.port;
	return (int)rc;
}

static int ts_gnttab_seed(void *ctx, uint64_t console_mfn, uint64_t store_mfn, uint32_t console_port,
			  uint32_t store_port)
{
	struct ts_platform *t = ctx;
	struct skiff_domctl op = { .cmd = SKIFF_DOMCTL_gnttab_seed };

	op.u.seed = (struct skiff_domctl_seed){
		.domid = t->domid, .backend = 0, .console_mfn = console_mfn, .store_mfn = store_mfn,
		.console_port = console_port, .store_port = store_port,
	};
	return (int)ts_domctl(&op);
}

static int ts_pin_l4(void *ctx, uint64_t mfn)
{
	struct ts_platform *t = ctx;
	struct mmuext_op op = { .cmd = MMUEXT_PIN_L4_TABLE };

	op.arg1.mfn = mfn;
	return (int)hyp_mmuext_op(RT_PTR(&op), 1, 0, t->domid);
}

static int ts_set_vcpu_context(void *ctx, const struct vcpu_guest_context *c)
{
	struct ts_platform *t = ctx;
	struct skiff_domctl op = { .cmd = SKIFF_DOMCTL_setvcpucontext };

	op.u.vcpuctx.domid = t->domid;
	op.u.vcpuctx.vcpu = 0;
	op.u.vcpuctx.ctxt = RT_PTR(c);
	return (int)ts_domctl(&op);
}

static void *ts_alloc(void *ctx, size_t len)
{
	(void)ctx;
	return len <= TS_SMALL ? malloc(len) : rt_vmem_alloc(len);
}

static void ts_free(void *ctx, void *p, size_t len)
{
	(void)ctx;
	if (len <= TS_SMALL)
		free(p);
	else
		rt_vmem_free(p);
}

static void ts_platform_init(struct ts_platform *t, domid_t domid)
{
	t->domid = domid;
	t->ops = (struct pvb_platform){
		.ctx = t, .populate = ts_populate, .map = ts_map, .unmap = ts_unmap, .set_m2p = ts_set_m2p,
		.hypercall_init = ts_hypercall_init, .gnttab_seed = ts_gnttab_seed,
		.alloc_unbound = ts_alloc_unbound, .pin_l4 = ts_pin_l4, .set_vcpu_context = ts_set_vcpu_context,
		.alloc = ts_alloc, .free = ts_free, .yield = dom0_build_yield,
	};
}

/* ------------------------------------------------------------ modules -- */

/* One boot_module call; its size in *size. */
static long ts_module_read(uint32_t index, uint32_t flags, uint64_t offset, void *buf, uint64_t len,
			   uint64_t *size, uint64_t *copied)
{
	struct skiff_domctl op = { .cmd = SKIFF_DOMCTL_boot_module };
	long rc;

	op.u.module = (struct skiff_domctl_module){
		.index = index, .flags = flags, .offset = offset, .buffer = RT_PTR(buf), .buffer_len = len,
	};
	rc = ts_domctl(&op);
	*size = op.u.module.size;
	*copied = op.u.module.copied;
	return rc;
}

/* A module's whole contents in a buffer of its own (vmem for anything big), or NULL with *err set. */
static uint8_t *ts_module_load(uint32_t index, uint64_t *len, long *err)
{
	uint64_t size, copied, off = 0;
	uint8_t probe, *buf;

	*err = ts_module_read(index, 0, 0, &probe, 0, &size, &copied);
	if (*err)
		return NULL;
	buf = ts_alloc(NULL, size ? size : 1);
	if (!buf) {
		*err = -XEN_ENOMEM;
		return NULL;
	}
	while (off < size) {
		*err = ts_module_read(index, 0, off, buf + off, size - off, &size, &copied);
		if (*err || !copied) {
			*err = *err ? *err : -XEN_EIO;
			ts_free(NULL, buf, size ? size : 1);
			return NULL;
		}
		off += copied;
	}
	*len = size;
	return buf;
}

static void ts_from_cfg(struct ts_domain *t, const struct xlcfg_domain *cfg);

/*
 * A domain file (@domfile, xl.cfg, checked on the host already) for the
 * kernel before it: parsed again here, the file's values win over the
 * kernel module's options; errors (with their lines) keep the domain from
 * being built. Its vifs go to the network backend by the domain's name,
 * also when the hypervisor built the domain (t NULL).
 */
static void ts_apply_domfile(struct ts_domain *t, uint32_t index)
{
	static struct xlcfg_domain cfg;
	static struct xlcfg_diags dg;
	uint64_t len = 0;
	long err;
	char *text = (char *)ts_module_load(index, &len, &err);
	int rc;

	if (!text) {
		rt_printf("dom0: module %u (domain file) cannot be read: error %ld\n", index, err);
		if (t)
			t->bad_domfile = true;
		return;
	}
	rc = xlcfg_parse(text, len, &cfg, &dg);
	ts_free(NULL, text, len ? len : 1);
	for (uint32_t i = 0; t && i < dg.nr && i < XLCFG_MAX_DIAG; i++)
		rt_printf("dom0: module %u (domain file) line %u: %s: %s\n", index, dg.d[i].line,
			  dg.d[i].is_error ? "error" : "warning", dg.d[i].msg);
	if (rc) {
		if (t)
			t->bad_domfile = true;
		return;
	}
	for (uint32_t i = 0; i < cfg.nr_vifs; i++)
		dom0_net_declare(cfg.name, &cfg.vifs[i]);
	if (!t)
		return;
	if (cfg.hvm) {
		rt_printf("dom0: module %u (domain file): error: type hvm: the hypervisor builds hvm domains at boot; "
			  "dom0's builder makes pv domains only\n", index);
		t->bad_domfile = true;
		return;
	}
	ts_from_cfg(t, &cfg);
	if (lc_unsupported(&t->act)) {
		rt_printf("dom0: module %u (domain file): error: %s\n", index, lc_unsupported(&t->act));
		t->bad_domfile = true;
	}
}

/*
 * Reads every module's string and groups kernels with their initrds;
 * returns the number of domains to build. With @toolstack on dom0 the
 * hypervisor builds no domU and every kernel is ours (all). When the
 * hypervisor built domUs (dom0 with @backends alone), only the kernels
 * marked @data are: a kernel without it, and the initrd after such a
 * kernel, were the hypervisor's.
 */
static const char *ts_name(const struct ts_domain *t, unsigned int ordinal);

static unsigned int ts_collect(struct ts_domain *doms, bool all, long *err)
{
	unsigned int n = 0, over = 0;
	uint64_t size, copied;
	bool last_ours = false;

	*err = 0;
	for (uint32_t i = 0; i < TS_MAX_MODULES; i++) {
		struct ts_domain tmp = { .kernel = i };

		*err = ts_module_read(i, SKIFF_MODULE_cmdline, 0, tmp.cmdline, sizeof(tmp.cmdline) - 1, &size,
				      &copied);
		if (*err == -XEN_ENOENT)
			return *err = 0, n;
		if (*err)
			return n;
		tmp.cmdline[copied < sizeof(tmp.cmdline) ? copied : sizeof(tmp.cmdline) - 1] = '\0';
		bootmod_parse(tmp.cmdline, &tmp.spec);
		if (tmp.spec.is_domfile) {
			ts_apply_domfile(last_ours ? &doms[n - 1] : NULL, i);
			continue;
		}
		if (tmp.spec.is_initrd) {
			if (last_ours && !doms[n - 1].has_initrd) {
				doms[n - 1].initrd = i;
				doms[n - 1].has_initrd = true;
				doms[n - 1].initrd_sha256_set = tmp.spec.sha256_set;
				memcpy(doms[n - 1].initrd_sha256, tmp.spec.sha256, 32);
			} else if (last_ours || all || tmp.spec.is_data) {
				rt_printf("dom0: module %u is an initrd without a kernel before it; ignored\n", i);
			}
			continue;
		}
		last_ours = (all || tmp.spec.is_data) && n < TS_MAX_DOMAINS;
		if (!all && !tmp.spec.is_data)
			continue;
		if (n == TS_MAX_DOMAINS) {
			/* Refused, not forgotten: dom0's end must count it as a domain that did not come up. */
			rt_printf("dom0: more than %u kernels; module %u ignored\n", TS_MAX_DOMAINS, i);
			dom0_result_expect(0, ts_name(&tmp, TS_MAX_DOMAINS + ++over), tmp.spec.expect, true);
			continue;
		}
		doms[n] = tmp;
		/* The command line points into the module string: into the copy now. */
		doms[n].spec.cmdline = doms[n].cmdline + (tmp.spec.cmdline - tmp.cmdline);
		n++;
	}
	return n;
}

/* -------------------------------------------------------------- build -- */

static long ts_create(const struct ts_domain *t, unsigned int ordinal, domid_t want, domid_t *domid)
{
	struct skiff_domctl op = { .cmd = SKIFF_DOMCTL_createdomain };
	struct skiff_domctl_create *c = &op.u.create;
	uint64_t mem = t->spec.mem ? t->spec.mem : BOOTMOD_DEFAULT_MEM;
	long rc;

	/* Room to balloon up: Linux sizes its P2M for maximum_reservation at boot. */
	if (t->spec.maxmem > mem)
		mem = t->spec.maxmem;

	c->domid = want;
	c->max_vcpus = t->vcpus ? t->vcpus : t->spec.vcpus ? t->spec.vcpus : 1;
	c->max_pages = mem >> 12;
	/* A given UUID, else the one the hypervisor gave boot domains so far: the ordinal in the last two bytes. */
	if (t->spec.uuid_set) {
		memcpy(c->handle, t->spec.uuid, sizeof(c->handle));
	} else {
		c->handle[14] = (uint8_t)(ordinal >> 8);
		c->handle[15] = (uint8_t)ordinal;
	}
	if (t->spec.name[0])
		memcpy(c->name, t->spec.name, sizeof(t->spec.name));
	else
		snprintf(c->name, sizeof(c->name), "domU%u", ordinal);
	c->gnttab_frames = t->spec.gnttab_frames;
	c->maptrack_frames = t->spec.maptrack_frames;
	c->weight = (uint16_t)t->spec.weight;
	c->cap = (uint16_t)t->spec.cap;
	c->cpumask = t->spec.cpus;
	/* -EBUSY while the hypervisor still builds its boot domains (they keep their domids): wait for it. */
	for (unsigned int tries = 0; (rc = ts_domctl(&op)) == -XEN_EBUSY && tries < TS_BUSY_TRIES; tries++)
		hyp_sched_op(SCHEDOP_yield, 0);
	*domid = c->domid;
	return rc;
}

static long ts_domain_op(uint32_t cmd, domid_t domid)
{
	struct skiff_domctl op = { .cmd = cmd };

	op.u.dom.domid = domid;
	return ts_domctl(&op);
}

static long ts_shared_info(domid_t domid, uint64_t *mfn)
{
	static struct skiff_dominfo info;
	long rc = dom0_getdomaininfo(domid, &info);

	*mfn = info.shared_info_mfn;
	return rc;
}

/* The name createdomain gets: the module's or domain file's, else domU<ordinal>. */
static const char *ts_name(const struct ts_domain *t, unsigned int ordinal)
{
	static char name[BOOTMOD_NAME_MAX];

	if (t->spec.name[0])
		return t->spec.name;
	snprintf(name, sizeof(name), "domU%u", ordinal);
	return name;
}

/*
 * Creates and builds one domain from the image bytes and starts it unless
 * paused; on any failure it is destroyed again, the reason printed and
 * put in why (when given). 0 or a negative Xen errno.
 */
static long ts_build_image(const struct ts_domain *t, unsigned int ordinal, const char *from, const uint8_t *kernel,
			   uint64_t klen, const uint8_t *kdigest, const uint8_t *initrd, uint64_t rlen, bool paused,
			   domid_t want, domid_t *domid_out, char *why, size_t why_len)
{
	static struct pvb_result res;
	static struct dom0_kernel k;
	struct ts_platform plat;
	struct pvb_args a = { .cmdline = t->spec.cmdline };
	domid_t domid = 0;
	long err;

	uint64_t yields = dom0_build_yields();

	res.why[0] = '\0';
	memset(&k, 0, sizeof(k));
	err = ts_create(t, ordinal, want, &domid);
	if (!err)
		err = ts_shared_info(domid, &a.shared_info_mfn);
	/* The kernel as an ELF: from dom0's cache, or decompressed now (and kept). */
	if (!err && (err = dom0_kernel_get(kernel, klen, kdigest, &k, res.why, sizeof(res.why))) != 0)
		rt_printf("dom0: building d%u%s failed: %s (error %ld)\n", domid, from, res.why, err);
	else if (!err) {
		a.image = k.elf;
		a.image_len = k.len;
		a.initrd = initrd;
		a.initrd_len = rlen;
		a.nr_pages = (t->spec.mem ? t->spec.mem : BOOTMOD_DEFAULT_MEM) >> 12;
		ts_platform_init(&plat, domid);
		err = pvb_build(&plat.ops, &a, &res);
		if (err)
			rt_printf("dom0: building d%u%s failed: %s (error %ld)\n", domid, from, res.why, err);
	} else {
		rt_printf("dom0: cannot start building%s: error %ld\n", from, err);
	}
	if (!err && !paused)
		err = ts_domain_op(SKIFF_DOMCTL_unpausedomain, domid);
	if (k.hit)
		rt_printf("dom0: d%u%s: kernel from dom0's cache, not decompressed again\n", domid, from);
	else if (k.decompress_ns)
		rt_printf("dom0: d%u%s: kernel decompressed in %lu ms%s%s\n", domid, from,
			  (unsigned long)(k.decompress_ns / 1000000), k.cached ? " (kept for the next build)" : "",
			  k.prepared ? ", lz4 as the host prepared it" : "");
	dom0_kernel_put(&k);
	if (err) {
		if (why)
			snprintf(why, why_len, "%s", res.why[0] ? res.why : "the hypervisor refused it");
		if (domid && ts_domain_op(SKIFF_DOMCTL_destroydomain, domid) != 0 && ts_nr_abandoned < TS_MAX_DOMAINS)
			ts_abandoned[ts_nr_abandoned++] = domid;
		return err;
	}
	rt_printf("dom0: built d%u%s: %lu MiB, %lu KiB kernel, entry %lx, command line '%s'; %lu rounds of service "
		  "for the others meanwhile\n", domid, from, (unsigned long)(a.nr_pages >> 8),
		  (unsigned long)(res.kernel_len >> 10), (unsigned long)res.lay.entry,
		  t->spec.cmdline ? t->spec.cmdline : "", (unsigned long)(dom0_build_yields() - yields));
	*domid_out = domid;
	return 0;
}

/* ------------------------------------------------------------ restarts -- */

/* What a restart builds again, as xl keeps a domain's configuration: the recipe and (if an action restarts) the image. */
struct dom0_recipe {
	struct ts_domain t;
	const uint8_t *kernel, *initrd;		/* shared by digest with every other recipe of the same image */
	uint64_t klen, rlen;
	uint8_t kdigest[32];
};

static bool ts_may_restart(const struct lc_actions *a)
{
	const enum xlcfg_action all[] = { a->on_poweroff, a->on_reboot, a->on_crash, a->on_watchdog };

	for (unsigned int i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i] == XLCFG_ACTION_RESTART || all[i] == XLCFG_ACTION_RENAME_RESTART)
			return true;
	return false;
}

void dom0_toolstack_recipe_free(struct dom0_recipe *r)
{
	dom0_image_put(r->kernel);
	dom0_image_put(r->initrd);
	free(r);
}

/*
 * Hands a domain built from a domain file to the life-cycle code (its
 * on_* actions). The image is kept only when an action may restart it,
 * one copy per digest however many domains restart from it.
 */
static void ts_adopt(const struct ts_domain *t, domid_t domid, const uint8_t *kernel, uint64_t klen,
		     const uint8_t *kdigest, const uint8_t *initrd, uint64_t rlen, const uint8_t *rdigest, uint8_t **ktake,
		     uint8_t **rtake)
{
	static struct skiff_dominfo info;
	struct dom0_recipe *r = calloc(1, sizeof(*r));
	bool keep = ts_may_restart(&t->act), shared = false, rshared = false;

	if (!r) {
		rt_printf("dom0: d%u: no memory to keep its configuration: its on_* actions are not carried out\n", domid);
		return;
	}
	r->t = *t;
	r->t.spec.cmdline = r->t.cmdline;
	/* Every restart gets the UUID this build got (a file without one got the ordinal's). */
	if (dom0_getdomaininfo(domid, &info) == 0) {
		memcpy(r->t.spec.uuid, info.handle, sizeof(r->t.spec.uuid));
		r->t.spec.uuid_set = true;
	}
	if (keep) {
		if (kdigest)
			memcpy(r->kdigest, kdigest, 32);
		else
			sha256_buf(kernel, klen, r->kdigest);
		r->kernel = dom0_image_get(kernel, klen, r->kdigest, &shared, ktake);
		r->initrd = initrd ? dom0_image_get(initrd, rlen, rdigest, &rshared, rtake) : NULL;
		r->klen = klen;
		r->rlen = rlen;
		if (!r->kernel || (initrd && !r->initrd))
			rt_printf("dom0: d%u: no memory to keep its kernel: a restart will fail\n", domid);
		else if (shared)
			rt_printf("dom0: d%u: its kernel for restarts is the copy another domain holds already\n", domid);
		else if (ktake && !*ktake)
			rt_printf("dom0: d%u: keeps the uploaded kernel%s for restarts, not a copy\n", domid,
				  rtake && initrd && !*rtake ? " and ramdisk" : "");
	}
	dom0_lifecycle_adopt(domid, &t->act, r);
}

long dom0_toolstack_rebuild(struct dom0_recipe *r, const char *name, domid_t want, domid_t *domid)
{
	char why[160];

	if (!r->kernel || (r->rlen && !r->initrd))
		return -XEN_ENOMEM;
	snprintf(r->t.spec.name, sizeof(r->t.spec.name), "%s", name);
	return ts_build_image(&r->t, 0, " (a restart)", r->kernel, r->klen, r->kdigest, r->initrd, r->rlen, false, want,
			      domid, why, sizeof(why));
}

/* Creates, builds and starts one domain from its boot modules. */
static bool ts_build_one(const struct ts_domain *t, unsigned int ordinal)
{
	uint64_t klen = 0, rlen = 0;
	uint8_t *kernel, *initrd = NULL;
	domid_t domid = 0;
	long err = 0;
	char from[24];

	snprintf(from, sizeof(from), " from module %u", t->kernel);
	kernel = ts_module_load(t->kernel, &klen, &err);
	if (kernel && t->has_initrd)
		initrd = ts_module_load(t->initrd, &rlen, &err);
	if (!err)
		err = ts_build_image(t, ordinal, from, kernel, klen, t->spec.sha256_set ? t->spec.sha256 : NULL, initrd,
				     rlen, false, 0, &domid, NULL, 0);
	else
		rt_printf("dom0: cannot start building from module %u: error %ld\n", t->kernel, err);
	/*
	 * A domain file's domain is the life-cycle code's from now on, with the
	 * image if a restart needs it: kept by the digest the host gave with the
	 * module (@sha256=), if any, rather than hashing tens of MiB here while
	 * every other guest waits for service. The module strings are the
	 * administrator's, as the modules are: a wrong digest can only make a
	 * restart of this machine's own domains use another of its images. The
	 * buffers the modules were read into are what is kept: no second copy.
	 */
	if (!err && t->has_cfg)
		ts_adopt(t, domid, kernel, klen, t->spec.sha256_set ? t->spec.sha256 : NULL, initrd, rlen,
			 t->initrd_sha256_set ? t->initrd_sha256 : NULL, &kernel, &initrd);
	if (kernel)
		ts_free(NULL, kernel, klen ? klen : 1);
	if (initrd)
		ts_free(NULL, initrd, rlen ? rlen : 1);
	if (err) {
		dom0_result_expect(0, ts_name(t, ordinal), t->spec.expect, true);
		return false;
	}
	dom0_result_expect(domid, ts_name(t, ordinal), t->spec.expect, false);
	if (t->spec.nr_balloon)
		dom0_balloon_plan(domid, t->spec.balloon, t->spec.nr_balloon);
	return true;
}

/* The options of a parsed domain file on a domain to build. */
static void ts_from_cfg(struct ts_domain *t, const struct xlcfg_domain *cfg)
{
	memcpy(t->spec.name, cfg->name, sizeof(t->spec.name));
	t->spec.name[sizeof(t->spec.name) - 1] = '\0';
	if (cfg->uuid_set) {
		memcpy(t->spec.uuid, cfg->uuid, sizeof(t->spec.uuid));
		t->spec.uuid_set = true;
	}
	t->spec.mem = cfg->memory_mib << 20;
	t->spec.maxmem = cfg->maxmem_mib << 20;
	t->vcpus = cfg->maxvcpus ? cfg->maxvcpus : cfg->vcpus;
	t->has_cfg = true;
	lc_actions_from(&t->act, cfg);
	t->spec.weight = cfg->weight;
	t->spec.cap = cfg->cap;
	t->spec.cpus = cfg->cpumask == ~0ULL ? 0 : cfg->cpumask;
	snprintf(t->cmdline, sizeof(t->cmdline), "%s", cfg->cmdline);
	t->spec.cmdline = t->cmdline;
}

/* The next "SLOT:DEVID" of a create's disks list (comma-separated, decimal) from *p; false at the end or if malformed. */
static bool ts_next_disk(const char **p, unsigned int *slot, uint32_t *devid, bool *bad)
{
	uint64_t v[2] = { 0, 0 };

	if (!**p)
		return false;
	for (unsigned int k = 0; k < 2; k++) {
		const char *start = *p;

		while (**p >= '0' && **p <= '9' && v[k] <= 0xffffffffu)
			v[k] = v[k] * 10 + (uint64_t)(*(*p)++ - '0');
		if (*p == start || v[k] > 0xffffffffu || (**p != (k ? ',' : ':') && (k == 0 || **p))) {
			*bad = true;
			return false;
		}
		if (**p)
			(*p)++;
	}
	*slot = (unsigned int)v[0];
	*devid = (uint32_t)v[1];
	return true;
}

/*
 * The devices of a domain xl create builds: the pool slots the host put
 * the domain file's disks in (disks: "SLOT:DEVID,..."), bound by name,
 * and the file's vifs, declared by name; offered when the domain comes
 * up, to each restart again, and given back when dom0 is done with it.
 */
static long ts_bind_devices(const struct xlcfg_domain *cfg, const char *disks, char *err, size_t err_len)
{
	const char *p = disks ? disks : "";
	unsigned int slot;
	uint32_t devid;
	bool bad = false;
	long rc;

	if (dom0_blk_pool_named(cfg->name) || dom0_net_declared(cfg->name)) {
		snprintf(err, err_len, "domain name %s is already in use", cfg->name);
		return -XEN_EEXIST;
	}
	while (ts_next_disk(&p, &slot, &devid, &bad)) {
		rc = dom0_blk_pool_bind(slot, cfg->name, devid, err, err_len);
		if (rc) {
			dom0_blk_pool_release(cfg->name);
			return rc;
		}
	}
	if (bad) {
		dom0_blk_pool_release(cfg->name);
		snprintf(err, err_len, "bad disks list (SLOT:DEVID,...)");
		return -XEN_EINVAL;
	}
	for (uint32_t i = 0; i < cfg->nr_vifs; i++) {
		if (dom0_net_declare(cfg->name, &cfg->vifs[i])) {
			dom0_blk_pool_release(cfg->name);
			dom0_net_release(cfg->name);
			snprintf(err, err_len, "no room for another vif");
			return -XEN_ENOSPC;
		}
	}
	return 0;
}

long dom0_toolstack_create(const char *cfg_text, size_t cfg_len, const uint8_t *kernel, uint8_t **ktake,
			   uint64_t klen, const uint8_t *kdigest, const uint8_t *ramdisk, uint8_t **rtake, uint64_t rlen,
			   const uint8_t *rdigest,
			   const char *disks, bool paused, domid_t *domid, char *name, size_t name_len, char *err,
			   size_t err_len)
{
	static struct xlcfg_domain cfg;
	static struct xlcfg_diags dg;
	static struct ts_domain t;
	static unsigned int ordinal = 1000;	/* past any boot module's: the default UUIDs stay apart */
	char why[160];
	long rc;

	memset(&dg, 0, sizeof(dg));
	if (xlcfg_parse(cfg_text, cfg_len, &cfg, &dg) != 0) {
		for (uint32_t i = 0; i < dg.nr && i < XLCFG_MAX_DIAG; i++) {
			if (dg.d[i].is_error) {
				snprintf(err, err_len, "domain file:%u: %s", dg.d[i].line, dg.d[i].msg);
				break;
			}
		}
		return -XEN_EINVAL;
	}
	if (cfg.hvm) {
		snprintf(err, err_len, "type hvm: the hypervisor builds hvm domains at boot (a domain file given to "
			 "qemu-run --domain); dom0's builder makes pv domains only");
		return -XEN_EOPNOTSUPP;
	}
	if (cfg.ramdisk[0] && !ramdisk) {
		snprintf(err, err_len, "the domain file names a ramdisk and none was sent");
		return -XEN_EINVAL;
	}
	/* More than the whole machine: refused before anything is created (less than it, populate decides). */
	if ((cfg.memory_mib << 8) > (uint64_t)hyp_memory_op(XENMEM_maximum_ram_page, 0)) {
		snprintf(err, err_len, "%lu MiB asked: more than the machine's memory", (unsigned long)cfg.memory_mib);
		return -XEN_ENOMEM;
	}
	memset(&t, 0, sizeof(t));
	ts_from_cfg(&t, &cfg);
	if (lc_unsupported(&t.act)) {
		snprintf(err, err_len, "domain file: %s", lc_unsupported(&t.act));
		return -XEN_EINVAL;
	}
	rc = ts_bind_devices(&cfg, disks, err, err_len);
	if (rc)
		return rc;
	rc = ts_build_image(&t, ordinal++, "", kernel, klen, kdigest, ramdisk, rlen, paused, 0, domid, why, sizeof(why));
	if (rc) {
		dom0_blk_pool_release(cfg.name);
		dom0_net_release(cfg.name);
	}
	if (rc == -XEN_ENOMEM)
		snprintf(err, err_len, "not enough free memory for %lu MiB", (unsigned long)cfg.memory_mib);
	else if (rc == -XEN_EEXIST)
		snprintf(err, err_len, "domain name %s is already in use", cfg.name);
	else if (rc)
		snprintf(err, err_len, "building %s failed: %s", cfg.name, why);
	else
		snprintf(name, name_len, "%s", cfg.name);
	if (!rc)
		ts_adopt(&t, *domid, kernel, klen, kdigest, ramdisk, rlen, rdigest, ktake, rtake);
	return rc;
}

/*
 * Whether the hypervisor built domUs itself: a dom0 with @backends and
 * without @toolstack runs only once every boot domain exists, so a domU
 * listed now is the hypervisor's.
 */
static bool ts_hv_built_domus(void)
{
	static struct skiff_dominfo list[1];
	struct skiff_domctl op = { .cmd = SKIFF_DOMCTL_list_domains };

	op.u.list.first_domid = 1;
	op.u.list.max_entries = 1;
	op.u.list.buffer = RT_PTR(list);
	return ts_domctl(&op) == 0 && op.u.list.nr_entries > 0;
}

unsigned int dom0_toolstack_boot(unsigned int *modules)
{
	static struct ts_domain doms[TS_MAX_DOMAINS];
	unsigned int n, built = 0;
	long err;

	n = ts_collect(doms, !ts_hv_built_domus(), &err);
	*modules = n;
	if (err) {
		if (err != -XEN_ENOSYS)
			rt_printf("dom0: reading the boot modules failed: error %ld\n", err);
		return 0;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (doms[i].spec.unknown[0])
			rt_printf("dom0: module %u: unknown option '@%s' ignored\n", doms[i].kernel,
				  doms[i].spec.unknown);
		if (doms[i].spec.bad_value)
			rt_printf("dom0: module %u: a malformed option value was ignored\n", doms[i].kernel);
		if (doms[i].bad_domfile) {
			rt_printf("dom0: module %u not built: its domain file has errors\n", doms[i].kernel);
			dom0_result_expect(0, ts_name(&doms[i], i + 1), doms[i].spec.expect, true);
			continue;
		}
		/* Serve each domain's console and store as soon as it runs, not after the last is built. */
		if (ts_build_one(&doms[i], i + 1)) {
			built++;
			dom0_domains_scan();
		}
	}
	if (n && ts_domctl(&(struct skiff_domctl){ .cmd = SKIFF_DOMCTL_release_modules }) != 0)
		rt_printf("dom0: releasing the boot modules failed\n");
	if (n)
		rt_printf("dom0: %u of %u domains built from the boot modules\n", built, n);
	return built;
}
