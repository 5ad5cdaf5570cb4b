/* SPDX-License-Identifier: MIT */
/* Machine frame table and buddy frame allocator: who owns every frame, and how frames are handed out. */
#ifndef HV_FRAME_H
#define HV_FRAME_H

#include <hv/types.h>

/*
 * Orders 0..FRAME_MAX_ORDER: a block of order n is 2^n contiguous frames
 * whose first MFN is a multiple of 2^n. Order 18 is 1 GiB.
 */
#define FRAME_MAX_ORDER		18
#define FRAME_NR_ORDERS		(FRAME_MAX_ORDER + 1)

/*
 * Frames below this MFN (4 GiB) are "low": frame_alloc takes them only when
 * no block above is free, so that frame_alloc_below still finds memory for
 * things 32-bit code must reach.
 */
#define FRAME_LOW_LIMIT		((mfn_t)1 << (32 - PAGE_SHIFT))

/*
 * Who a frame is charged to. The hypervisor has frame_owner_hv; every domain
 * embeds one. frames/peak/failed are updated under the allocator lock: read
 * them through frame_owner_frames() or frame_stats_print() for a coherent value.
 */
struct frame_owner {
	const char *name;
	uint64_t frames;		/* frames charged now */
	uint64_t max_frames;		/* frame_alloc fails beyond this */
	uint64_t peak_frames;		/* high-water mark of frames */
	uint64_t failed_allocs;		/* refused: limit or no memory */
	struct frame_owner *next;	/* registered-owner list */
	bool registered;
};

extern struct frame_owner frame_owner_hv;

/*
 * count_info: general references held on the frame (by mappings, grants,
 * the owner's allocation) plus flags. Owned by the PV memory manager; the
 * allocator only zeroes it when a block is allocated.
 *   bits  0..31  reference count
 *   bits 32..59  reserved (zero)
 *   bit  60      PGC_ZOMBIE: its dying owner gave it up while others held it (pv_mm.h)
 *   bit  61      PGC_LEAVING: its owner is giving it up (balloon): get_page refuses it
 *   bit  62      PGC_SHARED_HV: hypervisor-owned frame a guest may map
 *                (shared_info, grant table frames)
 *   bit  63      PGC_ALLOCATED: the owner's own reference is held
 */
#define PGC_COUNT_MASK		0xffffffffULL
#define PGC_LEAVING		(1ULL << 61)
#define PGC_SHARED_HV		(1ULL << 62)
#define PGC_ALLOCATED		(1ULL << 63)

/*
 * type_info: what the frame is used as, for PV page-table validation. A
 * frame has one type at a time; the type count says how many uses of that
 * type exist (e.g. L1 entries or writable mappings). Zeroed on allocation.
 *   bits  0..31  type count
 *   bits 32..47  reserved (zero)
 *   bits 48..51  type (enum page_type)
 *   bits 52..55  reserved (zero; the PV memory manager keeps flags here, see pv_mm.h)
 *   bit  56      PGT_VALIDATED: contents checked for the current type
 *   bit  57      PGT_PINNED: type held by a guest pin (MMUEXT_PIN_*)
 *   bits 58..63  reserved (zero; pv_mm keeps its stale-table mark in 58..60)
 */
enum page_type {
	PAGE_TYPE_NONE = 0,
	PAGE_TYPE_WRITABLE = 1,
	PAGE_TYPE_L1 = 2,
	PAGE_TYPE_L2 = 3,
	PAGE_TYPE_L3 = 4,
	PAGE_TYPE_L4 = 5,
	PAGE_TYPE_SEGDESC = 6,	/* GDT/LDT frame */
};

#define PGT_COUNT_MASK		0xffffffffULL
#define PGT_TYPE_SHIFT		48
#define PGT_TYPE_MASK		(0xfULL << PGT_TYPE_SHIFT)
#define PGT_VALIDATED		(1ULL << 56)
#define PGT_PINNED		(1ULL << 57)
#define PGT_FLAGS_MASK		(PGT_VALIDATED | PGT_PINNED)

/*
 * alloc_info: the allocator's own state of the frame, written only under
 * the allocator lock.
 *   bits 0..1   state (FRAME_STATE_*)
 *   bit  2      FRAME_HEAD: first frame of a block (free or allocated)
 *   bits 3..7   order of the block (valid on head frames)
 *   bits 8..31  index of the frame inside its allocated block (0 = head)
 */
#define FRAME_STATE_RESERVED	0u	/* never given to the allocator */
#define FRAME_STATE_FREE	1u
#define FRAME_STATE_ALLOCATED	2u
#define FRAME_STATE_MASK	0x3u
#define FRAME_HEAD		(1u << 2)
#define FRAME_ORDER_SHIFT	3
#define FRAME_ORDER_MASK	(0x1fu << FRAME_ORDER_SHIFT)
#define FRAME_INDEX_SHIFT	8

/*
 * One per machine frame, in the frame table indexed by MFN. 32 bytes.
 *
 * owner: set on every frame of an allocated block (never NULL there; the
 * hypervisor's frames point at frame_owner_hv). Free frames and reserved
 * frames (the hypervisor image, the frame table, early page tables, holes,
 * MMIO: anything never passed to frame_add_free_range) have no owner and
 * frame_owner_of() returns NULL for them. While a block is free its head
 * reuses the owner slot for the buddy free-list links (MFNs).
 */
struct page_info {
	union {
		struct frame_owner *owner;
		struct {
			uint32_t next;
			uint32_t prev;
		} free;
	} u;
	uint64_t count_info;
	uint64_t type_info;
	uint32_t alloc_info;
	/*
	 * Free for whoever allocated the block (the heap tags its blocks here;
	 * pv_mm keeps a partial table's next index on domain frames). Zeroed on
	 * alloc and free.
	 */
	uint32_t user_tag;
};

_Static_assert(sizeof(struct page_info) == 32, "page_info must stay 32 bytes");

/* The frame table and its length; set by frame_table_init. */
extern struct page_info *frame_table;
extern mfn_t frame_table_frames;

static inline bool mfn_valid(mfn_t mfn)
{
	return mfn < frame_table_frames;
}

/* Caller must have checked mfn_valid(). */
static inline struct page_info *mfn_to_page(mfn_t mfn)
{
	return &frame_table[mfn];
}

static inline mfn_t page_to_mfn(const struct page_info *pg)
{
	return (mfn_t)(pg - frame_table);
}

static inline unsigned int page_state(const struct page_info *pg)
{
	return pg->alloc_info & FRAME_STATE_MASK;
}

static inline uint32_t page_ref_count(const struct page_info *pg)
{
	return (uint32_t)(pg->count_info & PGC_COUNT_MASK);
}

static inline enum page_type page_type_of(const struct page_info *pg)
{
	return (enum page_type)((pg->type_info & PGT_TYPE_MASK) >> PGT_TYPE_SHIFT);
}

static inline uint32_t page_type_count(const struct page_info *pg)
{
	return (uint32_t)(pg->type_info & PGT_COUNT_MASK);
}

/* Builds a type_info word; flags is a mask of PGT_VALIDATED / PGT_PINNED. */
static inline uint64_t page_type_info_make(enum page_type t, uint32_t count, uint64_t flags)
{
	return ((uint64_t)t << PGT_TYPE_SHIFT) | (flags & PGT_FLAGS_MASK) | count;
}

/*
 * Boot interface. The boot code allocates and maps the table itself (32
 * bytes per frame, nr_frames = highest MFN + 1, below 2^32 - 1 since the
 * free lists link frames by 32-bit MFN: 16 TiB), then calls
 * frame_table_init, then frame_add_free_range for every usable RAM range
 * left after it has carved out what it uses. Ranges may be unaligned; they
 * must not overlap each other. Everything else stays reserved.
 */
void frame_table_init(struct page_info *table, mfn_t nr_frames);
void frame_add_free_range(mfn_t first, mfn_t count);

/*
 * 2^order contiguous frames, naturally aligned, charged to owner. Returns
 * MFN_INVALID when order > FRAME_MAX_ORDER, when owner would exceed its
 * max_frames, or when no block is free; nothing is charged then. The
 * frames are NOT zeroed: anything a guest can see must come from
 * frame_alloc_zeroed.
 */
mfn_t frame_alloc(unsigned int order, struct frame_owner *owner);

/* As frame_alloc, but the whole block lies below MFN limit (MFN_INVALID: no limit). */
mfn_t frame_alloc_below(unsigned int order, struct frame_owner *owner, mfn_t limit);

/*
 * As frame_alloc, then zeroed through mfn_to_virt. A domain must never see
 * another domain's (or the hypervisor's) old data, so every frame given to a
 * guest comes from here.
 */
mfn_t frame_alloc_zeroed(unsigned int order, struct frame_owner *owner);

/*
 * Returns a block to the allocator and credits its owner. Panics on the
 * hypervisor's own bugs: mfn outside the table, a frame that is free or
 * reserved (double free), not the head of an allocated block, an order
 * different from the one allocated, or a frame whose reference count or
 * type count is not zero (flags such as PGC_ALLOCATED or PGT_PINNED alone
 * do not stop the free; the counts do).
 */
void frame_free(mfn_t mfn, unsigned int order);

/*
 * Frees any count frames from first, whatever blocks they were allocated
 * in: a block that straddles an edge of the range is split, and the part
 * outside stays allocated to its owner (a guest balloons out 4 KiB pages of
 * a 2 MiB extent). Credits the owner. Panics, as frame_free, on the
 * hypervisor's own bugs: a frame that is not allocated, frames of different
 * owners, a frame still referenced or typed.
 */
void frame_free_range(mfn_t first, uint64_t count);

/*
 * Turns an allocated block of 2^order frames into 2^order order-0 blocks
 * (same owner), so each can be freed on its own: guest RAM is allocated in
 * big blocks for speed and given back a page at a time (ballooning).
 */
void frame_split(mfn_t mfn, unsigned int order);

/*
 * GNTTABOP_transfer: moves an allocated order-0 block from one owner to
 * another, charge included. False (nothing changed) when mfn is not such a
 * block of from, or to is at its max_frames. The caller makes sure nobody
 * holds a reference to the frame that would have to move with it.
 */
bool frame_reassign(mfn_t mfn, struct frame_owner *from, struct frame_owner *to);

/*
 * Sets bits in the count_info of mfn if it is an allocated frame of owner,
 * under the allocator lock: the frame cannot be freed (and handed to
 * someone else) between the owner check and the mark. False, nothing set,
 * when it is not owner's; else true with count_info before the mark in *old.
 */
bool frame_mark_owned(mfn_t mfn, const struct frame_owner *owner, uint64_t bits, uint64_t *old);

/* Owner of an allocated frame; NULL for free, reserved or out-of-table frames. */
struct frame_owner *frame_owner_of(mfn_t mfn);

/* First MFN and order of the allocated block holding mfn; MFN_INVALID if mfn is not allocated. */
mfn_t frame_block_head(mfn_t mfn, unsigned int *order);

/*
 * Owners. register puts the owner on the list frame_stats_print names;
 * unregister returns false (and leaves it registered) while frames are
 * still charged to it. max_frames may be changed at any time (ballooning):
 * lowering it below frames only refuses further allocations.
 */
void frame_owner_register(struct frame_owner *o, const char *name, uint64_t max_frames);
bool frame_owner_unregister(struct frame_owner *o);
void frame_owner_set_max(struct frame_owner *o, uint64_t max_frames);
uint64_t frame_owner_frames(struct frame_owner *o);

struct frame_stats {
	uint64_t table_frames;		/* entries in the frame table */
	uint64_t total;			/* frames given to the allocator */
	uint64_t free;			/* of which free now */
	uint64_t hv;			/* charged to frame_owner_hv */
	uint64_t owners_sum;		/* charged to all registered owners, hv included */
	uint64_t nr_owners;
	uint64_t free_blocks[FRAME_NR_ORDERS];	/* free blocks per order */
};

/* Coherent snapshot; free + owners_sum == total always holds in it. */
void frame_stats_get(struct frame_stats *st);

/* Boot summary: totals, free blocks by order, one line per registered owner. */
void frame_stats_print(void);

/*
 * Full consistency check of the table against the free lists and owner
 * counters (slow: walks every frame). Returns 0 when consistent, else a
 * negative number naming the first broken rule, after logging it.
 */
int frame_audit(void);

#endif
