/* SPDX-License-Identifier: MIT */
/* Generic split-driver shared ring (blkif, netif, ...): the 64-byte shared header plus producer/consumer helpers. */
#ifndef PVABI_IO_RING_H
#define PVABI_IO_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pvabi/abi_check.h>

/*
 * Layout of a shared ring page (or pages): this header, then the slots.
 * Each slot is a union of one request and one response, so a response
 * overwrites the request it answers. Indices are free-running u32
 * counters; slot = index & (nr_ents - 1), nr_ents a power of two.
 */
struct pvabi_sring_hdr {
	uint32_t req_prod;
	uint32_t req_event;
	uint32_t rsp_prod;
	uint32_t rsp_event;
	uint8_t pad[48];
};
PVABI_SIZE(struct pvabi_sring_hdr, 64);
PVABI_OFF(struct pvabi_sring_hdr, req_prod, 0);
PVABI_OFF(struct pvabi_sring_hdr, req_event, 4);
PVABI_OFF(struct pvabi_sring_hdr, rsp_prod, 8);
PVABI_OFF(struct pvabi_sring_hdr, rsp_event, 12);
PVABI_OFF(struct pvabi_sring_hdr, pad, 16);

/*
 * Defines the typed shared ring of one protocol: union name_sring_entry
 * and struct name_sring (header followed by the slots).
 */
#define PVABI_DEFINE_RING(name, req_type, rsp_type)			\
	union name##_sring_entry {					\
		req_type req;						\
		rsp_type rsp;						\
	};								\
	struct name##_sring {						\
		struct pvabi_sring_hdr hdr;				\
		union name##_sring_entry ring[];			\
	}

/*
 * One side's private view of a ring. The frontend produces requests
 * (prod_pvt = its private req_prod) and consumes responses (cons =
 * rsp_cons); the backend the other way round. Nothing here is shared.
 */
struct pvabi_ring {
	struct pvabi_sring_hdr *sring;
	uint8_t *slots;
	uint32_t entry_size;
	uint32_t nr_ents;
	uint32_t prod_pvt;
	uint32_t pushed;		/* last index this side published */
	uint32_t cons;
};

/*
 * Barriers against a peer on another CPU. x86 keeps stores ordered with
 * stores and loads with loads, but a store followed by a load of another
 * location needs a full fence: that is the "publish index, then read the
 * peer's event index" step of every notification check.
 */
static inline void pvabi_mb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Read a shared index exactly once: a hostile peer may change it at any time. */
static inline uint32_t pvabi_read_idx(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Publish an index after the slot contents it covers. */
static inline void pvabi_write_idx(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Slots that fit in ring_bytes, rounded down to a power of two; 0 if none. */
static inline uint32_t pvabi_ring_nr_ents(size_t ring_bytes, size_t entry_size)
{
	if (entry_size == 0 || ring_bytes <= sizeof(struct pvabi_sring_hdr))
		return 0;
	size_t n = (ring_bytes - sizeof(struct pvabi_sring_hdr)) / entry_size;
	if (n > (1U << 31))
		n = 1U << 31;
	uint32_t p = 1;
	if (n == 0)
		return 0;
	while ((size_t)p * 2 <= n)
		p *= 2;
	return p;
}

/* Frontend, before granting the page: empty ring, notify on the first message. */
static inline void pvabi_sring_init(struct pvabi_sring_hdr *s)
{
	for (size_t i = 0; i < sizeof(s->pad); i++)
		s->pad[i] = 0;
	s->req_prod = 0;
	s->rsp_prod = 0;
	s->req_event = 1;
	s->rsp_event = 1;
	pvabi_mb();
}

/* Attach a private view; false if no slot fits. Both sides start from the shared indices' zero state. */
static inline bool pvabi_ring_attach(struct pvabi_ring *r, void *ring_mem,
				     size_t ring_bytes, size_t entry_size)
{
	uint32_t n = pvabi_ring_nr_ents(ring_bytes, entry_size);
	if (n == 0 || entry_size > UINT32_MAX)
		return false;
	r->sring = (struct pvabi_sring_hdr *)ring_mem;
	r->slots = (uint8_t *)ring_mem + sizeof(struct pvabi_sring_hdr);
	r->entry_size = (uint32_t)entry_size;
	r->nr_ents = n;
	r->prod_pvt = 0;
	r->pushed = 0;
	r->cons = 0;
	return true;
}

static inline void *pvabi_ring_slot(const struct pvabi_ring *r, uint32_t idx)
{
	return r->slots + (size_t)(idx & (r->nr_ents - 1)) * r->entry_size;
}

/*
 * Copies a slot into private memory. The compiler barrier after the copy
 * is what makes it private: without it the compiler may drop the local
 * copy and read the shared slot again where the copy is used (a "double
 * fetch"), and a hostile peer can change the slot between a check and
 * that second read.
 */
static inline void pvabi_ring_copy(void *dst, const void *src, uint32_t n)
{
	__builtin_memcpy(dst, src, n);
	__asm__ volatile("" ::: "memory");
}

/*
 * Notification hold-off (both directions work alike; requests shown).
 * The consumer says which producer index it wants an event for by writing
 * req_event; the producer sends an event only when its push crossed that
 * index, so a busy consumer gets no events at all.
 *
 *   producer                               consumer (about to sleep)
 *   write slots                            write req_event = cons + 1
 *   release: req_prod = new                full barrier (pvabi_mb)
 *   full barrier (pvabi_mb)                read req_prod again
 *   read req_event                         nothing new? sleep on the event
 *   notify if old < req_event <= new
 *
 * Each side stores, then loads the other's location: x86 may let a load
 * pass an earlier store, so both barriers are full fences. With them, at
 * least one side sees the other's store: either the producer sees the new
 * req_event and notifies, or the consumer sees the new req_prod and does
 * not sleep. Without them both can miss and the ring stalls.
 */

/* The backend's typed private copy of the next request: PVABI_BACK_TAKE(r, &req). */
#define PVABI_BACK_TAKE(r, req_ptr)	pvabi_back_take_request((r), (req_ptr), sizeof(*(req_ptr)))
/* The frontend's typed private copy of the next response. */
#define PVABI_FRONT_TAKE(r, rsp_ptr)	pvabi_front_take_response((r), (rsp_ptr), sizeof(*(rsp_ptr)))

/* ---- frontend side: produces requests, consumes responses ---- */

/* Requests the frontend may still queue: slots not held by unanswered requests. */
static inline uint32_t pvabi_front_free_requests(const struct pvabi_ring *r)
{
	return r->nr_ents - (r->prod_pvt - r->cons);
}

/* Next request slot to fill (private until pushed), or NULL if the ring is full. */
static inline void *pvabi_front_next_request(struct pvabi_ring *r)
{
	if (pvabi_front_free_requests(r) == 0)
		return NULL;
	return pvabi_ring_slot(r, r->prod_pvt++);
}

/*
 * Publish queued requests (old = what we published last, never re-read
 * from shared memory). Returns true if the backend asked to be
 * notified for an index in (old, new]: (new - event) < (new - old).
 */
static inline bool pvabi_front_push_requests(struct pvabi_ring *r)
{
	uint32_t old = r->pushed;
	uint32_t new_prod = r->prod_pvt;
	pvabi_write_idx(&r->sring->req_prod, new_prod);
	r->pushed = new_prod;
	pvabi_mb();
	uint32_t event = pvabi_read_idx(&r->sring->req_event);
	return (uint32_t)(new_prod - event) < (uint32_t)(new_prod - old);
}

/*
 * Responses ready to consume, or -1 if the backend claims more responses
 * than requests outstanding (a broken or hostile backend).
 */
static inline int64_t pvabi_front_pending_responses(const struct pvabi_ring *r)
{
	uint32_t prod = pvabi_read_idx(&r->sring->rsp_prod);
	uint32_t avail = prod - r->cons;
	if (avail > r->prod_pvt - r->cons)
		return -1;
	return avail;
}

/*
 * Copy the next response (out_size bytes, at most one slot: the slot is
 * a request/response union, usually bigger than a response) and consume it.
 */
static inline void pvabi_front_take_response(struct pvabi_ring *r, void *out, size_t out_size)
{
	uint32_t n = out_size < r->entry_size ? (uint32_t)out_size : r->entry_size;
	pvabi_ring_copy(out, pvabi_ring_slot(r, r->cons), n);
	r->cons++;
}

/*
 * Before sleeping: ask for a notification on the next response, then
 * look again so a response that raced with the request is not missed.
 */
static inline int64_t pvabi_front_final_check(struct pvabi_ring *r)
{
	int64_t n = pvabi_front_pending_responses(r);
	if (n != 0)
		return n;
	pvabi_write_idx(&r->sring->rsp_event, r->cons + 1);
	pvabi_mb();
	return pvabi_front_pending_responses(r);
}

/* ---- backend side: consumes requests, produces responses ---- */

/*
 * Requests ready to consume, or -1 if the frontend's req_prod claims more
 * requests than there are free slots to answer them in (hostile peer).
 */
static inline int64_t pvabi_back_pending_requests(const struct pvabi_ring *r)
{
	uint32_t prod = pvabi_read_idx(&r->sring->req_prod);
	uint32_t avail = prod - r->cons;
	uint32_t room = r->nr_ents - (r->cons - r->prod_pvt);
	if (avail > room)
		return -1;
	return avail;
}

/*
 * Copy the next request (out_size bytes, at most one slot) into private
 * memory and consume it. Validate the copy, never the slot: the frontend
 * can rewrite the slot after any check.
 */
static inline void pvabi_back_take_request(struct pvabi_ring *r, void *out, size_t out_size)
{
	uint32_t n = out_size < r->entry_size ? (uint32_t)out_size : r->entry_size;
	pvabi_ring_copy(out, pvabi_ring_slot(r, r->cons), n);
	r->cons++;
}

/* Next response slot to fill, or NULL if every consumed request is already answered. */
static inline void *pvabi_back_next_response(struct pvabi_ring *r)
{
	if (r->prod_pvt == r->cons)
		return NULL;
	return pvabi_ring_slot(r, r->prod_pvt++);
}

/* Publish responses; true if the frontend asked to be notified. */
static inline bool pvabi_back_push_responses(struct pvabi_ring *r)
{
	uint32_t old = r->pushed;
	uint32_t new_prod = r->prod_pvt;
	pvabi_write_idx(&r->sring->rsp_prod, new_prod);
	r->pushed = new_prod;
	pvabi_mb();
	uint32_t event = pvabi_read_idx(&r->sring->rsp_event);
	return (uint32_t)(new_prod - event) < (uint32_t)(new_prod - old);
}

/* Before sleeping: request a notification for the next request, then re-check. */
static inline int64_t pvabi_back_final_check(struct pvabi_ring *r)
{
	int64_t n = pvabi_back_pending_requests(r);
	if (n != 0)
		return n;
	pvabi_write_idx(&r->sring->req_event, r->cons + 1);
	pvabi_mb();
	return pvabi_back_pending_requests(r);
}

#endif
