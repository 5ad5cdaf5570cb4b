/* SPDX-License-Identifier: MIT */
/* grant_table_op (hypercall 20): decodes each GNTTABOP, checks its arguments, and drives the grant-table core. */
#include <hv/domain.h>
#include <hv/frame.h>
#include <hv/grant_table.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/pv_mm.h>
#include <hv/priv.h>
#include <pvabi/errno.h>

/*
 * For the "dom" field of setup_table, query_size, get_version and
 * get_status_frames: DOMID_SELF or the caller's own id; another domain
 * only for a privileged caller (as Xen's XSM dummy policy).
 */
static int lookup_target(struct domain *cur, domid_t dom, struct domain **out)
{
	struct domain *d;

	if (dom == DOMID_SELF || dom == cur->domid) {
		*out = cur;
		return GNTST_okay;
	}
	d = domain_find(dom);
	if (!d || !d->grant_table || !priv_may_control(cur, d)) {
		int st = d && d->grant_table ? GNTST_permission_denied : GNTST_bad_domain;

		if (d)
			domain_put(d);
		return st;
	}
	*out = d;
	return GNTST_okay;
}

/* Drops the reference lookup_target took on another domain. */
static void put_target(struct domain *cur, struct domain *d)
{
	if (d && d != cur)
		domain_put(d);
}

/* As Xen 4.17 (guest_handle_okay): the frame list must start at a guest address, whatever the count and status. */
static bool frame_list_ok(uint64_t list)
{
	return guest_range_ok(list, 1);
}

static long copy_frames_out(struct domain *d, uint64_t list, uint32_t n, bool status, int16_t *st)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t mfn = status ? gnttab_status_mfn(d, i) : gnttab_shared_mfn(d, i);

		if (copy_to_guest(list + i * sizeof(uint64_t), &mfn, sizeof(mfn)) < 0) {
			*st = GNTST_bad_virt_addr;
			return 0;
		}
	}
	return 0;
}

static long op_setup_table(struct domain *cur, uint64_t uop, uint64_t count)
{
	struct gnttab_setup_table op;
	struct domain *d = NULL;

	if (count != 1)
		return -XEN_EINVAL;
	if (copy_from_guest(&op, uop, sizeof(op)) < 0)
		return -XEN_EFAULT;
	if (!frame_list_ok(op.frame_list))
		return -XEN_EFAULT;
	op.status = (int16_t)lookup_target(cur, op.dom, &d);
	if (op.status == GNTST_okay) {
		if (op.nr_frames > gnttab_max_frames(d) || gnttab_grow(d, op.nr_frames) != 0)
			op.status = GNTST_general_error;
		else
			copy_frames_out(d, op.frame_list, op.nr_frames, false, &op.status);
		put_target(cur, d);
	}
	return copy_to_guest(uop, &op, sizeof(op)) < 0 ? -XEN_EFAULT : 0;
}

static long op_query_size(struct domain *cur, uint64_t uop, uint64_t count)
{
	struct gnttab_query_size op;
	struct domain *d = NULL;

	if (count != 1)
		return -XEN_EINVAL;
	if (copy_from_guest(&op, uop, sizeof(op)) < 0)
		return -XEN_EFAULT;
	op.status = (int16_t)lookup_target(cur, op.dom, &d);
	if (op.status == GNTST_okay) {
		op.nr_frames = gnttab_nr_frames(d);
		op.max_nr_frames = gnttab_max_frames(d);
		put_target(cur, d);
	}
	return copy_to_guest(uop, &op, sizeof(op)) < 0 ? -XEN_EFAULT : 0;
}

static long op_get_status_frames(struct domain *cur, uint64_t uop, uint64_t count)
{
	struct gnttab_get_status_frames op;
	struct domain *d = NULL;

	if (count != 1)
		return -XEN_EINVAL;
	if (copy_from_guest(&op, uop, sizeof(op)) < 0)
		return -XEN_EFAULT;
	if (!frame_list_ok(op.frame_list))
		return -XEN_EFAULT;
	op.status = (int16_t)lookup_target(cur, op.dom, &d);
	if (op.status == GNTST_okay) {
		if (gnttab_version(d) != 2 || op.nr_frames > gnttab_nr_status_frames(d))
			op.status = GNTST_general_error;
		else
			copy_frames_out(d, op.frame_list, op.nr_frames, true, &op.status);
		put_target(cur, d);
	}
	return copy_to_guest(uop, &op, sizeof(op)) < 0 ? -XEN_EFAULT : 0;
}

static long op_get_version(struct domain *cur, uint64_t uop)
{
	struct gnttab_get_version op;
	struct domain *d = NULL;
	int st;

	if (copy_from_guest(&op, uop, sizeof(op)) < 0)
		return -XEN_EFAULT;
	st = lookup_target(cur, op.dom, &d);
	if (st == GNTST_bad_domain)
		return -XEN_ESRCH;
	if (st != GNTST_okay)
		return -XEN_EPERM;
	op.version = gnttab_version(d);
	put_target(cur, d);
	return copy_to_guest(uop, &op, sizeof(op)) < 0 ? -XEN_EFAULT : 0;
}

/* The version in effect is written back whether or not the switch happened (as Xen). */
static long op_set_version(struct domain *d, uint64_t uop)
{
	struct gnttab_set_version op;
	long rc;

	if (copy_from_guest(&op, uop, sizeof(op)) < 0)
		return -XEN_EFAULT;
	rc = gnttab_set_version(d, op.version);
	op.version = gnttab_version(d);
	if (copy_to_guest(uop, &op, sizeof(op)) < 0)
		return -XEN_EFAULT;
	return rc;
}

/* ---- map / unmap ---- */

/*
 * The granter of a batch of maps, looked up once while the elements keep
 * naming it (the common case: a backend mapping one frontend's pages); its
 * reference is dropped when the batch ends or continues. A granter dying
 * meanwhile is refused by the acquire, as one found dying by id would be.
 */
struct map_batch {
	struct domain *granter;
};

static struct domain *map_granter(struct map_batch *mb, domid_t dom)
{
	struct domain *g;

	if (mb->granter && mb->granter->domid == dom)
		return mb->granter;
	/* Xen looks the granter up by id: DOMID_SELF is not a domain here. */
	g = domain_find(dom);
	if (!g || !g->grant_table) {
		if (g)
			domain_put(g);
		return NULL;
	}
	if (mb->granter)
		domain_put(mb->granter);
	mb->granter = g;
	return g;
}

static void map_batch_done(struct map_batch *mb)
{
	if (mb->granter)
		domain_put(mb->granter);
	mb->granter = NULL;
}

static int map_one(struct domain *d, struct map_batch *mb, struct gnttab_map_grant_ref *op)
{
	struct gnttab_maptrack m = { .host_addr = op->host_addr, .flags = op->flags };
	struct domain *granter;
	int h, st;

	if (!(op->flags & (GNTMAP_device_map | GNTMAP_host_map)))
		return GNTST_bad_gntref;
	granter = map_granter(mb, op->dom);
	if (!granter)
		return GNTST_bad_domain;
	h = gnttab_maptrack_alloc(d);
	if (h < 0)
		return GNTST_no_device_space;
	st = gnttab_acquire(granter, op->ref, d, !(op->flags & GNTMAP_readonly), &m.use);
	if (st == GNTST_okay && (op->flags & GNTMAP_host_map)) {
		st = gnttab_arch_map(d, granter, op->host_addr, op->flags, m.use.mfn, &m.pte, &m.pte_maddr);
		if (st != GNTST_okay)
			gnttab_release(&m.use);
	}
	/*
	 * The use keeps pointing at the granter after the batch drops its
	 * reference: the frame it holds is the granter's, and a dying domain
	 * lives on until its last frame in use elsewhere is released (a
	 * zombie; common/domain_teardown.c).
	 */
	if (st != GNTST_okay) {
		gnttab_maptrack_put(d, h);
		return st;
	}
	gnttab_maptrack_set(d, h, &m);
	op->handle = (grant_handle_t)h;
	op->dev_bus_addr = (op->flags & GNTMAP_device_map) ? (uint64_t)m.use.mfn << PAGE_SHIFT : 0;
	return GNTST_okay;
}

/*
 * host_addr (with new_addr for unmap_and_replace) removes the host mapping,
 * dev_bus_addr the device one; the handle goes once neither is left.
 */
static int unmap_one(struct domain *d, grant_handle_t handle, uint64_t host_addr, uint64_t dev_bus_addr,
		     uint64_t new_addr, bool replace, bool *flush)
{
	struct gnttab_maptrack m;
	uint32_t left;
	int st;

	if (!gnttab_maptrack_take(d, handle, &m))
		return GNTST_bad_handle;
	left = m.flags;
	/* unmap_and_replace needs the mapping's address; the handle is checked first, as Xen 4.17 (seed 886). */
	if (replace && !host_addr) {
		gnttab_maptrack_untake(d, handle, left);
		return GNTST_general_error;
	}
	if (dev_bus_addr && (!(m.flags & GNTMAP_device_map) ||
			     dev_bus_addr != (uint64_t)m.use.mfn << PAGE_SHIFT)) {
		gnttab_maptrack_untake(d, handle, left);
		return GNTST_bad_dev_addr;
	}
	if (host_addr && (m.flags & GNTMAP_host_map)) {
		st = gnttab_arch_unmap(d, host_addr, m.flags, m.pte, new_addr);
		if (st != GNTST_okay) {
			gnttab_maptrack_untake(d, handle, left);
			return st;
		}
		*flush = true;
		left &= ~(uint32_t)GNTMAP_host_map;
	}
	if (dev_bus_addr)
		left &= ~(uint32_t)GNTMAP_device_map;
	if (left & (GNTMAP_host_map | GNTMAP_device_map)) {
		gnttab_maptrack_untake(d, handle, left);
		return GNTST_okay;
	}
	gnttab_release(&m.use);
	gnttab_maptrack_put(d, (int)handle);
	return GNTST_okay;
}

/*
 * A batch stops between elements when the CPU is wanted elsewhere and
 * continues as Xen's does: the guest re-enters with uop advanced past the
 * elements done and count reduced, so each element runs exactly once. At
 * least one element is done per call.
 */
static bool batch_preempt(uint64_t done)
{
	return done && hypercall_preempt_check();
}

static long batch_continue(uint32_t cmd, uint64_t uop, size_t elem, uint64_t done, uint64_t count)
{
	return hypercall_create_continuation(__HYPERVISOR_grant_table_op, cmd, uop + done * elem, count - done, 0, 0);
}

/*
 * One element of a batch at guest address va: read it, do it, write back
 * what the ABI returns. 0, or the negative error that ends the batch (a
 * fault: -XEN_EFAULT).
 */
typedef int (*batch_elem_fn)(struct domain *d, uint64_t va);

static long run_batch(struct domain *d, uint32_t cmd, uint64_t uop, uint64_t count, size_t elem, batch_elem_fn fn)
{
	for (uint64_t i = 0; i < count; i++) {
		int rc;

		if (batch_preempt(i))
			return batch_continue(cmd, uop, elem, i, count);
		rc = fn(d, uop + i * elem);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Reads element op of type T at va into op, runs expr for its status, writes the element back. */
#define BATCH_ELEM(T, expr) do {					\
		T op;							\
									\
		if (copy_from_guest(&op, va, sizeof(op)) < 0)		\
			return -XEN_EFAULT;				\
		op.status = (int16_t)(expr);				\
		return copy_to_guest(va, &op, sizeof(op)) < 0 ? -XEN_EFAULT : 0; \
	} while (0)

/* Batched ops: each element's status is written back; a fault stops the batch with -EFAULT. */
static int map_elem(struct domain *d, struct map_batch *mb, uint64_t va)
{
	BATCH_ELEM(struct gnttab_map_grant_ref, map_one(d, mb, &op));
}

static long op_map(struct domain *d, uint64_t uop, uint64_t count)
{
	struct map_batch mb = { NULL };
	long rc = 0;
	uint64_t i;

	for (i = 0; i < count; i++) {
		if (batch_preempt(i)) {
			rc = 1;
			break;
		}
		rc = map_elem(d, &mb, uop + i * sizeof(struct gnttab_map_grant_ref));
		if (rc < 0)
			break;
	}
	map_batch_done(&mb);
	if (rc == 1)
		return batch_continue(GNTTABOP_map_grant_ref, uop, sizeof(struct gnttab_map_grant_ref), i, count);
	return rc;
}

static long op_unmap(struct domain *d, uint64_t uop, uint64_t count, bool replace)
{
	bool flush = false;
	long rc = 0;
	uint64_t i;

	for (i = 0; i < count && !rc; i++) {
		struct gnttab_unmap_grant_ref u;
		struct gnttab_unmap_and_replace r;
		uint64_t va = uop + i * sizeof(u);

		if (batch_preempt(i)) {
			/* After this part's flush, below: what it unmapped is gone before the guest runs again. */
			rc = 1;
			break;
		}
		_Static_assert(sizeof(u) == sizeof(r), "both unmap structs are 24 bytes");
		if (replace) {
			if (copy_from_guest(&r, va, sizeof(r)) < 0) {
				rc = -XEN_EFAULT;
				break;
			}
			r.status = (int16_t)unmap_one(d, r.handle, r.host_addr, 0, r.new_addr, true, &flush);
			if (copy_to_guest(va, &r, sizeof(r)) < 0)
				rc = -XEN_EFAULT;
		} else {
			if (copy_from_guest(&u, va, sizeof(u)) < 0) {
				rc = -XEN_EFAULT;
				break;
			}
			u.status = (int16_t)unmap_one(d, u.handle, u.host_addr, u.dev_bus_addr, 0, false, &flush);
			if (copy_to_guest(va, &u, sizeof(u)) < 0)
				rc = -XEN_EFAULT;
		}
	}
	/* One flush for the batch, before the guest can reuse what it unmapped. */
	if (flush)
		gnttab_arch_flush(d);
	if (rc == 1)
		return batch_continue(replace ? GNTTABOP_unmap_and_replace : GNTTABOP_unmap_grant_ref, uop,
				      sizeof(struct gnttab_unmap_grant_ref), i, count);
	return rc;
}

/* ---- copy ---- */

/*
 * One side (source or destination) of a copy batch. What it holds stays
 * held from one element to the next while they name the same ref or frame
 * of the same domain (as Xen: a backend copying many pieces of one page
 * pins it once), and goes when an element names another, or when the
 * batch ends or stops for a continuation; so a granter's revoke is refused
 * until then, as on Xen. The other domain an element names is looked up
 * once while the elements keep naming it; its reference is kept meanwhile.
 */
struct copy_buf {
	bool held;
	bool is_ref;
	bool writable;		/* the destination side */
	domid_t named;		/* the domid the element gave (DOMID_SELF or an id) */
	uint64_t key;		/* the ref or frame held */
	struct domain *owner;	/* whose */
	uint8_t *va;		/* the held frame, through the direct map */
	uint16_t off, end;	/* the window a copy may touch: [off, end) */
	struct gnttab_use use;	/* is_ref */
	struct page_info *pg;	/* !is_ref: a frame of the caller */
	struct domain *dom;	/* the last other domain named, referenced */
};

struct copy_batch {
	struct domain *d;
	struct copy_buf src, dst;
};

static void copy_buf_put(struct copy_buf *b)
{
	if (!b->held)
		return;
	b->held = false;
	if (b->is_ref) {
		gnttab_release(&b->use);
		return;
	}
	if (b->writable)
		put_page_type(b->pg);
	put_page(b->pg);
}

/* At the end of a batch or part of one: nothing stays held or referenced. */
static void copy_buf_done(struct copy_buf *b)
{
	copy_buf_put(b);
	if (b->dom)
		domain_put(b->dom);
	b->dom = NULL;
}

/* The domain p names (the caller for DOMID_SELF or its own id), one with a grant table, else bad_domain. */
static int copy_buf_owner(struct domain *d, struct copy_buf *b, const struct gnttab_copy_ptr *p, struct domain **owner)
{
	struct domain *o;

	if (p->domid == DOMID_SELF || p->domid == d->domid) {
		*owner = d;
		return GNTST_okay;
	}
	if (!b->dom || b->dom->domid != p->domid) {
		o = domain_find(p->domid);
		if (!o || !o->grant_table) {
			if (o)
				domain_put(o);
			return GNTST_bad_domain;
		}
		/* What b holds keeps its own references: this one only spares the next lookups. */
		if (b->dom)
			domain_put(b->dom);
		b->dom = o;
	}
	*owner = b->dom;
	return GNTST_okay;
}

static int copy_frame_get(struct domain *d, mfn_t mfn, bool writable, struct page_info **out)
{
	struct page_info *pg;

	if (!mfn_valid(mfn))
		return GNTST_bad_page;
	pg = mfn_to_page(mfn);
	if (get_page(pg, d, false))
		return GNTST_bad_page;
	if (writable && get_page_type(pg, PAGE_TYPE_WRITABLE)) {
		put_page(pg);
		return GNTST_general_error;
	}
	*out = pg;
	return GNTST_okay;
}

/*
 * Makes b hold what p names (a ref when gref, else a frame of the caller);
 * on failure b holds nothing new. As Xen 4.17, only DOMID_SELF may name a
 * frame: the caller's own numeric id too is permission_denied, found when
 * this side is taken (after both domains were looked up).
 */
static int copy_buf_switch(struct domain *d, struct copy_buf *b, const struct gnttab_copy_ptr *p, bool gref)
{
	uint64_t key = gref ? (uint64_t)p->u.ref : (uint64_t)p->u.gmfn;
	struct domain *owner;
	int st;

	if (!gref && p->domid != DOMID_SELF)
		return GNTST_permission_denied;
	st = copy_buf_owner(d, b, p, &owner);
	if (st != GNTST_okay)
		return st;
	if (gref && b->held && b->is_ref) {
		st = gnttab_reacquire_copy(&b->use, owner, (grant_ref_t)key, d, b->writable);
	} else {
		copy_buf_put(b);
		st = gref ? gnttab_acquire_copy(owner, (grant_ref_t)key, d, b->writable, &b->use)
			  : copy_frame_get(d, (mfn_t)key, b->writable, &b->pg);
	}
	b->held = st == GNTST_okay;
	b->is_ref = gref;
	b->named = p->domid;
	b->owner = owner;
	b->key = key;
	if (b->held) {
		b->va = mfn_to_virt(gref ? b->use.mfn : page_to_mfn(b->pg));
		b->off = gref ? b->use.off : 0;
		b->end = gref ? (uint16_t)(b->use.off + b->use.len) : PAGE_SIZE;
	}
	return st;
}

/*
 * The common case inline: the element names what b holds, by the same
 * domid as the element that took it. Anything else goes the long way; the
 * same ref or frame named by DOMID_SELF after the own id (or the reverse)
 * is then released and taken again, which ends the same.
 */
static inline int copy_buf_get(struct domain *d, struct copy_buf *b, const struct gnttab_copy_ptr *p, bool gref)
{
	if (b->held && b->is_ref == gref && b->named == p->domid &&
	    b->key == (gref ? (uint64_t)p->u.ref : (uint64_t)p->u.gmfn))
		return GNTST_okay;
	return copy_buf_switch(d, b, p, gref);
}

/* A sub-page grant (or a transitive one naming it) lets a copy touch its window only; Xen: GNTST_general_error. */
static bool copy_buf_covers(const struct copy_buf *b, uint16_t offset, uint16_t len)
{
	return offset >= b->off && (uint32_t)offset + len <= b->end;
}

/*
 * Xen 4.17's order (measured: difftest_rows): both domains are looked up
 * (bad_domain), then the source is taken (permission_denied, bad_page, a
 * ref's errors), then the destination, then the lengths are checked.
 */
static int copy_one(struct copy_batch *cb, const struct gnttab_copy *op)
{
	bool sref = op->flags & GNTCOPY_source_gref, dref = op->flags & GNTCOPY_dest_gref;
	struct domain *owner;
	int st;

	st = copy_buf_owner(cb->d, &cb->src, &op->source, &owner);
	if (st == GNTST_okay)
		st = copy_buf_owner(cb->d, &cb->dst, &op->dest, &owner);
	if (st != GNTST_okay)
		return st;
	st = copy_buf_get(cb->d, &cb->src, &op->source, sref);
	if (st != GNTST_okay)
		return st;
	st = copy_buf_get(cb->d, &cb->dst, &op->dest, dref);
	if (st != GNTST_okay)
		return st;
	if ((uint32_t)op->source.offset + op->len > PAGE_SIZE || (uint32_t)op->dest.offset + op->len > PAGE_SIZE)
		return GNTST_bad_copy_arg;
	if (!copy_buf_covers(&cb->src, op->source.offset, op->len) || !copy_buf_covers(&cb->dst, op->dest.offset, op->len))
		return GNTST_general_error;
	/* Both frames are referenced and the destination holds a writable type: plain memory now. */
	memmove(cb->dst.va + op->dest.offset, cb->src.va + op->source.offset, op->len);
	return GNTST_okay;
}

/* Only the status goes back: the guest's other fields stay as it wrote them. */
static int copy_elem(struct copy_batch *cb, uint64_t va)
{
	struct gnttab_copy op;

	if (copy_from_guest(&op, va, sizeof(op)) < 0)
		return -XEN_EFAULT;
	op.status = (int16_t)copy_one(cb, &op);
	return copy_to_guest(va + offsetof(struct gnttab_copy, status), &op.status, sizeof(op.status)) < 0 ?
	       -XEN_EFAULT : 0;
}

static long op_copy(struct domain *cur, uint64_t uop, uint64_t count)
{
	struct copy_batch cb;
	long rc = 0;
	uint64_t i;

	/* Only what copy_buf_get reads before it writes: the rest of the batch is filled as elements come. */
	cb.d = cur;
	cb.src.held = cb.dst.held = false;
	cb.src.dom = cb.dst.dom = NULL;
	cb.src.writable = false;
	cb.dst.writable = true;

	for (i = 0; i < count; i++) {
		if (batch_preempt(i)) {
			rc = 1;
			break;
		}
		rc = copy_elem(&cb, uop + i * sizeof(struct gnttab_copy));
		if (rc < 0)
			break;
	}
	/* Whatever ends the call (the last element, a fault, a continuation), the guest runs with nothing held. */
	copy_buf_done(&cb.src);
	copy_buf_done(&cb.dst);
	if (rc == 1)
		return batch_continue(GNTTABOP_copy, uop, sizeof(struct gnttab_copy), i, count);
	return rc;
}

/*
 * The sender's half of a transfer: the page must be d's and wholly unused
 * (no mapping, pin or type: the guest unmaps it first, as with Xen). A
 * block bigger than a page is split so the page can leave alone. Our own
 * reference (0 -> 1 by CAS) keeps d from taking a new one until the frame
 * belongs to the receiver. As on Xen 4.17, a transfer refused after this
 * frees the page (measured: the sender's reservation falls, the frame is
 * no longer its own): the sender gave it up when it asked.
 */
/*
 * No live receiver: Xen finds a dying domain by id and refuses it as a
 * receiver with GNTST_general_error; only an id naming no domain (or
 * DOMID_SELF) is GNTST_bad_domain. A dying domain's table is never touched.
 */
static int receiver_gone(domid_t domid)
{
	struct domain *z = domain_find_any(domid);

	if (!z)
		return GNTST_bad_domain;
	domain_put(z);
	return GNTST_general_error;
}

static int transfer_one(struct domain *d, const struct gnttab_transfer *op)
{
	mfn_t mfn = (mfn_t)op->mfn, head;
	struct page_info *pg;
	struct domain *e;
	unsigned int order;
	uint64_t zero = 0, gfn;
	int st;

	if (!mfn_valid(mfn) || frame_owner_of(mfn) != &d->mem)
		return GNTST_bad_page;
	pg = mfn_to_page(mfn);
	head = frame_block_head(mfn, &order);
	if (head == MFN_INVALID)
		return GNTST_bad_page;
	if (order)
		frame_split(head, order);
	if (!__atomic_compare_exchange_n(&pg->count_info, &zero, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return GNTST_bad_page;
	if (page_type_count(pg) != 0 || frame_owner_of(mfn) != &d->mem) {
		put_page(pg);
		return GNTST_bad_page;
	}
	/* The page is checked first, as in Xen, so a busy page says bad_page whatever the target. */
	e = domain_find(op->domid);
	if (!e || !e->grant_table) {
		st = e ? GNTST_bad_domain : receiver_gone(op->domid);
		if (e)
			domain_put(e);
		put_page(pg);
		gnttab_arch_page_dropped(d, mfn);
		return st;
	}
	/* e may be d itself: Xen lets a domain accept its own page back through its own entry. */
	st = gnttab_transfer_commit(e, op->ref, d, mfn, &gfn);
	domain_put(e);
	if (st == GNTST_okay) {
		/* The frame keeps its contents (that is the point) but loses its old type history. */
		__atomic_store_n(&pg->type_info, 0, __ATOMIC_RELEASE);
		gnttab_arch_page_given_away(d, mfn, gfn);
	}
	put_page(pg);
	if (st != GNTST_okay)
		gnttab_arch_page_dropped(d, mfn);
	return st;
}

static int transfer_elem(struct domain *d, uint64_t va)
{
	BATCH_ELEM(struct gnttab_transfer, transfer_one(d, &op));
}

static long op_transfer(struct domain *cur, uint64_t uop, uint64_t count)
{
	return run_batch(cur, GNTTABOP_transfer, uop, count, sizeof(struct gnttab_transfer), transfer_elem);
}

static int swap_elem(struct domain *d, uint64_t va)
{
	BATCH_ELEM(struct gnttab_swap_grant_ref, gnttab_swap(d, op.ref_a, op.ref_b));
}

static long op_swap(struct domain *cur, uint64_t uop, uint64_t count)
{
	return run_batch(cur, GNTTABOP_swap_grant_ref, uop, count, sizeof(struct gnttab_swap_grant_ref), swap_elem);
}

/*
 * GNTTABOP_cache_flush, as Xen 4.17 on x86 (measured): a range of one
 * frame named by machine address (refs are not supported: their flag is
 * outside the accepted op bits, -EINVAL). The frame must be the caller's,
 * one of its grant frames, or one it has grant-mapped. Clean (with or
 * without invalidate) writes the lines back; invalidate alone cannot be
 * done safely on x86 and is -EOPNOTSUPP.
 */
static bool mapped_by_grant(struct domain *d, mfn_t mfn);

static int cache_flush_one(struct domain *d, const struct gnttab_cache_flush *op)
{
	mfn_t mfn = (mfn_t)(op->a.dev_bus_addr >> PAGE_SHIFT);
	struct frame_owner *owner;
	const uint8_t *p;

	if (op->offset >= PAGE_SIZE || op->length > PAGE_SIZE || (uint32_t)op->offset + op->length > PAGE_SIZE ||
	    (op->op & ~(uint32_t)(GNTTAB_CACHE_INVAL | GNTTAB_CACHE_CLEAN)))
		return -XEN_EINVAL;
	if (op->length == 0 || op->op == 0)
		return 0;
	if (!mfn_valid(mfn))
		return -XEN_EINVAL;
	owner = frame_owner_of(mfn);
	if (owner == NULL || (owner == &frame_owner_hv && !gnttab_is_guest_frame(d, mfn)))
		return -XEN_EPERM;
	if (owner != &d->mem && owner != &frame_owner_hv && !mapped_by_grant(d, mfn))
		return -XEN_EINVAL;
	if (!(op->op & GNTTAB_CACHE_CLEAN))
		return -XEN_EOPNOTSUPP;
	p = (const uint8_t *)mfn_to_virt(mfn) + op->offset;
	gnttab_arch_cache_clean(p, op->length);
	return 0;
}

/* No status field: an element's error ends the batch with that error. */
static int cache_flush_elem(struct domain *d, uint64_t va)
{
	struct gnttab_cache_flush op;

	if (copy_from_guest(&op, va, sizeof(op)) < 0)
		return -XEN_EFAULT;
	return cache_flush_one(d, &op);
}

static long op_cache_flush(struct domain *cur, uint64_t uop, uint64_t count)
{
	return run_batch(cur, GNTTABOP_cache_flush, uop, count, sizeof(struct gnttab_cache_flush), cache_flush_elem);
}

static bool mapped_by_grant(struct domain *d, mfn_t mfn)
{
	return gnttab_maptrack_find_mfn(d, mfn);
}

/* Element sizes of the batched ops (0: not a batch). */
static size_t batch_elem_size(unsigned int cmd)
{
	switch (cmd) {
	case GNTTABOP_map_grant_ref:
		return sizeof(struct gnttab_map_grant_ref);
	case GNTTABOP_unmap_grant_ref:
		return sizeof(struct gnttab_unmap_grant_ref);
	case GNTTABOP_unmap_and_replace:
		return sizeof(struct gnttab_unmap_and_replace);
	case GNTTABOP_transfer:
		return sizeof(struct gnttab_transfer);
	case GNTTABOP_copy:
		return sizeof(struct gnttab_copy);
	case GNTTABOP_swap_grant_ref:
		return sizeof(struct gnttab_swap_grant_ref);
	case GNTTABOP_cache_flush:
		return sizeof(struct gnttab_cache_flush);
	default:
		return 0;
	}
}

#define GNTTABOP_CMD_MASK	0xfffu	/* higher bits: Xen's continuation cursor (cache_flush only) */

/*
 * cmd and count are 32-bit in Xen's prototype: higher register bits are
 * ignored (measured: count 2^40 is 0, count 2^31 is -EINVAL). Batches
 * stop between elements when the CPU is wanted (batch_preempt) and continue.
 */
long do_grant_table_op(struct vcpu *v, uint64_t cmd64, uint64_t uop, uint64_t count64, uint64_t a4, uint64_t a5)
{
	uint32_t cmd = (uint32_t)cmd64 & GNTTABOP_CMD_MASK, count = (uint32_t)count64;
	size_t elem = batch_elem_size(cmd);

	(void)a4;
	(void)a5;
	if ((int32_t)count < 0)
		return -XEN_EINVAL;
	if (cmd != GNTTABOP_cache_flush && ((uint32_t)cmd64 & ~GNTTABOP_CMD_MASK))
		return -XEN_EINVAL;
	/* As Xen's array_access_ok on x86_64: only where the array starts is checked, even for no elements (measured); a fault ends the batch. */
	if (elem && !guest_range_ok(uop, 1))
		return -XEN_EFAULT;
	switch (cmd) {
	case GNTTABOP_map_grant_ref:
		return op_map(v->domain, uop, count);
	case GNTTABOP_unmap_grant_ref:
		return op_unmap(v->domain, uop, count, false);
	case GNTTABOP_unmap_and_replace:
		return op_unmap(v->domain, uop, count, true);
	case GNTTABOP_setup_table:
		return op_setup_table(v->domain, uop, count);
	case GNTTABOP_copy:
		return op_copy(v->domain, uop, count);
	case GNTTABOP_query_size:
		return op_query_size(v->domain, uop, count);
	case GNTTABOP_set_version:
		return op_set_version(v->domain, uop);
	case GNTTABOP_get_status_frames:
		return op_get_status_frames(v->domain, uop, count);
	case GNTTABOP_get_version:
		return op_get_version(v->domain, uop);
	case GNTTABOP_swap_grant_ref:
		return op_swap(v->domain, uop, count);
	case GNTTABOP_transfer:
		return op_transfer(v->domain, uop, count);
	case GNTTABOP_cache_flush:
		return op_cache_flush(v->domain, uop, count);
	default:
		/* dump_table: a debugging aid Xen 4.17 does not offer either (-ENOSYS, measured). */
		return -XEN_ENOSYS;
	}
}
