/* SPDX-License-Identifier: MIT */
/* Split virtqueues, driver side: a free list of descriptors, the available ring we write and the used ring we read. */
#include "virtqueue.h"

size_t virtq_desc_bytes(uint16_t size)
{
	return (size_t)size * sizeof(struct virtq_desc);
}

size_t virtq_avail_bytes(uint16_t size)
{
	return sizeof(struct virtq_avail) + (size_t)size * sizeof(uint16_t) + sizeof(uint16_t);
}

size_t virtq_used_bytes(uint16_t size)
{
	return sizeof(struct virtq_used) + (size_t)size * sizeof(struct virtq_used_elem) + sizeof(uint16_t);
}

int virtq_init(struct virtq *q, uint16_t size, void *desc, void *avail, void *used)
{
	if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
		return -1;
	*q = (struct virtq){ .size = size, .num_free = size, .desc = desc, .avail = avail, .used = used };
	for (uint16_t i = 0; i < size; i++)
		q->desc[i].next = (uint16_t)(i + 1 < size ? i + 1 : 0);
	return 0;
}

static bool segs_ordered(const struct virtq_seg *segs, unsigned int n)
{
	bool writable = false;

	for (unsigned int i = 0; i < n; i++) {
		if (writable && !segs[i].device_writes)
			return false;
		writable = segs[i].device_writes;
	}
	return true;
}

/* Makes the chain at head, n descriptors of the ring long, visible to the device under cookie. */
static int publish(struct virtq *q, uint16_t head, uint16_t last, unsigned int n, void *cookie)
{
	q->free_head = q->desc[last].next;
	q->num_free = (uint16_t)(q->num_free - n);
	q->cookie[head] = cookie;
	q->chain_len[head] = (uint16_t)n;
	q->avail->ring[q->avail_idx % q->size] = head;
	/* The descriptors and the ring slot must be visible before the index that publishes them. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->avail_idx++;
	__atomic_store_n(&q->avail->idx, q->avail_idx, __ATOMIC_RELEASE);
	/* The index before the notification the caller writes next (a store-store order x86 keeps; the fence says so). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return head;
}

/* Writes segs from descriptor d on: along the free list in the ring, in order in a table; returns the last one. */
static uint16_t fill(volatile struct virtq_desc *desc, uint16_t d, const struct virtq_seg *segs, unsigned int n,
		     bool table)
{
	for (unsigned int i = 0; i < n; i++) {
		desc[d].addr = segs[i].addr;
		desc[d].len = segs[i].len;
		desc[d].flags = (uint16_t)((segs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
					   (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		if (table)
			desc[d].next = (uint16_t)(i + 1 < n ? i + 1 : 0);	/* a table is its own list, in order */
		if (i + 1 < n)
			d = desc[d].next;
	}
	return d;
}

int virtq_add(struct virtq *q, const struct virtq_seg *segs, unsigned int n, void *cookie)
{
	uint16_t head = q->free_head;

	if (!n || !cookie || n > q->num_free || !segs_ordered(segs, n))
		return -1;
	return publish(q, head, fill(q->desc, head, segs, n, false), n, cookie);
}

int virtq_add_indirect(struct virtq *q, const struct virtq_seg *segs, unsigned int n, void *cookie,
		       volatile struct virtq_desc *table, uint64_t table_bus)
{
	uint16_t head = q->free_head;

	if (!n || !cookie || !q->num_free || n > VIRTQ_INDIRECT_MAX || n > q->size || (table_bus & 4095) ||
	    !segs_ordered(segs, n))
		return -1;
	fill(table, 0, segs, n, true);
	/* One ring entry: the device reads the whole table through it (neither NEXT nor WRITE may go with INDIRECT). */
	q->desc[head].addr = table_bus;
	q->desc[head].len = (uint32_t)(n * sizeof(struct virtq_desc));
	q->desc[head].flags = VIRTQ_DESC_F_INDIRECT;
	return publish(q, head, head, 1, cookie);
}

/* Returns the chain of head to the free list; its last descriptor links to the old free head. */
static void chain_free(struct virtq *q, uint16_t head)
{
	uint16_t d = head;

	for (uint16_t i = 1; i < q->chain_len[head]; i++)
		d = q->desc[d].next;
	q->desc[d].next = q->free_head;
	q->free_head = head;
	q->num_free = (uint16_t)(q->num_free + q->chain_len[head]);
	q->cookie[head] = NULL;
	q->chain_len[head] = 0;
}

int virtq_get(struct virtq *q, void **cookie, uint32_t *len)
{
	uint16_t used_idx = __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE);
	uint32_t id;

	if (used_idx == q->last_used)
		return 0;
	/* The entry is read once: the device may not rewrite it, but a copy is what we check and use. */
	id = q->used->ring[q->last_used % q->size].id;
	*len = q->used->ring[q->last_used % q->size].len;
	q->last_used++;
	if (id >= q->size || !q->cookie[id])
		return -1;
	*cookie = q->cookie[id];
	chain_free(q, (uint16_t)id);
	return 1;
}

unsigned int virtq_in_flight(const struct virtq *q)
{
	unsigned int n = 0;

	for (uint16_t i = 0; i < q->size; i++)
		n += q->cookie[i] != NULL;
	return n;
}
