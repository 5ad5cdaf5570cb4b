/* Unit tests of the frame-independent vCPU context checks (hv/common/vcpu_context_check.c): each field's rule, one at a time. */
#include <check.h>
#include <string.h>
#include <hv/vcpu_context.h>
#include <pvabi/errno.h>

static struct vcpu_guest_context c;

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

START_TEST(a_good_context_passes)
{
	good();
	ck_assert_int_eq(vcpu_context_check_fields(&c), 0);
	/* RPL 0 selectors are taken as the ring-3 ones (Xen's fix-up). */
	c.user_regs.cs = FLAT_KERNEL_CS & ~3;
	c.kernel_ss = FLAT_KERNEL_SS & ~3;
	ck_assert_int_eq(vcpu_context_check_fields(&c), 0);
	/* Low-half addresses, callbacks and handlers that are canonical pass too. */
	c.user_regs.rip = 0x400000;
	c.event_callback_eip = 0x401000;
	c.trap_ctxt[14].address = 0x00007ffffffff000ULL;
	c.fs_base = 0xffff880000000000ULL;	/* data bases may point anywhere canonical */
	ck_assert_int_eq(vcpu_context_check_fields(&c), 0);
}
END_TEST

/* Each mutation alone must be refused. */
#define REFUSE(stmt) do { good(); stmt; ck_assert_msg(vcpu_context_check_fields(&c) == -XEN_EINVAL, "%s", #stmt); } while (0)

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
}
END_TEST

START_TEST(fpu_only_read_when_valid)
{
	uint32_t m = 0xffffffff;

	good();
	memcpy(c.fpu_ctxt + 24, &m, 4);
	ck_assert_int_eq(vcpu_context_check_fields(&c), 0);	/* not VGCF_i387_valid: the default state is used */
	c.flags |= VGCF_i387_valid;
	ck_assert_int_eq(vcpu_context_check_fields(&c), -XEN_EINVAL);
	m = 0x1f80;
	memcpy(c.fpu_ctxt + 24, &m, 4);
	ck_assert_int_eq(vcpu_context_check_fields(&c), 0);
	c.gdt_ents = 14 * 512;
	ck_assert_int_eq(vcpu_context_check_fields(&c), 0);
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
	suite_add_tcase(s, tc);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}
