/* SPDX-License-Identifier: MIT */
/* Unit tests of the one vCPU context decode (hv/common/vcpu_context_check.c): each field's rule for setvcpucontext and VCPUOP_initialise, and what the decode hands to the commit. */
#include <check.h>
#include <string.h>
#include <hv/vcpu_context.h>
#include <pvabi/errno.h>

#define CPU_MXCSR_MASK	0xffffu		/* a CPU with DAZ */

static struct vcpu_guest_context c;
static struct vcpu_ctx_plan p;

static void good(void)
{
	memset(&c, 0, sizeof(c));
	c.flags = VGCF_in_kernel | VGCF_online;
	c.user_regs.rip = 0xffffffff81000000ULL;
	c.user_regs.rsp = 0xffffffff81800000ULL;
	c.user_regs.cs = FLAT_KERNEL_CS;
	c.user_regs.ss = FLAT_KERNEL_SS;
	c.kernel_ss = FLAT_KERNEL_SS;
	c.kernel_sp = 0xffffffff81800000ULL;
	c.ctrlreg[3] = 0x1234000;
}

/* The decode works on its own copy, as both callers' copy_from_guest gives it one. */
static int decode(enum vcpu_ctx_caller who)
{
	memset(&p, 0xa5, sizeof(p));
	p.c = c;
	return vcpu_context_decode(&p, who, CPU_MXCSR_MASK);
}

static int domctl(void)
{
	return decode(VCPU_CTX_DOMCTL);
}

static int initialise(void)
{
	return decode(VCPU_CTX_INITIALISE);
}

START_TEST(a_good_context_passes)
{
	good();
	ck_assert_int_eq(domctl(), 0);
	ck_assert_int_eq(initialise(), 0);
	/* RPL 0 selectors are taken as the ring-3 ones (Xen's fix-up). */
	c.user_regs.cs = FLAT_KERNEL_CS & ~3;
	c.kernel_ss = FLAT_KERNEL_SS & ~3;
	ck_assert_int_eq(domctl(), 0);
	ck_assert_int_eq(p.c.user_regs.cs, FLAT_KERNEL_CS);
	ck_assert_int_eq(p.c.kernel_ss, FLAT_KERNEL_SS);
	/* Low-half addresses, callbacks and handlers that are canonical pass too. */
	c.user_regs.rip = 0x400000;
	c.event_callback_eip = 0x401000;
	c.trap_ctxt[14].address = 0x00007ffffffff000ULL;
	c.fs_base = 0xffff880000000000ULL;	/* data bases may point anywhere canonical */
	ck_assert_int_eq(domctl(), 0);
	ck_assert_int_eq(initialise(), 0);
}
END_TEST

/* Each mutation alone must be refused, by the caller named. */
#define REFUSE_BY(call, stmt) do { good(); stmt; ck_assert_msg(call() == -XEN_EINVAL, #call ": %s", #stmt); } while (0)
#define REFUSE(stmt) REFUSE_BY(domctl, stmt)
#define REFUSE_BOTH(stmt) do { REFUSE_BY(domctl, stmt); REFUSE_BY(initialise, stmt); } while (0)
#define ACCEPT_BY(call, stmt) do { good(); stmt; ck_assert_msg(call() == 0, #call ": %s", #stmt); } while (0)

START_TEST(each_bad_field_refused)
{
	REFUSE(c.flags = VGCF_online);
	REFUSE(c.flags |= 1ULL << 6);
	REFUSE(c.flags |= 1ULL << 63);
	REFUSE(c.user_regs.rip = 0x0000800000000000ULL);
	REFUSE(c.user_regs.rip = 0xffff7fffffffffffULL);
	REFUSE(c.user_regs.rip = 0xffff800000000000ULL);
	REFUSE(c.user_regs.rip = 0xffff87ffffffffffULL);
	REFUSE(c.user_regs.rsp = 0x8000000000000000ULL);
	REFUSE(c.kernel_sp = 0x0000800000000000ULL);
	REFUSE(c.fs_base = 0x0001000000000000ULL);
	REFUSE(c.gs_base_kernel = 0xfff0000000000000ULL);
	REFUSE(c.gs_base_user = 0x0000800000001000ULL);
	REFUSE(c.event_callback_eip = 0xffff830000000000ULL);
	REFUSE(c.failsafe_callback_eip = 0x0000800000000000ULL);
	REFUSE(c.syscall_callback_eip = 0xffff800000001000ULL);
	REFUSE(c.trap_ctxt[0].address = 0x1000000000000000ULL);
	REFUSE(c.trap_ctxt[255].address = 0xffff840000000000ULL);
	REFUSE(c.ldt_ents = 1);
	REFUSE(c.ldt_base = 0x1000);
	REFUSE(c.user_regs.cs = 0xe008);	/* the hypervisor's code selector */
	REFUSE(c.user_regs.cs = FLAT_USER_CS + 8);
	REFUSE(c.user_regs.ss = 0x18);
	REFUSE(c.kernel_ss = 0);
	REFUSE(c.gdt_ents = 14 * 512 + 1);
	REFUSE({ uint32_t m = 0x1f80 | (1u << 16); c.flags |= VGCF_i387_valid; memcpy(c.fpu_ctxt + 24, &m, 4); });
	REFUSE({ uint32_t m = 0x1f80 | (1u << 6); c.flags |= VGCF_i387_valid; memcpy(c.fpu_ctxt + 24, &m, 4); });
	REFUSE(c.ctrlreg[3] |= 0x18);
	REFUSE(c.ctrlreg[1] = 0x5678000 | 1);
	REFUSE(c.debugreg[7] = 1ULL << 13);
}
END_TEST

START_TEST(fpu_only_read_when_valid)
{
	uint32_t m = 0xffffffff;

	good();
	memcpy(c.fpu_ctxt + 24, &m, 4);
	ck_assert_int_eq(domctl(), 0);	/* not VGCF_i387_valid: the default state is used */
	c.flags |= VGCF_i387_valid;
	ck_assert_int_eq(domctl(), -XEN_EINVAL);
	m = 0x1f80;
	memcpy(c.fpu_ctxt + 24, &m, 4);
	ck_assert_int_eq(domctl(), 0);
	c.gdt_ents = 14 * 512;
	ck_assert_int_eq(domctl(), 0);
}
END_TEST

/* VCPUOP_initialise's checks (as Xen 4.17's arch_set_info_guest), one field at a time. */
START_TEST(initialise_refuses_each_bad_field)
{
	REFUSE_BOTH(c.user_regs.rip = 0x0000800000000000ULL);
	REFUSE_BOTH(c.user_regs.rsp = 0xff00000000000000ULL);
	REFUSE_BOTH(c.kernel_sp = 0x0000800000000000ULL);
	REFUSE_BOTH(c.fs_base = 0x0001000000000000ULL);
	REFUSE_BOTH(c.gs_base_kernel = 0xfff0000000000000ULL);
	REFUSE_BOTH(c.gs_base_user = 0x0000800000001000ULL);
	REFUSE_BOTH(c.event_callback_eip = 0xffff830000000000ULL);
	REFUSE_BOTH(c.event_callback_eip = 0x0000800000000000ULL);
	REFUSE_BOTH(c.failsafe_callback_eip = 0xffff87ffffffffffULL);
	REFUSE_BOTH(c.syscall_callback_eip = 0xffff800000000000ULL);
	for (unsigned int v = 0; v < 256; v += 51) {
		REFUSE_BOTH(c.trap_ctxt[v].address = 0xffff848000000000ULL);
		REFUSE_BOTH(c.trap_ctxt[v].address = 0x8000000000000000ULL);
	}
	REFUSE_BOTH(c.ldt_ents = 1);
	REFUSE_BOTH(c.ldt_ents = 8193);
	REFUSE_BOTH(c.ldt_base = 0x1008);
	REFUSE_BOTH(c.ldt_base = 0x0000800000000000ULL);
	REFUSE_BOTH(c.gdt_ents = 14 * 512 + 1);
	REFUSE_BOTH(c.gdt_ents = ~0ULL);
	/* Guest user mode needs a user L4 to run on. */
	REFUSE_BOTH(c.flags = 0);
	/* Debug registers as set_debugreg takes them. */
	REFUSE_BOTH(c.debugreg[0] = 0xffff830000000000ULL);
	REFUSE_BOTH(c.debugreg[3] = 0xffff7ffffffffffcULL);	/* its last byte in the hypervisor's slots */
	REFUSE_BOTH(c.debugreg[1] = 0x0000800000000000ULL);
	REFUSE_BOTH(c.debugreg[7] = 1ULL << 13);		/* GD */
	REFUSE_BOTH(c.debugreg[7] = 1 | (2ULL << 16));		/* an enabled I/O breakpoint */
	REFUSE_BOTH(c.debugreg[7] = 1ULL << 32);
}
END_TEST

/* Where Xen's VCPUOP_initialise is looser than Skiff's own domctl, it stays so. */
START_TEST(initialise_takes_what_xen_takes)
{
	uint32_t m = 0xffffffff;

	ACCEPT_BY(initialise, c.user_regs.rip = 0xffff830000000000ULL);	/* canonical: the guest faults, not us */
	ACCEPT_BY(initialise, c.flags |= 1ULL << 40);
	ACCEPT_BY(initialise, c.ctrlreg[3] |= 0x18);
	ACCEPT_BY(initialise, c.ldt_base = 0xffff880000001000ULL);
	ACCEPT_BY(initialise, c.user_regs.cs = (1 << 3) | 3);	/* checked against its GDT once frames are taken */
	ACCEPT_BY(initialise, { c.flags = VGCF_online; c.ctrlreg[1] = 0x5678000; });
	ck_assert_int_eq(p.l4_user, 0x5678);
	ck_assert(!p.kernel_mode);
	ACCEPT_BY(initialise, { c.flags |= VGCF_i387_valid; memcpy(c.fpu_ctxt + 24, &m, 4); });
	memcpy(&m, p.c.fpu_ctxt + 24, 4);
	ck_assert_uint_eq(m, CPU_MXCSR_MASK);		/* what the CPU lacks is cleared, not refused */
	ACCEPT_BY(initialise, c.debugreg[4] = ~0ULL);	/* 4 and 5 are not in the context */
}
END_TEST

/* What the commit will write, for both callers alike. */
START_TEST(decoded_state)
{
	uint16_t fcw;
	uint32_t m;

	for (int who = VCPU_CTX_INITIALISE; who <= VCPU_CTX_DOMCTL; who++) {
		good();
		c.user_regs.rflags = 0x3000 | (1 << 14) | (1 << 17) | (1 << 16) | (1 << 18) | 0x1 | 0x100;
		c.user_regs.ss = FLAT_KERNEL_SS & ~3;
		c.trap_ctxt[3].cs = FLAT_KERNEL_CS & ~3;
		c.ctrlreg[0] = 1 << 3;
		c.gdt_ents = 513;
		c.gdt_frames[0] = 0x111;
		c.gdt_frames[1] = 0x222;
		c.gdt_frames[2] = 0x333;	/* beyond gdt_ents: not a frame of the GDT */
		c.debugreg[0] = 0x1000;
		c.debugreg[6] = ~0ULL;
		c.debugreg[7] = 0x1 | (1ULL << 16);
		memset(c.fpu_ctxt, 0xee, sizeof(c.fpu_ctxt));	/* not VGCF_i387_valid: ignored */
		ck_assert_int_eq(decode((enum vcpu_ctx_caller)who), 0);
		ck_assert_uint_eq(p.rflags, 0x1 | (1 << 18) | 0x200);	/* CF AC, and IF; not TF, IOPL, NT, RF, VM */
		ck_assert_uint_eq(p.iopl, 3);
		ck_assert(p.kernel_mode);
		ck_assert(p.guest_ts);
		ck_assert_uint_eq(p.c.user_regs.ss, FLAT_KERNEL_SS);
		ck_assert_uint_eq(p.c.trap_ctxt[3].cs, FLAT_KERNEL_CS);
		ck_assert_uint_eq(p.l4, 0x1234);
		ck_assert_uint_eq(p.l4_user, MFN_INVALID);
		ck_assert_uint_eq(p.gdt_nr_frames, 2);
		ck_assert_uint_eq(p.gdt[0], 0x111);
		ck_assert_uint_eq(p.gdt[1], 0x222);
		ck_assert_uint_eq(p.gdt[2], MFN_INVALID);
		ck_assert(!p.l4_taken && !p.l4_user_taken && !p.gdt_taken);
		ck_assert_uint_eq(p.debugreg[0], 0x1000);
		ck_assert_uint_eq(p.debugreg[6], 0xffffefffULL);
		ck_assert_uint_eq(p.debugreg[7], 0x401 | (1ULL << 16));
		memcpy(&fcw, p.c.fpu_ctxt, 2);
		memcpy(&m, p.c.fpu_ctxt + 24, 4);
		ck_assert_uint_eq(fcw, 0x037f);
		ck_assert_uint_eq(m, 0x1f80);
		ck_assert_uint_eq(p.c.fpu_ctxt[100], 0);
	}
}
END_TEST

START_TEST(debugreg_rule)
{
	uint64_t v;

	v = 0x00007ffffffffff8ULL;
	ck_assert_int_eq(vcpu_debugreg_check(0, &v), 0);
	v = 0x00007ffffffffff9ULL;		/* its last byte not canonical */
	ck_assert_int_eq(vcpu_debugreg_check(0, &v), -XEN_EPERM);
	v = HYPERVISOR_VIRT_END;
	ck_assert_int_eq(vcpu_debugreg_check(2, &v), 0);
	v = HYPERVISOR_VIRT_END - 1;
	ck_assert_int_eq(vcpu_debugreg_check(2, &v), -XEN_EPERM);
	v = 0;
	ck_assert_int_eq(vcpu_debugreg_check(6, &v), 0);
	ck_assert_uint_eq(v, 0xffff0ff0ULL);
	v = 0xffffffffULL << 32;
	ck_assert_int_eq(vcpu_debugreg_check(7, &v), -XEN_EINVAL);
	v = 0xd800;				/* reserved bits: cleared */
	ck_assert_int_eq(vcpu_debugreg_check(7, &v), 0);
	ck_assert_uint_eq(v, 0x400);
	v = 0x2 | (2ULL << 20);			/* breakpoint 1 enabled as I/O */
	ck_assert_int_eq(vcpu_debugreg_check(7, &v), -XEN_EPERM);
	v = 0x1 | (2ULL << 20);			/* only breakpoint 0 enabled: 1's I/O type is not armed, yet refused as Xen */
	ck_assert_int_eq(vcpu_debugreg_check(7, &v), -XEN_EPERM);
	v = 2ULL << 20;				/* nothing enabled */
	ck_assert_int_eq(vcpu_debugreg_check(7, &v), 0);
	ck_assert_int_eq(vcpu_debugreg_check(4, &v), -XEN_ENODEV);
	ck_assert_int_eq(vcpu_debugreg_check(8, &v), -XEN_ENODEV);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vcpu_context");
	TCase *tc = tcase_create("core");
	SRunner *r;
	int failed;

	tcase_add_test(tc, a_good_context_passes);
	tcase_add_test(tc, each_bad_field_refused);
	tcase_add_test(tc, fpu_only_read_when_valid);
	tcase_add_test(tc, initialise_refuses_each_bad_field);
	tcase_add_test(tc, initialise_takes_what_xen_takes);
	tcase_add_test(tc, decoded_state);
	tcase_add_test(tc, debugreg_rule);
	suite_add_tcase(s, tc);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}
