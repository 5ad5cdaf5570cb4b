/* Console backend: a domain's console out ring read into whole lines for the log. Portable C, no platform calls. */
#ifndef CONSOLE_BACK_H
#define CONSOLE_BACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pvabi/io/console.h>

#define CONS_BACK_LINE	200	/* longer lines are cut into pieces of this many bytes */
#define CONS_BACK_NAME	32

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
	void *ctx;
	char line[CONS_BACK_LINE];
	size_t len;
	uint64_t bytes, lines, resyncs;
};

void cons_back_init(struct cons_back *c, uint16_t domid, const char *name,
		    volatile struct xencons_interface *ring,
		    void (*emit)(void *ctx, const char *line, size_t len), void *ctx);
/* Consumes everything the guest has produced; true if out_cons moved (the caller then notifies the guest). */
bool cons_back_poll(struct cons_back *c);
/* Emits a partial last line (the domain went away without a newline). */
void cons_back_flush(struct cons_back *c);

#endif
