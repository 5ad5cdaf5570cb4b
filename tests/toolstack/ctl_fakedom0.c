/* SPDX-License-Identifier: MIT */
/*
 * ctl-fakedom0: the control server's host build over an in-memory toolstack, listening where QEMU's
 * virtconsole chardev would (a unix socket, one connection at a time), so the host client and daemon
 * are tested without booting anything. Domains here are records, not guests: a stand-in, named so.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "ctl_server.h"
#include "loader/decompress.h"
#include "xlcfg.h"

#define FAKE_MAX_DOMS	32
#define FAKE_HOST_KIB	(2048ULL << 10)

struct fake_dom {
	bool used;
	struct ctl_dominfo info;
	uint64_t born_ns;
	bool vif_gone;			/* its one vif (devid 0) was detached */
};

static struct fake_dom doms[FAKE_MAX_DOMS];
static int conn = -1;

static uint64_t used_kib(void)
{
	uint64_t n = 0;

	for (int i = 0; i < FAKE_MAX_DOMS; i++)
		if (doms[i].used)
			n += doms[i].info.mem_kib;
	return n;
}

static struct fake_dom *find(uint32_t domid)
{
	for (int i = 0; i < FAKE_MAX_DOMS; i++)
		if (doms[i].used && doms[i].info.domid == domid)
			return &doms[i];
	return NULL;
}

static struct fake_dom *by_name(const char *name)
{
	for (int i = 0; i < FAKE_MAX_DOMS; i++)
		if (doms[i].used && strcmp(doms[i].info.name, name) == 0)
			return &doms[i];
	return NULL;
}

/* As Xen's toolstack: domids go up, a rebooted guest gets a new one. */
static uint32_t next_domid;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct fake_dom *add(const char *name, uint64_t kib, uint32_t vcpus)
{
	uint32_t domid = next_domid++;

	for (int i = 0; i < FAKE_MAX_DOMS; i++) {
		if (!doms[i].used) {
			struct ctl_dominfo *d = &doms[i].info;

			memset(&doms[i], 0, sizeof(doms[i]));
			doms[i].used = true;
			d->domid = domid;
			snprintf(d->name, sizeof(d->name), "%s", name);
			snprintf(d->state, sizeof(d->state), "-b----");
			d->mem_kib = d->maxmem_kib = kib;
			d->vcpus = d->online_vcpus = vcpus;
			doms[i].born_ns = mono_ns();
			for (int j = 0; j < 16; j++)
				d->uuid[j] = (uint8_t)(rand() & 0xff);
			return &doms[i];
		}
	}
	return NULL;
}

static int ts_list(void *ctx, int64_t domid, void (*emit)(void *, const struct ctl_dominfo *), void *arg)
{
	(void)ctx;
	if (domid >= 0 && !find((uint32_t)domid))
		return -ESRCH;
	for (uint32_t id = 0; id < 0x7ff0; id++) {
		struct fake_dom *d = find(id);

		if (d && (domid < 0 || id == domid)) {
			/* Domain-0 claims 2 days, 3:04:05 more than it ran, so the client's day format is exercised. */
			d->info.uptime_ns = mono_ns() - d->born_ns + (id == 0 ? (2 * 86400ULL + 11045) * 1000000000ULL : 0);
			emit(arg, &d->info);
		}
	}
	return 0;
}

static int ts_info(void *ctx, struct ctl_hostinfo *hi)
{
	(void)ctx;
	hi->host_cpus = 2;
	hi->mem_kib = FAKE_HOST_KIB;
	hi->free_kib = FAKE_HOST_KIB - used_kib();
	snprintf(hi->hv_version, sizeof(hi->hv_version), "fake");
	return 0;
}

static int ts_create(void *ctx, const struct ctl_blob *cfg, struct ctl_blob *kernel,
		     struct ctl_blob *ramdisk, const char *disks, bool paused, uint32_t *domid, char *name,
		     size_t name_len, char *err, size_t err_len)
{
	static struct xlcfg_domain x;
	struct xlcfg_diags diags;
	struct fake_dom *d;

	(void)ctx, (void)kernel, (void)ramdisk, (void)disks;
	memset(&diags, 0, sizeof(diags));
	if (xlcfg_parse((const char *)cfg->data, cfg->size, &x, &diags) < 0) {
		snprintf(err, err_len, "domain file:%u: %s", diags.d[0].line, diags.d[0].msg);
		return -EINVAL;
	}
	if (by_name(x.name)) {
		snprintf(err, err_len, "domain name %s is already in use", x.name);
		return -EEXIST;
	}
	if ((x.memory_mib << 10) > FAKE_HOST_KIB - used_kib()) {
		snprintf(err, err_len, "%llu MiB asked, %llu MiB free", (unsigned long long)x.memory_mib,
			 (unsigned long long)((FAKE_HOST_KIB - used_kib()) >> 10));
		return -ENOMEM;
	}
	d = add(x.name, x.memory_mib << 10, x.vcpus ? x.vcpus : 1);
	if (!d)
		return -ENOSPC;
	if (x.uuid_set)
		memcpy(d->info.uuid, x.uuid, 16);
	d->info.maxmem_kib = (x.maxmem_mib ? x.maxmem_mib : x.memory_mib) << 10;
	if (paused)
		d->info.state[2] = 'p';
	*domid = d->info.domid;
	snprintf(name, name_len, "%s", x.name);
	return 0;
}

static int domu(uint32_t domid, struct fake_dom **out)
{
	*out = find(domid);
	if (!*out)
		return -ESRCH;
	return domid == 0 ? -EPERM : 0;
}

static int ts_destroy(void *ctx, uint32_t domid)
{
	struct fake_dom *d;
	int rc = domu(domid, &d);

	(void)ctx;
	if (!rc)
		d->used = false;
	return rc;
}

static int ts_pause(void *ctx, uint32_t domid)
{
	struct fake_dom *d;
	int rc = domu(domid, &d);

	(void)ctx;
	if (!rc)
		d->info.state[2] = 'p';
	return rc;
}

static int ts_unpause(void *ctx, uint32_t domid)
{
	struct fake_dom *d;
	int rc = domu(domid, &d);

	(void)ctx;
	if (!rc)
		d->info.state[2] = '-';
	return rc;
}

/* A guest that obeys at once: poweroff takes it away (on_poweroff=destroy), reboot gives it a new domid. */
static int ts_shutdown(void *ctx, uint32_t domid, bool reboot)
{
	struct fake_dom *d, *n;
	int rc = domu(domid, &d);
	struct ctl_dominfo old;

	(void)ctx;
	if (rc)
		return rc;
	old = d->info;
	d->used = false;
	if (reboot && (n = add(old.name, old.mem_kib, old.vcpus)) != NULL) {
		memcpy(n->info.uuid, old.uuid, 16);
		n->info.maxmem_kib = old.maxmem_kib;
	}
	return 0;
}

/*
 * The hypervisor's history, faked: 2,000 numbered lines (more than one
 * answer holds), read by position; a clear forgets them.
 */
static char fake_log[64 * 1024];
static size_t fake_log_len, fake_log_cleared;

static int ts_dmesg(void *ctx, uint64_t *index, bool clear, char *buf, size_t len, size_t *got, uint64_t *skipped)
{
	uint64_t from;

	(void)ctx;
	if (!fake_log_len)
		for (int i = 0; i < 2000; i++)
			fake_log_len += (size_t)snprintf(fake_log + fake_log_len, sizeof(fake_log) - fake_log_len,
							 "(XEN) fake hypervisor line %d\n", i);
	from = *index > fake_log_cleared ? *index : fake_log_cleared;
	*skipped = from - *index;
	*got = from < fake_log_len ? (fake_log_len - from < len ? fake_log_len - from : len) : 0;
	memcpy(buf, fake_log + (from < fake_log_len ? from : 0), *got);
	*index = from + *got;
	if (clear && *index > fake_log_cleared)
		fake_log_cleared = (size_t)*index;	/* as the hypervisor: up to what was read */
	return 0;
}

/* A guest that follows at once: its online vCPUs become n (at most its maximum). */
static int ts_vcpu_set(void *ctx, uint32_t domid, uint32_t n)
{
	struct fake_dom *d;
	int rc = domu(domid, &d);

	(void)ctx;
	if (rc)
		return rc;
	if (n > d->info.vcpus)
		return -EINVAL;
	d->info.online_vcpus = n;
	return 0;
}

/*
 * Every domU stands in with one connected vbd (xvda) and one vif 0 whose
 * numbers follow from its domid, so the client's columns can be checked.
 */
static int ts_devices(void *ctx, uint32_t domid, bool vif, void (*emit)(void *, const struct ctl_devinfo *), void *arg)
{
	struct ctl_devinfo dev = { .frontend_id = domid, .backend_id = 0, .state = 4, .rx_ring_ref = -1 };
	struct fake_dom *d;
	int rc = domu(domid, &d);

	(void)ctx;
	if (rc)
		return rc;
	dev.evtch = 10 + domid;
	if (vif) {
		if (d->vif_gone)
			return 0;
		dev.ring_ref = 1280 + domid;
		dev.rx_ring_ref = 1536 + domid;
		snprintf(dev.mac, sizeof(dev.mac), "00:16:3e:00:00:%02x", domid & 0xff);
		snprintf(dev.backend, sizeof(dev.backend), "/local/domain/0/backend/vif/%u/0", domid);
	} else {
		dev.devid = 51712;
		dev.ring_ref = 8;
		snprintf(dev.backend, sizeof(dev.backend), "/local/domain/0/backend/vbd/%u/51712", domid);
	}
	emit(arg, &dev);
	return 0;
}

static int ts_network_detach(void *ctx, uint32_t domid, uint32_t devid, char *err, size_t err_len)
{
	struct fake_dom *d;
	int rc = domu(domid, &d);

	(void)ctx;
	if (rc)
		return rc;
	if (devid != 0 || d->vif_gone) {
		snprintf(err, err_len, "d%u has no vif %u", domid, devid);
		return -ENODEV;
	}
	d->vif_gone = true;
	return 0;
}

static int ts_mem_set(void *ctx, uint32_t domid, uint64_t kib)
{
	struct fake_dom *d;
	int rc = domu(domid, &d);

	(void)ctx;
	if (rc)
		return rc;
	if (kib > d->info.maxmem_kib)
		return -EINVAL;
	d->info.mem_kib = kib;
	return 0;
}

static int ts_mem_max(void *ctx, uint32_t domid, uint64_t kib)
{
	struct fake_dom *d;
	int rc = domu(domid, &d);

	(void)ctx;
	if (!rc)
		d->info.maxmem_kib = kib;
	return rc;
}

static int ts_rename(void *ctx, uint32_t domid, const char *name, char *err, size_t err_len)
{
	struct fake_dom *d;
	int rc = domu(domid, &d);

	(void)ctx;
	if (rc)
		return rc;
	if (by_name(name) && by_name(name) != d) {
		snprintf(err, err_len, "domain name %s is already in use", name);
		return -EEXIST;
	}
	snprintf(d->info.name, sizeof(d->info.name), "%s", name);
	return 0;
}

static int send_all(void *ctx, const void *buf, size_t len)
{
	const char *p = buf;

	(void)ctx;
	while (len) {
		ssize_t n = write(conn, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void *plat_alloc(size_t n)
{
	return malloc(n);
}

static void plat_free(void *p, size_t n)
{
	(void)n;
	free(p);
}

static uint64_t plat_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static const struct ctl_toolstack ts = {
	.list = ts_list, .info = ts_info, .create = ts_create, .destroy = ts_destroy, .pause = ts_pause,
	.unpause = ts_unpause, .shutdown = ts_shutdown, .mem_set = ts_mem_set, .mem_max = ts_mem_max,
	.rename = ts_rename, .vcpu_set = ts_vcpu_set, .dmesg = ts_dmesg, .devices = ts_devices,
	.network_detach = ts_network_detach,
};
static const struct ctl_platform pl = {
	.alloc = plat_alloc, .free = plat_free, .sha256 = sha256_buf, .now_ns = plat_now, .send = send_all,
};

int main(int argc, char **argv)
{
	static struct ctl_server srv;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint8_t buf[65536];
	int lfd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: ctl-fakedom0 SOCKET\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	srand((unsigned)plat_now());
	memcpy(add("Domain-0", 262144, 1)->info.state, "r-----", 7);
	ctl_server_init(&srv, &ts, &pl);
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0) {
		perror("ctl-fakedom0");
		return 1;
	}
	/* As QEMU's chardev: one peer at a time; a new one starts with fresh framing. */
	for (;;) {
		ssize_t n;

		conn = accept(lfd, NULL, NULL);
		if (conn < 0)
			continue;
		while ((n = read(conn, buf, sizeof(buf))) > 0) {
			if (ctl_server_input(&srv, buf, (size_t)n) < 0)
				break;
			ctl_server_tick(&srv);
		}
		ctl_server_reset(&srv);
		close(conn);
		conn = -1;
	}
}
