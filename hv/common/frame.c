/* SPDX-License-Identifier: MIT */
/* Frame table and buddy allocator: naturally aligned blocks of 2^order frames, charged to owners. */
#include <hv/frame.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/spinlock.h>

#define LIST_END	UINT32_MAX

struct free_list {
	uint32_t head;	/* high-memory blocks are pushed here and taken first */
	uint32_t tail;	/* low-memory blocks are pushed here; frame_alloc_below scans from here */
	uint64_t nr_blocks;
};

/*
 * frame_lock protects everything below, every page_info's u and alloc_info
 * (count_info/type_info belong to the PV memory manager), and the frames,
 * peak_frames, failed_allocs, max_frames, next and registered fields of
 * every frame_owner. It is a leaf lock except that frame_stats_print calls
 * printk under it; the heap takes its own lock before this one.
 */
static spinlock_t frame_lock = SPINLOCK_INIT;
static struct free_list free_lists[FRAME_NR_ORDERS];
static uint64_t frames_total;
static uint64_t frames_free;
static struct frame_owner *owners_head;

struct page_info *frame_table;
mfn_t frame_table_frames;

struct frame_owner frame_owner_hv = { .name = "hypervisor" };

static inline uint64_t order_frames(unsigned int order)
{
	return (uint64_t)1 << order;
}

static inline unsigned int pg_order(const struct page_info *pg)
{
	return (pg->alloc_info & FRAME_ORDER_MASK) >> FRAME_ORDER_SHIFT;
}

static inline uint32_t pg_index(const struct page_info *pg)
{
	return pg->alloc_info >> FRAME_INDEX_SHIFT;
}

static inline uint32_t head_info(unsigned int state, unsigned int order)
{
	return state | FRAME_HEAD | (order << FRAME_ORDER_SHIFT);
}

static void list_push(unsigned int order, mfn_t mfn)
{
	struct free_list *l = &free_lists[order];
	struct page_info *pg = &frame_table[mfn];
	bool low = mfn < FRAME_LOW_LIMIT;

	pg->alloc_info = head_info(FRAME_STATE_FREE, order);
	if (l->head == LIST_END) {
		pg->u.free.next = pg->u.free.prev = LIST_END;
		l->head = l->tail = (uint32_t)mfn;
	} else if (low) {
		pg->u.free.prev = l->tail;
		pg->u.free.next = LIST_END;
		frame_table[l->tail].u.free.next = (uint32_t)mfn;
		l->tail = (uint32_t)mfn;
	} else {
		pg->u.free.next = l->head;
		pg->u.free.prev = LIST_END;
		frame_table[l->head].u.free.prev = (uint32_t)mfn;
		l->head = (uint32_t)mfn;
	}
	l->nr_blocks++;
}

/* Unlinks a free head; it stays FREE but is no longer a head of anything. */
static void list_remove(unsigned int order, mfn_t mfn)
{
	struct free_list *l = &free_lists[order];
	struct page_info *pg = &frame_table[mfn];
	uint32_t next = pg->u.free.next, prev = pg->u.free.prev;

	if (prev == LIST_END)
		l->head = next;
	else
		frame_table[prev].u.free.next = next;
	if (next == LIST_END)
		l->tail = prev;
	else
		frame_table[next].u.free.prev = prev;
	pg->alloc_info = FRAME_STATE_FREE;
	pg->u.owner = NULL;
	l->nr_blocks--;
}

static bool is_free_head(mfn_t mfn, unsigned int order)
{
	const struct page_info *pg;

	if (mfn >= frame_table_frames)
		return false;
	pg = &frame_table[mfn];
	return page_state(pg) == FRAME_STATE_FREE && (pg->alloc_info & FRAME_HEAD) &&
	       pg_order(pg) == order;
}

/* Inserts a free block, first merging it with its buddy as far up as possible. */
static void merge_and_insert(mfn_t mfn, unsigned int order)
{
	while (order < FRAME_MAX_ORDER) {
		mfn_t buddy = mfn ^ order_frames(order);

		if (!is_free_head(buddy, order))
			break;
		list_remove(order, buddy);
		frame_table[mfn].alloc_info = FRAME_STATE_FREE;
		mfn = MIN(mfn, buddy);
		order++;
	}
	list_push(order, mfn);
}

static void check_ready(const char *who)
{
	if (unlikely(frame_table == NULL))
		panic("%s: frame table not initialised", who);
}

void frame_table_init(struct page_info *table, mfn_t nr_frames)
{
	unsigned long flags;

	if (table == NULL || nr_frames == 0 || nr_frames >= LIST_END)
		panic("frame_table_init: bad table %p with %lu frames", (void *)table, nr_frames);
	flags = spin_lock_irqsave(&frame_lock);
	memset(table, 0, nr_frames * sizeof(*table));
	frame_table = table;
	frame_table_frames = nr_frames;
	for (unsigned int o = 0; o < FRAME_NR_ORDERS; o++)
		free_lists[o] = (struct free_list){ LIST_END, LIST_END, 0 };
	frames_total = frames_free = 0;
	frame_owner_hv = (struct frame_owner){
		.name = "hypervisor", .max_frames = UINT64_MAX, .registered = true,
	};
	owners_head = &frame_owner_hv;
	spin_unlock_irqrestore(&frame_lock, flags);
}

/* Largest order a block starting at first may have without passing count frames. */
static unsigned int carve_order(mfn_t first, mfn_t count)
{
	unsigned int by_align = first ? (unsigned int)__builtin_ctzll(first) : FRAME_MAX_ORDER;
	unsigned int by_size = 63 - (unsigned int)__builtin_clzll(count);

	return MIN(MIN(by_align, by_size), (unsigned int)FRAME_MAX_ORDER);
}

void frame_add_free_range(mfn_t first, mfn_t count)
{
	unsigned long flags;

	check_ready("frame_add_free_range");
	if (count == 0)
		return;
	if (first >= frame_table_frames || count > frame_table_frames - first)
		panic("frame_add_free_range: [0x%lx, +0x%lx) outside the frame table (0x%lx frames)",
		      first, count, frame_table_frames);
	flags = spin_lock_irqsave(&frame_lock);
	for (mfn_t m = first; m < first + count; m++) {
		struct page_info *pg = &frame_table[m];

		if (page_state(pg) != FRAME_STATE_RESERVED)
			panic("frame_add_free_range: mfn 0x%lx added twice", m);
		*pg = (struct page_info){ .alloc_info = FRAME_STATE_FREE };
	}
	frames_total += count;
	frames_free += count;
	while (count) {
		unsigned int order = carve_order(first, count);

		merge_and_insert(first, order);
		first += order_frames(order);
		count -= order_frames(order);
	}
	spin_unlock_irqrestore(&frame_lock, flags);
}

static mfn_t take_block(unsigned int o, uint32_t m, unsigned int *found_order)
{
	list_remove(o, m);
	*found_order = o;
	return m;
}

/*
 * Takes a free block of at least `order` off its list, smallest order
 * first so big blocks stay whole. Without a limit, any block above
 * FRAME_LOW_LIMIT (they sit at the list heads) beats a low one, however
 * small the low one: low memory is kept for frame_alloc_below. With a limit
 * (MFN_INVALID: none) the block's first 2^order frames must end at or
 * below it; low blocks sit at the list tails, so the scan starts there.
 */
static mfn_t find_block(unsigned int order, mfn_t limit, unsigned int *found_order)
{
	unsigned int o;

	if (limit == MFN_INVALID) {
		for (o = order; o < FRAME_NR_ORDERS; o++)
			if (free_lists[o].head != LIST_END && free_lists[o].head >= FRAME_LOW_LIMIT)
				return take_block(o, free_lists[o].head, found_order);
		for (o = order; o < FRAME_NR_ORDERS; o++)
			if (free_lists[o].head != LIST_END)
				return take_block(o, free_lists[o].head, found_order);
		return MFN_INVALID;
	}
	for (o = order; o < FRAME_NR_ORDERS; o++) {
		uint32_t m = free_lists[o].tail;

		while (m != LIST_END && m + order_frames(order) > limit)
			m = frame_table[m].u.free.prev;
		if (m != LIST_END)
			return take_block(o, m, found_order);
	}
	return MFN_INVALID;
}

/* Splits a block taken at order `have` down to `want`, returning the upper halves to the lists. */
static void split_block(mfn_t mfn, unsigned int have, unsigned int want)
{
	while (have > want) {
		have--;
		list_push(have, mfn + order_frames(have));
	}
}

static void mark_allocated(mfn_t mfn, unsigned int order, struct frame_owner *owner)
{
	for (uint64_t i = 0; i < order_frames(order); i++) {
		struct page_info *pg = &frame_table[mfn + i];

		pg->u.owner = owner;
		pg->count_info = 0;
		pg->type_info = 0;
		pg->user_tag = 0;
		pg->alloc_info = FRAME_STATE_ALLOCATED | (uint32_t)(i << FRAME_INDEX_SHIFT);
	}
	frame_table[mfn].alloc_info = head_info(FRAME_STATE_ALLOCATED, order);
}

void frame_split(mfn_t mfn, unsigned int order)
{
	unsigned long flags = spin_lock_irqsave(&frame_lock);
	struct page_info *pg;

	if (!mfn_valid(mfn))
		panic("frame_split: mfn 0x%lx outside the table", mfn);
	pg = &frame_table[mfn];
	if (page_state(pg) != FRAME_STATE_ALLOCATED || !(pg->alloc_info & FRAME_HEAD) || pg_order(pg) != order)
		panic("frame_split: mfn 0x%lx is not the head of an allocated order-%u block", mfn, order);
	/* Same owner, same charge: only the allocator's notion of the block changes. */
	for (uint64_t i = 0; i < order_frames(order); i++)
		frame_table[mfn + i].alloc_info = head_info(FRAME_STATE_ALLOCATED, 0);
	spin_unlock_irqrestore(&frame_lock, flags);
}

static void check_owner(struct frame_owner *owner, const char *who)
{
	if (unlikely(owner == NULL || !owner->registered))
		panic("%s: owner %p is not registered", who, (void *)owner);
}

bool frame_reassign(mfn_t mfn, struct frame_owner *from, struct frame_owner *to)
{
	unsigned long flags = spin_lock_irqsave(&frame_lock);
	struct page_info *pg;
	bool ok = false;

	check_owner(to, "frame_reassign");
	if (!mfn_valid(mfn))
		goto out;
	pg = &frame_table[mfn];
	if (page_state(pg) != FRAME_STATE_ALLOCATED || !(pg->alloc_info & FRAME_HEAD) || pg_order(pg) != 0 ||
	    pg->u.owner != from || to->frames >= to->max_frames)
		goto out;
	from->frames--;
	to->frames++;
	to->peak_frames = MAX(to->peak_frames, to->frames);
	__atomic_store_n(&pg->u.owner, to, __ATOMIC_RELEASE);
	ok = true;
out:
	spin_unlock_irqrestore(&frame_lock, flags);
	return ok;
}

static mfn_t alloc_common(unsigned int order, struct frame_owner *owner, mfn_t limit)
{
	unsigned long flags;
	unsigned int have;
	mfn_t mfn = MFN_INVALID;

	check_ready("frame_alloc");
	flags = spin_lock_irqsave(&frame_lock);
	check_owner(owner, "frame_alloc");
	if (order > FRAME_MAX_ORDER || owner->frames + order_frames(order) > owner->max_frames ||
	    owner->frames + order_frames(order) < owner->frames)
		goto out;
	mfn = find_block(order, limit, &have);
	if (mfn == MFN_INVALID)
		goto out;
	split_block(mfn, have, order);
	mark_allocated(mfn, order, owner);
	frames_free -= order_frames(order);
	owner->frames += order_frames(order);
	owner->peak_frames = MAX(owner->peak_frames, owner->frames);
out:
	if (mfn == MFN_INVALID)
		owner->failed_allocs++;
	spin_unlock_irqrestore(&frame_lock, flags);
	return mfn;
}

mfn_t frame_alloc(unsigned int order, struct frame_owner *owner)
{
	return alloc_common(order, owner, MFN_INVALID);
}

mfn_t frame_alloc_below(unsigned int order, struct frame_owner *owner, mfn_t limit)
{
	return alloc_common(order, owner, limit);
}

mfn_t frame_alloc_zeroed(unsigned int order, struct frame_owner *owner)
{
	mfn_t mfn = frame_alloc(order, owner);

	/* Outside the lock: zeroing 1 GiB must not stall other CPUs' allocations. */
	if (mfn != MFN_INVALID)
		for (uint64_t i = 0; i < order_frames(order); i++)
			memset(mfn_to_virt(mfn + i), 0, PAGE_SIZE);
	return mfn;
}

/* Panics unless [mfn, 2^order) is exactly one allocated block. */
static void check_free_args(mfn_t mfn, unsigned int order)
{
	const struct page_info *pg;

	if (mfn >= frame_table_frames)
		panic("frame_free: mfn 0x%lx outside the frame table (0x%lx frames)", mfn,
		      frame_table_frames);
	if (order > FRAME_MAX_ORDER)
		panic("frame_free: mfn 0x%lx with order %u > max %u", mfn, order, FRAME_MAX_ORDER);
	pg = &frame_table[mfn];
	if (page_state(pg) == FRAME_STATE_FREE)
		panic("frame_free: double free of mfn 0x%lx", mfn);
	if (page_state(pg) != FRAME_STATE_ALLOCATED)
		panic("frame_free: mfn 0x%lx was never given to the allocator", mfn);
	if (!(pg->alloc_info & FRAME_HEAD))
		panic("frame_free: mfn 0x%lx is frame %u of the block at 0x%lx, not its head", mfn,
		      pg_index(pg), mfn - pg_index(pg));
	if (pg_order(pg) != order)
		panic("frame_free: mfn 0x%lx freed with order %u, allocated with order %u", mfn,
		      order, pg_order(pg));
}

/*
 * A frame still referenced (mapped, granted, typed as a page table) must
 * not be reused: the next owner would share it with whoever holds the
 * reference. Reaching this is a reference-counting bug in the hypervisor.
 */
static void check_unreferenced(mfn_t mfn, unsigned int order)
{
	for (uint64_t i = 0; i < order_frames(order); i++) {
		const struct page_info *pg = &frame_table[mfn + i];

		if (page_ref_count(pg) || page_type_count(pg))
			panic("frame_free: mfn 0x%lx still has %u references and type %u count %u",
			      mfn + i, page_ref_count(pg), (unsigned int)page_type_of(pg),
			      page_type_count(pg));
	}
}

/* Under the lock, arguments checked: uncharges one whole allocated block and merges it back. */
static void free_block_locked(mfn_t mfn, unsigned int order)
{
	struct frame_owner *owner = frame_table[mfn].u.owner;

	if (owner->frames < order_frames(order))
		panic("frame_free: owner %s holds %lu frames, freeing %lu", owner->name,
		      owner->frames, order_frames(order));
	owner->frames -= order_frames(order);
	for (uint64_t i = 0; i < order_frames(order); i++)
		frame_table[mfn + i] = (struct page_info){ .alloc_info = FRAME_STATE_FREE };
	frames_free += order_frames(order);
	merge_and_insert(mfn, order);
}

void frame_free(mfn_t mfn, unsigned int order)
{
	unsigned long flags;

	check_ready("frame_free");
	flags = spin_lock_irqsave(&frame_lock);
	check_free_args(mfn, order);
	check_unreferenced(mfn, order);
	free_block_locked(mfn, order);
	spin_unlock_irqrestore(&frame_lock, flags);
}

/* Panics unless every frame of the range is allocated, to one owner, and unreferenced. */
static void check_range_args(mfn_t first, uint64_t count)
{
	const struct frame_owner *owner;

	if (count == 0 || first >= frame_table_frames || count > frame_table_frames - first)
		panic("frame_free_range: [0x%lx, +0x%lx) outside the frame table (0x%lx frames)", first,
		      count, frame_table_frames);
	owner = frame_table[first].u.owner;
	for (mfn_t m = first; m < first + count; m++) {
		const struct page_info *pg = &frame_table[m];

		if (page_state(pg) != FRAME_STATE_ALLOCATED)
			panic("frame_free_range: mfn 0x%lx is not allocated (state %u)", m, page_state(pg));
		if (pg->u.owner != owner)
			panic("frame_free_range: mfn 0x%lx belongs to %s, not %s", m, pg->u.owner->name,
			      owner->name);
		if (page_ref_count(pg) || page_type_count(pg))
			panic("frame_free_range: mfn 0x%lx still has %u references and type %u count %u", m,
			      page_ref_count(pg), (unsigned int)page_type_of(pg), page_type_count(pg));
	}
}

/* Halves an allocated block in place: both halves stay allocated to its owner, the charge unchanged. */
static void halve_allocated(mfn_t head, unsigned int order)
{
	uint64_t half = order_frames(order - 1);

	for (uint64_t i = 1; i < half; i++)
		frame_table[head + half + i].alloc_info = FRAME_STATE_ALLOCATED | (uint32_t)(i << FRAME_INDEX_SHIFT);
	frame_table[head + half].alloc_info = head_info(FRAME_STATE_ALLOCATED, order - 1);
	frame_table[head].alloc_info = head_info(FRAME_STATE_ALLOCATED, order - 1);
}

/*
 * A block straddling an edge of the range is halved until the edge falls
 * between blocks: what stays allocated keeps the largest blocks the buddy
 * rule allows, and a freed piece merges with free buddies as any free does.
 * Giving a 2 MiB block back a page at a time rewrites 511 alloc_info words
 * for the first page and none after it.
 */
void frame_free_range(mfn_t first, uint64_t count)
{
	unsigned long flags;
	mfn_t m = first, end = first + count;

	check_ready("frame_free_range");
	flags = spin_lock_irqsave(&frame_lock);
	check_range_args(first, count);
	while (m < end) {
		mfn_t head = m - pg_index(&frame_table[m]);
		unsigned int order = pg_order(&frame_table[head]);

		if (head == m && m + order_frames(order) <= end) {
			free_block_locked(m, order);
			m += order_frames(order);
		} else {
			halve_allocated(head, order);	/* order >= 1: the block holds m and more */
		}
	}
	spin_unlock_irqrestore(&frame_lock, flags);
}

bool frame_mark_owned(mfn_t mfn, const struct frame_owner *owner, uint64_t bits, uint64_t *old)
{
	unsigned long flags;
	bool ok = false;

	if (frame_table == NULL || mfn >= frame_table_frames)
		return false;
	flags = spin_lock_irqsave(&frame_lock);
	if (page_state(&frame_table[mfn]) == FRAME_STATE_ALLOCATED && frame_table[mfn].u.owner == owner) {
		/* count_info is the PV memory manager's and changes without this lock: atomically. */
		*old = __atomic_fetch_or(&frame_table[mfn].count_info, bits, __ATOMIC_SEQ_CST);
		ok = true;
	}
	spin_unlock_irqrestore(&frame_lock, flags);
	return ok;
}

/* Under the lock: a free block's head holds list links, not an owner, so check the state first. */
struct frame_owner *frame_owner_of(mfn_t mfn)
{
	struct frame_owner *owner = NULL;
	unsigned long flags;

	if (frame_table == NULL || mfn >= frame_table_frames)
		return NULL;
	flags = spin_lock_irqsave(&frame_lock);
	if (page_state(&frame_table[mfn]) == FRAME_STATE_ALLOCATED)
		owner = frame_table[mfn].u.owner;
	spin_unlock_irqrestore(&frame_lock, flags);
	return owner;
}

mfn_t frame_block_head(mfn_t mfn, unsigned int *order)
{
	mfn_t head = MFN_INVALID;
	unsigned long flags;

	if (frame_table == NULL || mfn >= frame_table_frames)
		return MFN_INVALID;
	flags = spin_lock_irqsave(&frame_lock);
	if (page_state(&frame_table[mfn]) == FRAME_STATE_ALLOCATED) {
		head = mfn - pg_index(&frame_table[mfn]);
		if (order)
			*order = pg_order(&frame_table[head]);
	}
	spin_unlock_irqrestore(&frame_lock, flags);
	return head;
}

void frame_owner_register(struct frame_owner *o, const char *name, uint64_t max_frames)
{
	unsigned long flags = spin_lock_irqsave(&frame_lock);
	struct frame_owner **pp = &owners_head;

	if (o->registered)
		panic("frame_owner_register: %s registered twice", name);
	*o = (struct frame_owner){ .name = name, .max_frames = max_frames, .registered = true };
	while (*pp)
		pp = &(*pp)->next;
	*pp = o;
	spin_unlock_irqrestore(&frame_lock, flags);
}

bool frame_owner_unregister(struct frame_owner *o)
{
	unsigned long flags = spin_lock_irqsave(&frame_lock);
	struct frame_owner **pp = &owners_head;
	bool ok = false;

	if (o == &frame_owner_hv || !o->registered)
		panic("frame_owner_unregister: %s cannot be unregistered", o->name);
	if (o->frames == 0) {
		while (*pp != o)
			pp = &(*pp)->next;
		*pp = o->next;
		o->next = NULL;
		o->registered = false;
		ok = true;
	}
	spin_unlock_irqrestore(&frame_lock, flags);
	return ok;
}

void frame_owner_set_max(struct frame_owner *o, uint64_t max_frames)
{
	unsigned long flags = spin_lock_irqsave(&frame_lock);

	o->max_frames = max_frames;
	spin_unlock_irqrestore(&frame_lock, flags);
}

uint64_t frame_owner_frames(struct frame_owner *o)
{
	unsigned long flags = spin_lock_irqsave(&frame_lock);
	uint64_t n = o->frames;

	spin_unlock_irqrestore(&frame_lock, flags);
	return n;
}

static void stats_locked(struct frame_stats *st)
{
	*st = (struct frame_stats){
		.table_frames = frame_table_frames, .total = frames_total,
		.free = frames_free, .hv = frame_owner_hv.frames,
	};
	for (struct frame_owner *o = owners_head; o; o = o->next) {
		st->owners_sum += o->frames;
		st->nr_owners++;
	}
	for (unsigned int i = 0; i < FRAME_NR_ORDERS; i++)
		st->free_blocks[i] = free_lists[i].nr_blocks;
}

void frame_stats_get(struct frame_stats *st)
{
	unsigned long flags = spin_lock_irqsave(&frame_lock);

	stats_locked(st);
	spin_unlock_irqrestore(&frame_lock, flags);
}

/* "order:count" pairs for the orders that have free blocks, on one line. */
static void print_free_blocks(const struct frame_stats *st)
{
	char line[FRAME_NR_ORDERS * 24];
	size_t len = 0;

	line[0] = 0;
	for (unsigned int i = 0; i < FRAME_NR_ORDERS && len < sizeof(line); i++)
		if (st->free_blocks[i])
			len += (size_t)snprintf(line + len, sizeof(line) - len, " %u:%lu", i,
						st->free_blocks[i]);
	log_info("frames:   free blocks by order:%s", line);
}

static void print_owner(const struct frame_owner *o)
{
	char max[24];

	if (o->max_frames == UINT64_MAX)
		snprintf(max, sizeof(max), "unlimited");
	else
		snprintf(max, sizeof(max), "%lu", o->max_frames);
	log_info("frames:   owner %-16s %lu frames (peak %lu, max %s, %lu refused)", o->name,
		 o->frames, o->peak_frames, max, o->failed_allocs);
}

/* Printing under the lock keeps the owner list stable; it is a boot/debug path only. */
void frame_stats_print(void)
{
	unsigned long flags = spin_lock_irqsave(&frame_lock);
	struct frame_stats st;

	stats_locked(&st);
	log_info("frames: %lu in table, %lu managed (%lu MiB), %lu free, %lu hypervisor",
		 st.table_frames, st.total, st.total >> (20 - PAGE_SHIFT), st.free, st.hv);
	print_free_blocks(&st);
	for (struct frame_owner *o = owners_head; o; o = o->next)
		print_owner(o);
	spin_unlock_irqrestore(&frame_lock, flags);
}

#define AUDIT_FAIL(code, ...) do { log_err(__VA_ARGS__); return (code); } while (0)

/* Every frame of a free block after its head must be a plain FREE frame. */
static int audit_free_block(mfn_t m, unsigned int o)
{
	if (m & (order_frames(o) - 1) || m + order_frames(o) > frame_table_frames)
		AUDIT_FAIL(-3, "audit: free block 0x%lx order %u misaligned or past the table", m, o);
	for (uint64_t i = 1; i < order_frames(o); i++)
		if (frame_table[m + i].alloc_info != FRAME_STATE_FREE)
			AUDIT_FAIL(-5, "audit: frame 0x%lx of free block 0x%lx is 0x%x", m + i, m,
				   frame_table[m + i].alloc_info);
	if (o < FRAME_MAX_ORDER && is_free_head(m ^ order_frames(o), o))
		AUDIT_FAIL(-6, "audit: free buddies 0x%lx and 0x%lx of order %u not merged", m,
			   m ^ order_frames(o), o);
	return 0;
}

static int audit_free_list(unsigned int o, uint64_t *frames)
{
	uint32_t prev = LIST_END;
	uint64_t n = 0;
	int rc;

	for (uint32_t m = free_lists[o].head; m != LIST_END; m = frame_table[m].u.free.next) {
		if (m >= frame_table_frames || ++n > frame_table_frames)
			AUDIT_FAIL(-1, "audit: free list %u broken at 0x%x", o, m);
		if (!is_free_head(m, o))
			AUDIT_FAIL(-2, "audit: 0x%x on free list %u is 0x%x", m, o,
				   frame_table[m].alloc_info);
		if (frame_table[m].u.free.prev != prev)
			AUDIT_FAIL(-4, "audit: free list %u: bad back link at 0x%x", o, m);
		rc = audit_free_block(m, o);
		if (rc)
			return rc;
		prev = m;
	}
	if (free_lists[o].tail != prev || free_lists[o].nr_blocks != n)
		AUDIT_FAIL(-7, "audit: free list %u: tail or count (%lu, walked %lu) wrong", o,
			   free_lists[o].nr_blocks, n);
	*frames += n << o;
	return 0;
}

/* Checks one allocated block; returns its length in frames, or a negative code. */
static int64_t audit_allocated_block(mfn_t m)
{
	const struct page_info *pg = &frame_table[m];
	unsigned int o = pg_order(pg);

	if (!(pg->alloc_info & FRAME_HEAD) || o > FRAME_MAX_ORDER)
		AUDIT_FAIL(-8, "audit: allocated frame 0x%lx is not in a block", m);
	if (pg->u.owner == NULL || !pg->u.owner->registered)
		AUDIT_FAIL(-9, "audit: block 0x%lx has no registered owner", m);
	if (m & (order_frames(o) - 1) || m + order_frames(o) > frame_table_frames)
		AUDIT_FAIL(-3, "audit: block 0x%lx order %u misaligned or past the table", m, o);
	for (uint64_t i = 1; i < order_frames(o); i++) {
		const struct page_info *t = &frame_table[m + i];

		if (t->alloc_info != (FRAME_STATE_ALLOCATED | (uint32_t)(i << FRAME_INDEX_SHIFT)) ||
		    t->u.owner != pg->u.owner)
			AUDIT_FAIL(-10, "audit: frame 0x%lx does not belong to block 0x%lx", m + i, m);
	}
	return (int64_t)order_frames(o);
}

/* Walks the table; with `only` set, counts just that owner's frames. */
static int audit_table(const struct frame_owner *only, uint64_t *allocated, uint64_t *free)
{
	for (mfn_t m = 0; m < frame_table_frames;) {
		unsigned int state = page_state(&frame_table[m]);
		int64_t len;

		if (state == FRAME_STATE_ALLOCATED) {
			len = audit_allocated_block(m);
			if (len < 0)
				return (int)len;
			if (!only || frame_table[m].u.owner == only)
				*allocated += (uint64_t)len;
			m += (uint64_t)len;
			continue;
		}
		if (state == FRAME_STATE_FREE)
			(*free)++;
		else if (state != FRAME_STATE_RESERVED || frame_table[m].alloc_info)
			AUDIT_FAIL(-11, "audit: frame 0x%lx has state 0x%x", m,
				   frame_table[m].alloc_info);
		m++;
	}
	return 0;
}

static int audit_owners(uint64_t allocated)
{
	uint64_t sum = 0, mine, unused;
	int rc;

	for (struct frame_owner *o = owners_head; o; o = o->next) {
		mine = unused = 0;
		rc = audit_table(o, &mine, &unused);
		if (rc)
			return rc;
		if (mine != o->frames)
			AUDIT_FAIL(-12, "audit: owner %s charged %lu frames, holds %lu", o->name,
				   o->frames, mine);
		sum += o->frames;
	}
	if (sum != allocated)
		AUDIT_FAIL(-13, "audit: owners hold %lu frames, %lu allocated", sum, allocated);
	return 0;
}

static int audit_locked(void)
{
	uint64_t listed = 0, allocated = 0, free = 0;
	int rc;

	for (unsigned int o = 0; o < FRAME_NR_ORDERS; o++) {
		rc = audit_free_list(o, &listed);
		if (rc)
			return rc;
	}
	rc = audit_table(NULL, &allocated, &free);
	if (rc)
		return rc;
	if (listed != frames_free || free != frames_free || allocated + free != frames_total)
		AUDIT_FAIL(-14, "audit: free %lu, listed %lu, in table %lu, allocated %lu, total %lu",
			   frames_free, listed, free, allocated, frames_total);
	return audit_owners(allocated);
}

int frame_audit(void)
{
	unsigned long flags;
	int rc;

	check_ready("frame_audit");
	flags = spin_lock_irqsave(&frame_lock);
	rc = audit_locked();
	spin_unlock_irqrestore(&frame_lock, flags);
	return rc;
}
