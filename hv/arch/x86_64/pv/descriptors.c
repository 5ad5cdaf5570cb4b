/* SPDX-License-Identifier: MIT */
/* Guest GDTs: set_gdt, update_descriptor, showing a vCPU's GDT on its CPU, and checking selectors before iretq uses them. */
#include <asm/domain.h>
#include <asm/paging.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/percpu.h>
#include <hv/pv_desc.h>
#include <hv/pv_mm.h>
#include <pvabi/arch_x86_64.h>
#include <pvabi/errno.h>

/* Puts the vCPU's GDT frames (or the zero page) into this CPU's window; unchanged pages cost nothing. */
void pv_show_gdt(struct percpu *pc, const struct vcpu *v)
{
	for (unsigned int p = 0; p < PV_GDT_MAX_FRAMES; p++) {
		mfn_t want = v && p < v->arch.gdt_nr_frames ? v->arch.gdt_frames[p] : zero_gdt_mfn;

		if (pc->gdt_shown[p] != want + 1) {
			paging_gdt_map(pc->cpu_id, p, want);
			pc->gdt_shown[p] = want + 1;
		}
	}
}

/*
 * Bumped after every change to a descriptor an iret may read (a GDT fixed
 * up, loaded or rewritten): a vCPU's remembered cs:ss pair (iret_sels)
 * holds only while the count it was checked under is current. A stale
 * answer can only come from a change racing the iret, as with the full
 * check: if iretq then faults, only the guest pays (pv_iret_failed).
 */
static uint64_t pv_gdt_generation = 1;	/* never 0: a fresh vCPU's iret_sels_gen matches nothing */

static void gdt_changed(void)
{
	__atomic_fetch_add(&pv_gdt_generation, 1, __ATOMIC_RELEASE);
}

static void release_frames(const mfn_t *frames, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		put_page_and_type(mfn_to_page(frames[i]));
}

/* Whether every entry of a descriptor page passes the rules; nothing is written. */
static bool gdt_frame_ok(mfn_t mfn)
{
	const uint64_t *desc = mfn_to_virt(mfn);

	for (unsigned int i = 0; i < 512; i++) {
		uint64_t e = desc[i];

		if (!pv_desc_fixup(&e))
			return false;
	}
	return true;
}

static void gdt_frame_fixup(mfn_t mfn)
{
	uint64_t *desc = mfn_to_virt(mfn);

	for (unsigned int i = 0; i < 512; i++)
		pv_desc_fixup(&desc[i]);
}

/*
 * Decide, then commit: every frame is typed as a descriptor page (so no
 * writable mapping can change it under us) and every entry checked before
 * any is fixed up. On success each of the n frames holds a SEGDESC
 * reference for the caller; on failure none does and nothing changed
 * (Xen 4.17 fixes up the frames it validated before the bad one: stricter
 * here, on purpose). Shared by set_gdt and the vCPU context (pv/vcpu_context.c).
 */
int pv_gdt_prepare(struct domain *d, const mfn_t *frames, uint64_t entries)
{
	unsigned int n = (unsigned int)((entries + 511) / 512), taken;
	bool ok = true;

	if (entries > PV_GDT_MAX_ENTRIES)
		return -XEN_EINVAL;
	/* A frame whose type could not be taken is not counted in taken; one that fails its check is. */
	for (taken = 0; taken < n && ok; taken++) {
		ok = mfn_valid(frames[taken]) &&
		     get_page_and_type(mfn_to_page(frames[taken]), d, PAGE_TYPE_SEGDESC) == 0;
		if (!ok)
			break;
		ok = gdt_frame_ok(frames[taken]);
	}
	if (!ok) {
		release_frames(frames, taken);
		return -XEN_EINVAL;
	}
	for (unsigned int i = 0; i < n; i++)
		gdt_frame_fixup(frames[i]);
	gdt_changed();		/* the frames may be in another vCPU's GDT too */
	return 0;
}

void pv_gdt_abandon(const mfn_t *frames, uint64_t entries)
{
	release_frames(frames, (unsigned int)((entries + 511) / 512));
}

void pv_gdt_commit(struct vcpu *v, const mfn_t *frames, uint64_t entries)
{
	unsigned int n = (unsigned int)((entries + 511) / 512);

	release_frames(v->arch.gdt_frames, v->arch.gdt_nr_frames);
	memcpy(v->arch.gdt_frames, frames, n * sizeof(mfn_t));
	v->arch.gdt_nr_frames = n;
	v->arch.gdt_ents = (unsigned int)entries;
	gdt_changed();
}

long do_set_gdt(struct vcpu *v, uint64_t frame_list, uint64_t entries, uint64_t a3, uint64_t a4, uint64_t a5)
{
	mfn_t frames[PV_GDT_MAX_FRAMES];
	unsigned int n = (unsigned int)((entries + 511) / 512);
	int rc;

	if (entries > PV_GDT_MAX_ENTRIES)
		return -XEN_EINVAL;
	if (copy_from_guest(frames, frame_list, n * sizeof(mfn_t)) < 0)
		return -XEN_EFAULT;
	rc = pv_gdt_prepare(v->domain, frames, entries);
	if (rc)
		return rc;
	pv_gdt_commit(v, frames, entries);
	pv_show_gdt(this_cpu(), v);
	return 0;
}

long do_update_descriptor(struct vcpu *v, uint64_t maddr, uint64_t desc, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct domain *d = v->domain;
	mfn_t mfn = maddr >> PAGE_SHIFT;
	struct page_info *pg;
	enum page_type t;

	if ((maddr & 7) || !mfn_valid(mfn) || !pv_desc_fixup(&desc))
		return -XEN_EINVAL;
	pg = mfn_to_page(mfn);
	/* A live descriptor page keeps its type; any other page must be one the guest may write. */
	t = page_type_of(pg) == PAGE_TYPE_SEGDESC ? PAGE_TYPE_SEGDESC : PAGE_TYPE_WRITABLE;
	if (get_page_and_type(pg, d, t) < 0)
		return -XEN_EINVAL;
	__atomic_store_n((uint64_t *)((char *)mfn_to_virt(mfn) + (maddr & ~PAGE_MASK)), desc,
			 __ATOMIC_RELEASE);
	if (t == PAGE_TYPE_SEGDESC)
		gdt_changed();
	put_page_and_type(pg);
	return 0;
}

/* A descriptor of the GDT made of frames (entries long), as iretq or a segment load would read it. */
static bool read_desc(const mfn_t *frames, unsigned int entries, uint16_t sel, uint64_t *desc)
{
	unsigned int idx = sel >> 3;

	if (sel & 4)
		return false;	/* no LDTs yet */
	if (sel >= FIRST_RESERVED_GDT_BYTE) {
		*desc = 0;	/* the flat selectors are checked by value */
		return sel == FLAT_RING3_CS64 || sel == FLAT_RING3_CS32 || sel == FLAT_RING3_SS64;
	}
	if (idx >= entries)
		return false;
	*desc = ((const uint64_t *)mfn_to_virt(frames[idx / 512]))[idx % 512];
	return true;
}

static bool read_gdt_desc(const struct vcpu *v, uint16_t sel, uint64_t *desc)
{
	return read_desc(v->arch.gdt_frames, v->arch.gdt_ents, sel, desc);
}

/* The checks iretq makes, done first: a guest must never make the hypervisor's iretq fault. */
bool pv_gdt_iret_selectors_ok(const mfn_t *frames, unsigned int entries, uint16_t cs, uint16_t ss)
{
	uint64_t c, s;

	if ((cs & 3) != 3 || (ss & 3) != 3 || !read_desc(frames, entries, cs, &c) ||
	    !read_desc(frames, entries, ss, &s))
		return false;
	if (cs < FIRST_RESERVED_GDT_BYTE &&
	    ((c & (3ULL << 43)) != (3ULL << 43) || !(c & (1ULL << 47)) || ((c >> 45) & 3) != 3))
		return false;	/* present code segment, DPL 3 */
	if (ss < FIRST_RESERVED_GDT_BYTE &&
	    ((s & (3ULL << 43)) != (1ULL << 44) || !(s & (1ULL << 41)) || !(s & (1ULL << 47)) ||
	     ((s >> 45) & 3) != 3))
		return false;	/* present writable data segment, DPL 3 */
	return true;
}

/* Linux returns to user mode with its own GDT's selectors (0x33:0x2b): checked once per GDT change. */
static __attribute__((noinline)) bool iret_gdt_pair_ok(struct vcpu *v, uint16_t cs, uint16_t ss)
{
	uint32_t pair = cs | (uint32_t)ss << 16;
	uint64_t gen = __atomic_load_n(&pv_gdt_generation, __ATOMIC_ACQUIRE);

	if (pair == v->arch.iret_sels && gen == v->arch.iret_sels_gen)
		return true;
	if (!pv_gdt_iret_selectors_ok(v->arch.gdt_frames, v->arch.gdt_ents, cs, ss))
		return false;
	/* gen was read before the descriptors: a change meanwhile leaves the pair to be checked again. */
	v->arch.iret_sels = pair;
	v->arch.iret_sels_gen = gen;
	return true;
}

bool pv_iret_selectors_ok(struct vcpu *v, uint16_t cs, uint16_t ss)
{
	/* The flat pair every 64-bit frame carries: the answer the full checks give, without reading the GDT. */
	if (cs == FLAT_RING3_CS64 && ss == FLAT_RING3_SS64)
		return true;
	return iret_gdt_pair_ok(v, cs, ss);
}

/* A data selector ring 3 may load into GS (set_segment_base GS_USER_SEL): its 32-bit base, or false. */
/*
 * What "mov sel, %gs" takes from user mode: a data selector as above, or a
 * present, readable code selector of DPL 3 (the flat 0xe033 too), as Xen's
 * set_segment_base(SEGBASE_GS_USER_SEL) loads them.
 */
bool pv_user_gs_selector(const struct vcpu *v, uint16_t sel, uint64_t *base)
{
	uint64_t d;

	if (pv_user_data_selector(v, sel, base))
		return true;
	if ((sel & 3) != 3 || !read_gdt_desc(v, sel, &d))
		return false;
	if (sel >= FIRST_RESERVED_GDT_BYTE) {
		*base = 0;		/* the flat ring-3 code segments: readable (cpu.c) */
		return sel == FLAT_RING3_CS64 || sel == FLAT_RING3_CS32;
	}
	/* Code (S and bit 43), readable (bit 41), present, DPL 3. */
	if ((d & (3ULL << 43)) != (3ULL << 43) || !(d & (1ULL << 41)) || !(d & (1ULL << 47)) || ((d >> 45) & 3) != 3)
		return false;
	*base = ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
	return true;
}

bool pv_user_data_selector(const struct vcpu *v, uint16_t sel, uint64_t *base)
{
	uint64_t d;

	if ((sel & 0xfffc) == 0) {
		*base = 0;
		return true;
	}
	if ((sel & 3) != 3 || !read_gdt_desc(v, sel, &d))
		return false;
	if (sel >= FIRST_RESERVED_GDT_BYTE) {
		*base = 0;		/* the flat hypervisor-provided data segment */
		return sel == FLAT_RING3_DS32;
	}
	if ((d & (3ULL << 43)) != (1ULL << 44) || !(d & (1ULL << 47)) || ((d >> 45) & 3) != 3)
		return false;	/* present data segment, DPL 3 */
	*base = ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
	return true;
}
