/* SPDX-License-Identifier: MIT */
/* libxenstore-style client core: request framing, reply matching, watch queue. Freestanding. */
#include "xs_client.h"

#if __STDC_HOSTED__
#include <errno.h>
#endif

#define XS_MSG_MAX (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)

struct xs_event {
	struct xs_event *next;
	char **vec;
};

struct xs_handle {
	struct xs_transport tr;
	uint32_t next_req;
	int err;
	bool broken;  /* framing lost; every later call fails */
	struct xs_event *evq_head, *evq_tail;
	uint8_t msg[XS_MSG_MAX + 1];  /* one message being sent or received */
};

static size_t xs_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static void xs_copy(void *d, const void *s, size_t n)
{
	uint8_t *dd = d;
	const uint8_t *ss = s;

	while (n--)
		*dd++ = *ss++;
}

static bool xs_streq(const char *a, const char *b, size_t blen)
{
	if (xs_strlen(a) != blen)
		return false;
	for (size_t i = 0; i < blen; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static void *xs_fail(struct xs_handle *h, int err)
{
	h->err = err;
#if __STDC_HOSTED__
	errno = err;
#endif
	return (void *)0;
}

int xs_error(const struct xs_handle *h)
{
	return h->err;
}

void xs_free(struct xs_handle *h, void *p)
{
	if (p)
		h->tr.free(p);
}

struct xs_handle *xs_open_transport(const struct xs_transport *t)
{
	struct xs_handle *h = t->alloc(sizeof(*h));

	if (!h)
		return (void *)0;
	h->tr = *t;
	h->next_req = 1;
	h->err = 0;
	h->broken = false;
	h->evq_head = h->evq_tail = (void *)0;
	return h;
}

void xs_close(struct xs_handle *h)
{
	if (!h)
		return;
	while (h->evq_head) {
		struct xs_event *e = h->evq_head;

		h->evq_head = e->next;
		h->tr.free(e->vec);
		h->tr.free(e);
	}
	if (h->tr.close)
		h->tr.close(h->tr.ctx);
	h->tr.free(h);
}

/* Reads exactly n bytes; timeout applies only before the first byte. */
static int xs_recv_exact(struct xs_handle *h, uint8_t *buf, size_t n, int timeout_ms)
{
	size_t got = 0;

	while (got < n) {
		long r = h->tr.recv(h->tr.ctx, buf + got, n - got, got ? -1 : timeout_ms);

		if (r == 0 && got == 0)
			return 0;
		if (r <= 0) {
			h->broken = true;
			return -1;
		}
		got += (size_t)r;
	}
	return 1;
}

static const struct {
	const char *name;
	int err;
} xs_errs[] = {
	{ XS_ERRSTR_EINVAL, XEN_EINVAL }, { XS_ERRSTR_EACCES, XEN_EACCES },
	{ XS_ERRSTR_EEXIST, XEN_EEXIST }, { XS_ERRSTR_EISDIR, XEN_EISDIR },
	{ XS_ERRSTR_ENOENT, XEN_ENOENT }, { XS_ERRSTR_ENOMEM, XEN_ENOMEM },
	{ XS_ERRSTR_ENOSPC, XEN_ENOSPC }, { XS_ERRSTR_EIO, XEN_EIO },
	{ XS_ERRSTR_ENOTEMPTY, XEN_ENOTEMPTY }, { XS_ERRSTR_ENOSYS, XEN_ENOSYS },
	{ XS_ERRSTR_EROFS, XEN_EROFS }, { XS_ERRSTR_EBUSY, XEN_EBUSY },
	{ XS_ERRSTR_EAGAIN, XEN_EAGAIN }, { XS_ERRSTR_EISCONN, XEN_EISCONN },
	{ XS_ERRSTR_E2BIG, XEN_E2BIG }, { XS_ERRSTR_EPERM, XEN_EPERM },
};

static int xs_err_from_name(const char *p, uint32_t len)
{
	if (len && p[len - 1] == '\0')
		len--;
	for (size_t i = 0; i < sizeof(xs_errs) / sizeof(xs_errs[0]); i++)
		if (xs_streq(xs_errs[i].name, p, len))
			return xs_errs[i].err;
	return XEN_EINVAL;
}

/* Splits a NUL-separated payload into one allocation: pointer array, then strings. */
static char **xs_split(struct xs_handle *h, const uint8_t *p, uint32_t len, unsigned int *num)
{
	unsigned int n = 0;
	char **vec, *strs;

	for (uint32_t i = 0; i < len; i++)
		n += p[i] == '\0';
	if (len && p[len - 1] != '\0')
		n++;  /* tolerate a missing final NUL */
	vec = h->tr.alloc((n + 1) * sizeof(char *) + len + 1);
	if (!vec)
		return xs_fail(h, XEN_ENOMEM);
	strs = (char *)(vec + n + 1);
	xs_copy(strs, p, len);
	strs[len] = '\0';
	for (unsigned int i = 0, off = 0; i < n; i++) {
		vec[i] = strs + off;
		off += (unsigned int)xs_strlen(strs + off) + 1;
	}
	vec[n] = (void *)0;
	*num = n;
	return vec;
}

static void xs_queue_event(struct xs_handle *h, const uint8_t *p, uint32_t len)
{
	struct xs_event *e = h->tr.alloc(sizeof(*e));
	unsigned int n;

	if (!e)
		return;
	e->vec = xs_split(h, p, len, &n);
	if (!e->vec || n < 2) {
		xs_free(h, e->vec);
		h->tr.free(e);
		return;
	}
	e->next = (void *)0;
	if (h->evq_tail)
		h->evq_tail->next = e;
	else
		h->evq_head = e;
	h->evq_tail = e;
}

/* Receives one message into h->msg; returns 1, 0 on timeout, -1 on error. */
static int xs_recv_msg(struct xs_handle *h, struct xsd_sockmsg *hdr, int timeout_ms)
{
	int r = xs_recv_exact(h, h->msg, sizeof(*hdr), timeout_ms);

	if (r <= 0)
		return r;
	xs_copy(hdr, h->msg, sizeof(*hdr));
	if (hdr->len > XENSTORE_PAYLOAD_MAX) {
		h->broken = true;
		return -1;
	}
	if (xs_recv_exact(h, h->msg, hdr->len, -1) < 0)
		return -1;
	h->msg[hdr->len] = '\0';
	return 1;
}

void *xs_request(struct xs_handle *h, uint32_t type, xs_transaction_t t, const void *payload,
		 unsigned int len, unsigned int *rlen)
{
	struct xsd_sockmsg hdr = { .type = type, .req_id = h->next_req++, .tx_id = t, .len = len };
	uint8_t *out;

	if (h->broken)
		return xs_fail(h, XEN_EIO);
	if (len > XENSTORE_PAYLOAD_MAX)
		return xs_fail(h, XEN_E2BIG);
	xs_copy(h->msg, &hdr, sizeof(hdr));
	xs_copy(h->msg + sizeof(hdr), payload, len);
	if (h->tr.send(h->tr.ctx, h->msg, sizeof(hdr) + len) < 0) {
		h->broken = true;
		return xs_fail(h, XEN_EIO);
	}
	for (;;) {
		struct xsd_sockmsg rh;

		if (xs_recv_msg(h, &rh, -1) <= 0)
			return xs_fail(h, XEN_EIO);
		if (rh.type == XS_WATCH_EVENT) {
			xs_queue_event(h, h->msg, rh.len);
			continue;
		}
		if (rh.req_id != hdr.req_id)
			continue;  /* a stale reply; not ours */
		if (rh.type == XS_ERROR)
			return xs_fail(h, xs_err_from_name((const char *)h->msg, rh.len));
		if (rh.type != type)
			return xs_fail(h, XEN_EINVAL);
		out = h->tr.alloc(rh.len + 1);
		if (!out)
			return xs_fail(h, XEN_ENOMEM);
		xs_copy(out, h->msg, rh.len + 1);
		if (rlen)
			*rlen = rh.len;
		return out;
	}
}

/* Builds "a\0b\0..." from up to three strings, then sends it. */
static void *xs_req_strs(struct xs_handle *h, uint32_t type, xs_transaction_t t,
			 const char *a, const char *b, unsigned int *rlen)
{
	uint8_t buf[XENSTORE_PAYLOAD_MAX];
	size_t la = xs_strlen(a) + 1, lb = b ? xs_strlen(b) + 1 : 0;

	if (la + lb > sizeof(buf))
		return xs_fail(h, XEN_E2BIG);
	xs_copy(buf, a, la);
	if (b)
		xs_copy(buf + la, b, lb);
	return xs_request(h, type, t, buf, (unsigned int)(la + lb), rlen);
}

static bool xs_req_ok(struct xs_handle *h, uint32_t type, xs_transaction_t t, const char *a,
		      const char *b)
{
	void *r = xs_req_strs(h, type, t, a, b, (void *)0);

	xs_free(h, r);
	return r != (void *)0;
}

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len)
{
	return xs_req_strs(h, XS_READ, t, path, (void *)0, len);
}

bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
	      unsigned int len)
{
	uint8_t buf[XENSTORE_PAYLOAD_MAX];
	size_t lp = xs_strlen(path) + 1;
	void *r;

	if (lp + len > sizeof(buf))
		return xs_fail(h, XEN_E2BIG);
	xs_copy(buf, path, lp);
	xs_copy(buf + lp, data, len);
	r = xs_request(h, XS_WRITE, t, buf, (unsigned int)(lp + len), (void *)0);
	xs_free(h, r);
	return r != (void *)0;
}

bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	return xs_req_ok(h, XS_MKDIR, t, path, (void *)0);
}

bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	return xs_req_ok(h, XS_RM, t, path, (void *)0);
}

bool xs_watch(struct xs_handle *h, const char *path, const char *token)
{
	return xs_req_ok(h, XS_WATCH, XBT_NULL, path, token);
}

bool xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
	return xs_req_ok(h, XS_UNWATCH, XBT_NULL, path, token);
}

char *xs_get_domain_path(struct xs_handle *h, unsigned int domid)
{
	char num[12];
	int i = (int)sizeof(num) - 1;

	num[i] = '\0';
	do {
		num[--i] = (char)('0' + domid % 10);
		domid /= 10;
	} while (domid && i > 0);
	return xs_req_strs(h, XS_GET_DOMAIN_PATH, XBT_NULL, num + i, (void *)0, (void *)0);
}

static bool xs_parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 0xffffffffu)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > 0xffffffffu)
		return false;
	*out = (uint32_t)v;
	return true;
}

static size_t xs_fmt_u32(char *buf, uint32_t v)
{
	char tmp[12];
	size_t n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
	return i;
}

xs_transaction_t xs_transaction_start(struct xs_handle *h)
{
	char *r = xs_req_strs(h, XS_TRANSACTION_START, XBT_NULL, "", (void *)0, (void *)0);
	uint32_t id = 0;

	if (!r)
		return XBT_NULL;
	if (!xs_parse_u32(r, &id) || id == 0)
		xs_fail(h, XEN_EIO);
	xs_free(h, r);
	return id;
}

bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
	return xs_req_ok(h, XS_TRANSACTION_END, t, abort ? "F" : "T", (void *)0);
}

/* Children lists over one payload come in DIRECTORY_PART pieces; a changed
 * generation between pieces means the list moved under us, so start over. */
static char **xs_directory_part(struct xs_handle *h, xs_transaction_t t, const char *path,
				unsigned int *num)
{
	uint8_t *all = (void *)0;
	size_t alen = 0;
	char gen[24] = "";

	for (int attempt = 0; attempt < 16; attempt++) {
		char off[12];
		unsigned int rlen;
		char *r;

		xs_fmt_u32(off, (uint32_t)alen);
		r = xs_req_strs(h, XS_DIRECTORY_PART, t, path, off, &rlen);
		if (!r) {
			xs_free(h, all);
			return (void *)0;
		}
		size_t glen = xs_strlen(r) + 1;
		bool done = rlen >= glen + 1 && r[rlen - 1] == '\0' &&
			    (rlen == glen + 1 || r[rlen - 2] == '\0');
		size_t piece = rlen >= glen ? rlen - glen - (done ? 1 : 0) : 0;
		uint8_t *grown;

		if (glen > sizeof(gen) || rlen < glen || (!piece && !done)) {
			xs_free(h, r);
			xs_free(h, all);
			return xs_fail(h, XEN_EIO);
		}
		if (alen && !xs_streq(gen, r, glen - 1)) {
			/* The list changed between pieces: start again from offset 0. */
			xs_free(h, r);
			xs_free(h, all);
			all = (void *)0;
			alen = 0;
			continue;
		}
		xs_copy(gen, r, glen);
		grown = h->tr.alloc(alen + piece + 1);
		if (!grown) {
			xs_free(h, r);
			xs_free(h, all);
			return xs_fail(h, XEN_ENOMEM);
		}
		xs_copy(grown, all, alen);
		xs_copy(grown + alen, r + glen, piece);
		xs_free(h, all);
		xs_free(h, r);
		all = grown;
		alen += piece;
		if (done) {
			char **vec = xs_split(h, all, (uint32_t)alen, num);

			xs_free(h, all);
			return vec;
		}
		attempt--;  /* progress is not a retry */
		if (alen > (1u << 24))
			break;
	}
	xs_free(h, all);
	return xs_fail(h, XEN_EAGAIN);
}

char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path,
		    unsigned int *num)
{
	unsigned int rlen;
	char *r = xs_req_strs(h, XS_DIRECTORY, t, path, (void *)0, &rlen);
	char **vec;

	if (!r)
		return h->err == XEN_E2BIG ? xs_directory_part(h, t, path, num) : (void *)0;
	vec = xs_split(h, (const uint8_t *)r, rlen, num);
	xs_free(h, r);
	return vec;
}

struct xs_permissions *xs_get_permissions(struct xs_handle *h, xs_transaction_t t,
					  const char *path, unsigned int *num)
{
	unsigned int rlen, n;
	char *r = xs_req_strs(h, XS_GET_PERMS, t, path, (void *)0, &rlen);
	char **vec;
	struct xs_permissions *p;

	if (!r)
		return (void *)0;
	vec = xs_split(h, (const uint8_t *)r, rlen, &n);
	xs_free(h, r);
	if (!vec)
		return (void *)0;
	p = n ? h->tr.alloc(n * sizeof(*p)) : (void *)0;
	for (unsigned int i = 0; p && i < n; i++) {
		const char *s = vec[i];
		uint32_t id;

		p[i].perms = s[0] == 'r' ? XS_PERM_READ : s[0] == 'w' ? XS_PERM_WRITE :
			     s[0] == 'b' ? XS_PERM_READ | XS_PERM_WRITE : XS_PERM_NONE;
		if ((s[0] != 'n' && s[0] != 'r' && s[0] != 'w' && s[0] != 'b') ||
		    !xs_parse_u32(s + 1, &id)) {
			xs_free(h, p);
			p = (void *)0;
			xs_fail(h, XEN_EIO);
			break;
		}
		p[i].id = id;
	}
	if (!n)
		xs_fail(h, XEN_EIO);
	xs_free(h, vec);
	if (p)
		*num = n;
	return p;
}

bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
			const struct xs_permissions *perms, unsigned int num)
{
	static const char letters[] = "nrwb";
	uint8_t buf[XENSTORE_PAYLOAD_MAX];
	size_t len = xs_strlen(path) + 1;
	void *r;

	if (len > sizeof(buf))
		return xs_fail(h, XEN_E2BIG);
	xs_copy(buf, path, len);
	for (unsigned int i = 0; i < num; i++) {
		if (len + 13 > sizeof(buf))
			return xs_fail(h, XEN_E2BIG);
		buf[len++] = (uint8_t)letters[perms[i].perms & 3];
		len += xs_fmt_u32((char *)buf + len, perms[i].id) + 1;
	}
	r = xs_request(h, XS_SET_PERMS, t, buf, (unsigned int)len, (void *)0);
	xs_free(h, r);
	return r != (void *)0;
}

char **xs_read_watch_timeout(struct xs_handle *h, unsigned int *num, int timeout_ms)
{
	while (!h->evq_head) {
		struct xsd_sockmsg rh;
		int r;

		if (h->broken)
			return xs_fail(h, XEN_EIO);
		r = xs_recv_msg(h, &rh, timeout_ms);
		if (r == 0)
			return xs_fail(h, XEN_ETIMEDOUT);
		if (r < 0)
			return xs_fail(h, XEN_EIO);
		if (rh.type == XS_WATCH_EVENT)
			xs_queue_event(h, h->msg, rh.len);
	}
	struct xs_event *e = h->evq_head;
	char **vec = e->vec;

	h->evq_head = e->next;
	if (!h->evq_head)
		h->evq_tail = (void *)0;
	h->tr.free(e);
	if (num)
		*num = 2;
	return vec;
}

char **xs_read_watch(struct xs_handle *h, unsigned int *num)
{
	return xs_read_watch_timeout(h, num, -1);
}
