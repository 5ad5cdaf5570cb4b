/* SPDX-License-Identifier: MIT */
/* Hypervisor heap: power-of-two slabs for small objects, whole frame blocks for big ones, all charged to frame_owner_hv. */
#include <hv/frame.h>
#include <hv/heap.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/spinlock.h>

/*
 * Blocks are told apart by the user_tag of their head frame, which only
 * the heap writes on blocks it allocated: a big allocation's data can
 * never be mistaken for a slab header.
 */
#define HEAP_TAG_SLAB	0x51ab51abu
#define HEAP_TAG_BIG	0xb16b10c5u
#define SLAB_MAGIC	0x736c6162u
#define SLAB_HDR	64
#define SLAB_MAX_SLOTS	256
#define SLOT_END	0xffffu

/*
 * A slab: one block of frames (order 0 for classes up to 512 bytes,
 * order 2 above, so a 2048-byte class wastes 1/8 not 1/2) with this header
 * at its start and equal slots after it. Relies on mfn_to_virt mapping the
 * frames of a block contiguously, as the direct map does.
 */
struct slab {
	uint32_t magic;
	uint16_t cls;
	uint16_t nr_free;
	uint16_t nr_slots;
	uint16_t free_head;		/* first free slot; each free slot holds the next index */
	uint32_t reserved;
	struct slab *next, *prev;	/* partial list of the class: slabs with free slots */
	uint64_t in_use[SLAB_MAX_SLOTS / 64];	/* exact double-free detection */
};

_Static_assert(sizeof(struct slab) == SLAB_HDR, "slab header must fill its 64 bytes");
_Static_assert(SLAB_HDR % HEAP_ALIGN == 0, "slots must stay 16-byte aligned");

/*
 * heap_lock protects partial[] and stats and every slab's header. Lock
 * order: heap_lock, then the frame allocator's lock (slabs are created and
 * released with it held).
 */
static spinlock_t heap_lock = SPINLOCK_INIT;
static struct slab *partial[HEAP_NR_CLASSES];
static struct hv_heap_stats stats;

static inline size_t class_size(unsigned int cls)
{
	return (size_t)1 << (cls + HEAP_MIN_SHIFT);
}

static inline unsigned int slab_order(unsigned int cls)
{
	return class_size(cls) <= 512 ? 0 : 2;
}

static unsigned int class_of(size_t size)
{
	unsigned int shift = size <= 16 ? HEAP_MIN_SHIFT : 64 - (unsigned int)__builtin_clzll(size - 1);

	return shift - HEAP_MIN_SHIFT;
}

static inline void *slot_ptr(struct slab *s, unsigned int i)
{
	return (char *)s + SLAB_HDR + (size_t)i * class_size(s->cls);
}

static inline bool slot_used(const struct slab *s, unsigned int i)
{
	return s->in_use[i / 64] & (1ULL << (i % 64));
}

static inline void slot_flip(struct slab *s, unsigned int i)
{
	s->in_use[i / 64] ^= 1ULL << (i % 64);
}

void hv_heap_init(void)
{
	unsigned long flags = spin_lock_irqsave(&heap_lock);

	memset(partial, 0, sizeof(partial));
	memset(&stats, 0, sizeof(stats));
	spin_unlock_irqrestore(&heap_lock, flags);
}

static void partial_push(struct slab *s)
{
	s->prev = NULL;
	s->next = partial[s->cls];
	if (s->next)
		s->next->prev = s;
	partial[s->cls] = s;
}

static void partial_remove(struct slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		partial[s->cls] = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

static struct slab *slab_create(unsigned int cls)
{
	unsigned int order = slab_order(cls);
	mfn_t mfn = frame_alloc(order, &frame_owner_hv);
	struct slab *s;

	if (mfn == MFN_INVALID)
		return NULL;
	mfn_to_page(mfn)->user_tag = HEAP_TAG_SLAB;
	s = mfn_to_virt(mfn);
	memset(s, 0, sizeof(*s));
	s->magic = SLAB_MAGIC;
	s->cls = (uint16_t)cls;
	s->nr_slots = (uint16_t)(((PAGE_SIZE << order) - SLAB_HDR) / class_size(cls));
	s->nr_free = s->nr_slots;
	for (unsigned int i = 0; i < s->nr_slots; i++)
		*(uint16_t *)slot_ptr(s, i) = (uint16_t)(i + 1 < s->nr_slots ? i + 1 : SLOT_END);
	partial_push(s);
	stats.slab_frames += 1UL << order;
	stats.slabs[cls]++;
	return s;
}

static void slab_release(struct slab *s)
{
	unsigned int order = slab_order(s->cls);
	mfn_t mfn = virt_to_mfn(s);

	partial_remove(s);
	stats.slab_frames -= 1UL << order;
	stats.slabs[s->cls]--;
	s->magic = 0;
	mfn_to_page(mfn)->user_tag = 0;
	frame_free(mfn, order);
}

/* Takes the first free slot; the free-list link is checked since a use-after-free write lands there. */
static void *slab_take(struct slab *s)
{
	unsigned int i = s->free_head;
	uint16_t next;

	if (i >= s->nr_slots || slot_used(s, i))
		panic("heap: slab %p (class %zu) free list corrupted at slot %u", (void *)s,
		      class_size(s->cls), i);
	next = *(uint16_t *)slot_ptr(s, i);
	if (next != SLOT_END && next >= s->nr_slots)
		panic("heap: free slot %u of slab %p (class %zu) overwritten after free", i,
		      (void *)s, class_size(s->cls));
	s->free_head = next;
	slot_flip(s, i);
	if (--s->nr_free == 0)
		partial_remove(s);
	return slot_ptr(s, i);
}

static void *small_alloc(size_t size)
{
	unsigned int cls = class_of(size);
	unsigned long flags = spin_lock_irqsave(&heap_lock);
	struct slab *s = partial[cls];
	void *p = NULL;

	if (s == NULL)
		s = slab_create(cls);
	if (s) {
		p = slab_take(s);
		stats.live[cls]++;
		stats.bytes_in_use += class_size(cls);
	}
	spin_unlock_irqrestore(&heap_lock, flags);
	return p;
}

static void *big_alloc(size_t size)
{
	size_t pages = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	unsigned int order = pages <= 1 ? 0 : 64 - (unsigned int)__builtin_clzll(pages - 1);
	unsigned long flags;
	mfn_t mfn;

	if (order > FRAME_MAX_ORDER)
		return NULL;
	mfn = frame_alloc(order, &frame_owner_hv);
	if (mfn == MFN_INVALID)
		return NULL;
	mfn_to_page(mfn)->user_tag = HEAP_TAG_BIG;
	flags = spin_lock_irqsave(&heap_lock);
	stats.big_frames += 1UL << order;
	stats.big_allocs++;
	stats.bytes_in_use += PAGE_SIZE << order;
	spin_unlock_irqrestore(&heap_lock, flags);
	return mfn_to_virt(mfn);
}

void *hv_alloc(size_t size)
{
	if (size == 0 || size > (PAGE_SIZE << FRAME_MAX_ORDER))
		return NULL;
	return size <= HEAP_MAX_SMALL ? small_alloc(size) : big_alloc(size);
}

void *hv_zalloc(size_t size)
{
	void *p = hv_alloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

static void big_free(void *p, mfn_t head, unsigned int order)
{
	unsigned long flags;

	if (p != mfn_to_virt(head))
		panic("hv_free: %p is inside the big allocation at %p", p, mfn_to_virt(head));
	flags = spin_lock_irqsave(&heap_lock);
	stats.big_frames -= 1UL << order;
	stats.big_allocs--;
	stats.bytes_in_use -= PAGE_SIZE << order;
	spin_unlock_irqrestore(&heap_lock, flags);
	mfn_to_page(head)->user_tag = 0;
	frame_free(head, order);
}

/* Panics unless p is the start of a slot of slab s; returns the slot index. */
static unsigned int slab_slot_of(struct slab *s, void *p, unsigned int order)
{
	size_t off = (size_t)((char *)p - (char *)s);

	if (s->magic != SLAB_MAGIC || s->cls >= HEAP_NR_CLASSES || slab_order(s->cls) != order)
		panic("hv_free: slab header at %p for %p is corrupted", (void *)s, p);
	if (off < SLAB_HDR || (off - SLAB_HDR) % class_size(s->cls) ||
	    (off - SLAB_HDR) / class_size(s->cls) >= s->nr_slots)
		panic("hv_free: %p is not the start of a %zu-byte heap object", p,
		      class_size(s->cls));
	return (unsigned int)((off - SLAB_HDR) / class_size(s->cls));
}

static void small_free(void *p, mfn_t head, unsigned int order)
{
	struct slab *s = mfn_to_virt(head);
	unsigned long flags = spin_lock_irqsave(&heap_lock);
	unsigned int i = slab_slot_of(s, p, order);

	if (!slot_used(s, i))
		panic("hv_free: double free of %p (%zu-byte object)", p, class_size(s->cls));
	slot_flip(s, i);
	*(uint16_t *)p = s->free_head;
	s->free_head = (uint16_t)i;
	stats.live[s->cls]--;
	stats.bytes_in_use -= class_size(s->cls);
	if (++s->nr_free == 1)
		partial_push(s);
	/* An empty slab goes straight back so frame accounting shows real heap use. */
	if (s->nr_free == s->nr_slots)
		slab_release(s);
	spin_unlock_irqrestore(&heap_lock, flags);
}

void hv_free(void *p)
{
	unsigned int order;
	mfn_t mfn, head;

	if (p == NULL)
		return;
	mfn = virt_to_mfn(p);
	head = mfn_valid(mfn) ? frame_block_head(mfn, &order) : MFN_INVALID;
	if (head == MFN_INVALID || frame_owner_of(head) != &frame_owner_hv)
		panic("hv_free: %p is not allocated hypervisor memory (double free?)", p);
	if (mfn_to_page(head)->user_tag == HEAP_TAG_BIG)
		big_free(p, head, order);
	else if (mfn_to_page(head)->user_tag == HEAP_TAG_SLAB)
		small_free(p, head, order);
	else
		panic("hv_free: %p is in hypervisor frames the heap did not allocate", p);
}

void hv_heap_stats(struct hv_heap_stats *st)
{
	unsigned long flags = spin_lock_irqsave(&heap_lock);

	*st = stats;
	spin_unlock_irqrestore(&heap_lock, flags);
}

void hv_heap_stats_print(void)
{
	struct hv_heap_stats st;

	hv_heap_stats(&st);
	log_info("heap: %lu bytes in use, %lu slab frames, %lu big allocations in %lu frames",
		 st.bytes_in_use, st.slab_frames, st.big_allocs, st.big_frames);
	for (unsigned int c = 0; c < HEAP_NR_CLASSES; c++)
		if (st.slabs[c])
			log_info("heap:   %4zu-byte class: %lu live in %lu slabs", class_size(c),
				 st.live[c], st.slabs[c]);
}
