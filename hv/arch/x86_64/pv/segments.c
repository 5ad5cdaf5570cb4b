/* SPDX-License-Identifier: MIT */
/* A PV vCPU's data segment selectors: its own across context switches, and the GS selector set_segment_base loads. */
#include <asm/domain.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <hv/domain.h>

/*
 * Each loads sel from ring 0 and answers true, or, when the guest's tables
 * refuse it (#GP or #NP, fixed up through the exception table), loads the
 * null selector and answers false. Xen enters the failsafe callback there;
 * a vCPU whose selector no longer loads here sees null instead.
 */
#define DEFINE_LOAD_SEL(reg)								\
static bool load_##reg(uint16_t sel)							\
{											\
	uint32_t ok = 1;								\
											\
	__asm__ volatile("1:	movw %w1, %%" #reg "\n\t"				\
			 "	jmp 3f\n"						\
			 "2:	xorl %0, %0\n\t"					\
			 "	movw %w0, %%" #reg "\n"					\
			 "3:\n\t"							\
			 ".pushsection .ex_table, \"a\"\n\t"				\
			 ".balign 8\n\t"						\
			 ".quad 1b, 2b\n\t"						\
			 ".popsection"							\
			 : "+r"(ok) : "r"(sel) : "memory");				\
	return ok != 0;									\
}
DEFINE_LOAD_SEL(ds)
DEFINE_LOAD_SEL(es)
DEFINE_LOAD_SEL(fs)
DEFINE_LOAD_SEL(gs)

#define READ_SEL(reg) ({ uint16_t s_; __asm__ volatile("movw %%" #reg ", %0" : "=r"(s_)); s_; })

void pv_segments_save(struct vcpu *v)
{
	v->arch.sel_ds = READ_SEL(ds);
	v->arch.sel_es = READ_SEL(es);
	v->arch.sel_fs = READ_SEL(fs);
	v->arch.sel_gs = READ_SEL(gs);
}

/*
 * After the vCPU's GDT is shown (pv_show_gdt) and before its FS and GS
 * bases are written: a selector load sets the base from the descriptor,
 * the MSR writes that follow put back the base the vCPU had. A non-null
 * selector is always loaded again, as Xen does: the register may hold the
 * same number with the descriptor of another vCPU's tables cached behind
 * it (another domain's base and limit, which compatibility-mode code still
 * uses for DS and ES). Only a register already null for a null selector is
 * left alone (the usual case).
 */
static bool seg_stale(uint16_t now, uint16_t want)
{
	return want || now != want;
}

void pv_segments_load(const struct vcpu *v)
{
	if (seg_stale(READ_SEL(ds), v->arch.sel_ds))
		load_ds(v->arch.sel_ds);
	if (seg_stale(READ_SEL(es), v->arch.sel_es))
		load_es(v->arch.sel_es);
	if (seg_stale(READ_SEL(fs), v->arch.sel_fs))
		load_fs(v->arch.sel_fs);
	if (seg_stale(READ_SEL(gs), v->arch.sel_gs))
		load_gs(v->arch.sel_gs);
}

/*
 * set_segment_base(SEGBASE_GS_USER_SEL), from guest kernel mode: the
 * selector register takes sel (as after Xen's "swapgs; mov sel, %gs;
 * swapgs") while the active GS base stays the kernel's. Answers the
 * selector loaded: sel, or 0 if the guest's tables refuse it; *base is the
 * base the load took (0 for null). It is read back, not taken from the
 * caller's check: another vCPU of the guest may rewrite the descriptor
 * between that check and this load.
 */
uint16_t pv_load_user_gs_selector(uint16_t sel, uint64_t *base)
{
	uint64_t kernel_base = rdmsr(MSR_GS_BASE);
	bool ok = load_gs(sel);

	/* A null load leaves the base as it was on AMD: null means 0 here, as Xen records it. */
	*base = ok && sel > 3 ? rdmsr(MSR_GS_BASE) : 0;
	wrmsr(MSR_GS_BASE, kernel_base);
	return ok ? sel : 0;
}
