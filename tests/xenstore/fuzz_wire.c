/* SPDX-License-Identifier: MIT */
/* Fuzz target for the xenstored wire parser and request handlers (libFuzzer, or a corpus replayer without it). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xsd.h"
#include "xsd_ring.h"

/*
 * Input: records of [target byte][length byte][length bytes].  Target & 3:
 * 0 and 1 feed a privileged (dom0) or a guest (dom5) socket-style stream, in
 * pieces, so framing is split at arbitrary points; 2 produces the bytes into
 * a fake ring page of dom7 like a guest would; 3 scribbles the bytes over the
 * page's indices like a hostile guest.  A connection watches "/" throughout.  After every piece each reply
 * must be well formed; at the end the tree must pass its consistency
 * check and a fresh client must still be served.
 */

static void fuzz_die(const char *why)
{
	fprintf(stderr, "fuzz_wire: %s\n", why);
	abort();
}

static void fuzz_drain(struct xsd_conn *c)
{
	const uint8_t *p;
	size_t n;

	while ((n = xsd_conn_out_peek(c, &p)) != 0) {
		struct xsd_sockmsg h;

		if (n < sizeof(h))
			fuzz_die("short message queued");
		memcpy(&h, p, sizeof(h));
		if (h.len > XENSTORE_PAYLOAD_MAX || n != sizeof(h) + h.len)
			fuzz_die("bad reply length");
		if (h.type >= XS_TYPE_COUNT)
			fuzz_die("bad reply type");
		if (h.type == XS_ERROR && (h.len == 0 || p[sizeof(h) + h.len - 1] != '\0'))
			fuzz_die("error reply without NUL");
		xsd_conn_out_consume(c, n);
	}
}

static struct xsd_conn *fuzz_conn(struct xsd_store *s, uint32_t domid)
{
	struct xsd_conn *c = xsd_conn_new(s, domid);

	if (!c)
		fuzz_die("conn alloc");
	return c;
}

static void fuzz_probe(struct xsd_store *s)
{
	static const uint8_t msg[] = { XS_WRITE, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0,
				       '/', 'p', 'r', 'o', 'b', 'e', 0, 'o', 'k' };
	struct xsd_conn *c = fuzz_conn(s, 0);
	const uint8_t *p;
	struct xsd_sockmsg h;

	if (xsd_conn_feed(c, msg, sizeof(msg)) != (long)sizeof(msg))
		fuzz_die("probe not consumed");
	if (xsd_conn_out_peek(c, &p) < sizeof(h))
		fuzz_die("probe got no reply");
	memcpy(&h, p, sizeof(h));
	if (h.type != XS_WRITE || h.req_id != 9)
		fuzz_die("probe write refused");
	xsd_conn_free(c);
}

static struct xenstore_domain_interface fuzz_page;
static struct xsd_ring fuzz_ring;

static void fuzz_ring_reset(struct xsd_store *s)
{
	memset(&fuzz_page, 0, sizeof(fuzz_page));
	if (xsd_ring_attach(&fuzz_ring, s, 7, &fuzz_page, NULL, NULL) != 0)
		fuzz_die("ring attach");
}

/* Guest side of the fake ring: produce requests, or corrupt indices; then take replies. */
static void fuzz_ring_step(struct xsd_store *s, int hostile, const uint8_t *d, size_t len)
{
	if (hostile) {
		memcpy((uint8_t *)&fuzz_page.req_cons, d, len < 16 ? len : 16);
	} else {
		len = len < XENSTORE_RING_SIZE - (fuzz_page.req_prod - fuzz_page.req_cons)
			      ? len : 0;
		for (size_t i = 0; i < len; i++)
			fuzz_page.req[xs_ring_mask(fuzz_page.req_prod + (uint32_t)i)] = (char)d[i];
		fuzz_page.req_prod += (uint32_t)len;
	}
	if (xsd_ring_poll(&fuzz_ring) < 0) {
		xsd_ring_detach(&fuzz_ring);
		fuzz_ring_reset(s);
		return;
	}
	/* The page's own indices may be scribbled; the server's private one may not lie. */
	if (fuzz_ring.rsp_prod - fuzz_page.rsp_cons > XENSTORE_RING_SIZE)
		fuzz_die("server produced past the ring");
	fuzz_page.rsp_cons = fuzz_page.rsp_prod;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xsd_store s;
	struct xsd_conn *conn[2], *watcher;
	static const uint8_t watch[] = { XS_WATCH, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0,
					 '/', 0, 't', 0 };
	char why[256];
	size_t off = 0;

	if (xsd_store_init(&s, NULL) < 0)
		return 0;
	conn[0] = fuzz_conn(&s, 0);
	conn[1] = fuzz_conn(&s, 5);
	watcher = fuzz_conn(&s, 0);
	xsd_conn_feed(watcher, watch, sizeof(watch));
	fuzz_ring_reset(&s);
	while (off + 2 <= size) {
		int which = data[off] & 3;
		size_t len = data[off + 1];

		off += 2;
		len = len < size - off ? len : size - off;
		if (which >= 2) {
			fuzz_ring_step(&s, which == 3, data + off, len);
		} else if (xsd_conn_feed(conn[which], data + off, len) < 0) {
			xsd_conn_free(conn[which]);
			conn[which] = fuzz_conn(&s, which ? 5 : 0);
		}
		off += len;
		fuzz_drain(conn[0]);
		fuzz_drain(conn[1]);
		fuzz_drain(watcher);
	}
	if (xsd_store_check(&s, why, sizeof(why)) < 0)
		fuzz_die(why);
	fuzz_probe(&s);
	xsd_ring_detach(&fuzz_ring);
	xsd_store_destroy(&s);
	return 0;
}

#ifndef XSD_FUZZ_LIBFUZZER
/* Without libFuzzer: replay the files named on the command line. */
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		static uint8_t buf[1 << 20];
		size_t n;

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("fuzz_wire: replayed %d inputs\n", argc - 1);
	return 0;
}
#endif
