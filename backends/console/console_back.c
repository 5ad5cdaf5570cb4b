/* SPDX-License-Identifier: MIT */
/* Console backend: a domain's console out ring read into whole lines, each emitted with the domain's prefix; input into its in ring. */
#include "console_back.h"

static void cons_copy_name(char *dst, const char *src)
{
	size_t i = 0;

	for (; src && src[i] && i < CONS_BACK_NAME - 1; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

void cons_back_init(struct cons_back *c, uint16_t domid, const char *name,
		    volatile struct xencons_interface *ring,
		    void (*emit)(void *ctx, const char *line, size_t len), void *ctx)
{
	c->ring = ring;
	c->domid = domid;
	cons_copy_name(c->name, name);
	c->emit = emit;
	c->raw = NULL;
	c->ctx = ctx;
	c->len = 0;
	c->bytes = c->lines = c->resyncs = 0;
	c->in_bytes = c->in_dropped = c->tick_bytes = 0;
	c->idle_ticks = 0;
}

static size_t cons_put_str(char *out, size_t at, size_t cap, const char *s)
{
	while (*s && at + 1 < cap)
		out[at++] = *s++;
	return at;
}

static size_t cons_put_uint(char *out, size_t at, size_t cap, unsigned int v)
{
	char digits[12];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n && at + 1 < cap)
		out[at++] = digits[--n];
	return at;
}

static void cons_emit_line(struct cons_back *c)
{
	char out[CONS_BACK_LINE + CONS_BACK_NAME + 16];
	size_t n = 0;

	n = cons_put_str(out, n, sizeof(out), "(d");
	n = cons_put_uint(out, n, sizeof(out), c->domid);
	n = cons_put_str(out, n, sizeof(out), " ");
	n = cons_put_str(out, n, sizeof(out), c->name);
	n = cons_put_str(out, n, sizeof(out), ") ");
	for (size_t i = 0; i < c->len && n + 1 < sizeof(out); i++)
		out[n++] = c->line[i];
	out[n] = '\0';
	c->emit(c->ctx, out, n);
	c->lines++;
	c->len = 0;
}

static void cons_take_byte(struct cons_back *c, char ch)
{
	if (ch == '\n') {
		cons_emit_line(c);
		return;
	}
	if (ch == '\r')
		return;
	c->line[c->len++] = ch;
	if (c->len == CONS_BACK_LINE)
		cons_emit_line(c);
}

void cons_back_set_raw(struct cons_back *c, void (*raw)(void *ctx, const char *bytes, size_t len))
{
	c->raw = raw;
}

bool cons_back_poll(struct cons_back *c)
{
	char piece[CONS_BACK_RAW];
	size_t got = 0;
	volatile struct xencons_interface *r = c->ring;
	XENCONS_RING_IDX cons = r->out_cons;
	XENCONS_RING_IDX prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX avail = prod - cons;

	if (avail > XENCONS_OUT_SIZE) {
		/* No honest producer gets here: take its word for where it is and lose the rest. */
		c->resyncs++;
		__atomic_store_n(&r->out_cons, prod, __ATOMIC_RELEASE);
		return true;
	}
	/* Each byte is read from the guest's ring once; the line and the raw piece use that copy. */
	for (XENCONS_RING_IDX i = 0; i < avail; i++) {
		char byte = r->out[xencons_out_pos(cons + i)];

		cons_take_byte(c, byte);
		if (!c->raw)
			continue;
		piece[got++] = byte;
		if (got == sizeof(piece) || i + 1 == avail) {
			c->raw(c->ctx, piece, got);
			got = 0;
		}
	}
	/* The bytes are copied out before the guest may reuse their slots. */
	__atomic_store_n(&r->out_cons, cons + avail, __ATOMIC_RELEASE);
	c->bytes += avail;
	return avail != 0;
}

void cons_back_flush(struct cons_back *c)
{
	if (c->len)
		cons_emit_line(c);
}

size_t cons_back_input(struct cons_back *c, const char *s, size_t n)
{
	volatile struct xencons_interface *r = c->ring;
	XENCONS_RING_IDX cons = __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX prod = r->in_prod;
	uint32_t used = prod - cons;
	size_t i;

	if (used > XENCONS_IN_SIZE) {
		c->in_dropped += n;
		return 0;
	}
	for (i = 0; i < n && used + i < XENCONS_IN_SIZE; i++)
		r->in[xencons_in_pos(prod + (XENCONS_RING_IDX)i)] = s[i];
	/* The bytes are in place before the guest sees the producer move. */
	__atomic_store_n(&r->in_prod, prod + (XENCONS_RING_IDX)i, __ATOMIC_RELEASE);
	c->in_bytes += i;
	c->in_dropped += n - i;
	return i;
}

int cons_switch_byte(struct cons_switch *s, char c, char out[CONS_SWITCH_COUNT])
{
	int n = 0;

	if (c == CONS_SWITCH_CHAR) {
		if (++s->pending < CONS_SWITCH_COUNT)
			return 0;
		s->pending = 0;
		return -1;
	}
	for (; s->pending; s->pending--)
		out[n++] = CONS_SWITCH_CHAR;
	out[n++] = c;
	return n;
}

void cons_back_tick(struct cons_back *c)
{
	if (!c->len || c->bytes != c->tick_bytes) {
		c->idle_ticks = 0;
		c->tick_bytes = c->bytes;
		return;
	}
	if (++c->idle_ticks >= CONS_BACK_IDLE_TICKS) {
		cons_emit_line(c);
		c->idle_ticks = 0;
	}
}
