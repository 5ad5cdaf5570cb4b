/* SPDX-License-Identifier: MIT */
/* The control channel's server: reassembles frames from a byte stream, runs xl's verbs, answers each request once. */
#include "ctl_server.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* Xen errno values (pvabi/errno.h has them for the hypervisor; this file builds without it). */
#define CTL_EPERM	1
#define CTL_ENOENT	2
#define CTL_EIO		5
#define CTL_ENOMEM	12
#define CTL_EINVAL	22
#define CTL_ENOSPC	28
#define CTL_ENOSYS	38
#define CTL_EPROTO	71

#define CTL_MAX_FIELDS	16
/* The largest blob a put may announce: a kernel, a ramdisk, never more than dom0 can hold anyway. */
#define CTL_BLOB_MAX	(1ULL << 30)

struct ctl_req {
	struct {
		const char *key, *val;
		bool used;
	} f[CTL_MAX_FIELDS];
	unsigned int n;
};

void ctl_server_init(struct ctl_server *s, const struct ctl_toolstack *ts, const struct ctl_platform *pl)
{
	memset(s, 0, sizeof(*s));
	s->ts = ts;
	s->pl = pl;
	s->state = CTL_RX_HEADER;
	s->next_blob_id = 1;
}

/* Sends one frame: the header, then the payload already in s->response after it. */
static int send_frame(struct ctl_server *s, uint16_t kind, uint32_t id, const char *payload, size_t len)
{
	uint8_t hdr[CTL_HDR_LEN];
	struct ctl_hdr h = { CTL_MAGIC, CTL_VERSION, kind, id, (uint32_t)len };

	ctl_hdr_encode(&h, hdr);
	if (s->pl->send_frame)
		return s->pl->send_frame(s->pl->send_ctx, hdr, sizeof(hdr), payload, len);
	if (s->pl->send(s->pl->send_ctx, hdr, sizeof(hdr)) < 0)
		return -1;
	return len ? s->pl->send(s->pl->send_ctx, payload, len) : 0;
}

static void respond_status(struct ctl_server *s, uint32_t id, int status, const char *error)
{
	struct ctl_buf b;

	ctl_buf_init(&b, s->response, sizeof(s->response));
	ctl_put_i64(&b, "status", status);
	if (status && error)
		ctl_put_str(&b, "error", error);
	ctl_end_record(&b);
	if (status)
		s->errors++;
	send_frame(s, CTL_RESPONSE, id, s->response, b.len);
}

/* A response with result records: an overflowing one is replaced by an error, never cut short. */
static void respond_buf(struct ctl_server *s, uint32_t id, struct ctl_buf *b)
{
	if (b->overflow) {
		respond_status(s, id, -CTL_ENOSPC, "response too large");
		return;
	}
	send_frame(s, CTL_RESPONSE, id, b->p, b->len);
}

static void free_blob(struct ctl_server *s, struct ctl_blob *bl)
{
	if (bl->data && bl->borrowed)
		s->ts->image_unref(s->ts->ctx, bl->data);
	else if (bl->data)
		s->pl->free(bl->data, bl->size);
	memset(bl, 0, sizeof(*bl));
}

static struct ctl_blob *find_blob(struct ctl_server *s, uint32_t id)
{
	for (unsigned int i = 0; i < CTL_MAX_BLOBS; i++)
		if (id && s->blobs[i].id == id)
			return &s->blobs[i];
	return NULL;
}

/*
 * put_id 0 marks a finished blob (or a borrowed one), never a put being
 * filled: a DATA frame with id 0 finds none, and its bytes are dropped.
 */
static struct ctl_blob *filling_blob(struct ctl_server *s, uint32_t put_id)
{
	for (unsigned int i = 0; i < CTL_MAX_BLOBS; i++)
		if (put_id && s->blobs[i].id && s->blobs[i].put_id == put_id)
			return &s->blobs[i];
	return NULL;
}

/* Splits the first record into fields, unescaping each value in place (never longer than its escaped form). */
static int parse_request(char *payload, size_t len, struct ctl_req *r, const char **bad)
{
	const char *p = payload, *rec;
	size_t rec_len;
	struct ctl_field f;
	int got;

	r->n = 0;
	*bad = "empty request";
	if (!ctl_next_record(&p, payload + len, &rec, &rec_len))
		return -CTL_EINVAL;
	p = rec;
	while ((got = ctl_next_field(&p, rec + rec_len, &f)) == 1) {
		char *key = (char *)f.key, *val = (char *)f.val;

		if (r->n == CTL_MAX_FIELDS) {
			*bad = "too many arguments";
			return -CTL_EINVAL;
		}
		key[f.key_len] = '\0';	/* was '=' */
		if (ctl_unescape(f.val, f.val_len, val, f.val_len + 1) < 0) {
			*bad = "bad escape in a value";
			return -CTL_EINVAL;
		}
		for (unsigned int i = 0; i < r->n; i++) {
			const char *k = r->f[i].key;

			if (strlen(k) == f.key_len && memcmp(k, key, f.key_len) == 0) {
				*bad = "an argument given twice";
				return -CTL_EINVAL;
			}
		}
		r->f[r->n].key = key;
		r->f[r->n].val = val;
		r->f[r->n].used = false;
		r->n++;
	}
	if (got < 0 || r->n == 0) {
		*bad = "malformed request record";
		return -CTL_EINVAL;
	}
	return 0;
}

static bool str_eq(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && memcmp(a, b, n) == 0;
}

static const char *arg(struct ctl_req *r, const char *key)
{
	for (unsigned int i = 0; i < r->n; i++) {
		if (str_eq(r->f[i].key, key)) {
			r->f[i].used = true;
			return r->f[i].val;
		}
	}
	return NULL;
}

static bool arg_u64(struct ctl_req *r, const char *key, uint64_t max, uint64_t *out)
{
	const char *v = arg(r, key);

	return v && ctl_parse_u64(v, out) && *out <= max;
}

/* The first argument nobody asked for, so a typo is an error rather than silently ignored. */
static const char *unused_arg(const struct ctl_req *r)
{
	for (unsigned int i = 0; i < r->n; i++)
		if (!r->f[i].used)
			return r->f[i].key;
	return NULL;
}

static void emit_dominfo(void *argp, const struct ctl_dominfo *d)
{
	struct ctl_buf *b = argp;
	static const char hexd[] = "0123456789abcdef";
	char uuid[37];
	size_t n = 0;

	for (unsigned int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			uuid[n++] = '-';
		uuid[n++] = hexd[d->uuid[i] >> 4];
		uuid[n++] = hexd[d->uuid[i] & 15];
	}
	uuid[n] = '\0';
	ctl_put_u64(b, "domid", d->domid);
	ctl_put_str(b, "name", d->name);
	ctl_put_str(b, "uuid", uuid);
	ctl_put_str(b, "state", d->state);
	ctl_put_u64(b, "mem_kib", d->mem_kib);
	ctl_put_u64(b, "maxmem_kib", d->maxmem_kib);
	ctl_put_u64(b, "vcpus", d->vcpus);
	ctl_put_u64(b, "online_vcpus", d->online_vcpus);
	ctl_put_u64(b, "cpu_time_ns", d->cpu_time_ns);
	ctl_put_u64(b, "uptime_ns", d->uptime_ns);
	ctl_end_record(b);
}

/* A listing's answer: a status record, then what the toolstack emits; sent only if the toolstack succeeded. */
static void list_begin(struct ctl_server *s, struct ctl_buf *b)
{
	ctl_buf_init(b, s->response, sizeof(s->response));
	ctl_put_i64(b, "status", 0);
	ctl_end_record(b);
}

static int list_end(struct ctl_server *s, uint32_t id, struct ctl_buf *b, int rc)
{
	if (rc)
		return rc;
	respond_buf(s, id, b);
	return 0;
}

static int op_list(struct ctl_server *s, uint32_t id, struct ctl_req *r)
{
	struct ctl_buf b;
	uint64_t domid;
	const char *v = arg(r, "domid");

	if (v && (!ctl_parse_u64(v, &domid) || domid > 0x7fef))
		return -CTL_EINVAL;
	if (unused_arg(r))
		return -CTL_EINVAL;
	list_begin(s, &b);
	return list_end(s, id, &b, s->ts->list(s->ts->ctx, v ? (int64_t)domid : -1, emit_dominfo, &b));
}

static void emit_blkslot(void *arg, const struct ctl_blkslot *sl)
{
	struct ctl_buf *b = arg;

	ctl_put_u64(b, "slot", sl->slot);
	ctl_put_u64(b, "ro", sl->read_only);
	ctl_put_u64(b, "devid", sl->devid);
	ctl_put_u64(b, "domid", sl->domid);
	ctl_put_str(b, "name", sl->name);
	ctl_end_record(b);
}

static int op_blkpool(struct ctl_server *s, uint32_t id, struct ctl_req *r)
{
	struct ctl_buf b;

	if (unused_arg(r))
		return -CTL_EINVAL;
	if (!s->ts->blkpool)
		return -CTL_ENOSYS;
	list_begin(s, &b);
	return list_end(s, id, &b, s->ts->blkpool(s->ts->ctx, emit_blkslot, &b));
}

static void emit_devinfo(void *arg, const struct ctl_devinfo *d)
{
	struct ctl_buf *b = arg;

	ctl_put_u64(b, "devid", d->devid);
	ctl_put_i64(b, "backend_id", d->backend_id);
	ctl_put_u64(b, "frontend_id", d->frontend_id);
	ctl_put_i64(b, "state", d->state);
	ctl_put_i64(b, "evtch", d->evtch);
	ctl_put_i64(b, "ring_ref", d->ring_ref);
	if (d->mac[0] || d->rx_ring_ref != -1) {
		ctl_put_i64(b, "rx_ring_ref", d->rx_ring_ref);
		ctl_put_str(b, "mac", d->mac);
	}
	ctl_put_str(b, "backend", d->backend);
	ctl_end_record(b);
}

/* devlist domid=N kind=vbd|vif: xl block-list / network-list, a record per device after the status. */
static int op_devlist(struct ctl_server *s, uint32_t id, struct ctl_req *r)
{
	const char *kind = arg(r, "kind");
	struct ctl_buf b;
	uint64_t domid;

	if (!arg_u64(r, "domid", 0x7fef, &domid) || !kind || (!str_eq(kind, "vbd") && !str_eq(kind, "vif")) ||
	    unused_arg(r))
		return -CTL_EINVAL;
	if (!s->ts->devices)
		return -CTL_ENOSYS;
	list_begin(s, &b);
	return list_end(s, id, &b, s->ts->devices(s->ts->ctx, (uint32_t)domid, str_eq(kind, "vif"), emit_devinfo, &b));
}

static int op_info(struct ctl_server *s, uint32_t id, struct ctl_req *r)
{
	struct ctl_hostinfo hi;
	struct ctl_buf b;
	int rc;

	if (unused_arg(r))
		return -CTL_EINVAL;
	memset(&hi, 0, sizeof(hi));
	rc = s->ts->info(s->ts->ctx, &hi);
	if (rc)
		return rc;
	ctl_buf_init(&b, s->response, sizeof(s->response));
	ctl_put_i64(&b, "status", 0);
	ctl_put_u64(&b, "host_cpus", hi.host_cpus);
	ctl_put_u64(&b, "mem_kib", hi.mem_kib);
	ctl_put_u64(&b, "free_kib", hi.free_kib);
	ctl_put_str(&b, "hv_version", hi.hv_version);
	ctl_end_record(&b);
	respond_buf(s, id, &b);
	return 0;
}

static bool parse_sha256(const char *hex, uint8_t out[32])
{
	if (!hex || strlen(hex) != 64)
		return false;
	for (unsigned int i = 0; i < 32; i++) {
		int v = 0;

		for (unsigned int j = 0; j < 2; j++) {
			char c = hex[2 * i + j];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= c - '0';
			else if (c >= 'a' && c <= 'f')
				v |= c - 'a' + 10;
			else
				return false;
		}
		out[i] = (uint8_t)v;
	}
	return true;
}

static void finish_blob(struct ctl_server *s, struct ctl_blob *bl)
{
	uint8_t digest[32];
	struct ctl_buf b;
	uint32_t put_id = bl->put_id;

	/* Unchecked, the digest only names the data in dom0's caches (docs/CONTROL.md says why that is safe). */
	if (!bl->unchecked)
		s->pl->sha256(bl->data, bl->size, digest);
	if (!bl->unchecked && memcmp(digest, bl->sha256, 32) != 0) {
		free_blob(s, bl);
		respond_status(s, put_id, -CTL_EIO, "sha256 of the data does not match");
		return;
	}
	bl->put_id = 0;
	bl->born_ns = s->pl->now_ns();
	ctl_buf_init(&b, s->response, sizeof(s->response));
	ctl_put_i64(&b, "status", 0);
	ctl_put_u64(&b, "blob", bl->id);
	ctl_end_record(&b);
	respond_buf(s, put_id, &b);
}

/* A free slot named name and digest, with a fresh id; NULL when every slot is taken. */
static struct ctl_blob *new_blob(struct ctl_server *s, const char *name, const uint8_t digest[32])
{
	struct ctl_blob *bl = NULL;

	for (unsigned int i = 0; i < CTL_MAX_BLOBS && !bl; i++)
		if (!s->blobs[i].id)
			bl = &s->blobs[i];
	if (!bl)
		return NULL;
	bl->id = s->next_blob_id++;
	if (!s->next_blob_id)
		s->next_blob_id = 1;
	memcpy(bl->name, name, strlen(name) + 1);
	memcpy(bl->sha256, digest, 32);
	return bl;
}

/*
 * A blob made from an image dom0 still keeps (a restartable domain's kernel
 * or ramdisk), named by the digest its upload had: the host need not send
 * the bytes again. -ENOENT when nothing of that digest and size is kept.
 */
static int op_reuse(struct ctl_server *s, uint32_t id, struct ctl_req *r)
{
	const char *name = arg(r, "name"), *sha = arg(r, "sha256");
	const uint8_t *data;
	struct ctl_blob *bl;
	struct ctl_buf b;
	uint8_t digest[32];
	uint64_t size;

	if (!arg_u64(r, "size", CTL_BLOB_MAX, &size) || size == 0 || !name || strlen(name) >= CTL_NAME_MAX ||
	    !parse_sha256(sha, digest) || unused_arg(r))
		return -CTL_EINVAL;
	if (!s->ts->image_ref || !s->ts->image_unref)
		return -CTL_ENOSYS;
	if (!(data = s->ts->image_ref(s->ts->ctx, name, digest, size)))
		return -CTL_ENOENT;
	if (!(bl = new_blob(s, name, digest))) {
		s->ts->image_unref(s->ts->ctx, data);
		return -CTL_ENOSPC;
	}
	bl->data = (uint8_t *)data;
	bl->borrowed = true;
	bl->size = bl->filled = size;
	bl->born_ns = s->pl->now_ns();
	ctl_buf_init(&b, s->response, sizeof(s->response));
	ctl_put_i64(&b, "status", 0);
	ctl_put_u64(&b, "blob", bl->id);
	ctl_end_record(&b);
	respond_buf(s, id, &b);
	return 0;
}

/* A refused put still gets a slot, so its data frames are recognised and dropped rather than taken as strays. */
static int op_put(struct ctl_server *s, uint32_t id, struct ctl_req *r)
{
	struct ctl_blob *bl = NULL;
	const char *name = arg(r, "name"), *sha = arg(r, "sha256"), *check = arg(r, "check");
	uint64_t size;
	uint8_t digest[32];

	if (!arg_u64(r, "size", CTL_BLOB_MAX, &size) || !name || strlen(name) >= CTL_NAME_MAX ||
	    !parse_sha256(sha, digest) || (check && !str_eq(check, "0") && !str_eq(check, "1")) || unused_arg(r))
		return -CTL_EINVAL;
	if (filling_blob(s, id))
		return -CTL_EINVAL;
	if (!(bl = new_blob(s, name, digest)))
		return -CTL_ENOSPC;
	bl->unchecked = check && str_eq(check, "0");
	bl->size = size;
	bl->put_id = id;
	bl->born_ns = s->pl->now_ns();
	bl->data = size ? s->pl->alloc(size) : NULL;
	if (size && !bl->data) {
		bl->refused = true;	/* size says how much is still to be read and dropped */
		respond_status(s, id, -CTL_ENOMEM, "no room in dom0 for the data");
		return 0;
	}
	if (size == 0)
		finish_blob(s, bl);
	return 0;
}

static int claim_blob(struct ctl_server *s, struct ctl_req *r, const char *key, bool required,
		      struct ctl_blob **out)
{
	uint64_t id;
	const char *v = arg(r, key);

	*out = NULL;
	if (!v)
		return required ? -CTL_EINVAL : 0;
	if (!ctl_parse_u64(v, &id) || id > UINT32_MAX)
		return -CTL_EINVAL;
	*out = find_blob(s, (uint32_t)id);
	if (!*out || (*out)->put_id || (*out)->refused)
		return -CTL_ENOENT;
	return 0;
}

static int op_create(struct ctl_server *s, uint32_t id, struct ctl_req *r, char *err, size_t err_len)
{
	struct ctl_blob *cfg, *kernel, *ramdisk;
	const char *paused = arg(r, "paused");
	const char *disks = arg(r, "disks");
	char name[CTL_NAME_MAX] = "";
	uint32_t domid = 0;
	struct ctl_buf b;
	int rc;

	if ((rc = claim_blob(s, r, "config", true, &cfg)) || (rc = claim_blob(s, r, "kernel", true, &kernel)) ||
	    (rc = claim_blob(s, r, "ramdisk", false, &ramdisk)))
		return rc;
	if ((paused && !str_eq(paused, "0") && !str_eq(paused, "1")) || unused_arg(r))
		return -CTL_EINVAL;
	if (cfg == kernel || (ramdisk && (ramdisk == cfg || ramdisk == kernel)))
		return -CTL_EINVAL;
	rc = s->ts->create(s->ts->ctx, cfg, kernel, ramdisk, disks, paused && str_eq(paused, "1"), &domid, name,
			   sizeof(name), err, err_len);
	/* A create consumes its blobs, built or not: the client uploads again for another try. */
	free_blob(s, cfg);
	free_blob(s, kernel);
	if (ramdisk)
		free_blob(s, ramdisk);
	if (rc)
		return rc;
	ctl_buf_init(&b, s->response, sizeof(s->response));
	ctl_put_i64(&b, "status", 0);
	ctl_put_u64(&b, "domid", domid);
	ctl_put_str(&b, "name", name);
	ctl_end_record(&b);
	respond_buf(s, id, &b);
	return 0;
}

/* The verbs that take a domain and maybe one more number: their argument checks are the same. */
static int op_domain(struct ctl_server *s, const char *op, struct ctl_req *r, char *err, size_t err_len)
{
	const struct ctl_toolstack *ts = s->ts;
	uint64_t domid, kib;
	const char *v;

	if (!arg_u64(r, "domid", 0x7fef, &domid))
		return -CTL_EINVAL;
	if (str_eq(op, "destroy") || str_eq(op, "pause") || str_eq(op, "unpause")) {
		if (unused_arg(r))
			return -CTL_EINVAL;
		return str_eq(op, "destroy") ? ts->destroy(ts->ctx, (uint32_t)domid) :
		       str_eq(op, "pause")   ? ts->pause(ts->ctx, (uint32_t)domid) :
					       ts->unpause(ts->ctx, (uint32_t)domid);
	}
	if (str_eq(op, "shutdown")) {
		v = arg(r, "reason");
		if (!v || (!str_eq(v, "poweroff") && !str_eq(v, "reboot")) || unused_arg(r))
			return -CTL_EINVAL;
		return ts->shutdown(ts->ctx, (uint32_t)domid, str_eq(v, "reboot"));
	}
	if (str_eq(op, "vcpu_set")) {
		if (!arg_u64(r, "vcpus", 4096, &kib) || kib == 0 || unused_arg(r))
			return -CTL_EINVAL;
		return ts->vcpu_set ? ts->vcpu_set(ts->ctx, (uint32_t)domid, (uint32_t)kib) : -CTL_ENOSYS;
	}
	if (str_eq(op, "block_attach") || str_eq(op, "block_detach")) {
		uint64_t slot = 0, devid;
		bool attach = str_eq(op, "block_attach");

		if ((attach && !arg_u64(r, "slot", 1023, &slot)) || !arg_u64(r, "devid", UINT32_MAX, &devid) ||
		    devid == 0 || unused_arg(r))
			return -CTL_EINVAL;
		if (attach ? !ts->block_attach : !ts->block_detach)
			return -CTL_ENOSYS;
		return attach ? ts->block_attach(ts->ctx, (uint32_t)domid, (uint32_t)slot, (uint32_t)devid, err, err_len)
			      : ts->block_detach(ts->ctx, (uint32_t)domid, (uint32_t)devid, err, err_len);
	}
	if (str_eq(op, "network_attach") || str_eq(op, "network_detach")) {
		uint64_t devid = 0;
		bool attach = str_eq(op, "network_attach");
		const char *mac = attach ? arg(r, "mac") : NULL;

		if ((!attach && !arg_u64(r, "devid", 0xffff, &devid)) || (mac && strlen(mac) != 17) || unused_arg(r))
			return -CTL_EINVAL;
		if (attach ? !ts->network_attach : !ts->network_detach)
			return -CTL_ENOSYS;
		return attach ? ts->network_attach(ts->ctx, (uint32_t)domid, mac, err, err_len)
			      : ts->network_detach(ts->ctx, (uint32_t)domid, (uint32_t)devid, err, err_len);
	}
	if (str_eq(op, "rename")) {
		v = arg(r, "name");
		if (!v || !*v || strlen(v) >= CTL_NAME_MAX || unused_arg(r))
			return -CTL_EINVAL;
		return ts->rename(ts->ctx, (uint32_t)domid, v, err, err_len);
	}
	if (!arg_u64(r, str_eq(op, "mem_set") ? "target_kib" : "maxmem_kib", UINT64_MAX >> 10, &kib) ||
	    unused_arg(r))
		return -CTL_EINVAL;
	return str_eq(op, "mem_set") ? ts->mem_set(ts->ctx, (uint32_t)domid, kib) :
				       ts->mem_max(ts->ctx, (uint32_t)domid, kib);
}

static int op_console(struct ctl_server *s, uint32_t id, const char *op, struct ctl_req *r)
{
	uint64_t domid;
	const char *v;
	int rc;

	if (!arg_u64(r, "domid", 0x7fef, &domid))
		return -CTL_EINVAL;
	if (str_eq(op, "console")) {
		v = arg(r, "attach");
		if (!v || (!str_eq(v, "0") && !str_eq(v, "1")) || unused_arg(r))
			return -CTL_EINVAL;
		if (!s->ts->console)
			return -CTL_ENOSYS;
		rc = s->ts->console(s->ts->ctx, (uint32_t)domid, str_eq(v, "1"));
	} else {
		v = arg(r, "data");
		if (!v || unused_arg(r))
			return -CTL_EINVAL;
		if (!s->ts->console_input)
			return -CTL_ENOSYS;
		rc = s->ts->console_input(s->ts->ctx, (uint32_t)domid, v, strlen(v));
	}
	if (rc == 0)
		respond_status(s, id, 0, NULL);
	return rc;
}

/* dmesg [index=N] [clear=1]: one piece of the history; the client asks again from the index it gets until data is empty. */
static int op_dmesg(struct ctl_server *s, uint32_t id, struct ctl_req *r)
{
	static char text[CTL_DMESG_MAX];
	uint64_t index = 0, skipped = 0;
	const char *v = arg(r, "index"), *clear = arg(r, "clear");
	struct ctl_buf b;
	size_t got = 0;
	int rc;

	if (v && !ctl_parse_u64(v, &index))
		return -CTL_EINVAL;
	if ((clear && !str_eq(clear, "1") && !str_eq(clear, "0")) || unused_arg(r))
		return -CTL_EINVAL;
	if (!s->ts->dmesg)
		return -CTL_ENOSYS;
	rc = s->ts->dmesg(s->ts->ctx, &index, clear && str_eq(clear, "1"), text, sizeof(text), &got, &skipped);
	if (rc)
		return rc;
	ctl_buf_init(&b, s->response, sizeof(s->response));
	ctl_put_i64(&b, "status", 0);
	ctl_put_u64(&b, "index", index);
	ctl_put_u64(&b, "skipped", skipped);
	ctl_put_bytes(&b, "data", text, got);
	ctl_end_record(&b);
	respond_buf(s, id, &b);
	return 0;
}

static int dispatch(struct ctl_server *s, uint32_t id, struct ctl_req *r, char *err, size_t err_len)
{
	static const char *const domain_ops[] = { "destroy", "pause", "unpause", "shutdown", "rename",
						  "mem_set", "mem_max", "vcpu_set", "block_attach", "block_detach",
						  "network_attach", "network_detach" };
	const char *op = arg(r, "op");
	struct ctl_buf b;
	int rc;

	if (!op)
		return -CTL_EINVAL;
	if (str_eq(op, "hello")) {
		const char *v = arg(r, "version");

		(void)arg(r, "client");
		if (!v || !str_eq(v, "1"))
			return -CTL_EPROTO;
		if (unused_arg(r))
			return -CTL_EINVAL;
		ctl_buf_init(&b, s->response, sizeof(s->response));
		ctl_put_i64(&b, "status", 0);
		ctl_put_u64(&b, "version", CTL_VERSION);
		ctl_put_str(&b, "server", "skiff-dom0");
		ctl_end_record(&b);
		respond_buf(s, id, &b);
		return 0;
	}
	if (str_eq(op, "list"))
		return op_list(s, id, r);
	if (str_eq(op, "info"))
		return op_info(s, id, r);
	if (str_eq(op, "blkpool"))
		return op_blkpool(s, id, r);
	if (str_eq(op, "devlist"))
		return op_devlist(s, id, r);
	if (str_eq(op, "put"))
		return op_put(s, id, r);
	if (str_eq(op, "reuse"))
		return op_reuse(s, id, r);
	if (str_eq(op, "create"))
		return op_create(s, id, r, err, err_len);
	if (str_eq(op, "console") || str_eq(op, "console_input"))
		return op_console(s, id, op, r);
	if (str_eq(op, "dmesg"))
		return op_dmesg(s, id, r);
	if (str_eq(op, "poweroff")) {
		if (unused_arg(r))
			return -CTL_EINVAL;
		if (!s->ts->poweroff)
			return -CTL_ENOSYS;
		/* The toolstack only schedules it: the answer must leave before the machine stops. */
		rc = s->ts->poweroff(s->ts->ctx);
		if (rc == 0)
			respond_status(s, id, 0, NULL);
		return rc;
	}
	for (unsigned int i = 0; i < sizeof(domain_ops) / sizeof(domain_ops[0]); i++) {
		if (str_eq(op, domain_ops[i])) {
			rc = op_domain(s, op, r, err, err_len);
			if (rc == 0)
				respond_status(s, id, 0, NULL);
			return rc;
		}
	}
	return -CTL_ENOSYS;
}

static const char *errno_text(int rc)
{
	switch (-rc) {
	case CTL_EPERM: return "operation not permitted";
	case CTL_ENOENT: return "no such blob";
	case 3: return "no such domain";
	case CTL_ENOMEM: return "not enough memory";
	case 17: return "already exists";
	case CTL_EINVAL: return "invalid argument";
	case CTL_ENOSPC: return "no space left";
	case CTL_ENOSYS: return "unknown operation";
	case 19: return "no such device";
	case 95: return "not supported";
	case CTL_EPROTO: return "protocol version not supported; this dom0 speaks version 1";
	default: return "failed";
	}
}

static void handle_request(struct ctl_server *s, uint32_t id, size_t len)
{
	struct ctl_req r;
	const char *bad, *unused;
	char err[128];
	int rc;

	s->requests++;
	s->payload[len] = '\0';
	err[0] = '\0';
	rc = parse_request(s->payload, len, &r, &bad);
	if (rc) {
		respond_status(s, id, rc, bad);
		return;
	}
	rc = dispatch(s, id, &r, err, sizeof(err));
	if (!rc)
		return;
	if (!err[0] && rc == -CTL_EINVAL && (unused = unused_arg(&r)) != NULL) {
		size_t n = strlen(unused);
		static const char prefix[] = "unknown argument ";

		if (n > sizeof(err) - sizeof(prefix))
			n = sizeof(err) - sizeof(prefix);
		memcpy(err, prefix, sizeof(prefix) - 1);
		memcpy(err + sizeof(prefix) - 1, unused, n);
		err[sizeof(prefix) - 1 + n] = '\0';
	}
	respond_status(s, id, rc, err[0] ? err : errno_text(rc));
}

/* The header is complete: decide where the payload goes. -1: framing lost. */
static int header_done(struct ctl_server *s)
{
	enum ctl_hdr_verdict v = ctl_hdr_decode(s->hdr_bytes, &s->hdr);

	s->hdr_have = 0;
	s->left = s->hdr.len;
	if (v == CTL_HDR_BAD_MAGIC || v == CTL_HDR_TOO_LONG)
		return -1;
	s->state = CTL_RX_SKIP;
	if (v == CTL_HDR_BAD_VERSION || v == CTL_HDR_BAD_KIND) {
		if (s->hdr.id)
			respond_status(s, s->hdr.id, v == CTL_HDR_BAD_VERSION ? -CTL_EPROTO : -CTL_EINVAL,
				       v == CTL_HDR_BAD_VERSION ? errno_text(-CTL_EPROTO) : "unknown frame kind");
	} else if (s->hdr.kind == CTL_REQUEST && s->hdr.id) {
		s->state = CTL_RX_PAYLOAD;
	} else if (s->hdr.kind == CTL_DATA) {
		s->filling = filling_blob(s, s->hdr.id);
		s->state = CTL_RX_DATA;
		if (s->filling && !s->filling->refused && s->filling->filled + s->left > s->filling->size) {
			uint32_t put_id = s->filling->put_id;

			free_blob(s, s->filling);
			s->filling = NULL;
			respond_status(s, put_id, -CTL_EINVAL, "more data than the put announced");
		}
	}
	if (s->left == 0 && s->state == CTL_RX_PAYLOAD)
		handle_request(s, s->hdr.id, 0);
	if (s->left == 0)
		s->state = CTL_RX_HEADER;
	return 0;
}

static void data_bytes(struct ctl_server *s, const uint8_t *p, size_t n)
{
	struct ctl_blob *bl = s->filling;

	if (!bl)
		return;
	bl->born_ns = s->pl->now_ns();	/* an upload that moves is not stale */
	if (bl->refused) {
		bl->filled += n;
		if (bl->filled >= bl->size)
			free_blob(s, bl);	/* every dropped byte read: the slot is free again */
		return;
	}
	memcpy(bl->data + bl->filled, p, n);
	bl->filled += n;
	if (bl->filled == bl->size)
		finish_blob(s, bl);
}

/* Whatever upload was under way can never be completed now. */
void ctl_server_reset(struct ctl_server *s)
{
	for (unsigned int i = 0; i < CTL_MAX_BLOBS; i++)
		if (s->blobs[i].id && s->blobs[i].put_id)
			free_blob(s, &s->blobs[i]);
	s->state = CTL_RX_HEADER;
	s->hdr_have = 0;
	s->left = 0;
	s->filling = NULL;
}

int ctl_server_input(struct ctl_server *s, const uint8_t *data, size_t len)
{
	while (len) {
		size_t n;

		if (s->state == CTL_RX_HEADER) {
			n = CTL_HDR_LEN - s->hdr_have;
			n = n < len ? n : len;
			memcpy(s->hdr_bytes + s->hdr_have, data, n);
			s->hdr_have += n;
			data += n;
			len -= n;
			if (s->hdr_have == CTL_HDR_LEN && header_done(s) < 0) {
				ctl_server_reset(s);
				return -1;
			}
			continue;
		}
		n = s->left < len ? s->left : len;
		if (s->state == CTL_RX_PAYLOAD)
			memcpy(s->payload + (s->hdr.len - s->left), data, n);
		else if (s->state == CTL_RX_DATA)
			data_bytes(s, data, n);
		s->left -= (uint32_t)n;
		data += n;
		len -= n;
		if (s->left == 0) {
			if (s->state == CTL_RX_PAYLOAD)
				handle_request(s, s->hdr.id, s->hdr.len);
			s->state = CTL_RX_HEADER;
		}
	}
	return 0;
}

void ctl_server_tick(struct ctl_server *s)
{
	uint64_t now = s->pl->now_ns();

	for (unsigned int i = 0; i < CTL_MAX_BLOBS; i++) {
		struct ctl_blob *bl = &s->blobs[i];

		/* Unclaimed, or an upload whose sender went quiet (a client that died mid-put). */
		if (bl->id && now - bl->born_ns > CTL_BLOB_TTL_NS)
			free_blob(s, bl);
	}
}

void ctl_server_fini(struct ctl_server *s)
{
	for (unsigned int i = 0; i < CTL_MAX_BLOBS; i++)
		if (s->blobs[i].id)
			free_blob(s, &s->blobs[i]);
}

int ctl_server_event(struct ctl_server *s, const char *record, size_t len)
{
	return send_frame(s, CTL_EVENT, 0, record, len);
}
