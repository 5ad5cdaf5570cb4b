/* SPDX-License-Identifier: MIT */
/* Console backend: a domain's console out ring read into whole lines for the log, input written to its in ring. Portable C. */
#ifndef CONSOLE_BACK_H
#define CONSOLE_BACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pvabi/io/console.h>

#define CONS_BACK_LINE	200	/* longer lines are cut into pieces of this many bytes */
#define CONS_BACK_NAME	32
#define CONS_BACK_RAW	200	/* raw() gets the output in pieces of at most this many bytes */

/*
 * emit() gets one line without its newline, already prefixed with
 * "(dN name) ", NUL-terminated. The guest owns the ring: it may write
 * anything at any time, so indices are read once per poll and a producer
 * claiming more than the ring holds is skipped to (its output lost, the
 * backend unharmed). Bytes that are not printable ASCII are passed on as
 * they are; the log's own writer escapes them.
 */
struct cons_back {
	volatile struct xencons_interface *ring;
	uint16_t domid;
	char name[CONS_BACK_NAME];
	void (*emit)(void *ctx, const char *line, size_t len);
	/* Optional: the output as the guest wrote it (an interactive console wants prompts and long lines whole). */
	void (*raw)(void *ctx, const char *bytes, size_t len);
	void *ctx;
	char line[CONS_BACK_LINE];
	size_t len;
	uint64_t bytes, lines, resyncs;
	uint64_t in_bytes, in_dropped;	/* input written to the guest, and lost to a full or broken in ring */
	uint64_t tick_bytes;		/* bytes at the last cons_back_tick */
	unsigned int idle_ticks;
};

/* A partial line (a shell's prompt) is emitted after this many ticks without output. */
#define CONS_BACK_IDLE_TICKS	3

void cons_back_init(struct cons_back *c, uint16_t domid, const char *name,
		    volatile struct xencons_interface *ring,
		    void (*emit)(void *ctx, const char *line, size_t len), void *ctx);
/* raw() also gets every byte consumed, in order, copied out of the ring once with the line's copy. */
void cons_back_set_raw(struct cons_back *c, void (*raw)(void *ctx, const char *bytes, size_t len));
/* Consumes everything the guest has produced; true if out_cons moved (the caller then notifies the guest). */
bool cons_back_poll(struct cons_back *c);
/* Emits a partial last line (the domain went away without a newline). */
void cons_back_flush(struct cons_back *c);
/*
 * Writes input for the guest into its in ring; returns the bytes written
 * (the caller then notifies the guest). What does not fit is dropped, as
 * a serial line drops what nobody reads; a ring whose indices make no
 * sense gets nothing.
 */
size_t cons_back_input(struct cons_back *c, const char *s, size_t n);
/* Called on the caller's periodic tick: a partial line idle for CONS_BACK_IDLE_TICKS ticks is emitted. */
void cons_back_tick(struct cons_back *c);

/*
 * The switch sequence on the shared serial input: Ctrl-A three times in a
 * row (Xen's). Ctrl-As are held back until the third, or replayed before
 * the next other byte.
 */
#define CONS_SWITCH_CHAR	0x01
#define CONS_SWITCH_COUNT	3

struct cons_switch {
	unsigned int pending;
};

/* Feeds one byte: returns how many bytes to deliver (in out, 0..CONS_SWITCH_COUNT), or -1: switch now. */
int cons_switch_byte(struct cons_switch *s, char c, char out[CONS_SWITCH_COUNT]);

#endif
