/* SPDX-License-Identifier: MIT */
/* dom0's end of the control channel (docs/CONTROL.md): ctl_server on the virtio-console port, over dom0's toolstack. */
#include <pvabi/errno.h>
#include <pvabi/memory.h>
#include <pvabi/sched.h>
#include "rt.h"
#include "rt_event.h"
#include "rt_page.h"
#include "rt_timer.h"
#include "ctl_server.h"
#include "decompress.h"
#include "dom0.h"
#include "dom0_blk.h"
#include "dom0_net.h"
#include "dom0_xs.h"
#include "virtio_console.h"
#include "xs_client.h"

#define CTL_PORT		1		/* QEMU's virtserialport nr=1 (tools/qemu-run --control) */
#define CTL_SMALL		DOM0_SMALL_ALLOC	/* blobs up to this from the heap, bigger from vmem */
#define CTL_OUTQ		(512 * 1024)	/* frames on their way to the host */
#define CTL_POWEROFF_WAIT_NS	(5ULL * 1000000000ULL)	/* for the last answers to leave */
#define CTL_MAX_ATTACHED	8
#define CTL_EVQ			(32 * 1024)	/* console events waiting for the event loop */

static struct {
	bool up;			/* the device is there: the host manages this machine */
	bool poweroff;			/* asked for; done from the event loop once the answer is out */
	struct vcons vc;
	struct ctl_server srv;
	uint64_t resets;
	uint32_t attached[CTL_MAX_ATTACHED];	/* domids + 1 whose console the host follows; 0: free */
	/*
	 * Console events are queued and sent from the event loop: a line can
	 * come from inside the event dispatch of a request being served, and
	 * frames must not interleave. Each entry: 2 bytes of length, then
	 * the record.
	 */
	char evq[CTL_EVQ];
	size_t evq_len;
	uint64_t events, events_dropped;
	/*
	 * Output: whole frames, sent as the device's transmit pages come back.
	 * dom0 never waits for the host (its event loop serves every guest's
	 * devices); a host that stops reading fills this, then frames are
	 * dropped whole and counted, and output resumes when it reads again.
	 */
	char *outq;
	size_t outq_head, outq_len;
	uint64_t frames_dropped;
	bool dropping;
	uint64_t poweroff_at;
} ctl;

/* ------------------------------------------------------------ the toolstack -- */

static long ctl_domctl_dom(uint32_t cmd, uint32_t domid)
{
	struct skiff_domctl op = { .cmd = cmd };

	op.u.dom.domid = (domid_t)domid;
	return dom0_domctl(&op);
}

static long ctl_getinfo(uint32_t domid, struct skiff_dominfo *info)
{
	return dom0_getdomaininfo((domid_t)domid, info);
}

/* xl's six state letters: r b p s c d; a domain neither on a CPU nor blocked (runnable, waiting its turn) shows none. */
static void ctl_state(const struct skiff_dominfo *in, char out[7])
{
	memcpy(out, "------", 7);
	switch (in->state) {
	case SKIFF_DOMSTATE_running:
		if (in->flags & SKIFF_DOMINFO_running)
			out[0] = 'r';
		else if (in->flags & SKIFF_DOMINFO_blocked)
			out[1] = 'b';
		break;
	case SKIFF_DOMSTATE_created:
	case SKIFF_DOMSTATE_paused:
		out[2] = 'p';
		break;
	case SKIFF_DOMSTATE_shutdown:
		out[in->shutdown_reason == SHUTDOWN_crash ? 4 : 3] = in->shutdown_reason == SHUTDOWN_crash ? 'c' : 's';
		break;
	default:
		out[5] = 'd';
		break;
	}
}

static void ctl_dominfo(const struct skiff_dominfo *in, struct ctl_dominfo *out)
{
	memset(out, 0, sizeof(*out));
	out->domid = in->domid;
	snprintf(out->name, sizeof(out->name), "%s", in->domid == 0 ? "Domain-0" : in->name);
	memcpy(out->uuid, in->handle, sizeof(out->uuid));
	ctl_state(in, out->state);
	out->mem_kib = in->tot_pages * 4;
	out->maxmem_kib = in->max_pages * 4;
	out->vcpus = in->max_vcpus;
	out->online_vcpus = in->online_vcpus;
	out->cpu_time_ns = in->cpu_time_ns;
	/* dom0 runs from the machine's start (system time 0); a domU from when dom0 first saw it, just built. */
	out->uptime_ns = in->domid == 0 ? rt_now_ns() : dom0_domain_uptime_ns(in->domid);
}

static int ts_list(void *ctx, int64_t domid, void (*emit)(void *, const struct ctl_dominfo *), void *arg)
{
	static struct skiff_dominfo list[SKIFF_DOMCTL_LIST_MAX];
	struct skiff_domctl op;
	struct ctl_dominfo d;
	domid_t from = 0;
	long rc;

	(void)ctx;
	if (domid >= 0) {
		static struct skiff_dominfo one;

		if ((rc = ctl_getinfo((uint32_t)domid, &one)) != 0)
			return (int)rc;
		ctl_dominfo(&one, &d);
		emit(arg, &d);
		return 0;
	}
	for (;;) {
		memset(&op, 0, sizeof(op));
		op.cmd = SKIFF_DOMCTL_list_domains;
		op.u.list.first_domid = from;
		op.u.list.max_entries = SKIFF_DOMCTL_LIST_MAX;
		op.u.list.buffer = RT_PTR(list);
		if ((rc = dom0_domctl(&op)) != 0)
			return (int)rc;
		for (uint32_t i = 0; i < op.u.list.nr_entries; i++) {
			ctl_dominfo(&list[i], &d);
			emit(arg, &d);
		}
		if (op.u.list.nr_entries < SKIFF_DOMCTL_LIST_MAX)
			return 0;
		from = (domid_t)(list[SKIFF_DOMCTL_LIST_MAX - 1].domid + 1);
	}
}

/* The machine as the hypervisor counts it: CPUs online, frames given to the allocator and the free ones. */
static int ts_info(void *ctx, struct ctl_hostinfo *hi)
{
	struct skiff_domctl op = { .cmd = SKIFF_DOMCTL_physinfo };
	long rc;

	(void)ctx;
	if ((rc = dom0_domctl(&op)) != 0)
		return (int)rc;
	memset(hi, 0, sizeof(*hi));
	hi->host_cpus = op.u.physinfo.nr_cpus;
	hi->mem_kib = op.u.physinfo.total_pages * 4;
	hi->free_kib = op.u.physinfo.free_pages * 4;
	snprintf(hi->hv_version, sizeof(hi->hv_version), "skiff");
	return 0;
}

static int ts_create(void *ctx, const struct ctl_blob *cfg, struct ctl_blob *kernel, struct ctl_blob *ramdisk,
		     const char *disks, bool paused, uint32_t *domid, char *name, size_t name_len, char *err,
		     size_t err_len)
{
	domid_t id = 0;
	long rc;

	(void)ctx;
	/*
	 * The uploads' digests (checked on arrival, or the host's word with
	 * check=0) name the kernel in dom0's cache: no hashing again. A domain
	 * that may restart keeps the uploaded buffers themselves (NULL here then);
	 * a borrowed (reuse) blob's data is dom0's cached image already, never
	 * offered: a cache miss must not add that pointer to the cache again.
	 */
	rc = dom0_toolstack_create((const char *)cfg->data, cfg->size, kernel->data,
				   kernel->borrowed ? NULL : &kernel->data, kernel->size, kernel->sha256,
				   ramdisk ? ramdisk->data : NULL, ramdisk && !ramdisk->borrowed ? &ramdisk->data : NULL,
				   ramdisk ? ramdisk->size : 0, ramdisk ? ramdisk->sha256 : NULL, disks, paused, &id, name,
				   name_len, err, err_len);
	if (rc)
		return (int)rc;
	*domid = id;
	/* Its console and store are served from now on, not from the next VIRQ_DOM_EXC. */
	dom0_domains_scan();
	return 0;
}

/* xl create of a kernel or ramdisk dom0 still keeps for a restartable domain: the host does not send it again. */
static const uint8_t *ts_image_ref(void *ctx, const char *name, const uint8_t digest[32], uint64_t len)
{
	const uint8_t *p = dom0_image_find(digest, len);

	(void)ctx;
	if (p)
		rt_printf("dom0: control: the %s (%lu KiB) is the one dom0 keeps: not sent again\n", name,
			  (unsigned long)(len >> 10));
	return p;
}

static void ts_image_unref(void *ctx, const uint8_t *data)
{
	(void)ctx;
	dom0_image_put(data);
}

static int ts_blkpool(void *ctx, void (*emit)(void *arg, const struct ctl_blkslot *sl), void *arg)
{
	static struct dom0_blk_slot slots[32];
	unsigned int n = dom0_blk_pool_list(slots, 32);

	(void)ctx;
	for (unsigned int i = 0; i < n; i++) {
		struct ctl_blkslot sl = { .slot = slots[i].slot, .read_only = slots[i].read_only,
					  .devid = slots[i].devid, .domid = slots[i].domid };

		snprintf(sl.name, sizeof(sl.name), "%s", slots[i].name);
		emit(arg, &sl);
	}
	return 0;
}

/* A domain the verbs may act on: it exists and is not dom0. */
static int ts_domu(uint32_t domid, struct skiff_dominfo *info)
{
	static struct skiff_dominfo scratch;
	long rc;

	if (!info)
		info = &scratch;
	if ((rc = ctl_getinfo(domid, info)) != 0)
		return (int)rc;
	return domid == 0 || (info->flags & SKIFF_DOMINFO_privileged) ? -XEN_EPERM : 0;
}

/* A domain whose devices may change at run time: one xl create made (followed, with the name they are bound under). */
static int ts_hotplug_domain(uint32_t domid, struct dom0_domain **dd, const char **owner, char *err, size_t err_len)
{
	int rc = ts_domu(domid, NULL);

	if (rc)
		return rc;
	*dd = dom0_domain_of((domid_t)domid);
	*owner = dom0_lifecycle_owner((domid_t)domid);
	if (!*dd || (*dd)->gone || !*owner) {
		snprintf(err, err_len, "d%u was not made by xl create: its devices are fixed", domid);
		return -XEN_EOPNOTSUPP;
	}
	return 0;
}

static int ts_block_attach(void *ctx, uint32_t domid, uint32_t slot, uint32_t devid, char *err, size_t err_len)
{
	struct dom0_domain *dd;
	const char *owner;
	int rc = ts_hotplug_domain(domid, &dd, &owner, err, err_len);

	(void)ctx;
	return rc ? rc : dom0_blk_hot_attach(slot, dd, owner, devid, err, err_len);
}

static int ts_block_detach(void *ctx, uint32_t domid, uint32_t devid, char *err, size_t err_len)
{
	struct dom0_domain *dd;
	const char *owner;
	int rc = ts_hotplug_domain(domid, &dd, &owner, err, err_len);

	(void)ctx;
	return rc ? rc : dom0_blk_hot_detach(dd, devid, err, err_len);
}

static int ts_network_attach(void *ctx, uint32_t domid, const char *mac, char *err, size_t err_len)
{
	struct xlcfg_vif vif = { 0 };
	struct dom0_domain *dd;
	const char *owner;
	int rc = ts_hotplug_domain(domid, &dd, &owner, err, err_len);

	(void)ctx;
	if (rc)
		return rc;
	if (mac) {
		for (unsigned int i = 0; i < 6; i++) {
			unsigned int hi = (unsigned char)mac[3 * i], lo = (unsigned char)mac[3 * i + 1];
			int h = hi >= '0' && hi <= '9' ? (int)hi - '0' : hi >= 'a' && hi <= 'f' ? (int)hi - 'a' + 10 : -1;
			int l = lo >= '0' && lo <= '9' ? (int)lo - '0' : lo >= 'a' && lo <= 'f' ? (int)lo - 'a' + 10 : -1;

			if (h < 0 || l < 0 || (i < 5 && mac[3 * i + 2] != ':')) {
				snprintf(err, err_len, "bad mac %s (xx:xx:xx:xx:xx:xx, lower case)", mac);
				return -XEN_EINVAL;
			}
			vif.mac[i] = (uint8_t)(h << 4 | l);
		}
		/* A group address would be flooded as a broadcast: not a station's. */
		if (vif.mac[0] & 1) {
			snprintf(err, err_len, "mac %s is a multicast address", mac);
			return -XEN_EINVAL;
		}
		vif.mac_set = true;
	}
	return dom0_net_hot_attach(dd, owner, &vif, err, err_len);
}

static int ts_network_detach(void *ctx, uint32_t domid, uint32_t devid, char *err, size_t err_len)
{
	struct dom0_domain *dd;
	const char *owner;
	int rc = ts_hotplug_domain(domid, &dd, &owner, err, err_len);

	(void)ctx;
	return rc ? rc : dom0_net_hot_detach(dd, devid, err, err_len);
}

/* A node under dir as a number; -1 when it is missing or not one (as libxl shows it). */
static int64_t ctl_xs_num(const char *dir, const char *node)
{
	struct xs_handle *h = dom0_store_xs();
	char path[160];
	unsigned int n;
	char *v;
	int64_t val = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	v = xs_read(h, XBT_NULL, path, &n);
	if (v && n > 0 && n < 12) {
		val = 0;
		for (unsigned int i = 0; i < n && val >= 0; i++)
			val = v[i] >= '0' && v[i] <= '9' ? val * 10 + (v[i] - '0') : -1;
	}
	xs_free(h, v);
	return val;
}

static void ctl_xs_str(const char *dir, const char *node, char *out, size_t len)
{
	struct xs_handle *h = dom0_store_xs();
	char path[160];
	unsigned int n;
	char *v;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	v = xs_read(h, XBT_NULL, path, &n);
	snprintf(out, len, "%s", v && n < len ? v : "");
	xs_free(h, v);
}

/*
 * xl block-list / network-list. The devices are the backend directories
 * dom0 keeps for the domain (the guest cannot make one up in its own
 * directory, and one detached or released is gone from there); what the
 * frontend wrote (state, port, rings) is read where libxl reads it, in
 * the guest's device directory.
 */
static int ts_devices(void *ctx, uint32_t domid, bool vif, void (*emit)(void *, const struct ctl_devinfo *), void *arg)
{
	struct xs_handle *h = dom0_store_xs();
	const char *kind = vif ? "vif" : "vbd";
	char dir[64], fe[96];
	unsigned int num = 0;
	char **ents;
	int rc = ts_domu(domid, NULL);

	(void)ctx;
	if (rc)
		return rc;
	snprintf(dir, sizeof(dir), "/local/domain/0/backend/%s/%u", kind, domid);
	ents = xs_directory(h, XBT_NULL, dir, &num);
	for (unsigned int i = 0; ents && i < num; i++) {
		struct ctl_devinfo d = { .frontend_id = domid, .backend_id = 0, .rx_ring_ref = -1 };
		int64_t id = ents[i][0] ? 0 : -1;

		for (const char *p = ents[i]; *p && id >= 0; p++)
			id = *p >= '0' && *p <= '9' && id < 0x10000000 ? id * 10 + (*p - '0') : -1;
		if (id < 0)
			continue;
		d.devid = (uint32_t)id;
		snprintf(d.backend, sizeof(d.backend), "%s/%s", dir, ents[i]);
		snprintf(fe, sizeof(fe), "/local/domain/%u/device/%s/%s", domid, kind, ents[i]);
		d.state = ctl_xs_num(fe, "state");
		d.evtch = ctl_xs_num(fe, "event-channel");
		d.ring_ref = ctl_xs_num(fe, vif ? "tx-ring-ref" : "ring-ref");
		if (vif) {
			d.rx_ring_ref = ctl_xs_num(fe, "rx-ring-ref");
			ctl_xs_str(d.backend, "mac", d.mac, sizeof(d.mac));
		}
		emit(arg, &d);
	}
	xs_free(h, ents);
	return 0;
}

static uint32_t *ctl_attached(uint32_t domid)
{
	for (unsigned int i = 0; i < CTL_MAX_ATTACHED; i++)
		if (ctl.attached[i] == domid + 1)
			return &ctl.attached[i];
	return NULL;
}

static void ctl_queue_event(uint32_t domid, const char *data, size_t len, bool end)
{
	static char rec[CONS_BACK_RAW * 3 + 64];	/* every byte escaped */
	struct ctl_buf b;

	ctl_buf_init(&b, rec, sizeof(rec));
	ctl_put_str(&b, "event", "console");
	ctl_put_u64(&b, "domid", domid);
	if (end)
		ctl_put_str(&b, "end", "1");
	else
		ctl_put_bytes(&b, "data", data, len);
	ctl_end_record(&b);
	if (b.overflow || ctl.evq_len + 2 + b.len > sizeof(ctl.evq)) {
		ctl.events_dropped++;	/* a host that does not read loses console lines, not dom0's memory */
		return;
	}
	ctl.evq[ctl.evq_len] = (char)(b.len & 0xff);
	ctl.evq[ctl.evq_len + 1] = (char)(b.len >> 8);
	memcpy(ctl.evq + ctl.evq_len + 2, rec, b.len);
	ctl.evq_len += 2 + b.len;
}

static int ts_destroy(void *ctx, uint32_t domid)
{
	int rc = ts_domu(domid, NULL);

	(void)ctx;
	if (rc)
		return rc;
	rc = (int)ctl_domctl_dom(SKIFF_DOMCTL_destroydomain, domid);
	if (rc == 0)
		dom0_domains_scan();	/* let go of its console, store and devices now */
	if (rc == 0 && ctl_attached(domid)) {
		ctl_queue_event(domid, NULL, 0, true);	/* an xl console following it ends */
		*ctl_attached(domid) = 0;
	}
	return rc;
}

static int ts_pause(void *ctx, uint32_t domid)
{
	int rc = ts_domu(domid, NULL);

	(void)ctx;
	return rc ? rc : (int)ctl_domctl_dom(SKIFF_DOMCTL_pausedomain, domid);
}

static int ts_unpause(void *ctx, uint32_t domid)
{
	int rc = ts_domu(domid, NULL);

	(void)ctx;
	return rc ? rc : (int)ctl_domctl_dom(SKIFF_DOMCTL_unpausedomain, domid);
}

static int ctl_xs_write(uint32_t domid, const char *node, const char *val)
{
	char path[64];

	snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, node);
	if (!xs_write(dom0_store_xs(), XBT_NULL, path, val, (unsigned int)strlen(val)))
		return -XEN_EIO;
	dom0_store_flush();	/* the guest's watch fires now, not at its next request */
	return 0;
}

/* As xl: the guest is asked through control/shutdown; it decides, the caller waits with list (-w). */
static int ts_shutdown(void *ctx, uint32_t domid, bool reboot)
{
	int rc = ts_domu(domid, NULL);

	(void)ctx;
	return rc ? rc : ctl_xs_write(domid, "control/shutdown", reboot ? "reboot" : "poweroff");
}

/* The balloon target: the guest's driver reads memory/target; more than its maximum is refused. */
static int ts_mem_set(void *ctx, uint32_t domid, uint64_t kib)
{
	static struct skiff_dominfo info;
	char val[24];
	int rc = ts_domu(domid, &info);

	(void)ctx;
	if (rc)
		return rc;
	if (kib > info.max_pages * 4)
		return -XEN_EINVAL;
	snprintf(val, sizeof(val), "%lu", (unsigned long)kib);
	return ctl_xs_write(domid, "memory/target", val);
}

static int ts_mem_max(void *ctx, uint32_t domid, uint64_t kib)
{
	struct skiff_domctl op = { .cmd = SKIFF_DOMCTL_max_mem };
	char val[24];
	int rc = ts_domu(domid, NULL);
	long r;

	(void)ctx;
	if (rc)
		return rc;
	op.u.mem.domid = (domid_t)domid;
	op.u.mem.value = kib / 4;
	if ((r = dom0_domctl(&op)) != 0)
		return (int)r;
	snprintf(val, sizeof(val), "%lu", (unsigned long)kib);
	return ctl_xs_write(domid, "memory/static-max", val);
}

/* As xl rename: the hypervisor's name (which refuses one in use), then the name nodes in xenstore. */
static int ts_rename(void *ctx, uint32_t domid, const char *name, char *err, size_t err_len)
{
	static struct skiff_dominfo info;
	struct skiff_domctl op = { .cmd = SKIFF_DOMCTL_setname };
	char uuid[37], path[64];
	int rc = ts_domu(domid, &info);
	long r;

	(void)ctx;
	if (rc)
		return rc;
	op.u.name.domid = (domid_t)domid;
	snprintf(op.u.name.name, sizeof(op.u.name.name), "%s", name);
	if ((r = dom0_domctl(&op)) != 0) {
		if (r == -XEN_EEXIST)
			snprintf(err, err_len, "domain name %s is already in use", name);
		else if (r == -XEN_EINVAL)
			snprintf(err, err_len, "'%s' is not a domain name (1-31 of A-Z a-z 0-9 . _ -)", name);
		return (int)r;
	}
	dom0_lifecycle_renamed((domid_t)domid, name);
	dom0_xs_uuid_str(info.handle, uuid);
	snprintf(path, sizeof(path), "/vm/%s/name", uuid);
	if ((rc = ctl_xs_write(domid, "name", name)) != 0)
		return rc;
	if (!xs_write(dom0_store_xs(), XBT_NULL, path, name, (unsigned int)strlen(name)))
		return -XEN_EIO;
	return 0;
}

/* xl console gets the bytes the guest wrote, as Xen's does: long lines whole, a prompt without a newline at once. */
void dom0_ctl_console_output(uint32_t domid, const char *bytes, size_t len)
{
	if (!ctl.up || !ctl_attached(domid))
		return;
	while (len) {
		size_t n = len < CONS_BACK_RAW ? len : CONS_BACK_RAW;

		ctl_queue_event(domid, bytes, n, false);
		bytes += n;
		len -= n;
	}
}

static int ts_console(void *ctx, uint32_t domid, bool attach)
{
	uint32_t *slot = ctl_attached(domid);
	int rc = ts_domu(domid, NULL);

	(void)ctx;
	if (rc)
		return rc;
	if (!attach) {
		if (slot)
			*slot = 0;
		return 0;
	}
	if (slot)
		return 0;
	for (unsigned int i = 0; i < CTL_MAX_ATTACHED; i++) {
		if (!ctl.attached[i]) {
			ctl.attached[i] = domid + 1;
			return 0;
		}
	}
	return -XEN_ENOSPC;
}

static int ts_console_input(void *ctx, uint32_t domid, const char *data, size_t len)
{
	int rc = ts_domu(domid, NULL);

	(void)ctx;
	if (rc)
		return rc;
	for (struct dom0_domain *dd = dom0_domains; dd; dd = dd->next) {
		if (dd->info.domid == domid && !dd->gone && dd->console_up) {
			if (cons_back_input(&dd->cons, data, len))
				rt_event_send(dd->console_port);
			return 0;
		}
	}
	return -XEN_ENODEV;	/* no console served (yet) */
}

/*
 * As xl vcpu-set (libxl for a PV guest): cpu/I/availability "online" for
 * I < n, "offline" up to the domain's maximum; the guest's xen cpu
 * hotplug watch takes its vCPUs down (VCPUOP_down) or marks them present
 * again. More than the maximum (or none) is refused before any write.
 */
static int ts_vcpu_set(void *ctx, uint32_t domid, uint32_t n)
{
	static struct skiff_dominfo info;
	char node[40];
	int rc = ts_domu(domid, &info);

	(void)ctx;
	if (rc)
		return rc;
	if (n == 0 || n > info.max_vcpus)
		return -XEN_EINVAL;
	for (uint32_t i = 0; i < info.max_vcpus && !rc; i++) {
		snprintf(node, sizeof(node), "cpu/%u/availability", i);
		rc = ctl_xs_write(domid, node, i < n ? "online" : "offline");
	}
	return rc;
}

/* The hypervisor's history through SKIFF_DOMCTL_readconsole, a call per SKIFF_CONSOLE_READ_MAX bytes. */
static int ts_dmesg(void *ctx, uint64_t *index, bool clear, char *buf, size_t len, size_t *got, uint64_t *skipped)
{
	struct skiff_domctl op;
	long rc;

	(void)ctx;
	*got = 0;
	*skipped = 0;
	for (bool first = true;; first = false) {
		memset(&op, 0, sizeof(op));
		op.cmd = SKIFF_DOMCTL_readconsole;
		op.u.console.index = *index;
		op.u.console.buffer = RT_PTR(buf + *got);
		op.u.console.buffer_len = (uint32_t)(len - *got < SKIFF_CONSOLE_READ_MAX ? len - *got :
										  SKIFF_CONSOLE_READ_MAX);
		if ((rc = dom0_domctl(&op)) != 0)
			return (int)rc;
		if (first)
			*skipped = op.u.console.skipped;
		*index = op.u.console.index;
		*got += op.u.console.copied;
		if (!op.u.console.copied || *got == len)
			break;
	}
	if (clear) {
		/* dmesg -c forgets what the client has read: up to the index it passed, not lines printed since. */
		memset(&op, 0, sizeof(op));
		op.cmd = SKIFF_DOMCTL_readconsole;
		op.u.console.index = *index;
		op.u.console.flags = SKIFF_CONSOLE_clear;
		return (int)dom0_domctl(&op);
	}
	return 0;
}

static int ts_poweroff(void *ctx)
{
	(void)ctx;
	ctl.poweroff = true;
	return 0;
}

static const struct ctl_toolstack ctl_ts = {
	.list = ts_list, .info = ts_info, .create = ts_create, .blkpool = ts_blkpool,
	.block_attach = ts_block_attach, .block_detach = ts_block_detach, .network_attach = ts_network_attach,
	.network_detach = ts_network_detach, .destroy = ts_destroy, .pause = ts_pause,
	.unpause = ts_unpause, .shutdown = ts_shutdown, .mem_set = ts_mem_set, .mem_max = ts_mem_max,
	.rename = ts_rename, .poweroff = ts_poweroff, .console = ts_console, .console_input = ts_console_input,
	.vcpu_set = ts_vcpu_set, .dmesg = ts_dmesg, .devices = ts_devices,
	.image_ref = ts_image_ref, .image_unref = ts_image_unref,
};

/* ------------------------------------------------------------- the platform -- */

static void *pl_alloc(size_t n)
{
	return n <= CTL_SMALL ? malloc(n ? n : 1) : rt_vmem_alloc(n);
}

static void pl_free(void *p, size_t n)
{
	if (n <= CTL_SMALL)
		free(p);
	else
		rt_vmem_free(p);
}

static void ctl_pump(void)
{
	while (ctl.outq_len) {
		size_t run = CTL_OUTQ - ctl.outq_head < ctl.outq_len ? CTL_OUTQ - ctl.outq_head : ctl.outq_len;
		long n = vcons_send(&ctl.vc, ctl.outq + ctl.outq_head, run);

		if (n <= 0)
			return;
		ctl.outq_head = (ctl.outq_head + (size_t)n) % CTL_OUTQ;
		ctl.outq_len -= (size_t)n;
	}
}

static void ctl_outq_put(const void *p, size_t len)
{
	const char *s = p;

	for (size_t tail = (ctl.outq_head + ctl.outq_len) % CTL_OUTQ; len;) {
		size_t run = CTL_OUTQ - tail < len ? CTL_OUTQ - tail : len;

		memcpy(ctl.outq + tail, s, run);
		ctl.outq_len += run;
		s += run;
		len -= run;
		tail = (tail + run) % CTL_OUTQ;
	}
}

static int pl_send_frame(void *c, const void *hdr, size_t hdr_len, const void *payload, size_t len)
{
	(void)c;
	if (!ctl.outq)
		return -1;
	if (hdr_len + len > CTL_OUTQ - ctl.outq_len) {
		if (!ctl.dropping)
			rt_printf("dom0: control channel: the host is not reading; frames are dropped until it does\n");
		ctl.dropping = true;
		ctl.frames_dropped++;
		return -1;
	}
	if (ctl.dropping)
		rt_printf("dom0: control channel: the host reads again (%lu frames dropped so far)\n",
			  (unsigned long)ctl.frames_dropped);
	ctl.dropping = false;
	ctl_outq_put(hdr, hdr_len);
	ctl_outq_put(payload, len);
	ctl_pump();
	return 0;
}

static int pl_send(void *c, const void *buf, size_t len)
{
	return pl_send_frame(c, buf, len, NULL, 0);
}

static const struct ctl_platform ctl_pl = {
	.alloc = pl_alloc, .free = pl_free, .sha256 = sha256_buf, .now_ns = rt_now_ns, .send = pl_send,
	.send_frame = pl_send_frame,
};

/* --------------------------------------------------------------- the port -- */

static void ctl_rx(void *arg, const uint8_t *data, size_t len)
{
	(void)arg;
	if (ctl_server_input(&ctl.srv, data, len) < 0) {
		rt_printf("dom0: control channel: framing lost; waiting for the next frame\n");
		ctl_server_reset(&ctl.srv);
		ctl.resets++;
	}
}

static void ctl_host(void *arg, bool open)
{
	(void)arg;
	/* Whatever the last peer left half-sent, or was not yet sent to it, is not the new peer's. */
	ctl_server_reset(&ctl.srv);
	ctl.outq_head = ctl.outq_len = 0;
	rt_printf("dom0: control channel: host %s\n", open ? "connected" : "disconnected");
}

void dom0_ctl_init(void)
{
	static const struct vcons_ops ops = { .on_rx = ctl_rx, .on_host = ctl_host, .now_ns = rt_now_ns };
	int rc = vcons_open(&ctl.vc, CTL_PORT, true, &ops);

	if (rc == -1)
		return;		/* no virtio-console: a machine run by its boot modules alone */
	if (rc) {
		rt_printf("dom0: control channel: virtio-console set-up failed (step %d)\n", rc);
		return;
	}
	if (!(ctl.outq = rt_vmem_alloc(CTL_OUTQ))) {
		rt_printf("dom0: control channel: no memory for its output queue\n");
		return;
	}
	ctl_server_init(&ctl.srv, &ctl_ts, &ctl_pl);
	ctl.up = true;
	vcons_poll(&ctl.vc);
	rt_printf("dom0: control channel ready on virtio-console port %u (%s)\n", CTL_PORT,
		  ctl.vc.irq ? "MSI-X" : "polled");
}

bool dom0_ctl_active(void)
{
	return ctl.up;
}

void dom0_ctl_domain_ended(domid_t domid)
{
	/* As xl's console: it follows one domain, not the restarts (a new domid). */
	if (ctl.up && ctl_attached(domid)) {
		ctl_queue_event(domid, NULL, 0, true);
		*ctl_attached(domid) = 0;
	}
}

void dom0_ctl_domain_shut_down(const struct skiff_dominfo *info)
{
	static const char *const why[] = { "poweroff", "reboot", "suspend", "crash", "watchdog" };
	const char *reason = info->shutdown_reason < 5 ? why[info->shutdown_reason] : "an unknown reason";
	long rc;

	if (!ctl.up)
		return;
	rc = ctl_domctl_dom(SKIFF_DOMCTL_destroydomain, info->domid);
	rt_printf("dom0: d%u (%s) shut down (%s): %s\n", info->domid, info->name, reason,
		  rc ? "cannot destroy it" : "destroyed");
}

void dom0_ctl_poll(void)
{
	static uint64_t last_tick;

	if (!ctl.up)
		return;
	vcons_poll(&ctl.vc);
	for (size_t off = 0; off + 2 <= ctl.evq_len;) {
		size_t n = (uint8_t)ctl.evq[off] | ((size_t)(uint8_t)ctl.evq[off + 1] << 8);

		ctl_server_event(&ctl.srv, ctl.evq + off + 2, n);
		ctl.events++;
		off += 2 + n;
	}
	ctl.evq_len = 0;
	if (rt_now_ns() - last_tick > 1000000000ULL) {
		last_tick = rt_now_ns();
		ctl_server_tick(&ctl.srv);
	}
	ctl_pump();
	if (ctl.poweroff && !ctl.poweroff_at)
		ctl.poweroff_at = rt_now_ns() + CTL_POWEROFF_WAIT_NS;
	/* Once the answer is out (the device has given every page back), or the host stopped reading. */
	if (ctl.poweroff && ((!ctl.outq_len && !ctl.vc.tx_busy) || rt_now_ns() >= ctl.poweroff_at)) {
		rt_printf("dom0: powering off as the host asked (%lu requests served)\n",
			  (unsigned long)ctl.srv.requests);
		rt_shutdown(SHUTDOWN_poweroff);
	}
}
