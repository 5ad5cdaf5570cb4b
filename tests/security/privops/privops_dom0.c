/* SPDX-License-Identifier: MIT */
/*
 * privops_dom0 (Skiff-specific, runs as dom0): the privileged interface of
 * pv-abi/include/pvabi/skiff_domctl.h end to end, the way dom0's toolstack
 * uses it. It creates a domain, populates it to max_pages, lays out a
 * minimal guest in its frames through foreign mappings (one code page
 * that calls SCHEDOP_shutdown(poweroff) through its hypercall page, a
 * stack, L1-L4 of its own frames), pins its L4 (after refusing tables that
 * reference a dom0 frame or are still mapped writable), seeds its grant
 * table, gives it ports, refuses bad vCPU contexts, sets a good one,
 * unpauses it and sees it power off. A second domain loops on
 * SCHEDOP_yield: pause and unpause move it between running and paused.
 * Hostile arguments get the documented errors and change nothing. Then the
 * boot modules given after dom0 are read back byte-exactly and released.
 */
#include <pvabi/arch_x86_64.h>
#include <pvabi/grant_table.h>
#include <pvabi/io/console.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include "privops_util.h"
#include "rt_grant.h"

#define NR_PAGES	16
#define CODE_VA		0x400000ULL	/* pfn 0 */
#define STACK_VA	0x401000ULL	/* pfn 5 */
#define HCALL_VA	0x402000ULL	/* pfn 8 */
enum { PFN_CODE, PFN_L1, PFN_L2, PFN_L3, PFN_L4, PFN_STACK, PFN_CONS, PFN_STORE, PFN_HCALL, PFN_BAD_L4,
       PFN_BAD_L1 };

/* Module 0 (after dom0's kernel): MOD_LINES lines written by CMake; module 1: MOD1_LEN bytes 'x' with a string. */
#define MOD_LINES	8000
#define MOD_LINE_LEN	25
#define MOD1_LEN	5000
#define MOD1_STRING	"@data second module of odd length"

static uint64_t mfns[NR_PAGES];
static struct vcpu_guest_context ctx __attribute__((aligned(16)));
static uint8_t modbuf[SKIFF_MODULE_COPY_MAX + 4096];

static void create_op(const char *name, uint64_t max_pages, struct skiff_domctl *op)
{
	po_op(op, SKIFF_DOMCTL_createdomain);
	op->u.create.max_vcpus = 1;
	op->u.create.max_pages = max_pages;
	snprintf(op->u.create.name, sizeof(op->u.create.name), "%s", name);
	for (unsigned int i = 0; i < 16; i++)
		op->u.create.handle[i] = (uint8_t)(0xa0 + i);
}

/* -EBUSY while the hypervisor still builds boot domains (dom0 runs meanwhile): yield and call again. */
static long create(const char *name, uint64_t max_pages, struct skiff_domctl *op)
{
	long rc;

	create_op(name, max_pages, op);
	for (uint64_t end = rt_now_ns() + 5000000000ULL; (rc = po_domctl(op)) == -XEN_EBUSY && rt_now_ns() < end;)
		hyp_sched_op(SCHEDOP_yield, 0);
	return rc;
}

static long rename(domid_t d, const char *name, uint16_t pad)
{
	struct skiff_domctl op = { .cmd = SKIFF_DOMCTL_setname, .interface_version = SKIFF_DOMCTL_INTERFACE_VERSION };

	op.u.name.domid = d;
	op.u.name.pad[1] = pad;
	snprintf(op.u.name.name, sizeof(op.u.name.name), "%s", name);
	return po_domctl(&op);
}

/* Renames: a name in use, bad names, pads, itself and nobody refused and nothing changed; a good one taken. */
static void rename_checks(domid_t d, domid_t d2)
{
	struct skiff_dominfo info;

	tc_expect_eq(rename(d2, "built", 0), -XEN_EEXIST, "rename to another domain's name");
	tc_expect_eq(rename(d2, "dom0", 0), -XEN_EEXIST, "rename to dom0's name");
	tc_expect_eq(rename(d2, "a b", 0), -XEN_EINVAL, "rename to a name with a space");
	tc_expect_eq(rename(d2, "", 0), -XEN_EINVAL, "rename to an empty name");
	tc_expect_eq(rename(d2, "ok", 1), -XEN_EINVAL, "rename with a non-zero pad");
	tc_expect_eq(rename(0, "me", 0), -XEN_EINVAL, "rename of the caller itself");
	tc_expect_eq(rename(77, "nobody", 0), -XEN_ESRCH, "rename of a domain that does not exist");
	tc_check(po_info(d2, &info) == 0 && strcmp(info.name, "looper") == 0, "the refusals left its name (%s)", info.name);
	tc_expect_eq(rename(d, "built", 0), 0, "rename to its own name");
	tc_expect_eq(rename(d2, "looper2", 0), 0, "rename 'looper' to 'looper2'");
	tc_check(po_info(d2, &info) == 0 && strcmp(info.name, "looper2") == 0, "getdomaininfo shows it (%s)", info.name);
	tc_expect_eq(rename(d2, "looper", 0), 0, "and back");
}

/* createdomain with a domid asked for (as Xen's): taken as asked; one in use or reserved refused, nothing made. */
static void asked_domid_checks(domid_t held)
{
	struct skiff_domctl op;
	struct skiff_dominfo info;

	create_op("asked", 1, &op);
	op.u.create.domid = held;
	tc_expect_eq(po_domctl(&op), -XEN_EEXIST, "createdomain asking for a domid in use");
	create_op("asked", 1, &op);
	op.u.create.domid = DOMID_FIRST_RESERVED;
	tc_expect_eq(po_domctl(&op), -XEN_EINVAL, "createdomain asking for DOMID_FIRST_RESERVED");
	create_op("asked", 1, &op);
	op.u.create.domid = DOMID_INVALID;
	tc_expect_eq(po_domctl(&op), -XEN_EINVAL, "createdomain asking for DOMID_INVALID");
	tc_expect_eq(po_info(41, &info), -XEN_ESRCH, "the refusals made no domain (41 is free)");
	create_op("asked", 1, &op);
	op.u.create.domid = 41;
	tc_expect_eq(po_domctl(&op), 0, "createdomain asking for domid 41");
	tc_expect_eq(op.u.create.domid, 41, "gets 41");
	tc_check(po_info(41, &info) == 0 && strcmp(info.name, "asked") == 0, "41 is 'asked' (%s)", info.name);
	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_destroydomain, 41), 0, "destroy it again");
}

static long readconsole(uint64_t *index, void *buf, uint32_t len, uint32_t flags, uint32_t pad, uint32_t *copied,
			uint64_t *skipped)
{
	struct skiff_domctl op;
	long rc;

	po_op(&op, SKIFF_DOMCTL_readconsole);
	op.u.console.index = *index;
	op.u.console.buffer = RT_PTR(buf);
	op.u.console.buffer_len = len;
	op.u.console.flags = flags;
	op.u.console.pad = pad;
	rc = po_domctl(&op);
	if (rc == 0) {
		*index = op.u.console.index;
		*copied = op.u.console.copied;
		*skipped = op.u.console.skipped;
	}
	return rc;
}

static bool has_text(const char *hay, const char *needle)
{
	for (size_t n = strlen(needle); *hay; hay++)
		if (strncmp(hay, needle, n) == 0)
			return true;
	return false;
}

/* The console history (xl dmesg): bounded copies, a hostile buffer or flag refused and nothing cleared, then a clear. */
static void readconsole_checks(void)
{
	static char buf[SKIFF_CONSOLE_READ_MAX + 64];
	uint64_t idx = 0, skipped = 0, end;
	uint32_t copied = 0;

	tc_expect_eq(readconsole(&idx, buf, sizeof(buf), 2, 0, &copied, &skipped), -XEN_EINVAL, "readconsole, unknown flag");
	tc_expect_eq(readconsole(&idx, buf, sizeof(buf), 0, 1, &copied, &skipped), -XEN_EINVAL, "readconsole, non-zero pad");
	tc_expect_eq(readconsole(&idx, (void *)0xffff830000000000ULL, 64, SKIFF_CONSOLE_clear, 0, &copied, &skipped),
		     -XEN_EFAULT, "readconsole into the hypervisor's memory, with clear");
	tc_expect_eq(readconsole(&idx, buf, sizeof(buf), 0, 0, &copied, &skipped), 0, "readconsole from the oldest");
	tc_check(copied == SKIFF_CONSOLE_READ_MAX && idx == skipped + copied,
		 "at most %u bytes a call, index advances by them (%u copied, index %lu, skipped %lu): the refused "
		 "clear forgot nothing", SKIFF_CONSOLE_READ_MAX, copied, (unsigned long)idx, (unsigned long)skipped);
	while (readconsole(&idx, buf, sizeof(buf), 0, 0, &copied, &skipped) == 0 && copied)
		;
	end = idx;
	tc_check(end > SKIFF_CONSOLE_READ_MAX, "read to the end, position %lu", (unsigned long)end);
	/* Printed after the read, before the clear: a clear up to the position read keeps it. */
	rt_printf("readconsole: a line between the read and the clear\n");
	tc_expect_eq(readconsole(&idx, buf, 0, SKIFF_CONSOLE_clear, 0, &copied, &skipped), 0, "clear");
	rt_printf("readconsole: a line after the clear\n");
	idx = 0;
	tc_expect_eq(readconsole(&idx, buf, sizeof(buf) - 1, 0, 0, &copied, &skipped), 0, "read from 0 after the clear");
	buf[copied] = '\0';
	tc_check(skipped >= end && copied < 1024 && has_text(buf, "readconsole: a line after the clear") &&
		 has_text(buf, "readconsole: a line between the read and the clear"),
		 "only what came after the read the clear stopped at (%u bytes, %lu skipped)", copied,
		 (unsigned long)skipped);
}

static void create_checks(domid_t *d, domid_t *d2)
{
	struct skiff_domctl op;
	struct skiff_dominfo info;

	tc_expect_eq(create("built", NR_PAGES, &op), 0, "createdomain 'built'");
	*d = op.u.create.domid;
	tc_expect_eq(*d, 1, "the lowest free domid, 1");
	tc_expect_eq(po_info(*d, &info), 0, "getdomaininfo of it");
	tc_check(info.state == SKIFF_DOMSTATE_created && info.tot_pages == 0 && info.max_pages == NR_PAGES &&
		 strcmp(info.name, "built") == 0 && info.handle[0] == 0xa0 && info.handle[15] == 0xaf &&
		 info.max_vcpus == 1 && info.online_vcpus == 0 && info.pause_count == 1 && info.shared_info_mfn &&
		 info.flags == 0 && info.cpu_time_ns == 0,
		 "created, no memory, its name and handle, 1 vCPU down, paused once, a shared_info frame");
	tc_expect_eq(create("built", 1, &op), -XEN_EEXIST, "the same name again");
	tc_expect_eq(create("a b", 1, &op), -XEN_EINVAL, "a name with a space");
	tc_expect_eq(create("", 1, &op), -XEN_EINVAL, "an empty name");
	create_op("x", 1, &op);
	memset(op.u.create.name, 'n', sizeof(op.u.create.name));
	tc_expect_eq(po_domctl(&op), -XEN_EINVAL, "a name without its NUL");
	create_op("x", 1, &op);
	op.u.create.max_vcpus = 0;
	tc_expect_eq(po_domctl(&op), -XEN_EINVAL, "0 vCPUs");
	op.u.create.max_vcpus = SKIFF_MAX_VCPUS + 1;
	tc_expect_eq(po_domctl(&op), -XEN_EINVAL, "65 vCPUs");
	create_op("x", 1, &op);
	op.u.create.pad2 = 1;
	tc_expect_eq(po_domctl(&op), -XEN_EINVAL, "a non-zero pad");
	create_op("x", 1, &op);
	op.u.create.max_pages = ~0ULL;
	tc_expect_eq(po_domctl(&op), -XEN_EINVAL, "more pages than the machine has");
	create_op("x", 1, &op);
	op.u.create.cpumask = 1ULL << 63;
	tc_expect_eq(po_domctl(&op), -XEN_EINVAL, "an affinity with no online CPU");
	tc_expect_eq(create("looper", NR_PAGES, &op), 0, "createdomain 'looper'");
	*d2 = op.u.create.domid;
	tc_expect_eq(*d2, 2, "the next lowest domid, 2 (the refused ones took none)");
	asked_domid_checks(*d);
	rename_checks(*d, *d2);
}

/* populate_physmap up to max_pages, one more fails; max_mem lets one more in, decrease gives it back. */
static void populate_checks(domid_t d)
{
	struct skiff_dominfo info;
	uint64_t extra;

	for (unsigned int i = 0; i < NR_PAGES; i++)
		mfns[i] = i;	/* gpfns in, MFNs out */
	tc_expect_eq(po_reservation(XENMEM_populate_physmap, d, mfns, NR_PAGES, 0), NR_PAGES,
		     "populate_physmap of 16 frames for the domain");
	extra = NR_PAGES;
	tc_expect_eq(po_reservation(XENMEM_populate_physmap, d, &extra, 1, 0), 0, "one more than max_pages");
	tc_check(po_info(d, &info) == 0 && info.tot_pages == NR_PAGES, "its tot_pages: %lu",
		 (unsigned long)info.tot_pages);
	{
		struct skiff_domctl op;

		po_op(&op, SKIFF_DOMCTL_max_mem);
		op.u.mem.domid = d;
		op.u.mem.value = NR_PAGES + 1;
		tc_expect_eq(po_domctl(&op), 0, "max_mem 17");
		extra = NR_PAGES;
		tc_expect_eq(po_reservation(XENMEM_populate_physmap, d, &extra, 1, 0), 1, "then one more fits");
		tc_expect_eq(po_reservation(XENMEM_decrease_reservation, d, &extra, 1, 0), 1,
			     "decrease_reservation gives it back");
		op.u.mem.value = NR_PAGES;
		tc_expect_eq(po_domctl(&op), 0, "max_mem 16 again");
	}
	tc_check(po_info(d, &info) == 0 && info.tot_pages == NR_PAGES && info.max_pages == NR_PAGES,
		 "16 of 16 pages");
}

/* Fills frame pfn of d through a writable foreign mapping, then unmaps it. */
static void fill_frame(domid_t d, unsigned int pfn, const void *src, size_t len, size_t at)
{
	uint8_t *w = rt_window_get();

	if (!w || po_map_foreign(w, mfns[pfn], true, d) != 0) {
		tc_fail("foreign mapping of the domain's pfn %u", pfn);
		return;
	}
	memcpy(w + at, src, len);
	po_map_foreign(w, 0, false, d);
	rt_window_put(w);
}

static void put_entry(domid_t d, unsigned int pfn, unsigned int slot, uint64_t e)
{
	fill_frame(d, pfn, &e, sizeof(e), slot * 8);
}

static uint64_t table_entry(unsigned int pfn)
{
	return (mfns[pfn] << 12) | PO_PTE_P | PO_PTE_RW | PO_PTE_US | PO_PTE_A;
}

/* The code: rdi = SCHEDOP_shutdown or _yield, rsi = a zero dword (poweroff), call the hypercall page's entry 29, loop. */
static void write_code(domid_t d, uint8_t schedop)
{
	uint8_t code[] = {
		0xbf, schedop, 0, 0, 0,		/* mov $op, %edi */
		0xbe, 0x00, 0x08, 0x40, 0x00,	/* mov $0x400800, %esi */
		0xb8, 0xa0, 0x23, 0x40, 0x00,	/* mov $(HCALL_VA + 29 * 32), %eax */
		0xff, 0xd0,			/* call *%rax */
		0xeb, 0xed,			/* jmp to the start */
	};

	fill_frame(d, PFN_CODE, code, sizeof(code), 0);
}

/* L4[0] -> L3[0] -> L2[2] -> L1: code RX at 4 MiB, stack RW, hypercall page RX. */
static void write_tables(domid_t d)
{
	put_entry(d, PFN_L4, 0, table_entry(PFN_L3));
	put_entry(d, PFN_L3, 0, table_entry(PFN_L2));
	put_entry(d, PFN_L2, 2, table_entry(PFN_L1));
	put_entry(d, PFN_L1, 0, (mfns[PFN_CODE] << 12) | PO_PTE_P | PO_PTE_US | PO_PTE_A);
	put_entry(d, PFN_L1, 1, (mfns[PFN_STACK] << 12) | PO_PTE_P | PO_PTE_RW | PO_PTE_US | PO_PTE_A | PO_PTE_NX);
	put_entry(d, PFN_L1, 2, (mfns[PFN_HCALL] << 12) | PO_PTE_P | PO_PTE_US | PO_PTE_A);
}

/* MMU_MACHPHYS_UPDATE with foreigndom: the domain's frames' M2P entries, read back through the M2P mapping. */
static void machphys_checks(domid_t d, uint64_t dom0_mfn)
{
	const volatile uint64_t *m2p = (const volatile uint64_t *)MACH2PHYS_VIRT_START;
	struct mmu_update u = { (mfns[PFN_STORE] << 12) | MMU_MACHPHYS_UPDATE, 0x777 };

	tc_expect_eq(hyp_mmu_update(RT_PTR(&u), 1, 0, d), 0, "an M2P entry of its frame");
	tc_check(m2p[mfns[PFN_STORE]] == 0x777, "the M2P says so (%#lx)", (unsigned long)m2p[mfns[PFN_STORE]]);
	u.val = PFN_STORE;
	hyp_mmu_update(RT_PTR(&u), 1, 0, d);
	u.ptr = (dom0_mfn << 12) | MMU_MACHPHYS_UPDATE;
	tc_expect_eq(hyp_mmu_update(RT_PTR(&u), 1, 0, d), -XEN_EINVAL, "an M2P entry of a dom0 frame in its name");
}

static void foreign_map_checks(domid_t d)
{
	uint8_t *w = rt_window_get();
	int64_t own = rt_frame_alloc();
	long rc;

	tc_expect_eq(po_map_foreign(w, mfns[PFN_STORE], true, d), 0, "a writable foreign mapping of its frame");
	memcpy(w, "written by dom0", 16);
	tc_check(memcmp(w, "written by dom0", 16) == 0, "dom0 writes and reads it back");
	tc_expect_eq(po_map_foreign(w, 0, false, d), 0, "and unmaps it");
	tc_expect_eq(po_map_foreign(w, mfns[PFN_STORE], false, d), 0, "mapped again, read-only");
	tc_check(memcmp(w, "written by dom0", 16) == 0, "the write went to the domain's frame");
	po_map_foreign(w, 0, false, d);
	tc_expect_eq(po_map_foreign(w, mfns[PFN_STORE], true, DOMID_SELF), -XEN_EBUSY,
		     "its frame without foreigndom (not ours)");
	rc = own >= 0 ? po_map_foreign(w, rt_pfn_to_mfn((uint64_t)own), true, d) : -1;
	tc_expect_eq(rc, -XEN_EBUSY, "a dom0 frame named as the domain's");
	tc_expect_eq(po_map_foreign(w, mfns[PFN_STORE], true, 77), -XEN_ESRCH, "foreigndom of no domain");
	{
		struct skiff_dominfo info, info2;

		if (po_info(d, &info) == 0 && po_info(d + 1, &info2) == 0) {
			tc_expect_eq(po_map_foreign(w, info.shared_info_mfn, false, d), 0,
				     "its shared_info frame (getdomaininfo's shared_info_mfn) maps");
			tc_check(w[1] == 1, "and shows vCPU 0's events masked, as a new domain's are");
			po_map_foreign(w, 0, false, d);
			tc_expect_eq(po_map_foreign(w, info2.shared_info_mfn, false, d), -XEN_EBUSY,
				     "another domain's shared_info in its name");
		}
	}
	tc_expect_eq(po_map_foreign(w, mfns[PFN_STORE], true, DOMID_XEN), -XEN_ESRCH, "foreigndom DOMID_XEN");
	/* A mapped frame cannot leave the domain: decrease_reservation stops at it. */
	tc_expect_eq(po_map_foreign(w, mfns[PFN_STORE], false, d), 0, "its store frame mapped again");
	{
		uint64_t victim = mfns[PFN_STORE];

		tc_expect_eq(po_reservation(XENMEM_decrease_reservation, d, &victim, 1, 0), 0,
			     "giving back a frame dom0 maps: refused (0 extents)");
	}
	po_map_foreign(w, 0, false, d);
	machphys_checks(d, own >= 0 ? rt_pfn_to_mfn((uint64_t)own) : 0);
	if (own >= 0)
		rt_frame_free((uint64_t)own);
	rt_window_put(w);
}

/* Tables that must not pin: one that references a dom0 frame, one still mapped writable; then the real one. */
static void pin_checks(domid_t d)
{
	int64_t own = rt_frame_alloc();
	uint8_t *w = rt_window_get();
	uint64_t dom0_mfn = own >= 0 ? rt_pfn_to_mfn((uint64_t)own) : 0;

	put_entry(d, PFN_BAD_L4, 0, (dom0_mfn << 12) | PO_PTE_P | PO_PTE_RW | PO_PTE_US | PO_PTE_A);
	tc_expect_eq(po_pin(MMUEXT_PIN_L4_TABLE, mfns[PFN_BAD_L4], d), -XEN_EINVAL,
		     "an L4 of the domain's whose L3 is a dom0 frame");
	put_entry(d, PFN_BAD_L1, 0, (dom0_mfn << 12) | PO_PTE_P | PO_PTE_US | PO_PTE_A);
	tc_expect_eq(po_pin(MMUEXT_PIN_L1_TABLE, mfns[PFN_BAD_L1], d), -XEN_EBUSY,
		     "an L1 of the domain's that maps a dom0 frame");
	tc_expect_eq(po_map_foreign(w, mfns[PFN_L2], true, d), 0, "its L2 mapped writable by dom0");
	tc_expect_eq(po_pin(MMUEXT_PIN_L4_TABLE, mfns[PFN_L4], d), -XEN_EINVAL, "pinning its L4 meanwhile");
	po_map_foreign(w, 0, false, d);
	tc_expect_eq(po_pin(MMUEXT_PIN_L4_TABLE, mfns[PFN_L4], DOMID_SELF), -XEN_EINVAL,
		     "its L4 pinned as dom0's own");
	tc_expect_eq(po_pin(MMUEXT_PIN_L4_TABLE, mfns[PFN_L4], d), 0, "its L4 pinned with foreigndom");
	tc_expect_eq(po_pin(MMUEXT_PIN_L4_TABLE, mfns[PFN_L4], d), -XEN_EINVAL, "pinned twice");
	tc_expect_eq(po_map_foreign(w, mfns[PFN_L1], true, d), -XEN_EBUSY, "its L1, now a page table, mapped writable");
	tc_expect_eq(po_map_foreign(w, mfns[PFN_L1], false, d), 0, "but read-only it maps");
	po_map_foreign(w, 0, false, d);
	{
		struct mmuext_op op = { .cmd = MMUEXT_NEW_BASEPTR, .arg1.mfn = mfns[PFN_L4] };

		tc_expect_eq(hyp_mmuext_op(RT_PTR(&op), 1, 0, d), -XEN_EPERM,
			     "any other mmuext_op with foreigndom");
	}
	if (own >= 0)
		rt_frame_free((uint64_t)own);
	rt_window_put(w);
}

static long hypercall_init(domid_t d, uint64_t mfn)
{
	struct skiff_domctl op;

	po_op(&op, SKIFF_DOMCTL_hypercall_init);
	op.u.mem.domid = d;
	op.u.mem.value = mfn;
	return po_domctl(&op);
}

static void hypercall_page_checks(domid_t d)
{
	static const uint8_t entry29[] = { 0x51, 0x41, 0x53, 0xb8, 29, 0, 0, 0, 0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3 };
	uint8_t *w = rt_window_get();

	tc_expect_eq(hypercall_init(d, mfns[PFN_L1]), -XEN_EINVAL, "hypercall_init into its L1 table");
	tc_expect_eq(hypercall_init(d, rt_pfn_to_mfn(0)), -XEN_EINVAL, "hypercall_init into a dom0 frame");
	tc_expect_eq(hypercall_init(d, ~0ULL >> 8), -XEN_EINVAL, "hypercall_init of no frame");
	tc_expect_eq(hypercall_init(d, mfns[PFN_HCALL]), 0, "hypercall_init");
	tc_expect_eq(po_map_foreign(w, mfns[PFN_HCALL], false, d), 0, "its hypercall page mapped");
	tc_check(memcmp(w + 29 * 32, entry29, sizeof(entry29)) == 0 && w[29 * 32 + 14] == 0xcc,
		 "entry 29 (sched_op) calls hypercall 29 and returns; int3 after it");
	po_map_foreign(w, 0, false, d);
	rt_window_put(w);
}

static long seed(domid_t d, uint64_t cons, uint64_t store, uint32_t cport, uint32_t sport)
{
	struct skiff_domctl op;

	po_op(&op, SKIFF_DOMCTL_gnttab_seed);
	op.u.seed.domid = d;
	op.u.seed.console_mfn = cons;
	op.u.seed.store_mfn = store;
	op.u.seed.console_port = cport;
	op.u.seed.store_port = sport;
	return po_domctl(&op);
}

/* Ports for the domain, the grant seed, and the seed read back by mapping the granted console frame. */
static void ring_checks(domid_t d)
{
	struct skiff_dominfo info;
	struct rt_grant_map g;
	uint8_t *w = rt_window_get();
	long cport = po_alloc_unbound(d, 0), sport = po_alloc_unbound(d, 0);

	tc_check(cport > 0 && sport > 0 && cport != sport, "two unbound ports of the domain for dom0 (%ld, %ld)",
		 cport, sport);
	tc_expect_eq(seed(d, mfns[PFN_CONS], mfns[PFN_STORE], 999, (uint32_t)sport), -XEN_EINVAL,
		     "a seed naming a port that is not unbound for dom0");
	tc_expect_eq(seed(d, mfns[PFN_L1], mfns[PFN_STORE], (uint32_t)cport, (uint32_t)sport), -XEN_EINVAL,
		     "a seed naming its L1 as the console ring");
	tc_expect_eq(seed(d, rt_pfn_to_mfn(0), 0, 0, 0), -XEN_EINVAL, "a seed naming a dom0 frame");
	tc_expect_eq(seed(d, mfns[PFN_CONS], mfns[PFN_STORE], (uint32_t)cport, (uint32_t)sport), 0, "gnttab_seed");
	tc_check(po_info(d, &info) == 0 && info.flags == (SKIFF_DOMINFO_console | SKIFF_DOMINFO_store) &&
		 info.console_gref == GNTTAB_RESERVED_CONSOLE && info.store_gref == GNTTAB_RESERVED_XENSTORE &&
		 info.console_port == (uint32_t)cport && info.store_port == (uint32_t)sport &&
		 info.console_mfn == mfns[PFN_CONS] && info.store_mfn == mfns[PFN_STORE],
		 "getdomaininfo shows both rings granted to dom0 with their ports and frames");
	tc_expect_eq(rt_grant_map(&g, d, GNTTAB_RESERVED_CONSOLE, false), 0, "dom0 maps grant 0 of the domain");
	if (g.va) {
		memcpy(g.va, "through the grant", 18);
		tc_expect_eq(po_map_foreign(w, mfns[PFN_CONS], false, d), 0, "its console frame mapped directly");
		tc_check(memcmp(w, "through the grant", 18) == 0, "grant 0 is the console frame");
		po_map_foreign(w, 0, false, d);
		memset(g.va, 0, 18);
		tc_expect_eq(rt_grant_unmap(&g), 0, "grant unmapped");
	}
	tc_expect_eq(rt_grant_map(&g, d, GNTTAB_RESERVED_XENSTORE, true), 0, "and grant 1 (the store) maps too");
	if (g.va) {
		tc_check(memcmp(g.va, "written by dom0", 16) == 0, "grant 1 is the store frame");
		rt_grant_unmap(&g);
	}
	rt_window_put(w);
}

static long setctx(domid_t d, uint32_t vcpu, const struct vcpu_guest_context *c)
{
	struct skiff_domctl op;

	po_op(&op, SKIFF_DOMCTL_setvcpucontext);
	op.u.vcpuctx.domid = d;
	op.u.vcpuctx.vcpu = vcpu;
	op.u.vcpuctx.ctxt = RT_PTR(c);
	return po_domctl(&op);
}

static void good_ctx(void)
{
	memset(&ctx, 0, sizeof(ctx));
	ctx.flags = VGCF_in_kernel | VGCF_online;
	ctx.user_regs.rip = CODE_VA;
	ctx.user_regs.rsp = STACK_VA + 4096;
	ctx.user_regs.cs = FLAT_KERNEL_CS;
	ctx.user_regs.ss = FLAT_KERNEL_SS;
	ctx.user_regs.rflags = 0x202;
	ctx.kernel_ss = FLAT_KERNEL_SS;
	ctx.kernel_sp = STACK_VA + 4096;
	ctx.ctrlreg[3] = mfns[PFN_L4] << 12;
}

static void bad_ctx(domid_t d, const char *what)
{
	tc_expect_eq(setctx(d, 0, &ctx), -XEN_EINVAL, what);
	good_ctx();
}

static void context_checks(domid_t d)
{
	const struct start_info *si = rt_boot.si;
	uint64_t dom0_l4 = rt_pfn_to_mfn((si->pt_base - RT_VIRT_BASE) / RT_PAGE_SIZE);
	uint32_t mxcsr = 0xffff1f80;

	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_unpausedomain, d), -XEN_EINVAL, "unpause before vCPU 0 has a context");
	good_ctx();
	ctx.user_regs.rip = 0x0000800000000000ULL;
	bad_ctx(d, "a non-canonical rip");
	ctx.user_regs.rip = 0xffff830000000000ULL;
	bad_ctx(d, "a rip in the hypervisor's slots");
	ctx.user_regs.rsp = 0x8000000000000000ULL;
	bad_ctx(d, "a non-canonical rsp");
	ctx.fs_base = 0x0001000000000000ULL;
	bad_ctx(d, "a non-canonical fs_base");
	ctx.gs_base_user = 0x0000800000001000ULL;
	bad_ctx(d, "a non-canonical gs_base_user");
	ctx.trap_ctxt[14].address = 0x0000900000000000ULL;
	bad_ctx(d, "a non-canonical #PF handler");
	ctx.event_callback_eip = 0xffff800000000000ULL;
	bad_ctx(d, "an event callback in the hypervisor's slots");
	ctx.ctrlreg[3] = dom0_l4 << 12;
	bad_ctx(d, "cr3 = dom0's own L4 (another domain's)");
	ctx.ctrlreg[3] = mfns[PFN_CODE] << 12;
	bad_ctx(d, "cr3 = its code frame (no L4)");
	ctx.ctrlreg[3] = mfns[PFN_BAD_L4] << 12;
	bad_ctx(d, "cr3 = an L4-looking frame that is not pinned");
	ctx.ctrlreg[3] = (mfns[PFN_L4] << 12) | 0x18;
	bad_ctx(d, "cr3 with low bits");
	ctx.ctrlreg[1] = dom0_l4 << 12;
	bad_ctx(d, "a user L4 of dom0's");
	ctx.flags = VGCF_online;
	bad_ctx(d, "a start in user mode");
	ctx.flags |= 1ULL << 40;
	bad_ctx(d, "unknown flags");
	ctx.user_regs.cs = 0x10;
	bad_ctx(d, "a hypervisor code selector");
	ctx.ldt_ents = 1;
	bad_ctx(d, "an LDT");
	ctx.gdt_ents = 14 * 512 + 1;
	bad_ctx(d, "a GDT too large");
	ctx.gdt_ents = 1;
	ctx.gdt_frames[0] = mfns[PFN_L1];
	bad_ctx(d, "a GDT frame that is its L1");
	ctx.debugreg[7] = 1ULL << 13;
	bad_ctx(d, "dr7 with GD");
	ctx.debugreg[0] = 0xffff830000000000ULL;
	bad_ctx(d, "a breakpoint on the hypervisor");
	ctx.flags |= VGCF_i387_valid;
	memcpy(ctx.fpu_ctxt + 24, &mxcsr, 4);
	bad_ctx(d, "an MXCSR with reserved bits");
	tc_expect_eq(setctx(d, 1, &ctx), -XEN_EINVAL, "vCPU 1 of a 1-vCPU domain");
	tc_expect_eq(setctx(d, 0, (const void *)RT_BAD_PTR_HYPERVISOR), -XEN_EFAULT, "a context in the hypervisor");
	tc_expect_eq(setctx(d, 0, (const void *)RT_BAD_PTR_UNMAPPED), -XEN_EFAULT, "a context at an unmapped address");
	tc_expect_eq(setctx(DOMID_SELF, 0, &ctx), -XEN_EINVAL, "DOMID_SELF");
	tc_expect_eq(setctx(0, 0, &ctx), -XEN_EINVAL, "dom0 itself");
	tc_expect_eq(setctx(0x7ff2, 0, &ctx), -XEN_EINVAL, "DOMID_XEN");
	tc_expect_eq(setctx(0xffff, 0, &ctx), -XEN_EINVAL, "domid 0xffff");
	tc_expect_eq(setctx(999, 0, &ctx), -XEN_ESRCH, "a domid no domain has");
	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_unpausedomain, d), -XEN_EINVAL, "unpause after only refused contexts");
	tc_expect_eq(setctx(d, 0, &ctx), 0, "a good context for vCPU 0");
	tc_expect_eq(setctx(d, 0, &ctx), 0, "set again (replaces it while created)");
}

/* Waits (yielding, about 5 s at most) until d is in state; returns its info. */
static bool wait_state(domid_t d, uint8_t state, struct skiff_dominfo *info)
{
	for (uint64_t end = rt_now_ns() + 5000000000ULL; rt_now_ns() < end;) {
		if (po_info(d, info) == 0 && info->state == state)
			return true;
		hyp_sched_op(SCHEDOP_yield, 0);
	}
	return false;
}

static void run_checks(domid_t d)
{
	struct skiff_dominfo info;

	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_pausedomain, d), 0, "pause of the created domain");
	tc_check(po_info(d, &info) == 0 && info.pause_count == 2 && info.state == SKIFF_DOMSTATE_created,
		 "paused twice, still created");
	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_unpausedomain, d), 0, "one unpause");
	tc_check(po_info(d, &info) == 0 && info.pause_count == 1 && info.state == SKIFF_DOMSTATE_created,
		 "paused once, still created");
	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_unpausedomain, d), 0, "the last unpause starts it");
	tc_check(wait_state(d, SKIFF_DOMSTATE_shutdown, &info), "it reaches state shutdown (state %u)", info.state);
	tc_check(info.shutdown_reason == SHUTDOWN_poweroff && info.pause_count == 0 && info.cpu_time_ns > 0,
		 "by SCHEDOP_shutdown(poweroff) through its hypercall page, after %lu ns of CPU",
		 (unsigned long)info.cpu_time_ns);
	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_pausedomain, d), -XEN_EINVAL, "pause of a shut-down domain");
	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_unpausedomain, d), -XEN_EINVAL, "unpause of a shut-down domain");
	tc_expect_eq(setctx(d, 0, &ctx), -XEN_EINVAL, "a context for a shut-down domain");
	tc_expect_eq(seed(d, 0, 0, 0, 0), -XEN_EBUSY, "a seed once it ran");
}

/* The second domain loops on SCHEDOP_yield: pause stops it, unpause lets it go, dom0 shuts it down. */
static void looper_checks(domid_t d2)
{
	struct skiff_dominfo info;
	struct sched_remote_shutdown rs = { .domain_id = d2, .reason = SHUTDOWN_poweroff };
	uint64_t t0;

	for (unsigned int i = 0; i < NR_PAGES; i++)
		mfns[i] = i;
	tc_expect_eq(po_reservation(XENMEM_populate_physmap, d2, mfns, 11, 0), 11, "11 frames for the looper");
	write_code(d2, SCHEDOP_yield);
	write_tables(d2);
	tc_expect_eq(po_pin(MMUEXT_PIN_L4_TABLE, mfns[PFN_L4], d2), 0, "the looper's L4 pinned");
	tc_expect_eq(hypercall_init(d2, mfns[PFN_HCALL]), 0, "its hypercall page");
	good_ctx();
	tc_expect_eq(setctx(d2, 0, &ctx), 0, "its context");
	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_unpausedomain, d2), 0, "started");
	tc_check(wait_state(d2, SKIFF_DOMSTATE_running, &info) && info.online_vcpus == 1, "running, vCPU 0 up");
	for (uint64_t end = rt_now_ns() + 5000000000ULL; info.cpu_time_ns == 0 && rt_now_ns() < end;)
		if (po_info(d2, &info) == 0 && info.cpu_time_ns == 0)
			hyp_sched_op(SCHEDOP_yield, 0);
	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_pausedomain, d2), 0, "paused");
	tc_check(po_info(d2, &info) == 0 && info.state == SKIFF_DOMSTATE_paused && info.pause_count == 1,
		 "state paused, count 1");
	tc_expect_eq(setctx(d2, 0, &ctx), -XEN_EBUSY, "a context for its vCPU that is up (paused domain)");
	t0 = info.cpu_time_ns;
	tc_check(t0 > 0, "it had run before the pause (%lu ns)", (unsigned long)t0);
	for (unsigned int i = 0; i < 20; i++)
		hyp_sched_op(SCHEDOP_yield, 0);
	tc_check(po_info(d2, &info) == 0 && info.cpu_time_ns == t0, "a paused domain gets no CPU time");
	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_unpausedomain, d2), 0, "unpaused");
	tc_check(po_info(d2, &info) == 0 && info.state == SKIFF_DOMSTATE_running, "running again");
	for (uint64_t end = rt_now_ns() + 5000000000ULL; info.cpu_time_ns == t0 && rt_now_ns() < end;)
		if (po_info(d2, &info) == 0 && info.cpu_time_ns == t0)
			hyp_sched_op(SCHEDOP_yield, 0);
	tc_check(info.cpu_time_ns > t0, "and it gets CPU time again (%lu ns more)", (unsigned long)(info.cpu_time_ns - t0));
	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_unpausedomain, d2), -XEN_EINVAL, "an unpause too many");
	tc_expect_eq(hyp_sched_op(SCHEDOP_remote_shutdown, RT_PTR(&rs)), 0, "dom0 shuts it down");
	tc_check(wait_state(d2, SKIFF_DOMSTATE_shutdown, &info) && info.shutdown_reason == SHUTDOWN_poweroff,
		 "the looper is shut down");
}

/* Hostile arguments from dom0 itself: each gets its documented error and the domain's info is unchanged. */
static void hostile_checks(domid_t d)
{
	struct skiff_dominfo before, after;
	struct skiff_domctl op;

	tc_expect_eq(po_info(d, &before), 0, "info before the hostile calls");
	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_pausedomain, DOMID_SELF), -XEN_EINVAL, "pause of DOMID_SELF");
	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_pausedomain, 0), -XEN_EINVAL, "pause of dom0 itself");
	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_pausedomain, DOMID_FIRST_RESERVED + 1), -XEN_EINVAL,
		     "pause of a reserved domid");
	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_unpausedomain, 4000), -XEN_ESRCH, "unpause of no domain");
	po_op(&op, SKIFF_DOMCTL_pausedomain);
	op.u.dom.domid = d;
	op.u.dom.pad[2] = 1;
	tc_expect_eq(po_domctl(&op), -XEN_EINVAL, "pause with a non-zero pad");
	tc_expect_eq(po_info(d, (struct skiff_dominfo *)RT_BAD_PTR_HYPERVISOR), -XEN_EFAULT,
		     "getdomaininfo into the hypervisor");
	tc_expect_eq(po_info(d, (struct skiff_dominfo *)RT_BAD_PTR_NONCANON), -XEN_EFAULT,
		     "getdomaininfo into a non-canonical buffer");
	tc_expect_eq(po_info(DOMID_SELF, &after), -XEN_EINVAL, "getdomaininfo of DOMID_SELF");
	tc_expect_eq(po_info(3000, &after), -XEN_ESRCH, "getdomaininfo of no domain");
	po_op(&op, SKIFF_DOMCTL_max_mem);
	op.u.mem.domid = 0x7ff4;
	tc_expect_eq(po_domctl(&op), -XEN_EINVAL, "max_mem of DOMID_INVALID");
	tc_expect_eq(seed(0, 0, 0, 0, 0), -XEN_EINVAL, "a seed for dom0 itself");
	po_op(&op, SKIFF_DOMCTL_gnttab_seed);
	op.u.seed.domid = d;
	op.u.seed.backend = d;
	tc_expect_eq(po_domctl(&op), -XEN_EINVAL, "a seed naming the domain as its own backend");
	op.u.seed.backend = DOMID_SELF;
	tc_expect_eq(po_domctl(&op), -XEN_EINVAL, "a seed naming DOMID_SELF as backend");
	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_destroydomain, DOMID_SELF), -XEN_EINVAL, "destroydomain of DOMID_SELF");
	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_destroydomain, 0), -XEN_EBUSY, "destroydomain of dom0 itself");
	tc_expect_eq(po_dom_cmd(SKIFF_DOMCTL_destroydomain, 0x7fef), -XEN_ESRCH, "destroydomain of no domain");
	tc_expect_eq(po_info(d, &after), 0, "info after them");
	tc_check(memcmp(&before, &after, sizeof(before)) == 0, "nothing of the domain changed");
}

static uint64_t module_read(uint32_t index, uint32_t flags, uint64_t offset, void *buf, uint64_t len, long *rc,
			    uint64_t *size)
{
	struct skiff_domctl op;

	po_op(&op, SKIFF_DOMCTL_boot_module);
	op.u.module.index = index;
	op.u.module.flags = flags;
	op.u.module.offset = offset;
	op.u.module.buffer = RT_PTR(buf);
	op.u.module.buffer_len = len;
	*rc = po_domctl(&op);
	*size = op.u.module.size;
	return op.u.module.copied;
}

/* Byte pos of module 0 as CMake wrote it: line n is "privops module line NNNN\n". */
static uint8_t module0_byte(uint64_t pos)
{
	static char line[MOD_LINE_LEN + 1];
	static uint64_t cached = ~0ULL;
	uint64_t n = pos / MOD_LINE_LEN;

	if (n != cached) {
		snprintf(line, sizeof(line), "privops module line %04lu\n", (unsigned long)n);
		cached = n;
	}
	return (uint8_t)line[pos % MOD_LINE_LEN];
}

static void module_checks(void)
{
	uint64_t size = 0, off = 0, copied, calls = 0;
	bool same = true;
	long rc;
	char str[64];

	/* Module 0 in pieces: each call copies at most 64 KiB; every byte must be the one CMake wrote. */
	for (;;) {
		copied = module_read(0, 0, off, modbuf, sizeof(modbuf), &rc, &size);
		if (rc || !copied || copied > SKIFF_MODULE_COPY_MAX)
			break;
		calls++;
		for (uint64_t i = 0; same && i < copied; i++)
			same = modbuf[i] == module0_byte(off + i);
		off += copied;
	}
	tc_check(rc == 0 && same && size == MOD_LINES * MOD_LINE_LEN && off == size && calls >= 3,
		 "module 0 read back byte-exactly: %lu bytes in %lu calls of at most 64 KiB", (unsigned long)off,
		 (unsigned long)calls);
	copied = module_read(1, 0, 0, modbuf, sizeof(modbuf), &rc, &size);
	same = rc == 0 && copied == MOD1_LEN && size == MOD1_LEN;
	for (uint64_t i = 0; same && i < MOD1_LEN; i++)
		same = modbuf[i] == (uint8_t)('a' + i % 26);
	tc_check(same, "module 1: %lu bytes, byte-exact", (unsigned long)copied);
	copied = module_read(1, SKIFF_MODULE_cmdline, 0, str, sizeof(str), &rc, &size);
	tc_check(rc == 0 && size == sizeof(MOD1_STRING) && copied == size && strcmp(str, MOD1_STRING) == 0,
		 "module 1's string after its path: '%s'", str);
	copied = module_read(1, 0, MOD1_LEN, modbuf, 16, &rc, &size);
	tc_check(rc == 0 && copied == 0, "reading at its end copies nothing");
	module_read(1, 0, MOD1_LEN + 1, modbuf, 16, &rc, &size);
	tc_expect_eq(rc, -XEN_EINVAL, "an offset past its end");
	module_read(1, 0, 1ULL << 63, modbuf, 16, &rc, &size);
	tc_expect_eq(rc, -XEN_EINVAL, "a huge offset");
	module_read(0, 0, 0, (void *)RT_BAD_PTR_HYPERVISOR, 4096, &rc, &size);
	tc_expect_eq(rc, -XEN_EFAULT, "a buffer in the hypervisor");
	module_read(0, 0, 0, (void *)(RT_BAD_PTR_NONCANON - 8), 4096, &rc, &size);
	tc_expect_eq(rc, -XEN_EFAULT, "a buffer running into non-canonical space");
	module_read(0, 1u << 5, 0, modbuf, 16, &rc, &size);
	tc_expect_eq(rc, -XEN_EINVAL, "an unknown flag");
	module_read(2, 0, 0, modbuf, 16, &rc, &size);
	tc_expect_eq(rc, -XEN_ENOENT, "past the last module");
	module_read(0xffffffffu, 0, 0, modbuf, 16, &rc, &size);
	tc_expect_eq(rc, -XEN_ENOENT, "index 2^32-1");
	{
		struct skiff_domctl op;

		po_op(&op, SKIFF_DOMCTL_release_modules);
		tc_expect_eq(po_domctl(&op), 0, "release_modules");
		tc_expect_eq(po_domctl(&op), 0, "a second release is harmless");
	}
	module_read(0, 0, 0, modbuf, 16, &rc, &size);
	tc_expect_eq(rc, -XEN_ENOENT, "module 0 after the release");
}

void test_main(void)
{
	domid_t d = 0, d2 = 0;

	if (!(rt_boot.si->flags & SIF_INITDOMAIN)) {
		tc_error("privops_dom0 must run as dom0");
		return;
	}
	if (rt_page_init() < 0) {
		tc_error("no free frames");
		return;
	}
	create_checks(&d, &d2);
	if (d != 1 || d2 != 2)
		return;
	populate_checks(d);
	foreign_map_checks(d);
	write_code(d, SCHEDOP_shutdown);
	write_tables(d);
	pin_checks(d);
	hypercall_page_checks(d);
	ring_checks(d);
	context_checks(d);
	hostile_checks(d);
	run_checks(d);
	looper_checks(d2);
	module_checks();
	readconsole_checks();
}
